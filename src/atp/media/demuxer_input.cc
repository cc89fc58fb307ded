#include "atp/media/demuxer_input.h"

#include <cerrno>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "atp/media/av_error.h"

namespace atp::media {
namespace {

// Large reads: mezzanines are read mostly front to back at hundreds of Mbit/s.
constexpr int kIoBufferBytes = 1 << 20;

// The AVIOContext's opaque, freed with it by DemuxerDeleter.
struct IoCursor {
  const RandomAccessFile* file;
  int64_t position;
};

int AvErrorOf(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
      return AVERROR(ENOENT);
    case absl::StatusCode::kPermissionDenied:
      return AVERROR(EACCES);
    case absl::StatusCode::kResourceExhausted:
      return AVERROR(ENOMEM);
    default:
      return AVERROR(EIO);  // Unavailable: AvErrorToStatus maps it back.
  }
}

int ReadPacket(void* opaque, uint8_t* buffer, int size) {
  auto* cursor = static_cast<IoCursor*>(opaque);
  absl::StatusOr<size_t> got = cursor->file->ReadAt(
      cursor->position, reinterpret_cast<char*>(buffer), static_cast<size_t>(size));
  if (!got.ok()) return AvErrorOf(got.status());
  if (*got == 0) return AVERROR_EOF;
  cursor->position += static_cast<int64_t>(*got);
  return static_cast<int>(*got);
}

int64_t Seek(void* opaque, int64_t offset, int whence) {
  auto* cursor = static_cast<IoCursor*>(opaque);
  whence &= ~AVSEEK_FORCE;
  int64_t target = 0;
  if (whence == AVSEEK_SIZE || whence == SEEK_END) {
    absl::StatusOr<int64_t> size = cursor->file->Size();
    if (!size.ok()) return AvErrorOf(size.status());
    if (whence == AVSEEK_SIZE) return *size;
    target = *size + offset;
  } else if (whence == SEEK_SET) {
    target = offset;
  } else if (whence == SEEK_CUR) {
    target = cursor->position + offset;
  } else {
    return AVERROR(EINVAL);
  }
  if (target < 0) return AVERROR(EINVAL);
  cursor->position = target;
  return target;
}

// avformat_open_input's error: read errors keep their code, the rest means the bytes are not
// media libavformat reads.
absl::Status OpenError(int error, const std::string& name) {
  absl::Status status = AvErrorToStatus(error, name);
  if (status.code() != absl::StatusCode::kInvalidArgument &&
      status.code() != absl::StatusCode::kInternal) {
    return status;
  }
  return absl::InvalidArgumentError(absl::StrCat(name, ": not a media file libavformat can read (",
                                                 std::string(status.message()), ")"));
}

// Frees an AVIOContext made by OpenDemuxer with its buffer and cursor.
void FreeCustomIo(AVIOContext* io) {
  av_freep(&io->opaque);
  av_freep(&io->buffer);
  avio_context_free(&io);
}

// AVFormatContext::io_open for a demuxer that reads one file only: refuses every other.
int RefuseNestedOpen(AVFormatContext*, AVIOContext**, const char*, int, AVDictionary**) {
  return AVERROR(EPERM);
}

absl::StatusOr<Demuxer> FindStreamInfo(Demuxer demuxer, const std::string& name) {
  if (int error = avformat_find_stream_info(demuxer.get(), nullptr); error < 0) {
    absl::Status status = AvErrorToStatus(error, name);
    if (status.code() == absl::StatusCode::kUnavailable) return status;
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": cannot read its streams (", std::string(status.message()), ")"));
  }
  return demuxer;
}

}  // namespace

void DemuxerDeleter::operator()(AVFormatContext* context) const {
  AVIOContext* io = owns_io ? context->pb : nullptr;
  avformat_close_input(&context);
  if (io != nullptr) FreeCustomIo(io);
}

absl::StatusOr<Demuxer> OpenDemuxer(const std::filesystem::path& file) {
  QuietLibavLogging();
  const std::string name = file.string();
  AVFormatContext* raw = nullptr;
  if (int error = avformat_open_input(&raw, name.c_str(), nullptr, nullptr); error < 0) {
    return OpenError(error, name);
  }
  return FindStreamInfo(Demuxer(raw), name);
}

absl::StatusOr<Demuxer> OpenDemuxer(const RandomAccessFile& file) {
  QuietLibavLogging();
  const std::string& name = file.name();
  auto* cursor = static_cast<IoCursor*>(av_mallocz(sizeof(IoCursor)));
  auto* buffer = static_cast<unsigned char*>(av_malloc(kIoBufferBytes));
  AVIOContext* io = cursor == nullptr || buffer == nullptr
                        ? nullptr
                        : avio_alloc_context(buffer, kIoBufferBytes, /*write_flag=*/0, cursor,
                                             &ReadPacket, nullptr, &Seek);
  AVFormatContext* raw = io == nullptr ? nullptr : avformat_alloc_context();
  if (raw == nullptr) {
    if (io != nullptr) avio_context_free(&io);
    av_free(cursor);
    av_free(buffer);
    return absl::ResourceExhaustedError(absl::StrCat(name, ": out of memory opening a demuxer"));
  }
  *cursor = {.file = &file, .position = 0};
  raw->pb = io;
  raw->flags |= AVFMT_FLAG_CUSTOM_IO;
  raw->io_open = &RefuseNestedOpen;
  if (int error = avformat_open_input(&raw, name.c_str(), nullptr, nullptr); error < 0) {
    // avformat_open_input freed the context, not the custom I/O.
    FreeCustomIo(io);
    return OpenError(error, name);
  }
  return FindStreamInfo(Demuxer(raw, DemuxerDeleter{.owns_io = true}), name);
}

}  // namespace atp::media
