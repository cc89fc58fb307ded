// atp/notify/notifier.h
//
// Telling the partner how a job went. A Notifier delivers one event (retrying as it sees
// fit) and reports every attempt; the caller records attempts and never lets a delivery
// failure change the job's outcome.
#ifndef ATP_NOTIFY_NOTIFIER_H_
#define ATP_NOTIFY_NOTIFIER_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace atp::notify {

struct Notification {
  std::string event_id;  // Stable across re-sends of the same event: receivers dedupe on it.
  std::string body;      // JSON.
};

struct Attempt {
  std::string destination;  // The URL, or "log".
  int attempt = 1;
  int http_status = 0;  // 0 when there was no HTTP response.
  bool delivered = false;
  std::string error;  // Empty when delivered.
  absl::Time time;
};

struct DeliveryHooks {
  // Called before each attempt with its number; a non-OK status stops the delivery there,
  // unsent, and Notify returns it. The caller claims each attempt this way (it renews its
  // lease on the job), so no attempt goes out from a process that has lost the job.
  std::function<absl::Status(int attempt)> before_attempt;
  // Told of every attempt made.
  std::function<void(const Attempt&)> record;
};

class Notifier {
 public:
  virtual ~Notifier() = default;

  // Where notifications go (the URL, or "log"); Attempt::destination has the same text.
  [[nodiscard]] virtual const std::string& destination() const = 0;

  // OK once delivered; otherwise the last attempt's error (Unavailable, DeadlineExceeded, or
  // FailedPrecondition for an answer that retrying cannot fix, such as HTTP 400), or what
  // hooks.before_attempt returned.
  [[nodiscard]] virtual absl::Status Notify(const Notification& notification,
                                            const DeliveryHooks& hooks) = 0;
};

}  // namespace atp::notify

#endif  // ATP_NOTIFY_NOTIFIER_H_
