#include "atp/media/quality_meter.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "atp/core/parallel_for.h"
#include "atp/core/status_macros.h"
#include "atp/media/av_error.h"
#include "atp/media/av_ptr.h"
#include "atp/media/demuxer_input.h"
#include "atp/media/video_filter.h"

extern "C" {
#include <libavfilter/avfilter.h>
#include <libavfilter/buffersink.h>
#include <libavfilter/buffersrc.h>
#include <libavutil/pixdesc.h>
}

namespace atp::media {
namespace {

constexpr AVRational kMicroseconds = {1, 1000000};

std::string Seconds(int64_t microseconds) { return absl::StrFormat("%.3f s", microseconds / 1e6); }

// `status`, its message starting with `name` unless it names it already.
absl::Status Naming(const absl::Status& status, const std::string& name) {
  if (absl::StrContains(status.message(), name)) return status;
  return absl::Status(status.code(), absl::StrCat(name, ": ", std::string(status.message())));
}

// What follows the last '/' of a path or key.
std::string BaseName(const std::string& name) {
  const size_t slash = name.rfind('/');
  return slash == std::string::npos ? name : name.substr(slash + 1);
}

// The rendition's parts read as one file: the init segment, then each media segment, as a
// fragmented MP4 is laid out. Part sizes are taken once, when it is made.
class ConcatenatedFile final : public RandomAccessFile {
 public:
  static absl::StatusOr<std::unique_ptr<ConcatenatedFile>> Create(
      std::span<const RandomAccessFile* const> parts) {
    auto file = std::unique_ptr<ConcatenatedFile>(new ConcatenatedFile());
    file->starts_.push_back(0);
    for (const RandomAccessFile* part : parts) {
      const absl::StatusOr<int64_t> size = part->Size();
      if (!size.ok()) return Naming(size.status(), part->name());
      file->parts_.push_back(part);
      file->starts_.push_back(file->starts_.back() + *size);
    }
    // "rendition a/init.mp4 + segment_00004.m4s to segment_00006.m4s"
    file->name_ = absl::StrCat("rendition ", parts.front()->name());
    if (parts.size() > 1) absl::StrAppend(&file->name_, " + ", BaseName(parts[1]->name()));
    if (parts.size() > 2) absl::StrAppend(&file->name_, " to ", BaseName(parts.back()->name()));
    return file;
  }

  const std::string& name() const override { return name_; }
  absl::StatusOr<int64_t> Size() const override { return starts_.back(); }

  absl::StatusOr<size_t> ReadAt(int64_t offset, char* buffer, size_t size) const override {
    size_t done = 0;
    while (done < size && offset < starts_.back()) {
      const size_t i = PartAt(offset);
      const int64_t within = offset - starts_[i];
      const size_t want = std::min<size_t>(size - done, starts_[i + 1] - offset);
      absl::StatusOr<size_t> got = parts_[i]->ReadAt(within, buffer + done, want);
      if (!got.ok()) return Naming(got.status(), parts_[i]->name());
      if (*got == 0) {
        return absl::DataLossError(absl::StrCat(parts_[i]->name(), ": ends at byte ", within,
                                                " of the ", starts_[i + 1] - starts_[i],
                                                " it had"));
      }
      done += *got;
      offset += static_cast<int64_t>(*got);
    }
    return done;
  }

  // The name of the part holding byte `offset`; the whole's when it is outside every part.
  [[nodiscard]] const std::string& PartNameAt(int64_t offset) const {
    if (offset < 0 || offset >= starts_.back()) return name_;
    return parts_[PartAt(offset)]->name();
  }

 private:
  ConcatenatedFile() = default;

  size_t PartAt(int64_t offset) const {
    return std::upper_bound(starts_.begin(), starts_.end(), offset) - starts_.begin() - 1;
  }

  std::string name_;
  std::vector<const RandomAccessFile*> parts_;
  std::vector<int64_t> starts_;  // Part i is [starts_[i], starts_[i + 1]).
};

// The video of one file, decoded (and filtered) frame by frame from where it was last sought.
class VideoReader {
 public:
  // The source's video, through `filter_chain` (empty for none), then converted to `format`
  // (libswscale through the format filter, as the comparison graph would; AV_PIX_FMT_NONE:
  // as decoded). A packet that does not decode is InvalidArgument: the delivery's fault.
  static absl::StatusOr<std::unique_ptr<VideoReader>> OpenSource(const RandomAccessFile& file,
                                                                 const std::string& filter_chain,
                                                                 AVPixelFormat format,
                                                                 int threads) {
    auto reader = std::unique_ptr<VideoReader>(new VideoReader());
    reader->corrupt_code_ = absl::StatusCode::kInvalidArgument;
    reader->filter_chain_ = filter_chain;
    reader->has_history_ = !filter_chain.empty();
    if (format != AV_PIX_FMT_NONE) {
      if (!reader->filter_chain_.empty()) reader->filter_chain_ += ",";
      absl::StrAppend(&reader->filter_chain_, "format=", av_get_pix_fmt_name(format));
    }
    ATP_RETURN_IF_ERROR(reader->Init(file, std::nullopt, threads));
    return reader;
  }

  // A rendition's video from `parts`, its times counted from `start_pts` (in its stream's
  // time base; nullopt: from its own first frame). A packet that does not decode is
  // DataLoss, naming the part it came from.
  static absl::StatusOr<std::unique_ptr<VideoReader>> OpenRendition(
      std::unique_ptr<ConcatenatedFile> parts, std::optional<int64_t> start_pts, int threads) {
    auto reader = std::unique_ptr<VideoReader>(new VideoReader());
    reader->corrupt_code_ = absl::StatusCode::kDataLoss;
    reader->parts_ = std::move(parts);
    ATP_RETURN_IF_ERROR(reader->Init(*reader->parts_, start_pts, threads));
    return reader;
  }

  // Seeks to a keyframe from which the first frame decoded is presented no later than
  // `latest_us` past `target_us`: at `target_us` itself, then 2, 10 and 60 s before it (a
  // container that seeks by bytes can land late), then at the start.
  absl::Status SeekTo(int64_t target_us, int64_t latest_us) {
    const AVStream& stream = *format_->streams[stream_];
    for (const int64_t margin_s : {0, 2, 10, 60, -1}) {
      const int64_t pts =
          margin_s < 0
              ? start_pts_
              : std::max(start_pts_, start_pts_ + av_rescale_q(target_us - margin_s * 1000000,
                                                               kMicroseconds, stream.time_base));
      const int error = av_seek_frame(format_.get(), stream_, pts, AVSEEK_FLAG_BACKWARD);
      if (error < 0) {
        // libavformat's seek errors are mostly a bare -1, not an AVERROR code.
        if (margin_s < 0) {
          return absl::Status(corrupt_code_, absl::StrCat(name_, ": cannot seek to its start"));
        }
        continue;
      }
      avcodec_flush_buffers(decoder_.get());
      // Filters with history start afresh after a seek. A chain without (a conversion) keeps
      // its graph, and with it the pictures it has allocated (libavfilter zeroes each new
      // one), once what it still holds is dropped.
      if (has_history_ || filter_ended_) {
        filter_.reset();
      } else if (filter_ != nullptr) {
        FramePtr stale(av_frame_alloc());
        if (stale == nullptr) return absl::ResourceExhaustedError(name_ + ": out of memory");
        for (;;) {
          ATP_ASSIGN_OR_RETURN(const bool got, filter_->Pull(stale.get()));
          if (!got) break;
          av_frame_unref(stale.get());
        }
      }
      flushed_ = false;
      filter_ended_ = false;
      ATP_ASSIGN_OR_RETURN(pending_, Decode());
      if (pending_ == nullptr || margin_s < 0 || pts == start_pts_ ||
          DecodedTimeUs(*pending_) <= target_us + latest_us) {
        return absl::OkStatus();
      }
    }
    return absl::OkStatus();
  }

  // The next frame in presentation order (through the filter chain), or null at the end.
  absl::StatusOr<FramePtr> Next() {
    if (filter_chain_.empty()) return TakeDecoded();
    for (;;) {
      if (filter_ != nullptr) {
        FramePtr filtered(av_frame_alloc());
        ATP_ASSIGN_OR_RETURN(const bool got, filter_->Pull(filtered.get()));
        if (got) return filtered;
        if (filter_ended_) return nullptr;
      }
      ATP_ASSIGN_OR_RETURN(FramePtr frame, TakeDecoded());
      if (frame == nullptr) {
        if (filter_ == nullptr) return nullptr;
        ATP_RETURN_IF_ERROR(filter_->Push(nullptr));
        filter_ended_ = true;
        continue;
      }
      if (filter_ == nullptr) {
        const AVStream& stream = *format_->streams[stream_];
        ATP_ASSIGN_OR_RETURN(
            filter_, VideoFilter::Create(*frame, stream.time_base, frame_rate_, filter_chain_));
      }
      ATP_RETURN_IF_ERROR(filter_->Push(frame.get()));
    }
  }

  // When a frame from Next() is presented, from the stream's first frame.
  [[nodiscard]] int64_t TimeUs(const AVFrame& frame) const {
    const AVRational time_base =
        filter_ != nullptr ? filter_->output_time_base() : format_->streams[stream_]->time_base;
    return av_rescale_q(frame.pts, time_base, kMicroseconds) - StartUs();
  }

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] int64_t frame_us() const { return frame_us_; }
  [[nodiscard]] int64_t duration_us() const { return duration_us_; }
  [[nodiscard]] int64_t start_pts() const { return start_pts_; }
  // Whether its filters look at frames before the one they output (bwdif, fieldmatch,
  // decimate), so that a read after a seek starts earlier.
  [[nodiscard]] bool has_history() const { return has_history_; }
  // The pixel format its stream declares (AV_PIX_FMT_NONE when it declares none).
  [[nodiscard]] AVPixelFormat declared_pixel_format() const {
    return static_cast<AVPixelFormat>(format_->streams[stream_]->codecpar->format);
  }
  [[nodiscard]] AVRational time_base() const { return format_->streams[stream_]->time_base; }

 private:
  VideoReader() = default;

  absl::Status Init(const RandomAccessFile& file, std::optional<int64_t> start_pts, int threads) {
    name_ = file.name();
    absl::StatusOr<Demuxer> format = OpenDemuxer(file);
    if (!format.ok()) {
      // Bytes libavformat cannot read are the delivery's fault in a source, data lost in a
      // rendition atp wrote.
      if (format.status().code() != absl::StatusCode::kInvalidArgument) return format.status();
      return absl::Status(corrupt_code_, format.status().message());
    }
    format_ = *std::move(format);
    const int index = av_find_best_stream(format_.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
    if (index < 0) return absl::InvalidArgumentError(absl::StrCat(name_, ": has no video stream"));
    stream_ = index;
    for (unsigned i = 0; i < format_->nb_streams; ++i) {
      format_->streams[i]->discard =
          static_cast<int>(i) == index ? AVDISCARD_DEFAULT : AVDISCARD_ALL;
    }
    const AVStream& stream = *format_->streams[index];
    start_pts_ = start_pts.has_value()                 ? *start_pts
                 : stream.start_time == AV_NOPTS_VALUE ? 0
                                                       : stream.start_time;
    frame_rate_ = stream.avg_frame_rate.num > 0 ? stream.avg_frame_rate : stream.r_frame_rate;
    frame_us_ = frame_rate_.num > 0 && frame_rate_.den > 0
                    ? av_rescale_q(1, av_inv_q(frame_rate_), kMicroseconds)
                    : 0;
    duration_us_ = format_->duration > 0 ? format_->duration : 0;
    const AVCodec* codec = avcodec_find_decoder(stream.codecpar->codec_id);
    if (codec == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(name_, ": video cannot be decoded (no ",
                                                     avcodec_get_name(stream.codecpar->codec_id),
                                                     " decoder)"));
    }
    decoder_.reset(avcodec_alloc_context3(codec));
    packet_.reset(av_packet_alloc());
    if (decoder_ == nullptr || packet_ == nullptr) {
      return absl::ResourceExhaustedError(absl::StrCat(name_, ": out of memory"));
    }
    avcodec_parameters_to_context(decoder_.get(), stream.codecpar);
    decoder_->pkt_timebase = stream.time_base;
    decoder_->thread_count = threads;
    if (const int error = avcodec_open2(decoder_.get(), codec, nullptr); error < 0) {
      return AvErrorToStatus(error, absl::StrCat(name_, ": video decoder"));
    }
    return absl::OkStatus();
  }

  int64_t StartUs() const {
    return av_rescale_q(start_pts_, format_->streams[stream_]->time_base, kMicroseconds);
  }
  int64_t DecodedTimeUs(const AVFrame& frame) const {
    return av_rescale_q(frame.pts, format_->streams[stream_]->time_base, kMicroseconds) - StartUs();
  }

  absl::StatusOr<FramePtr> TakeDecoded() {
    if (pending_ != nullptr) return std::move(pending_);
    return Decode();
  }

  // A packet that does not decode, or a demuxer that cannot read on: `corrupt_code_`, naming
  // the part the packet at `position` came from. Read errors keep their code.
  absl::Status Failure(int error, int64_t position, const char* what) const {
    absl::Status status = AvErrorToStatus(error, what);
    if (status.code() != absl::StatusCode::kInvalidArgument &&
        status.code() != absl::StatusCode::kInternal) {
      return absl::Status(status.code(), absl::StrCat(name_, ": ", std::string(status.message())));
    }
    const std::string& where = parts_ != nullptr ? parts_->PartNameAt(position) : name_;
    return absl::Status(corrupt_code_,
                        absl::StrCat(where, ": video does not decode near ", Seconds(last_time_us_),
                                     " (", std::string(status.message()), ")"));
  }

  // The next decoded frame, its pts its best-effort timestamp; null at the end.
  absl::StatusOr<FramePtr> Decode() {
    FramePtr frame(av_frame_alloc());
    if (frame == nullptr)
      return absl::ResourceExhaustedError(absl::StrCat(name_, ": out of memory"));
    for (;;) {
      int error = avcodec_receive_frame(decoder_.get(), frame.get());
      if (error >= 0) {
        if (frame->best_effort_timestamp == AV_NOPTS_VALUE) {
          av_frame_unref(frame.get());
          continue;
        }
        frame->pts = frame->best_effort_timestamp;
        return frame;
      }
      if (error == AVERROR_EOF) return nullptr;
      if (error != AVERROR(EAGAIN)) return Failure(error, last_position_, "decoding");
      if (flushed_) return nullptr;
      error = av_read_frame(format_.get(), packet_.get());
      if (error == AVERROR_EOF) {
        flushed_ = true;
        avcodec_send_packet(decoder_.get(), nullptr);
        continue;
      }
      if (error < 0) return Failure(error, avio_tell(format_->pb), "reading");
      if (packet_->stream_index != stream_) {
        av_packet_unref(packet_.get());
        continue;
      }
      last_position_ = packet_->pos;
      if (packet_->pts != AV_NOPTS_VALUE) {
        last_time_us_ =
            av_rescale_q(packet_->pts, format_->streams[stream_]->time_base, kMicroseconds) -
            StartUs();
      }
      error = avcodec_send_packet(decoder_.get(), packet_.get());
      av_packet_unref(packet_.get());
      if (error < 0 && error != AVERROR(EAGAIN)) return Failure(error, last_position_, "decoding");
    }
  }

  std::unique_ptr<ConcatenatedFile> parts_;  // A rendition's; read by format_, so kept longer.
  std::string name_;
  absl::StatusCode corrupt_code_ = absl::StatusCode::kInvalidArgument;
  std::string filter_chain_;
  bool has_history_ = false;
  Demuxer format_;
  int stream_ = -1;
  int64_t start_pts_ = 0;  // In the stream's time base.
  AVRational frame_rate_ = {0, 1};
  int64_t frame_us_ = 0;
  int64_t duration_us_ = 0;
  CodecContextPtr decoder_;
  PacketPtr packet_;
  std::unique_ptr<VideoFilter> filter_;  // Made for the first frame after each seek.
  FramePtr pending_;                     // Decoded by SeekTo, not yet returned.
  bool flushed_ = false;                 // The decoder was sent the end of the stream.
  bool filter_ended_ = false;            // The filter was sent the end of the stream.
  int64_t last_position_ = -1;           // Of the last packet read, in the file.
  int64_t last_time_us_ = 0;             // Of the last packet read.
};

uint64_t BigEndian(const char* bytes, int count) {
  uint64_t value = 0;
  for (int i = 0; i < count; ++i) value = value << 8 | static_cast<unsigned char>(bytes[i]);
  return value;
}

// The payload of the first box of `type` among the ISO BMFF boxes that fill `data`; nullopt
// when there is none or a box overruns it.
std::optional<std::string_view> FindBox(std::string_view data, std::string_view type) {
  size_t at = 0;
  while (data.size() - at >= 8) {
    uint64_t size = BigEndian(data.data() + at, 4);
    size_t header = 8;
    if (size == 1) {
      if (data.size() - at < 16) return std::nullopt;
      size = BigEndian(data.data() + at + 8, 8);
      header = 16;
    } else if (size == 0) {
      size = data.size() - at;
    }
    if (size < header || size > data.size() - at) return std::nullopt;
    if (data.substr(at + 4, 4) == type) return data.substr(at + header, size - header);
    at += size;
  }
  return std::nullopt;
}

// A larger moof is not one of atp's (a 6 s segment's is a few KiB).
constexpr uint64_t kMaxMoofBytes = 4 << 20;

// The decode time (tfdt) of the first track fragment in the first moof of `segment`, in its
// track's timescale. DataLoss when it has none where a CMAF segment has it (after styp,
// sidx, prft or emsg boxes); read errors keep their code.
absl::StatusOr<int64_t> FirstDecodeTime(const RandomAccessFile& segment) {
  const absl::Status missing = absl::DataLossError(
      absl::StrCat(segment.name(), ": not an fMP4 media segment (no moof with a tfdt)"));
  absl::StatusOr<int64_t> size = segment.Size();
  if (!size.ok()) return Naming(size.status(), segment.name());
  int64_t offset = 0;
  for (int box = 0; box < 8 && *size - offset >= 8; ++box) {
    char header[16];
    absl::StatusOr<size_t> got = segment.ReadAt(offset, header, sizeof header);
    if (!got.ok()) return Naming(got.status(), segment.name());
    if (*got < 8) return missing;
    uint64_t box_size = BigEndian(header, 4);
    uint64_t header_size = 8;
    if (box_size == 1) {
      if (*got < 16) return missing;
      box_size = BigEndian(header + 8, 8);
      header_size = 16;
    } else if (box_size == 0) {
      box_size = *size - offset;
    }
    if (box_size < header_size || box_size > static_cast<uint64_t>(*size - offset)) {
      return missing;
    }
    if (std::string_view(header + 4, 4) == "moof") {
      if (box_size > kMaxMoofBytes) return missing;
      std::string moof(box_size - header_size, '\0');
      got = segment.ReadAt(offset + header_size, moof.data(), moof.size());
      if (!got.ok()) return Naming(got.status(), segment.name());
      if (*got != moof.size()) return missing;
      const std::optional<std::string_view> traf = FindBox(moof, "traf");
      const std::optional<std::string_view> tfdt =
          traf.has_value() ? FindBox(*traf, "tfdt") : std::nullopt;
      if (!tfdt.has_value() || tfdt->size() < 8) return missing;
      if ((*tfdt)[0] != 1) return static_cast<int64_t>(BigEndian(tfdt->data() + 4, 4));
      if (tfdt->size() < 12) return missing;
      return static_cast<int64_t>(BigEndian(tfdt->data() + 4, 8));
    }
    offset += static_cast<int64_t>(box_size);
  }
  return missing;
}

// A rendition's video, opened afresh for each window on its init segment and the media
// segments around the window, found by their tfdt. (Opened on all of them at once,
// libavformat's mov demuxer reads every fragment's header first, in 1 MiB reads: most of
// the bytes of a film's rendition.) A single part (a whole MP4) is read whole.
class RenditionVideo {
 public:
  static absl::StatusOr<RenditionVideo> Open(std::span<const RandomAccessFile* const> parts,
                                             int threads) {
    RenditionVideo video;
    video.parts_.assign(parts.begin(), parts.end());
    video.threads_ = threads;
    // Where its times count from, and its time base: the init and first segment say.
    ATP_ASSIGN_OR_RETURN(std::unique_ptr<ConcatenatedFile> head,
                         ConcatenatedFile::Create(parts.first(std::min<size_t>(2, parts.size()))));
    ATP_ASSIGN_OR_RETURN(const std::unique_ptr<VideoReader> first,
                         VideoReader::OpenRendition(std::move(head), std::nullopt, threads));
    video.start_pts_ = first->start_pts();
    video.pixel_format_ = first->declared_pixel_format();
    int64_t first_decode = 0;
    for (size_t i = 1; i < parts.size(); ++i) {
      ATP_ASSIGN_OR_RETURN(const int64_t decode, FirstDecodeTime(*parts[i]));
      if (i == 1) first_decode = decode;
      const int64_t start_us =
          av_rescale_q(decode - first_decode, first->time_base(), kMicroseconds);
      if (i > 1 && start_us < video.segment_start_us_.back()) {
        return absl::DataLossError(
            absl::StrCat(parts[i]->name(), ": decodes from ", Seconds(start_us), ", before ",
                         parts[i - 1]->name(), " (", Seconds(video.segment_start_us_.back()), ")"));
      }
      video.segment_start_us_.push_back(start_us);
    }
    return video;
  }

  // A reader of the segments that hold the frames presented in [start_us, end_us), with
  // one more on each side (a frame presented early or late, an open GOP's leading frames).
  absl::StatusOr<std::unique_ptr<VideoReader>> ReaderFor(int64_t start_us, int64_t end_us) const {
    std::vector<const RandomAccessFile*> window = parts_;
    if (!segment_start_us_.empty()) {
      const auto& starts = segment_start_us_;
      const int64_t last_index = static_cast<int64_t>(starts.size()) - 1;
      const int64_t containing =
          std::upper_bound(starts.begin(), starts.end(), start_us) - starts.begin() - 1;
      const int64_t first = std::clamp<int64_t>(containing - 1, 0, last_index);
      const int64_t after = std::lower_bound(starts.begin(), starts.end(), end_us) - starts.begin();
      const int64_t last = std::clamp<int64_t>(after, first, last_index);
      window = {parts_[0]};
      window.insert(window.end(), parts_.begin() + 1 + first, parts_.begin() + 2 + last);
    }
    ATP_ASSIGN_OR_RETURN(std::unique_ptr<ConcatenatedFile> file, ConcatenatedFile::Create(window));
    return VideoReader::OpenRendition(std::move(file), start_pts_, threads_);
  }

  // The pixel format its stream declares (AV_PIX_FMT_NONE when it declares none).
  [[nodiscard]] AVPixelFormat pixel_format() const { return pixel_format_; }

 private:
  RenditionVideo() = default;

  std::vector<const RandomAccessFile*> parts_;  // Init, then the segments.
  // When parts_[i + 1] starts decoding, from parts_[1]; empty for a single part.
  std::vector<int64_t> segment_start_us_;
  int64_t start_pts_ = 0;
  AVPixelFormat pixel_format_ = AV_PIX_FMT_NONE;
  int threads_ = 1;
};

struct FilterGraphDeleter {
  void operator()(AVFilterGraph* graph) const { avfilter_graph_free(&graph); }
};
using FilterGraphPtr = std::unique_ptr<AVFilterGraph, FilterGraphDeleter>;

// Two inputs, the rendition's frames ("distorted") and the source's ("reference"), paired
// by their order: the rendition scaled to the reference's size, both put in the rendition's
// pixel format, then ssim, then psnr, whose figures ride on each output frame's metadata.
class ComparisonGraph {
 public:
  static absl::StatusOr<std::unique_ptr<ComparisonGraph>> Create(const AVFrame& distorted,
                                                                 const AVFrame& reference,
                                                                 int threads) {
    auto graph = std::unique_ptr<ComparisonGraph>(new ComparisonGraph());
    graph->graph_.reset(avfilter_graph_alloc());
    if (graph->graph_ == nullptr)
      return absl::ResourceExhaustedError("comparison graph: no memory");
    graph->graph_->nb_threads = threads;
    const auto format = static_cast<AVPixelFormat>(distorted.format);
    const AVPixFmtDescriptor* descriptor = av_pix_fmt_desc_get(format);
    if (descriptor == nullptr) return absl::InternalError("comparison graph: no pixel format");
    graph->peak_ = (1 << descriptor->comp[0].depth) - 1;
    ATP_RETURN_IF_ERROR(graph->AddSource(distorted, "distorted", &graph->distorted_));
    ATP_RETURN_IF_ERROR(graph->AddSource(reference, "reference", &graph->reference_));
    if (const int error =
            avfilter_graph_create_filter(&graph->sink_, avfilter_get_by_name("buffersink"), "out",
                                         nullptr, nullptr, graph->graph_.get());
        error < 0) {
      return AvErrorToStatus(error, "comparison graph sink");
    }
    const std::string description = absl::StrCat(
        "[distorted]scale=", reference.width, ":", reference.height,
        ":flags=bicubic,format=", descriptor->name, "[scaled];[reference]format=", descriptor->name,
        ",split[reference_ssim][reference_psnr];[scaled][reference_ssim]ssim[measured];"
        "[measured][reference_psnr]psnr[out]");
    // The description's open ends: [distorted] and [reference] fed by the sources, [out]
    // draining into the sink.
    AVFilterInOut* sources = avfilter_inout_alloc();
    AVFilterInOut* second = avfilter_inout_alloc();
    AVFilterInOut* sinks = avfilter_inout_alloc();
    int error = AVERROR(ENOMEM);
    if (sources != nullptr && second != nullptr && sinks != nullptr) {
      sources->name = av_strdup("distorted");
      sources->filter_ctx = graph->distorted_;
      sources->next = second;
      second->name = av_strdup("reference");
      second->filter_ctx = graph->reference_;
      second = nullptr;  // Owned by the list now.
      sinks->name = av_strdup("out");
      sinks->filter_ctx = graph->sink_;
      error = avfilter_graph_parse_ptr(graph->graph_.get(), description.c_str(), &sinks, &sources,
                                       nullptr);
    }
    avfilter_inout_free(&sources);
    avfilter_inout_free(&second);
    avfilter_inout_free(&sinks);
    if (error >= 0) error = avfilter_graph_config(graph->graph_.get(), nullptr);
    if (error < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("comparing ", descriptor->name, " ", distorted.width, "x", distorted.height,
                       " with ", av_get_pix_fmt_name(static_cast<AVPixelFormat>(reference.format)),
                       " ", reference.width, "x", reference.height, ": ",
                       std::string(AvErrorToStatus(error, "libavfilter").message())));
    }
    return graph;
  }

  // Compares one pair of frames (their references are taken; the frames are not changed).
  absl::Status Compare(const AVFrame& distorted, const AVFrame& reference) {
    ATP_RETURN_IF_ERROR(Push(distorted_, &distorted, "rendition frame"));
    ATP_RETURN_IF_ERROR(Push(reference_, &reference, "source frame"));
    ++pushed_;
    return Drain();
  }

  // Ends both inputs and collects what is left; then the score.
  absl::StatusOr<QualityScore> Finish() {
    ATP_RETURN_IF_ERROR(Push(distorted_, nullptr, "rendition frame"));
    ATP_RETURN_IF_ERROR(Push(reference_, nullptr, "source frame"));
    ATP_RETURN_IF_ERROR(Drain());
    QualityScore score;
    score.frames = measured_;
    if (measured_ == 0) return score;
    score.ssim_y = ssim_y_sum_ / measured_;
    score.ssim_all = ssim_all_sum_ / measured_;
    const double mse = mse_y_sum_ / measured_;
    score.psnr_y_db =
        mse <= 0
            ? kIdenticalPsnrDb
            : std::min(kIdenticalPsnrDb, 10 * std::log10(static_cast<double>(peak_) * peak_ / mse));
    return score;
  }

 private:
  ComparisonGraph() = default;

  absl::Status AddSource(const AVFrame& like, const char* name, AVFilterContext** source) {
    const AVRational sar =
        like.sample_aspect_ratio.num > 0 ? like.sample_aspect_ratio : AVRational{1, 1};
    // Each pair's frames carry its index as their pts, so ssim and psnr pair them exactly.
    const std::string args =
        absl::StrCat("video_size=", like.width, "x", like.height, ":pix_fmt=", like.format,
                     ":time_base=1/1:pixel_aspect=", sar.num, "/", sar.den);
    const int error = avfilter_graph_create_filter(source, avfilter_get_by_name("buffer"), name,
                                                   args.c_str(), nullptr, graph_.get());
    if (error < 0) return AvErrorToStatus(error, absl::StrCat("comparison graph ", name));
    return absl::OkStatus();
  }

  absl::Status Push(AVFilterContext* source, const AVFrame* frame, const char* what) {
    FramePtr copy;
    if (frame != nullptr) {
      copy.reset(av_frame_clone(frame));
      if (copy == nullptr) return absl::ResourceExhaustedError(absl::StrCat(what, ": no memory"));
      copy->pts = pushed_;
      copy->pict_type = AV_PICTURE_TYPE_NONE;
      av_dict_free(&copy->metadata);
    }
    if (const int error = av_buffersrc_add_frame_flags(source, copy.get(), 0); error < 0) {
      return AvErrorToStatus(error, absl::StrCat("comparing a ", what));
    }
    return absl::OkStatus();
  }

  absl::Status Drain() {
    FramePtr frame(av_frame_alloc());
    for (;;) {
      const int error = av_buffersink_get_frame(sink_, frame.get());
      if (error == AVERROR(EAGAIN) || error == AVERROR_EOF) return absl::OkStatus();
      if (error < 0) return AvErrorToStatus(error, "comparison output");
      double ssim_y = 0, ssim_all = 0, mse_y = 0;
      if (!Read(*frame, "lavfi.ssim.Y", ssim_y) || !Read(*frame, "lavfi.ssim.All", ssim_all) ||
          !Read(*frame, "lavfi.psnr.mse.y", mse_y)) {
        return absl::InternalError("comparison output: a frame without ssim and psnr figures");
      }
      ssim_y_sum_ += ssim_y;
      ssim_all_sum_ += ssim_all;
      mse_y_sum_ += mse_y;
      ++measured_;
      av_frame_unref(frame.get());
    }
  }

  static bool Read(const AVFrame& frame, const char* key, double& value) {
    const AVDictionaryEntry* entry = av_dict_get(frame.metadata, key, nullptr, 0);
    return entry != nullptr && absl::SimpleAtod(entry->value, &value);
  }

  FilterGraphPtr graph_;
  AVFilterContext* distorted_ = nullptr;  // Owned by graph_.
  AVFilterContext* reference_ = nullptr;  // Owned by graph_.
  AVFilterContext* sink_ = nullptr;       // Owned by graph_.
  int peak_ = 255;
  int64_t pushed_ = 0;
  int64_t measured_ = 0;
  double ssim_y_sum_ = 0;
  double ssim_all_sum_ = 0;
  double mse_y_sum_ = 0;
};

// The window as [start, end) microseconds, cut at the source's duration (0: unknown).
absl::StatusOr<std::pair<int64_t, int64_t>> WindowSpan(const QualityWindow& window,
                                                       int64_t source_duration_us) {
  if (!std::isfinite(window.start_seconds) || !std::isfinite(window.duration_seconds) ||
      window.start_seconds < 0 || window.duration_seconds <= 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "quality window at %g s for %g s: needs a start of 0 or more and a positive duration",
        window.start_seconds, window.duration_seconds));
  }
  const int64_t start = std::llround(window.start_seconds * 1e6);
  int64_t end = start + std::llround(window.duration_seconds * 1e6);
  if (source_duration_us > 0) {
    if (start >= source_duration_us) {
      return absl::OutOfRangeError(absl::StrCat("quality window at ", Seconds(start),
                                                ": starts at or after the source's end (",
                                                Seconds(source_duration_us), ")"));
    }
    end = std::min(end, source_duration_us);
  }
  return std::make_pair(start, end);
}

// The source's frames of one window, decoded, filtered and converted once for every
// rendition compared on it: the last frame presented at or before the window's start, then
// every frame up to the first presented at or after its end. Whichever time in the window a
// rendition frame has, its nearest source frame is among them.
struct SourceWindow {
  std::vector<FramePtr> frames;   // In presentation order.
  std::vector<int64_t> times_us;  // Of each frame, from the source's first frame.
};

absl::StatusOr<SourceWindow> ReadSourceWindow(VideoReader& source, int64_t start_us,
                                              int64_t end_us) {
  // From a frame presented no later than the start (or within half a frame after it: then
  // that frame is the nearest anyway), a second earlier when the filters look back, so that
  // they have seen frames before it (bwdif looks back a frame, fieldmatch and decimate a
  // cycle of five).
  const int64_t history_us = source.has_history() ? 1000000 : 0;
  ATP_RETURN_IF_ERROR(source.SeekTo(start_us - history_us, source.frame_us() / 2));
  SourceWindow window;
  for (;;) {
    ATP_ASSIGN_OR_RETURN(FramePtr frame, source.Next());
    if (frame == nullptr) break;
    const int64_t time = source.TimeUs(*frame);
    if (time <= start_us) {
      window.frames.clear();
      window.times_us.clear();
    }
    window.frames.push_back(std::move(frame));
    window.times_us.push_back(time);
    if (time >= end_us) break;
  }
  return window;
}

// Compares the rendition's frames presented in [start_us, end_us) of the source's time (the
// rendition's time + `offset_us`) with the nearest of `source`'s (that window's, read from
// the file named `source_name`), through `graph` (made for the first pair).
absl::Status CompareWindow(const SourceWindow& source, const std::string& source_name,
                           const RenditionVideo& rendition_video, int64_t offset_us,
                           int64_t start_us, int64_t end_us, int threads,
                           std::unique_ptr<ComparisonGraph>& graph) {
  start_us -= offset_us;
  end_us -= offset_us;
  ATP_ASSIGN_OR_RETURN(const std::unique_ptr<VideoReader> opened,
                       rendition_video.ReaderFor(start_us, end_us));
  VideoReader& rendition = *opened;
  ATP_RETURN_IF_ERROR(rendition.SeekTo(start_us, rendition.frame_us()));
  FramePtr shown;  // The rendition's frame being compared.
  do {
    ATP_ASSIGN_OR_RETURN(shown, rendition.Next());
  } while (shown != nullptr && rendition.TimeUs(*shown) < start_us);
  if (shown == nullptr || rendition.TimeUs(*shown) >= end_us) {
    return absl::DataLossError(absl::StrCat(rendition.name(), ": no video frame in [",
                                            Seconds(start_us), ", ", Seconds(end_us),
                                            "), where the source has video"));
  }
  const std::vector<int64_t>& times = source.times_us;
  size_t after = 0;  // The first source frame presented after the rendition's.
  while (shown != nullptr) {
    if (rendition.TimeUs(*shown) >= end_us) break;
    const int64_t time = rendition.TimeUs(*shown) + offset_us;  // The source's.
    while (after < times.size() && times[after] <= time) ++after;
    // The source's last frame presented at or before the rendition's, or the one after it
    // when that is nearer; the earlier on a tie.
    const AVFrame* nearest = after > 0 ? source.frames[after - 1].get() : nullptr;
    if (after < times.size() && (after == 0 || times[after] - time < time - times[after - 1])) {
      nearest = source.frames[after].get();
    }
    if (nearest == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(source_name, ": no video frame near ", Seconds(time)));
    }
    if (graph == nullptr) {
      ATP_ASSIGN_OR_RETURN(graph, ComparisonGraph::Create(*shown, *nearest, threads));
    }
    ATP_RETURN_IF_ERROR(graph->Compare(*shown, *nearest));
    ATP_ASSIGN_OR_RETURN(shown, rendition.Next());
  }
  return absl::OkStatus();
}

// One rendition being measured: its video, its comparison graph and its first error.
struct Measurement {
  std::optional<RenditionVideo> video;
  std::unique_ptr<ComparisonGraph> graph;
  absl::Status status;
};

}  // namespace

absl::StatusOr<std::vector<absl::StatusOr<QualityScore>>> MeasureRenditionsQuality(
    const RandomAccessFile& source, std::span<const RenditionParts> renditions,
    std::span<const QualityWindow> windows, const QualityOptions& options) {
  if (windows.empty()) return absl::InvalidArgumentError("quality: no windows to measure");
  if (renditions.empty()) return absl::InvalidArgumentError("quality: no renditions to measure");
  const int threads = std::max(1, options.threads);
  // Renditions are compared side by side, each comparison with its share of the threads.
  const int rendition_threads = std::max(1, threads / ParallelWorkers(renditions.size(), threads));
  std::vector<Measurement> measurements(renditions.size());
  // One source read for each pixel format the renditions declare, converting to it.
  std::vector<AVPixelFormat> formats;
  std::vector<size_t> format_of(renditions.size(), 0);  // Index into formats.
  ParallelFor(renditions.size(), threads, [&](size_t i) {
    Measurement& measurement = measurements[i];
    if (renditions[i].empty()) {
      measurement.status = absl::InvalidArgumentError("quality: no rendition parts");
      return;
    }
    absl::StatusOr<RenditionVideo> video = RenditionVideo::Open(renditions[i], rendition_threads);
    if (video.ok()) {
      measurement.video = *std::move(video);
    } else {
      measurement.status = video.status();
    }
  });
  for (size_t i = 0; i < renditions.size(); ++i) {
    if (!measurements[i].video.has_value()) continue;
    const AVPixelFormat format = measurements[i].video->pixel_format();
    const auto known = std::find(formats.begin(), formats.end(), format);
    format_of[i] = known - formats.begin();
    if (known == formats.end()) formats.push_back(format);
  }
  std::vector<std::unique_ptr<VideoReader>> originals;
  for (const AVPixelFormat format : formats) {
    ATP_ASSIGN_OR_RETURN(
        originals.emplace_back(),
        VideoReader::OpenSource(source, options.source_filter_chain, format, threads));
  }
  // Every window's span first, so that a bad one fails before anything is compared. With no
  // rendition left to measure the source is not read, and its duration is unknown (0).
  const int64_t duration_us = originals.empty() ? 0 : originals.front()->duration_us();
  std::vector<std::pair<int64_t, int64_t>> spans;
  for (const QualityWindow& window : windows) {
    ATP_ASSIGN_OR_RETURN(spans.emplace_back(), WindowSpan(window, duration_us));
  }
  if (originals.empty()) spans.clear();
  const int64_t offset_us = std::llround(options.rendition_start_seconds * 1e6);
  for (const auto& [start_us, end_us] : spans) {
    std::vector<SourceWindow> source_windows;
    for (const std::unique_ptr<VideoReader>& original : originals) {
      ATP_ASSIGN_OR_RETURN(source_windows.emplace_back(),
                           ReadSourceWindow(*original, start_us, end_us));
    }
    ParallelFor(renditions.size(), threads, [&](size_t i) {
      Measurement& measurement = measurements[i];
      if (!measurement.status.ok()) return;
      measurement.status =
          CompareWindow(source_windows[format_of[i]], source.name(), *measurement.video, offset_us,
                        start_us, end_us, rendition_threads, measurement.graph);
    });
  }
  std::vector<absl::StatusOr<QualityScore>> scores;
  for (Measurement& measurement : measurements) {
    if (!measurement.status.ok()) {
      scores.push_back(measurement.status);
    } else if (measurement.graph == nullptr) {
      scores.push_back(absl::InternalError("quality: no frame was compared"));  // Unreached.
    } else {
      scores.push_back(measurement.graph->Finish());
    }
  }
  return scores;
}

absl::StatusOr<QualityScore> MeasureRenditionQuality(
    const RandomAccessFile& source, std::span<const RandomAccessFile* const> rendition_parts,
    std::span<const QualityWindow> windows, const QualityOptions& options) {
  if (rendition_parts.empty()) return absl::InvalidArgumentError("quality: no rendition parts");
  const RenditionParts rendition(rendition_parts.begin(), rendition_parts.end());
  ATP_ASSIGN_OR_RETURN(std::vector<absl::StatusOr<QualityScore>> scores,
                       MeasureRenditionsQuality(source, {&rendition, 1}, windows, options));
  return std::move(scores.front());
}

std::vector<QualityWindow> SampleWindows(double duration_seconds, int count,
                                         double window_seconds) {
  if (!(duration_seconds > 0) || count <= 0 || !(window_seconds > 0)) return {};
  if (duration_seconds <= window_seconds) return {{0, duration_seconds}};
  const int fit =
      static_cast<int>(std::min<double>(count, std::floor(duration_seconds / window_seconds)));
  const int n = std::max(1, fit);
  const double room = duration_seconds - window_seconds;
  if (n == 1) return {{room / 2, window_seconds}};
  std::vector<QualityWindow> result;
  for (int i = 0; i < n; ++i) result.push_back({room * i / (n - 1), window_seconds});
  return result;
}

}  // namespace atp::media
