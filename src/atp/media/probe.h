// atp/media/probe.h
#ifndef ATP_MEDIA_PROBE_H_
#define ATP_MEDIA_PROBE_H_

#include <filesystem>

#include "absl/status/statusor.h"
#include "atp/core/random_access_file.h"
#include "atp/core/source_info.h"

namespace atp::media {

// Reads the container and streams of `file` (SourceInfo) through OpenDemuxer.
// InvalidArgument "<name>: not a media file ..." when libavformat cannot read it, and
// "<name>: has no video stream" when it has none; read errors keep their code.
[[nodiscard]] absl::StatusOr<SourceInfo> ProbeMedia(const RandomAccessFile& file);

// The same for a file atp wrote itself, opened by path (libavformat's file protocol);
// NotFound when it is missing. Untrusted input goes through a storage::PinnedFile instead.
[[nodiscard]] absl::StatusOr<SourceInfo> ProbeMedia(const std::filesystem::path& file);

}  // namespace atp::media

#endif  // ATP_MEDIA_PROBE_H_
