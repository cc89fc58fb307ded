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

// An open demuxer with its stream info read, and the I/O context it reads through when that
// is atp's own (closed after the demuxer).
class Demuxer {
 public:
  struct IoDeleter {
    void operator()(AVIOContext* io) const;
  };
  using IoPtr = std::unique_ptr<AVIOContext, IoDeleter>;

  Demuxer() = default;
  Demuxer(InputFormatPtr format, IoPtr io) : io_(std::move(io)), format_(std::move(format)) {}

  [[nodiscard]] AVFormatContext* get() const { return format_.get(); }
  AVFormatContext* operator->() const { return format_.get(); }

 private:
  IoPtr io_;  // Declared first: destroyed after the demuxer that reads through it.
  InputFormatPtr format_;
};

// Opens a demuxer on `file` (format probed from its bytes): every byte is read with
// file.ReadAt. `file` must outlive the demuxer. A read error keeps its code (Unavailable
// stays Unavailable, so it is retried); bytes libavformat cannot read are InvalidArgument
// "<name>: not a media file libavformat can read (...)".
[[nodiscard]] absl::StatusOr<Demuxer> OpenDemuxer(const RandomAccessFile& file);

// The same for a file atp wrote itself, opened by path with libavformat's file protocol;
// NotFound when it is missing. Untrusted input goes through a storage::PinnedFile instead.
[[nodiscard]] absl::StatusOr<Demuxer> OpenDemuxer(const std::filesystem::path& file);

}  // namespace atp::media

#endif  // ATP_MEDIA_DEMUXER_INPUT_H_
