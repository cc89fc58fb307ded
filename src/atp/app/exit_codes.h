// atp/app/exit_codes.h
//
// Process exit codes, documented in the README ("Exit codes"), and the one mapping from a
// failed step and its status to them, used by every command.
#ifndef ATP_APP_EXIT_CODES_H_
#define ATP_APP_EXIT_CODES_H_

#include <optional>

#include "absl/status/status.h"
#include "atp/pipeline/job_steps.h"

namespace atp::app {

inline constexpr int kExitOk = 0;
inline constexpr int kExitOtherError = 1;         // Bad flags or profile, I/O errors, bugs.
inline constexpr int kExitInvalidManifest = 2;    // Ingest failed.
inline constexpr int kExitMezzanineMismatch = 3;  // The mezzanine is not the delivery.
inline constexpr int kExitValidationFailed = 4;   // The output failed the check step.

// 0 for OK. Otherwise: ingest with InvalidArgument or NotFound → 2; verify with what it says of
// the file (NotFound, FailedPrecondition, DataLoss, InvalidArgument, PermissionDenied) → 3;
// transcode with InvalidArgument (media that cannot be decoded, a declared track it lacks) or
// DataLoss (changed since verify) → 3; check with FailedPrecondition (the validator's verdict)
// → 4; a cancel, an I/O or store error, and no step (the process stopped working the job) → 1.
[[nodiscard]] int ExitCodeFor(std::optional<pipeline::Step> failed_step,
                              const absl::Status& status);

// The exit status of a process that stopped on `signal`: 128 + signal (143, 130), as a shell
// reports one killed by it.
[[nodiscard]] inline int ExitCodeForSignal(int signal) { return 128 + signal; }

}  // namespace atp::app

#endif  // ATP_APP_EXIT_CODES_H_
