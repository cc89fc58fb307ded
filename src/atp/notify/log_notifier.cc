#include "atp/notify/log_notifier.h"

namespace atp::notify {
namespace {

class LogNotifier : public Notifier {
 public:
  LogNotifier(std::ostream& out, Clock& clock) : out_(out), clock_(clock) {}

  absl::Status Notify(const Notification& notification, const AttemptRecorder& record) override {
    out_ << "notify " << notification.event_id << " " << notification.body << "\n";
    out_.flush();
    if (record) {
      record({.destination = "log", .attempt = 1, .delivered = true, .time = clock_.Now()});
    }
    return absl::OkStatus();
  }

 private:
  std::ostream& out_;
  Clock& clock_;
};

}  // namespace

std::unique_ptr<Notifier> MakeLogNotifier(std::ostream& out, Clock& clock) {
  return std::make_unique<LogNotifier>(out, clock);
}

}  // namespace atp::notify
