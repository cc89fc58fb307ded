// atp/media/demuxer_input.h
//
// libavformat demuxers that read through a RandomAccessFile (a custom AVIOContext), so a
// mezzanine is demuxed from the very file that was verified rather than from whatever its
// path names when the demuxer opens.
#ifndef ATP_MEDIA_DEMUXER_INPUT_H_
#define ATP_MEDIA_DEMUXER_INPUT_H_

#include <filesystem>
#include <memory>

#include "absl/status/statusor.h"
#include "atp/core/random_access_file.h"
#include "atp/media/av_ptr.h"

namespace atp::media {

// Closes the demuxer, then frees the I/O context it read through when it is atp's own.
struct DemuxerDeleter {
  bool owns_io = false;
  void operator()(AVFormatContext* context) const;
};
using Demuxer = std::unique_ptr<AVFormatContext, DemuxerDeleter>;

// Opens a demuxer on `file` (format probed from its bytes) and reads its stream info: every
// byte is read with file.ReadAt, and the demuxer may open nothing else (a playlist, a
// reference movie or an image sequence naming other files fails instead of reading them).
// `file` must outlive the demuxer. A read error keeps its code (Unavailable stays
// Unavailable, so it is retried); bytes libavformat cannot read are InvalidArgument
// "<name>: not a media file libavformat can read (...)".
[[nodiscard]] absl::StatusOr<Demuxer> OpenDemuxer(const RandomAccessFile& file);

// The same for a file atp wrote itself, opened by path with libavformat's file protocol;
// NotFound when it is missing. Untrusted input goes through a storage::PinnedFile instead.
[[nodiscard]] absl::StatusOr<Demuxer> OpenDemuxer(const std::filesystem::path& file);

}  // namespace atp::media

#endif  // ATP_MEDIA_DEMUXER_INPUT_H_
