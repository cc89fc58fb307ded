#include "atp/core/error_policy.h"

namespace atp {

ErrorAction ActionFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return ErrorAction::kRetry;
    case absl::StatusCode::kResourceExhausted:
      return ErrorAction::kRetryLater;
    case absl::StatusCode::kAborted:
      return ErrorAction::kRestartStep;
    case absl::StatusCode::kOk:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
      return ErrorAction::kFailAsBug;
    default:
      return ErrorAction::kFail;
  }
}

bool IsRetriable(ErrorAction action) {
  return action == ErrorAction::kRetry || action == ErrorAction::kRetryLater ||
         action == ErrorAction::kRestartStep;
}

}  // namespace atp
