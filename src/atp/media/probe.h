// atp/media/probe.h
#ifndef ATP_MEDIA_PROBE_H_
#define ATP_MEDIA_PROBE_H_

#include <filesystem>

#include "absl/status/statusor.h"
#include "atp/core/source_info.h"

namespace atp::media {

// Opens `file` with libavformat and reports its container and streams (SourceInfo).
// NotFound when the file is missing; InvalidArgument "<file>: not a media file ..." when
// libavformat cannot read it, and "<file>: has no video stream" when it has none.
[[nodiscard]] absl::StatusOr<SourceInfo> ProbeMedia(const std::filesystem::path& file);

}  // namespace atp::media

#endif  // ATP_MEDIA_PROBE_H_
