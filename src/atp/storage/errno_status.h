// atp/storage/errno_status.h
//
// The one place POSIX errno values become canonical status codes.
#ifndef ATP_STORAGE_ERRNO_STATUS_H_
#define ATP_STORAGE_ERRNO_STATUS_H_

#include <string_view>

#include "absl/status/status.h"

namespace atp::storage {

// ENOENT/ENOTDIR → NotFound, EACCES/EPERM → PermissionDenied, ENOSPC/EDQUOT/ENOMEM/EMFILE →
// ResourceExhausted, EIO/EAGAIN/EINTR/ETIMEDOUT → Unavailable, EISDIR → FailedPrecondition,
// anything else → Internal. The message is "<context>: <strerror>".
[[nodiscard]] absl::Status ErrnoToStatus(int error_number, std::string_view context);

}  // namespace atp::storage

#endif  // ATP_STORAGE_ERRNO_STATUS_H_
