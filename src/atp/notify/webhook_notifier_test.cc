// The webhook notifier against a real HTTP receiver on 127.0.0.1, with a fake clock so
// backoff never sleeps.
#include "atp/notify/webhook_notifier.h"

#include <atomic>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "atp/notify/address_policy.h"
#include "atp/notify/log_notifier.h"
#include "atp/testing/fake_clock.h"
#include "atp/testing/status_matchers.h"
#include "atp/testing/webhook_receiver.h"
#include "gtest/gtest.h"

namespace atp::notify {
namespace {

using ::atp::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

const Notification kEvent{.event_id = "job-1-r1-job.failed",
                          .body = R"({"job_id":"job-1","state":"FAILED"})"};

WebhookOptions Options(const std::string& url, int attempts) {
  return {.url = url,
          .secret = "s3cret",
          .backoff = {.max_attempts = attempts,
                      .initial = absl::Seconds(1),
                      .max = absl::Seconds(30),
                      .jitter = 0.2},
          .timeout = absl::Seconds(5)};
}

// Hooks that keep every attempt in `attempts`.
DeliveryHooks Recording(std::vector<Attempt>& attempts) {
  return {.record = [&attempts](const Attempt& a) { attempts.push_back(a); }};
}

TEST(WebhookNotifier, RetriesUntilTheReceiverTakesItAndSignsTheBody) {
  testing::WebhookReceiver receiver({500, 500, 500, 200});
  atp::testing::FakeClock clock;
  std::vector<Attempt> attempts;
  auto notifier = MakeWebhookNotifier(Options(receiver.url(), 6), clock);
  ASSERT_OK(notifier->Notify(kEvent, Recording(attempts)));
  const std::vector<httplib::Request> requests = receiver.requests();
  ASSERT_EQ(requests.size(), 4u);
  const httplib::Request& delivered = requests.back();
  EXPECT_EQ(delivered.body, kEvent.body);
  EXPECT_EQ(delivered.get_header_value("X-Atp-Event-Id"), kEvent.event_id);
  EXPECT_EQ(delivered.get_header_value("Content-Type"), "application/json");
  const std::string signature = delivered.get_header_value("X-Atp-Signature");
  EXPECT_TRUE(VerifySignature("s3cret", delivered.body, signature));
  EXPECT_FALSE(VerifySignature("wrong secret", delivered.body, signature));
  EXPECT_FALSE(VerifySignature("s3cret", delivered.body + " ", signature));
  ASSERT_EQ(attempts.size(), 4u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(attempts[i].http_status, 500);
    EXPECT_FALSE(attempts[i].delivered);
  }
  EXPECT_EQ(attempts[3].http_status, 200);
  EXPECT_TRUE(attempts[3].delivered);
  const std::vector<absl::Duration> sleeps = clock.sleeps();
  ASSERT_EQ(sleeps.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const absl::Duration expected = absl::Seconds(1 << i);
    EXPECT_GE(sleeps[i], expected * 0.8) << i;
    EXPECT_LE(sleeps[i], expected * 1.2) << i;
  }
}

// The caller claims every attempt before it is sent; a refused claim (a lost lease) stops
// the delivery with nothing more sent.
TEST(WebhookNotifier, SendsNoAttemptTheCallerDoesNotClaim) {
  testing::WebhookReceiver receiver({503, 503, 200});
  atp::testing::FakeClock clock;
  std::vector<int> claimed;
  std::vector<Attempt> attempts;
  DeliveryHooks hooks = Recording(attempts);
  hooks.before_attempt = [&](int attempt) {
    claimed.push_back(attempt);
    return attempt < 2 ? absl::OkStatus() : absl::AbortedError("lease lost");
  };
  EXPECT_THAT(MakeWebhookNotifier(Options(receiver.url(), 6), clock)->Notify(kEvent, hooks),
              StatusIs(absl::StatusCode::kAborted, HasSubstr("lease lost")));
  EXPECT_EQ(claimed, (std::vector<int>{1, 2}));
  EXPECT_EQ(receiver.requests().size(), 1u);
  EXPECT_EQ(attempts.size(), 1u);
}

TEST(WebhookNotifier, AClientErrorIsFinal) {
  testing::WebhookReceiver receiver({400});
  atp::testing::FakeClock clock;
  auto notifier = MakeWebhookNotifier(Options(receiver.url(), 6), clock);
  EXPECT_THAT(notifier->Notify(kEvent, {}), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(receiver.requests().size(), 1u);
  EXPECT_TRUE(clock.sleeps().empty());
}

TEST(WebhookNotifier, GivesUpAfterMaxAttempts) {
  testing::WebhookReceiver receiver({503});
  atp::testing::FakeClock clock;
  auto notifier = MakeWebhookNotifier(Options(receiver.url(), 3), clock);
  EXPECT_THAT(notifier->Notify(kEvent, {}), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(receiver.requests().size(), 3u);
  EXPECT_EQ(clock.sleeps().size(), 2u);
}

TEST(WebhookNotifier, ReportsAnUnreachableReceiver) {
  testing::WebhookReceiver receiver({200});
  const std::string url = receiver.url();
  receiver.Stop();
  atp::testing::FakeClock clock;
  std::vector<Attempt> attempts;
  auto notifier = MakeWebhookNotifier(Options(url, 2), clock);
  EXPECT_FALSE(notifier->Notify(kEvent, Recording(attempts)).ok());
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].http_status, 0);
  EXPECT_FALSE(attempts[0].error.empty());
}

// Options for a partner's URL: the address policy with `allowed` networks.
WebhookOptions PartnerOptions(const std::string& url, int attempts, std::string_view allowed) {
  WebhookOptions options = Options(url, attempts);
  options.address_policy = AddressPolicy{.allowed_networks = ParseIpNetworkList(allowed).value()};
  return options;
}

// receiver.url() with `host` in place of 127.0.0.1.
std::string WithHost(const testing::WebhookReceiver& receiver, const std::string& host) {
  return absl::StrReplaceAll(receiver.url(), {{"127.0.0.1", host}});
}

TEST(WebhookNotifierWithAddressPolicy, RefusesLoopbackWithoutASingleRequest) {
  testing::WebhookReceiver receiver({200});
  atp::testing::FakeClock clock;
  std::vector<Attempt> attempts;
  auto notifier = MakeWebhookNotifier(PartnerOptions(receiver.url(), 6, ""), clock);
  const std::string refusal =
      "refused: callback host '127.0.0.1' resolves to 127.0.0.1 (loopback); allow it with "
      "ATP_CALLBACK_ALLOW_NETS";
  EXPECT_THAT(notifier->Notify(kEvent, Recording(attempts)),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr(refusal)));
  EXPECT_TRUE(receiver.requests().empty());
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].destination, receiver.url());
  EXPECT_EQ(attempts[0].attempt, 1);
  EXPECT_EQ(attempts[0].http_status, 0);
  EXPECT_FALSE(attempts[0].delivered);
  EXPECT_THAT(attempts[0].error, HasSubstr(refusal));
  EXPECT_TRUE(clock.sleeps().empty());
}

TEST(WebhookNotifierWithAddressPolicy, DeliversToAnAllowedNetwork) {
  testing::WebhookReceiver receiver({200});
  atp::testing::FakeClock clock;
  std::vector<Attempt> attempts;
  auto notifier = MakeWebhookNotifier(PartnerOptions(receiver.url(), 6, "127.0.0.0/8"), clock);
  ASSERT_OK(notifier->Notify(kEvent, Recording(attempts)));
  const std::vector<httplib::Request> requests = receiver.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].body, kEvent.body);
  EXPECT_TRUE(
      VerifySignature("s3cret", requests[0].body, requests[0].get_header_value("X-Atp-Signature")));
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_TRUE(attempts[0].delivered);
  EXPECT_EQ(attempts[0].http_status, 200);
}

TEST(WebhookNotifierWithAddressPolicy, JudgesANameByWhatItResolvesTo) {
  testing::WebhookReceiver receiver({200});
  const std::string url = WithHost(receiver, "localhost");  // /etc/hosts: 127.0.0.1 (and ::1).
  atp::testing::FakeClock clock;
  std::vector<Attempt> attempts;
  // ::1/128 too: some hosts files give localhost both addresses, and any one refused is enough.
  auto allowed = MakeWebhookNotifier(PartnerOptions(url, 6, "127.0.0.0/8, ::1/128"), clock);
  EXPECT_THAT(
      MakeWebhookNotifier(PartnerOptions(url, 6, ""), clock)->Notify(kEvent, Recording(attempts)),
      StatusIs(absl::StatusCode::kFailedPrecondition,
               AllOf(HasSubstr("refused: callback host 'localhost' resolves to "),
                     HasSubstr("(loopback); allow it with ATP_CALLBACK_ALLOW_NETS"))));
  EXPECT_TRUE(receiver.requests().empty());
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].http_status, 0);
  ASSERT_OK(allowed->Notify(kEvent, {}));
  ASSERT_EQ(receiver.requests().size(), 1u);
  EXPECT_TRUE(VerifySignature("s3cret", receiver.requests()[0].body,
                              receiver.requests()[0].get_header_value("X-Atp-Signature")));
}

TEST(WebhookNotifierWithAddressPolicy, ConnectsOnlyToTheAddressItResolved) {
  // partner.example has no address in DNS (RFC 2606): the request can only arrive if libcurl
  // connects to the address the policy's resolver gave, without a lookup of its own.
  testing::WebhookReceiver receiver({200});
  atp::testing::FakeClock clock;
  int lookups = 0;
  WebhookOptions options = PartnerOptions(WithHost(receiver, "partner.example"), 6, "127.0.0.0/8");
  options.address_policy->resolve =
      [&](const std::string& host) -> absl::StatusOr<std::vector<IpAddress>> {
    ++lookups;
    EXPECT_EQ(host, "partner.example");
    return std::vector<IpAddress>{IpAddress::Parse("127.0.0.1").value()};
  };
  ASSERT_OK(MakeWebhookNotifier(options, clock)->Notify(kEvent, {}));
  EXPECT_EQ(lookups, 1);
  ASSERT_EQ(receiver.requests().size(), 1u);
  const std::string url = WithHost(receiver, "partner.example");  // http://HOST:PORT/hook
  EXPECT_EQ(receiver.requests()[0].get_header_value("Host"), url.substr(7, url.rfind("/hook") - 7));
}

TEST(WebhookNotifierWithAddressPolicy, RefusesSchemesOtherThanHttpAndHttps) {
  testing::WebhookReceiver receiver({200});
  for (const std::string& url :
       {"ftp" + receiver.url().substr(4), std::string("file:///etc/passwd")}) {
    atp::testing::FakeClock clock;
    std::vector<Attempt> attempts;
    auto notifier = MakeWebhookNotifier(PartnerOptions(url, 6, "0.0.0.0/0, ::/0"), clock);
    EXPECT_THAT(
        notifier->Notify(kEvent, Recording(attempts)),
        StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("refused: callback URL scheme")))
        << url;
    ASSERT_EQ(attempts.size(), 1u) << url;
    EXPECT_EQ(attempts[0].http_status, 0);
    EXPECT_THAT(attempts[0].error, HasSubstr("only http and https"));
  }
  EXPECT_TRUE(receiver.requests().empty());
}

TEST(WebhookNotifierWithAddressPolicy, RetriesAHostThatDoesNotResolve) {
  atp::testing::FakeClock clock;
  std::vector<Attempt> attempts;
  WebhookOptions options = PartnerOptions("https://partner.example/hook", 3, "");
  options.address_policy->resolve =
      [](const std::string& host) -> absl::StatusOr<std::vector<IpAddress>> {
    return absl::UnavailableError("cannot resolve '" + host + "': Temporary failure");
  };
  EXPECT_THAT(MakeWebhookNotifier(options, clock)->Notify(kEvent, Recording(attempts)),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("'partner.example'")));
  ASSERT_EQ(attempts.size(), 3u);
  EXPECT_EQ(attempts[2].http_status, 0);
  EXPECT_EQ(clock.sleeps().size(), 2u);
}

// A server on 127.0.0.1 that answers every request to /hook, whatever its method, with
// `status` (and a Location header when `location` is not empty), counting the requests. The
// WebhookReceiver sees POSTs only, and libcurl would follow a 302 with a GET.
class AnyMethodServer {
 public:
  AnyMethodServer(int status, std::string location)
      : status_(status), location_(std::move(location)) {
    const auto answer = [this](const httplib::Request&, httplib::Response& response) {
      ++requests_;
      response.status = status_;
      if (!location_.empty()) response.set_header("Location", location_);
    };
    server_.Get("/hook", answer);
    server_.Post("/hook", answer);
    server_.Put("/hook", answer);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }
  ~AnyMethodServer() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return absl::StrCat("http://127.0.0.1:", port_, "/hook"); }
  int requests() const { return requests_; }

 private:
  const int status_;
  const std::string location_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> requests_ = 0;
};

TEST(WebhookNotifier, DoesNotFollowARedirect) {
  for (const int redirect : {302, 307}) {
    for (const bool with_policy : {true, false}) {
      SCOPED_TRACE(absl::StrCat("HTTP ", redirect, with_policy ? " with" : " without", " policy"));
      AnyMethodServer elsewhere(200, "");
      AnyMethodServer redirector(redirect, elsewhere.url());
      atp::testing::FakeClock clock;
      std::vector<Attempt> attempts;
      const WebhookOptions options = with_policy
                                         ? PartnerOptions(redirector.url(), 6, "127.0.0.0/8")
                                         : Options(redirector.url(), 6);
      EXPECT_THAT(MakeWebhookNotifier(options, clock)->Notify(kEvent, Recording(attempts)),
                  StatusIs(absl::StatusCode::kFailedPrecondition,
                           HasSubstr(absl::StrCat("answered HTTP ", redirect,
                                                  " (redirects are not followed)"))));
      EXPECT_EQ(redirector.requests(), 1);
      EXPECT_EQ(elsewhere.requests(), 0);
      ASSERT_EQ(attempts.size(), 1u);
      EXPECT_EQ(attempts[0].http_status, redirect);
      EXPECT_FALSE(attempts[0].delivered);
      EXPECT_TRUE(clock.sleeps().empty());
    }
  }
}

TEST(SignatureHeader, IsHmacSha256InHex) {
  EXPECT_EQ(SignatureHeader("key", "The quick brown fox jumps over the lazy dog"),
            "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
  EXPECT_FALSE(VerifySignature("key", "x", "f7bc"));
}

TEST(LogNotifier, WritesOneLineAndCountsAsDelivered) {
  std::ostringstream out;
  atp::testing::FakeClock clock;
  std::vector<Attempt> attempts;
  ASSERT_OK(MakeLogNotifier(out, clock)->Notify(kEvent, Recording(attempts)));
  EXPECT_EQ(out.str(), "notify " + kEvent.event_id + " " + kEvent.body + "\n");
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_TRUE(attempts[0].delivered);
  EXPECT_EQ(attempts[0].destination, "log");
}

}  // namespace
}  // namespace atp::notify
