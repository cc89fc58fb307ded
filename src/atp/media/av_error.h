// atp/media/av_error.h
//
// The one place AVERROR codes become canonical status codes.
#ifndef ATP_MEDIA_AV_ERROR_H_
#define ATP_MEDIA_AV_ERROR_H_

#include <string_view>

#include "absl/status/status.h"

namespace atp::media {

// ENOENT → NotFound; EACCES/EPERM → PermissionDenied; EIO/EAGAIN/ETIMEDOUT → Unavailable;
// ENOMEM/ENOSPC → ResourceExhausted; INVALIDDATA and the *_NOT_FOUND codes (no demuxer,
// decoder, encoder, stream) → InvalidArgument; EOF → OutOfRange; anything else → Internal.
// The message is "<context>: <av_strerror text>". `averror` must be negative.
[[nodiscard]] absl::Status AvErrorToStatus(int averror, std::string_view context);

// Silences libav's own logging below errors; call before using the libraries. Thread-safe.
void QuietLibavLogging();

}  // namespace atp::media

#endif  // ATP_MEDIA_AV_ERROR_H_
