#include "atp/core/error_policy.h"

#include "gtest/gtest.h"

namespace atp {
namespace {

TEST(ActionFor, FollowsTheDesignTable) {
  struct Case {
    absl::StatusCode code;
    ErrorAction expected;
  };
  for (const Case& c : std::vector<Case>{
           {absl::StatusCode::kUnavailable, ErrorAction::kRetry},
           {absl::StatusCode::kDeadlineExceeded, ErrorAction::kRetry},
           {absl::StatusCode::kResourceExhausted, ErrorAction::kRetryLater},
           {absl::StatusCode::kAborted, ErrorAction::kRestartStep},
           {absl::StatusCode::kInvalidArgument, ErrorAction::kFail},
           {absl::StatusCode::kDataLoss, ErrorAction::kFail},
           {absl::StatusCode::kFailedPrecondition, ErrorAction::kFail},
           {absl::StatusCode::kNotFound, ErrorAction::kFail},
           {absl::StatusCode::kInternal, ErrorAction::kFailAsBug},
           {absl::StatusCode::kOk, ErrorAction::kFailAsBug},
       }) {
    EXPECT_EQ(ActionFor(c.code), c.expected) << absl::StatusCodeToString(c.code);
  }
}

TEST(IsRetriable, OnlyTransientActionsRunAgain) {
  EXPECT_TRUE(IsRetriable(ErrorAction::kRetry));
  EXPECT_TRUE(IsRetriable(ErrorAction::kRetryLater));
  EXPECT_TRUE(IsRetriable(ErrorAction::kRestartStep));
  EXPECT_FALSE(IsRetriable(ErrorAction::kFail));
  EXPECT_FALSE(IsRetriable(ErrorAction::kFailAsBug));
}

}  // namespace
}  // namespace atp
