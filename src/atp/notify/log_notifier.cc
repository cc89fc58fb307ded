#include "atp/notify/log_notifier.h"

namespace atp::notify {
namespace {

class LogNotifier : public Notifier {
 public:
  LogNotifier(std::ostream& out, Clock& clock) : out_(out), clock_(clock) {}

  const std::string& destination() const override { return destination_; }

  absl::Status Notify(const Notification& notification, const DeliveryHooks& hooks) override {
    if (hooks.before_attempt) {
      if (absl::Status claimed = hooks.before_attempt(1); !claimed.ok()) return claimed;
    }
    out_ << "notify " << notification.event_id << " " << notification.body << "\n";
    out_.flush();
    if (hooks.record) {
      hooks.record(
          {.destination = destination_, .attempt = 1, .delivered = true, .time = clock_.Now()});
    }
    return absl::OkStatus();
  }

 private:
  const std::string destination_ = "log";
  std::ostream& out_;
  Clock& clock_;
};

}  // namespace

std::unique_ptr<Notifier> MakeLogNotifier(std::ostream& out, Clock& clock) {
  return std::make_unique<LogNotifier>(out, clock);
}

}  // namespace atp::notify
