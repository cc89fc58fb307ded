#include "atp/app/exit_codes.h"

namespace atp::app {

int ExitCodeFor(std::optional<pipeline::Step> failed_step, const absl::Status& status) {
  if (status.ok()) return kExitOk;
  if (!failed_step) return kExitOtherError;
  switch (*failed_step) {
    case pipeline::Step::kIngest:
      return kExitInvalidManifest;
    case pipeline::Step::kVerify:
      return kExitMezzanineMismatch;
    case pipeline::Step::kTranscode:
      return absl::IsInvalidArgument(status) || absl::IsDataLoss(status) ? kExitMezzanineMismatch
                                                                         : kExitOtherError;
    case pipeline::Step::kCheck:
      return absl::IsFailedPrecondition(status) ? kExitValidationFailed : kExitOtherError;
    default:
      return kExitOtherError;
  }
}

}  // namespace atp::app
