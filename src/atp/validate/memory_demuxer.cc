#include "atp/validate/memory_demuxer.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "atp/media/av_error.h"

namespace atp::validate {
namespace {

constexpr int kIoBufferBytes = 64 * 1024;

}  // namespace

int MemoryDemuxer::Read(void* opaque, uint8_t* buffer, int size) {
  auto* demuxer = static_cast<MemoryDemuxer*>(opaque);
  const size_t count = std::min<size_t>(
      size, demuxer->bytes_.size() - std::min(demuxer->position_, demuxer->bytes_.size()));
  if (count == 0) return AVERROR_EOF;
  std::memcpy(buffer, demuxer->bytes_.data() + demuxer->position_, count);
  demuxer->position_ += count;
  return static_cast<int>(count);
}

int64_t MemoryDemuxer::Seek(void* opaque, int64_t offset, int whence) {
  auto* demuxer = static_cast<MemoryDemuxer*>(opaque);
  const auto size = static_cast<int64_t>(demuxer->bytes_.size());
  switch (whence & ~AVSEEK_FORCE) {
    case AVSEEK_SIZE:
      return size;
    case SEEK_SET:
      break;
    case SEEK_CUR:
      offset += static_cast<int64_t>(demuxer->position_);
      break;
    case SEEK_END:
      offset += size;
      break;
    default:
      return AVERROR(EINVAL);
  }
  if (offset < 0 || offset > size) return AVERROR(EINVAL);
  demuxer->position_ = static_cast<size_t>(offset);
  return offset;
}

absl::StatusOr<std::unique_ptr<MemoryDemuxer>> MemoryDemuxer::Open(std::string_view bytes,
                                                                   const char* format,
                                                                   std::string_view what) {
  media::QuietLibavLogging();
  auto demuxer = std::unique_ptr<MemoryDemuxer>(new MemoryDemuxer());
  demuxer->bytes_ = bytes;
  auto* buffer = static_cast<uint8_t*>(av_malloc(kIoBufferBytes));
  if (buffer != nullptr) {
    demuxer->io_ =
        avio_alloc_context(buffer, kIoBufferBytes, 0, demuxer.get(), &Read, nullptr, &Seek);
  }
  if (demuxer->io_ == nullptr) {
    av_free(buffer);
    return absl::ResourceExhaustedError(absl::StrCat(std::string(what), ": out of memory"));
  }
  AVFormatContext* raw = avformat_alloc_context();
  if (raw == nullptr)
    return absl::ResourceExhaustedError(absl::StrCat(std::string(what), ": out of memory"));
  raw->pb = demuxer->io_;
  raw->flags |= AVFMT_FLAG_CUSTOM_IO;
  // On failure avformat_open_input frees the context (not the custom I/O).
  if (int error = avformat_open_input(&raw, nullptr, av_find_input_format(format), nullptr);
      error < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        std::string(what), ": ", media::AvErrorToStatus(error, "cannot be demuxed").message()));
  }
  demuxer->format_ = raw;
  if (int error = avformat_find_stream_info(raw, nullptr); error < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        std::string(what), ": ", media::AvErrorToStatus(error, "no stream info").message()));
  }
  return demuxer;
}

MemoryDemuxer::~MemoryDemuxer() {
  avformat_close_input(&format_);
  if (io_ != nullptr) av_freep(&io_->buffer);
  avio_context_free(&io_);
}

}  // namespace atp::validate
