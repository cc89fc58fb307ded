// The webhook notifier against a real HTTP receiver on 127.0.0.1, with a fake clock so
// backoff never sleeps.
#include "atp/notify/webhook_notifier.h"

#include <sstream>

#include "atp/notify/log_notifier.h"
#include "atp/testing/fake_clock.h"
#include "atp/testing/status_matchers.h"
#include "atp/testing/webhook_receiver.h"
#include "gtest/gtest.h"

namespace atp::notify {
namespace {

using ::atp::testing::StatusIs;

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

TEST(WebhookNotifier, RetriesUntilTheReceiverTakesItAndSignsTheBody) {
  testing::WebhookReceiver receiver({500, 500, 500, 200});
  atp::testing::FakeClock clock;
  std::vector<Attempt> attempts;
  auto notifier = MakeWebhookNotifier(Options(receiver.url(), 6), clock);
  ASSERT_OK(notifier->Notify(kEvent, [&](const Attempt& a) { attempts.push_back(a); }));
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

TEST(WebhookNotifier, AClientErrorIsFinal) {
  testing::WebhookReceiver receiver({400});
  atp::testing::FakeClock clock;
  auto notifier = MakeWebhookNotifier(Options(receiver.url(), 6), clock);
  EXPECT_THAT(notifier->Notify(kEvent, nullptr), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(receiver.requests().size(), 1u);
  EXPECT_TRUE(clock.sleeps().empty());
}

TEST(WebhookNotifier, GivesUpAfterMaxAttempts) {
  testing::WebhookReceiver receiver({503});
  atp::testing::FakeClock clock;
  auto notifier = MakeWebhookNotifier(Options(receiver.url(), 3), clock);
  EXPECT_THAT(notifier->Notify(kEvent, nullptr), StatusIs(absl::StatusCode::kUnavailable));
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
  EXPECT_FALSE(notifier->Notify(kEvent, [&](const Attempt& a) { attempts.push_back(a); }).ok());
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].http_status, 0);
  EXPECT_FALSE(attempts[0].error.empty());
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
  ASSERT_OK(MakeLogNotifier(out, clock)->Notify(kEvent, [&](const Attempt& a) {
    attempts.push_back(a);
  }));
  EXPECT_EQ(out.str(), "notify " + kEvent.event_id + " " + kEvent.body + "\n");
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_TRUE(attempts[0].delivered);
  EXPECT_EQ(attempts[0].destination, "log");
}

}  // namespace
}  // namespace atp::notify
