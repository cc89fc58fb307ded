#include "atp/notify/webhook_notifier.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/socket.h>

#include <mutex>
#include <optional>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "atp/core/error_policy.h"

namespace atp::notify {
namespace {

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct HeaderListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

size_t DiscardBody(char*, size_t size, size_t count, void*) { return size * count; }

// libcurl's socket opener under an address policy (`admitted` is the AdmittedUrl): opens a
// socket only for a connection to an admitted address, whatever libcurl resolved.
curl_socket_t OpenAdmittedSocket(void* admitted, curlsocktype purpose, curl_sockaddr* address) {
  if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKET_BAD;
  const std::optional<IpAddress> to = IpAddress::FromSockaddr(address->addr, address->addrlen);
  if (!to.has_value() || !static_cast<const AdmittedUrl*>(admitted)->Allows(*to)) {
    return CURL_SOCKET_BAD;
  }
  return socket(address->family, address->socktype, address->protocol);
}

// Restricts `curl` to what `admitted` allows: its URL, its addresses with no lookup of
// libcurl's own, http and https, no proxy. `pins` receives the CURLOPT_RESOLVE list, which
// must outlive the transfer. Internal when libcurl refuses a setting.
absl::Status RestrictTo(CURL* curl, const AdmittedUrl& admitted,
                        std::unique_ptr<curl_slist, HeaderListDeleter>& pins) {
  curl_slist* raw_pins = nullptr;
  for (const std::string& entry : admitted.CurlResolveEntries()) {
    raw_pins = curl_slist_append(raw_pins, entry.c_str());
  }
  pins.reset(raw_pins);
  const std::pair<const char*, CURLcode> settings[] = {
    {"CURLOPT_URL", curl_easy_setopt(curl, CURLOPT_URL, admitted.url.c_str())},
    {"CURLOPT_RESOLVE", curl_easy_setopt(curl, CURLOPT_RESOLVE, pins.get())},
#if LIBCURL_VERSION_NUM >= 0x075500  // 7.85.0
    {"CURLOPT_PROTOCOLS_STR", curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https")},
    {"CURLOPT_REDIR_PROTOCOLS_STR",
     curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")},
#else
    {"CURLOPT_PROTOCOLS",
     curl_easy_setopt(curl, CURLOPT_PROTOCOLS, long{CURLPROTO_HTTP | CURLPROTO_HTTPS})},
    {"CURLOPT_REDIR_PROTOCOLS",
     curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS, long{CURLPROTO_HTTP | CURLPROTO_HTTPS})},
#endif
    {"CURLOPT_PROXY", curl_easy_setopt(curl, CURLOPT_PROXY, "")},
    {"CURLOPT_OPENSOCKETFUNCTION",
     curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, &OpenAdmittedSocket)},
    {"CURLOPT_OPENSOCKETDATA", curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, &admitted)},
  };
  for (const auto& [name, code] : settings) {
    if (code != CURLE_OK) {
      return absl::InternalError(
          absl::StrCat("libcurl refused ", name, ": ", curl_easy_strerror(code)));
    }
  }
  return absl::OkStatus();
}

struct AttemptResult {
  int http_status = 0;
  absl::Status status;  // OK when delivered.
  bool retriable = false;
};

class WebhookNotifier : public Notifier {
 public:
  WebhookNotifier(WebhookOptions options, Clock& clock)
      : options_(std::move(options)), clock_(clock) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  }

  const std::string& destination() const override { return options_.url; }

  absl::Status Notify(const Notification& notification, const DeliveryHooks& hooks) override {
    absl::Status last;
    for (int attempt = 1; attempt <= options_.backoff.max_attempts; ++attempt) {
      if (attempt > 1) clock_.SleepFor(BackoffDelay(options_.backoff, attempt, UnitRandom()));
      if (hooks.before_attempt) {
        if (absl::Status claimed = hooks.before_attempt(attempt); !claimed.ok()) return claimed;
      }
      const AttemptResult result = Post(notification);
      if (hooks.record) {
        hooks.record({.destination = options_.url,
                      .attempt = attempt,
                      .http_status = result.http_status,
                      .delivered = result.status.ok(),
                      .error = std::string(result.status.message()),
                      .time = clock_.Now()});
      }
      if (result.status.ok() || !result.retriable) return result.status;
      last = result.status;
    }
    return absl::Status(last.code(), absl::StrCat("gave up after ", options_.backoff.max_attempts,
                                                  " attempts: ", std::string(last.message())));
  }

 private:
  AttemptResult Post(const Notification& notification) {
    // Admitted anew at every attempt, so that the addresses checked are the ones connected to.
    std::optional<AdmittedUrl> admitted;
    if (options_.address_policy.has_value()) {
      absl::StatusOr<AdmittedUrl> checked = AdmitUrl(options_.url, *options_.address_policy);
      if (!checked.ok()) {
        return {0, checked.status(), IsRetriable(ActionFor(checked.status().code()))};
      }
      admitted = *std::move(checked);
    }
    std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    if (curl == nullptr) return {0, absl::ResourceExhaustedError("curl_easy_init failed"), true};
    curl_slist* raw_headers = curl_slist_append(nullptr, "Content-Type: application/json");
    raw_headers =
        curl_slist_append(raw_headers, ("X-Atp-Event-Id: " + notification.event_id).c_str());
    if (!options_.secret.empty()) {
      raw_headers = curl_slist_append(
          raw_headers,
          ("X-Atp-Signature: " + SignatureHeader(options_.secret, notification.body)).c_str());
    }
    std::unique_ptr<curl_slist, HeaderListDeleter> headers(raw_headers);
    curl_easy_setopt(curl.get(), CURLOPT_URL, options_.url.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_POST, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, notification.body.data());
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(notification.body.size()));
    curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(curl.get(), CURLOPT_USERAGENT, "atp");
    curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS,
                     static_cast<long>(absl::ToInt64Milliseconds(options_.timeout)));
    curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, &DiscardBody);
    curl_easy_setopt(curl.get(), CURLOPT_FOLLOWLOCATION, 0L);
    std::unique_ptr<curl_slist, HeaderListDeleter> pins;
    if (admitted.has_value()) {
      if (absl::Status restricted = RestrictTo(curl.get(), *admitted, pins); !restricted.ok()) {
        return {0, restricted, false};
      }
    }
    const CURLcode code = curl_easy_perform(curl.get());
    if (code != CURLE_OK) {
      const std::string message = absl::StrCat(options_.url, ": ", curl_easy_strerror(code));
      return {0,
              code == CURLE_OPERATION_TIMEDOUT ? absl::DeadlineExceededError(message)
                                               : absl::UnavailableError(message),
              true};
    }
    long status = 0;
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
    const int http = static_cast<int>(status);
    if (http >= 200 && http < 300) return {http, absl::OkStatus(), false};
    const std::string message =
        absl::StrCat(options_.url, " answered HTTP ", http,
                     http >= 300 && http < 400 ? " (redirects are not followed)" : "");
    if (http == 429 || http >= 500) return {http, absl::UnavailableError(message), true};
    return {http, absl::FailedPreconditionError(message), false};
  }

  WebhookOptions options_;
  Clock& clock_;
};

}  // namespace

std::unique_ptr<Notifier> MakeWebhookNotifier(WebhookOptions options, Clock& clock) {
  return std::make_unique<WebhookNotifier>(std::move(options), clock);
}

std::string SignatureHeader(std::string_view secret, std::string_view body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest, &length);
  return absl::StrCat("sha256=", absl::BytesToHexString(absl::string_view(
                                     reinterpret_cast<const char*>(digest), length)));
}

bool VerifySignature(std::string_view secret, std::string_view body, std::string_view header) {
  const std::string expected = SignatureHeader(secret, body);
  return header.size() == expected.size() &&
         CRYPTO_memcmp(header.data(), expected.data(), expected.size()) == 0;
}

}  // namespace atp::notify
