// atp/notify/webhook_notifier.h
//
// POSTs the notification's JSON body to a URL (libcurl) with
//   Content-Type: application/json
//   X-Atp-Event-Id: <event id>
//   X-Atp-Signature: sha256=<lower-case hex HMAC-SHA256 of the body under the secret>
// Retries transport errors, timeouts, 429 and 5xx with capped exponential backoff and jitter
// (waits through the Clock); any other non-2xx answer is final, a 3xx included: redirects are
// never followed.
//
// With an address policy (for URLs an untrusted party chose, see address_policy.h), every
// attempt first admits the URL: a refused URL makes one attempt (http_status 0, the reason as
// its error) and Notify returns FailedPrecondition at once; a host that does not resolve is
// Unavailable and retried. The request then goes only to the addresses the host resolved to
// (libcurl makes no lookup of its own, and a connection anywhere else is not opened), speaks
// http or https only, and uses no proxy from the environment.
#ifndef ATP_NOTIFY_WEBHOOK_NOTIFIER_H_
#define ATP_NOTIFY_WEBHOOK_NOTIFIER_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "atp/core/backoff.h"
#include "atp/core/clock.h"
#include "atp/notify/address_policy.h"
#include "atp/notify/notifier.h"

namespace atp::notify {

struct WebhookOptions {
  std::string url;
  std::string secret;  // Empty: no signature header.
  BackoffPolicy backoff{.max_attempts = 6, .initial = absl::Seconds(1), .max = absl::Seconds(30)};
  absl::Duration timeout = absl::Seconds(10);  // Per attempt.
  // Set for URLs from partners (a manifest's CallbackUrl); unset for the operator's own
  // ATP_WEBHOOK_URL, which is trusted and requested as it is.
  std::optional<AddressPolicy> address_policy;
};

[[nodiscard]] std::unique_ptr<Notifier> MakeWebhookNotifier(WebhookOptions options, Clock& clock);

// "sha256=" + hex HMAC-SHA256(secret, body).
[[nodiscard]] std::string SignatureHeader(std::string_view secret, std::string_view body);

// True when `header` is the signature of `body` under `secret` (constant-time comparison).
[[nodiscard]] bool VerifySignature(std::string_view secret, std::string_view body,
                                   std::string_view header);

}  // namespace atp::notify

#endif  // ATP_NOTIFY_WEBHOOK_NOTIFIER_H_
