// atp/core/errno_status.h
//
// The one place POSIX errno values become canonical status codes.
#ifndef ATP_CORE_ERRNO_STATUS_H_
#define ATP_CORE_ERRNO_STATUS_H_

#include <string_view>

#include "absl/status/status.h"

namespace atp {

// ENOENT/ENOTDIR → NotFound, EACCES/EPERM/EROFS → PermissionDenied (nothing a retry fixes),
// ENOSPC/EDQUOT/EFBIG/ENOMEM/EMFILE/ENFILE → ResourceExhausted, EIO/EAGAIN/EINTR/ETIMEDOUT →
// Unavailable, EISDIR/ELOOP/ENXIO → FailedPrecondition, EEXIST → AlreadyExists, anything else
// → Internal. The message is "<context>: <strerror>", e.g. "...: No space left on device".
[[nodiscard]] absl::Status ErrnoToStatus(int error_number, std::string_view context);

// What a stat() mode is, for messages about what is not a regular file: "a FIFO",
// "a directory", "a character device", "a block device", "a socket", else "not a file".
[[nodiscard]] const char* FileTypeName(unsigned mode);

}  // namespace atp

#endif  // ATP_CORE_ERRNO_STATUS_H_
