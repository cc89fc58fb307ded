// atp/core/error_policy.h
//
// What the orchestrator does with a failed step is decided by the status code alone
// (DESIGN.md, "the code alone decides what happens next").
#ifndef ATP_CORE_ERROR_POLICY_H_
#define ATP_CORE_ERROR_POLICY_H_

#include "absl/status/status.h"

namespace atp {

enum class ErrorAction {
  kRetry,        // Unavailable, DeadlineExceeded: capped exponential backoff with jitter.
  kRetryLater,   // ResourceExhausted: the same, with a longer backoff.
  kRestartStep,  // Aborted: re-read durable state, run the step again.
  kFail,         // InvalidArgument, DataLoss, FailedPrecondition, NotFound and the rest.
  kFailAsBug,    // Internal: terminal, and counted as a bug.
};

// Returns the action for `code`. kOk is a programming error and maps to kFailAsBug.
[[nodiscard]] ErrorAction ActionFor(absl::StatusCode code);

// True when the action runs the step again (kRetry, kRetryLater, kRestartStep).
[[nodiscard]] bool IsRetriable(ErrorAction action);

}  // namespace atp

#endif  // ATP_CORE_ERROR_POLICY_H_
