#include "atp/notify/webhook_notifier.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <mutex>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace atp::notify {
namespace {

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct HeaderListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

size_t DiscardBody(char*, size_t size, size_t count, void*) { return size * count; }

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

  absl::Status Notify(const Notification& notification, const AttemptRecorder& record) override {
    absl::Status last;
    for (int attempt = 1; attempt <= options_.backoff.max_attempts; ++attempt) {
      if (attempt > 1) clock_.SleepFor(BackoffDelay(options_.backoff, attempt, UnitRandom()));
      const AttemptResult result = Post(notification);
      if (record) {
        record({.destination = options_.url,
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
    const std::string message = absl::StrCat(options_.url, " answered HTTP ", http);
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
