// atp/validate/memory_demuxer.h
//
// A libavformat demuxer over bytes already in memory (a segment, or an init segment with its
// media segments), read through a custom AVIOContext: nothing is opened by name.
#ifndef ATP_VALIDATE_MEMORY_DEMUXER_H_
#define ATP_VALIDATE_MEMORY_DEMUXER_H_

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "atp/media/av_ptr.h"

namespace atp::validate {

class MemoryDemuxer {
 public:
  // Opens `bytes` (which must outlive the demuxer) as `format` ("mpegts", "mp4") and reads
  // its stream info. InvalidArgument "<what>: ..." when libavformat cannot.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<MemoryDemuxer>> Open(std::string_view bytes,
                                                                           const char* format,
                                                                           std::string_view what);
  ~MemoryDemuxer();

  [[nodiscard]] AVFormatContext* get() const { return format_; }

 private:
  MemoryDemuxer() = default;

  std::string_view bytes_;
  size_t position_ = 0;
  AVIOContext* io_ = nullptr;  // Freed after format_ is closed.
  AVFormatContext* format_ = nullptr;

  static int Read(void* opaque, uint8_t* buffer, int size);
  static int64_t Seek(void* opaque, int64_t offset, int whence);
};

}  // namespace atp::validate

#endif  // ATP_VALIDATE_MEMORY_DEMUXER_H_
