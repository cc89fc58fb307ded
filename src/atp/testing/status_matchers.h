// atp/testing/status_matchers.h
//
// GTest helpers for absl::Status and absl::StatusOr<T>.
#ifndef ATP_TESTING_STATUS_MATCHERS_H_
#define ATP_TESTING_STATUS_MATCHERS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "atp/core/status_macros.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace atp::testing {

inline const absl::Status& GetStatus(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

// Matches a Status or StatusOr whose code is `code` and whose message matches `message_matcher`.
MATCHER_P2(StatusIs, code, message_matcher,
           "has code " + absl::StatusCodeToString(code) + " and a message that " +
               ::testing::DescribeMatcher<std::string>(message_matcher, negation)) {
  const absl::Status& status = ::atp::testing::GetStatus(arg);
  *result_listener << "status is " << status;
  return status.code() == code &&
         ::testing::ExplainMatchResult(message_matcher, std::string(status.message()),
                                       result_listener);
}

// Matches a Status or StatusOr whose code is `code`, whatever its message.
MATCHER_P(StatusIs, code, "has code " + absl::StatusCodeToString(code)) {
  const absl::Status& status = ::atp::testing::GetStatus(arg);
  *result_listener << "status is " << status;
  return status.code() == code;
}

MATCHER(IsOk, "is OK") {
  const absl::Status& status = ::atp::testing::GetStatus(arg);
  *result_listener << "status is " << status;
  return status.ok();
}

}  // namespace atp::testing

#define ASSERT_OK(expr) ASSERT_THAT(expr, ::atp::testing::IsOk())
#define EXPECT_OK(expr) EXPECT_THAT(expr, ::atp::testing::IsOk())

// Asserts that `rexpr` (a StatusOr) is OK and moves its value into `lhs`.
#define ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  ASSERT_OK_AND_ASSIGN_IMPL_(ATP_STATUS_CONCAT_(atp_assert_statusor_, __LINE__), lhs, rexpr)
#define ASSERT_OK_AND_ASSIGN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                               \
  ASSERT_TRUE(statusor.ok()) << statusor.status();       \
  lhs = std::move(statusor).value()

#endif  // ATP_TESTING_STATUS_MATCHERS_H_
