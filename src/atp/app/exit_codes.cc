#include "atp/app/exit_codes.h"

namespace atp::app {

int ExitCodeFor(std::optional<pipeline::Step> failed_step, const absl::Status& status) {
  if (status.ok()) return kExitOk;
  if (!failed_step || absl::IsCancelled(status)) return kExitOtherError;
  const absl::StatusCode code = status.code();
  switch (*failed_step) {
    case pipeline::Step::kIngest:
      // The manifest is invalid, or is not there to read; an I/O error reading it is not its
      // fault.
      return code == absl::StatusCode::kInvalidArgument || code == absl::StatusCode::kNotFound
                 ? kExitInvalidManifest
                 : kExitOtherError;
    case pipeline::Step::kVerify:
      // What verify says of the file: missing, not a file, not media, not the delivery.
      return code == absl::StatusCode::kNotFound || code == absl::StatusCode::kFailedPrecondition ||
                     code == absl::StatusCode::kDataLoss ||
                     code == absl::StatusCode::kInvalidArgument ||
                     code == absl::StatusCode::kPermissionDenied
                 ? kExitMezzanineMismatch
                 : kExitOtherError;
    case pipeline::Step::kTranscode:
      return code == absl::StatusCode::kInvalidArgument || code == absl::StatusCode::kDataLoss
                 ? kExitMezzanineMismatch
                 : kExitOtherError;
    case pipeline::Step::kCheck:
      return code == absl::StatusCode::kFailedPrecondition ? kExitValidationFailed
                                                           : kExitOtherError;
    default:
      return kExitOtherError;
  }
}

}  // namespace atp::app
