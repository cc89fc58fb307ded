#include "atp/media/av_error.h"

#include <cerrno>
#include <mutex>
#include <string>

#include "absl/strings/str_cat.h"

extern "C" {
#include <libavutil/error.h>
#include <libavutil/log.h>
}

namespace atp::media {
namespace {

absl::StatusCode CodeFor(int averror) {
  switch (averror) {
    case AVERROR(ENOENT):
      return absl::StatusCode::kNotFound;
    case AVERROR(EACCES):
    case AVERROR(EPERM):
      return absl::StatusCode::kPermissionDenied;
    case AVERROR(EIO):
    case AVERROR(EAGAIN):
    case AVERROR(ETIMEDOUT):
      return absl::StatusCode::kUnavailable;
    case AVERROR(ENOMEM):
    case AVERROR(ENOSPC):
      return absl::StatusCode::kResourceExhausted;
    case AVERROR_INVALIDDATA:
    case AVERROR_DEMUXER_NOT_FOUND:
    case AVERROR_DECODER_NOT_FOUND:
    case AVERROR_ENCODER_NOT_FOUND:
    case AVERROR_STREAM_NOT_FOUND:
    case AVERROR_PATCHWELCOME:
      return absl::StatusCode::kInvalidArgument;
    case AVERROR_EOF:
      return absl::StatusCode::kOutOfRange;
    default:
      return absl::StatusCode::kInternal;
  }
}

}  // namespace

absl::Status AvErrorToStatus(int averror, std::string_view context) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(averror, text, sizeof text);
  return absl::Status(CodeFor(averror), absl::StrCat(std::string(context), ": ", text));
}

void QuietLibavLogging() {
  static std::once_flag once;
  std::call_once(once, [] { av_log_set_level(AV_LOG_FATAL); });
}

}  // namespace atp::media
