#include "atp/package/cmaf_segmenter.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "atp/core/errno_status.h"
#include "atp/core/status_macros.h"
#include "atp/media/av_error.h"

extern "C" {
#include <libavutil/opt.h>
}

namespace atp::package {
namespace {

constexpr int kIoBufferBytes = 1 << 16;

// Errors keep errno's meaning and text (ENOSPC: ResourceExhausted, "No space left on
// device"), so the orchestrator retries what may pass and the message says what to fix.
absl::Status WriteFile(const std::filesystem::path& file, std::string_view bytes) {
  const std::string name = file.string();
  const int fd = open(name.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoToStatus(errno, absl::StrCat("cannot write ", name));
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t wrote = write(fd, bytes.data() + done, bytes.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote < 0) {
      const int error = errno;
      close(fd);
      return ErrnoToStatus(error, absl::StrCat("cannot write ", name));
    }
    done += static_cast<size_t>(wrote);
  }
  if (close(fd) != 0) return ErrnoToStatus(errno, absl::StrCat("cannot write ", name));
  return absl::OkStatus();
}

}  // namespace

int CmafSegmenter::WriteCallback(void* opaque, uint8_t* data, int size) {
  static_cast<CmafSegmenter*>(opaque)->pending_.append(reinterpret_cast<const char*>(data), size);
  return size;
}

absl::StatusOr<std::unique_ptr<CmafSegmenter>> CmafSegmenter::Create(
    const AVCodecContext& encoder, const std::filesystem::path& dir,
    const SegmenterOptions& options) {
  std::unique_ptr<CmafSegmenter> segmenter(new CmafSegmenter(dir, options));
  AVFormatContext* raw = nullptr;
  if (int error = avformat_alloc_output_context2(&raw, nullptr, "mp4", nullptr); error < 0) {
    return media::AvErrorToStatus(error, "cmaf: mp4 muxer");
  }
  segmenter->format_.reset(raw);
  AVFormatContext* format = segmenter->format_.get();
  format->flags |= AVFMT_FLAG_BITEXACT | AVFMT_FLAG_CUSTOM_IO;
  auto* buffer = static_cast<unsigned char*>(av_malloc(kIoBufferBytes));
  format->pb = avio_alloc_context(buffer, kIoBufferBytes, 1, segmenter.get(), nullptr,
                                  &CmafSegmenter::WriteCallback, nullptr);
  if (format->pb == nullptr) return absl::ResourceExhaustedError("cmaf: no I/O context");

  AVStream* stream = avformat_new_stream(format, nullptr);
  if (stream == nullptr) return absl::ResourceExhaustedError("cmaf: cannot add a stream");
  if (int error = avcodec_parameters_from_context(stream->codecpar, &encoder); error < 0) {
    return media::AvErrorToStatus(error, "cmaf: stream parameters");
  }
  if (encoder.codec_id == AV_CODEC_ID_HEVC) stream->codecpar->codec_tag = MKTAG('h', 'v', 'c', '1');
  stream->time_base = encoder.time_base;
  if (encoder.codec_type == AVMEDIA_TYPE_VIDEO) stream->avg_frame_rate = encoder.framerate;
  if (!options.language.empty()) {
    av_dict_set(&stream->metadata, "language", options.language.c_str(), 0);
  }
  segmenter->encoder_time_base_ = encoder.time_base;

  // frag_discont: the muxer takes the first fragment's decode time from its first packet
  // (pts, less the decode delay kept in the samples' composition offsets) instead of 0.
  AVDictionary* muxer_options = nullptr;
  av_dict_set(&muxer_options, "movflags",
              options.continues_track
                  ? "+frag_custom+dash+delay_moov+cmaf+skip_trailer+skip_sidx+frag_discont"
                  : "+frag_custom+dash+delay_moov+cmaf+skip_trailer+skip_sidx",
              0);
  const int error = avformat_write_header(format, &muxer_options);
  av_dict_free(&muxer_options);
  if (error < 0) return media::AvErrorToStatus(error, "cmaf: writing the header");
  // A flush before any sample writes ftyp + an empty-sample moov: the init segment.
  if (int flush = av_write_frame(format, nullptr); flush < 0) {
    return media::AvErrorToStatus(flush, "cmaf: writing the init segment");
  }
  avio_flush(format->pb);
  if (!options.continues_track) {
    ATP_RETURN_IF_ERROR(WriteFile(dir / "init.mp4", segmenter->pending_));
  }
  segmenter->pending_.clear();
  segmenter->timescale_ = stream->time_base.den;
  return segmenter;
}

// The custom AVIOContext is not a file: free it here, before OutputFormatDeleter runs.
CmafSegmenter::~CmafSegmenter() {
  if (format_ != nullptr && format_->pb != nullptr) {
    av_freep(&format_->pb->buffer);
    avio_context_free(&format_->pb);
  }
}

absl::Status CmafSegmenter::Write(AVPacket& packet, bool starts_segment) {
  AVStream* stream = format_->streams[0];
  av_packet_rescale_ts(&packet, encoder_time_base_, stream->time_base);
  packet.stream_index = 0;
  if (!segment_open_) {
    // A continuing track's first packet is presented at its pts in the whole track, where
    // the track's first sample (pts 0) was decoded at -(pts - dts).
    first_dts_ = options_.continues_track ? packet.dts - packet.pts : packet.dts;
    segment_start_ = packet.dts - first_dts_;
    segment_open_ = true;
  } else if (starts_segment) {
    ATP_RETURN_IF_ERROR(CloseSegment());
    segment_start_ = packet.dts - first_dts_;
  }
  end_dts_ = packet.dts - first_dts_ + packet.duration;
  if (int error = av_write_frame(format_.get(), &packet); error < 0) {
    return media::AvErrorToStatus(error, "cmaf: writing a sample");
  }
  return absl::OkStatus();
}

absl::Status CmafSegmenter::CloseSegment() {
  if (int error = av_write_frame(format_.get(), nullptr); error < 0) {  // Flush one fragment.
    return media::AvErrorToStatus(error, "cmaf: closing a fragment");
  }
  avio_flush(format_->pb);
  MediaSegment segment;
  segment.uri = absl::StrFormat("seg_%05d.m4s", segments_.size() + options_.first_segment_number);
  segment.start_ticks = segment_start_;
  segment.duration_ticks = end_dts_ - segment_start_;
  segment.size_bytes = static_cast<int64_t>(pending_.size());
  ATP_RETURN_IF_ERROR(WriteFile(dir_ / segment.uri, pending_));
  pending_.clear();
  segments_.push_back(std::move(segment));
  return absl::OkStatus();
}

absl::Status CmafSegmenter::Finish() {
  if (!segment_open_) return absl::FailedPreconditionError("cmaf: no samples were written");
  return CloseSegment();
}

}  // namespace atp::package
