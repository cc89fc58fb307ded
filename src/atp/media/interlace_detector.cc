#include "atp/media/interlace_detector.h"

#include <cmath>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "atp/core/status_macros.h"
#include "atp/media/av_error.h"
#include "atp/media/demuxer_input.h"
#include "atp/media/video_filter.h"

namespace atp::media {
namespace {

int64_t MetadataCount(const AVFrame& frame, const char* key) {
  const AVDictionaryEntry* entry = av_dict_get(frame.metadata, key, nullptr, 0);
  double value = 0;  // idet writes its counts as decimals: "12.00".
  if (entry == nullptr || !absl::SimpleAtod(entry->value, &value)) return 0;
  return std::llround(value);
}

// Decodes up to `frames` frames from the demuxer's position through a fresh idet and returns
// its cumulative counts.
absl::StatusOr<IdetCounts> CountSample(AVFormatContext& format, int stream_index,
                                       AVCodecContext& decoder, int frames) {
  const AVStream& stream = *format.streams[stream_index];
  std::unique_ptr<VideoFilter> idet;  // Made for the first frame.
  IdetCounts counts;
  int filtered = 0;
  PacketPtr packet(av_packet_alloc());
  FramePtr frame(av_frame_alloc());
  auto drain = [&]() -> absl::Status {
    while (idet != nullptr) {
      ATP_ASSIGN_OR_RETURN(const bool got, idet->Pull(frame.get()));
      if (!got) return absl::OkStatus();
      counts.top_field_first = MetadataCount(*frame, "lavfi.idet.multiple.tff");
      counts.bottom_field_first = MetadataCount(*frame, "lavfi.idet.multiple.bff");
      counts.progressive = MetadataCount(*frame, "lavfi.idet.multiple.progressive");
      counts.undetermined = MetadataCount(*frame, "lavfi.idet.multiple.undetermined");
      counts.repeated_fields = MetadataCount(*frame, "lavfi.idet.repeated.top") +
                               MetadataCount(*frame, "lavfi.idet.repeated.bottom");
      counts.repeated_none = MetadataCount(*frame, "lavfi.idet.repeated.neither");
      ++filtered;
      av_frame_unref(frame.get());
    }
    return absl::OkStatus();
  };
  bool ended = false;
  while (filtered < frames && !ended) {
    const int read = av_read_frame(&format, packet.get());
    if (read < 0) {
      if (read != AVERROR_EOF) return AvErrorToStatus(read, "idet sample");
      ended = true;
      avcodec_send_packet(&decoder, nullptr);
    } else if (packet->stream_index != stream_index) {
      av_packet_unref(packet.get());
      continue;
    } else {
      // A packet that does not decode is skipped: the verdict needs only most frames.
      (void)avcodec_send_packet(&decoder, packet.get());
      av_packet_unref(packet.get());
    }
    while (avcodec_receive_frame(&decoder, frame.get()) >= 0) {
      frame->pts = frame->best_effort_timestamp;
      if (idet == nullptr) {
        ATP_ASSIGN_OR_RETURN(
            idet, VideoFilter::Create(*frame, stream.time_base, stream.avg_frame_rate, "idet"));
      }
      ATP_RETURN_IF_ERROR(idet->Push(frame.get()));
      ATP_RETURN_IF_ERROR(drain());
    }
  }
  if (idet != nullptr) {
    ATP_RETURN_IF_ERROR(idet->Push(nullptr));
    ATP_RETURN_IF_ERROR(drain());
  }
  return counts;
}

// Samples the video of the opened `format` (see DetectInterlacing); `name` for messages.
absl::StatusOr<InterlaceVerdict> DetectIn(const Demuxer& format, const std::string& name,
                                          int samples, int frames_per_sample) {
  const int stream_index =
      av_find_best_stream(format.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (stream_index < 0) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": has no video stream"));
  }
  const AVStream& stream = *format->streams[stream_index];
  const AVCodec* codec = avcodec_find_decoder(stream.codecpar->codec_id);
  if (codec == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": video cannot be decoded"));
  }

  for (unsigned i = 0; i < format->nb_streams; ++i) {
    format->streams[i]->discard =
        static_cast<int>(i) == stream_index ? AVDISCARD_DEFAULT : AVDISCARD_ALL;
  }
  const int64_t duration = format->duration > 0 ? format->duration : 0;
  IdetCounts total;
  for (int sample = 0; sample < samples; ++sample) {
    // Points at 0, 1/n, 2/n ... of the file, each decoded from the keyframe before it.
    const int64_t target = duration * sample / samples;
    if (sample > 0 && avformat_seek_file(format.get(), -1, INT64_MIN, target, target, 0) < 0) {
      break;
    }
    CodecContextPtr decoder(avcodec_alloc_context3(codec));
    avcodec_parameters_to_context(decoder.get(), stream.codecpar);
    decoder->pkt_timebase = stream.time_base;
    if (const int error = avcodec_open2(decoder.get(), codec, nullptr); error < 0) {
      return AvErrorToStatus(error, "video decoder");
    }
    ATP_ASSIGN_OR_RETURN(const IdetCounts counts,
                         CountSample(*format, stream_index, *decoder, frames_per_sample));
    total.top_field_first += counts.top_field_first;
    total.bottom_field_first += counts.bottom_field_first;
    total.progressive += counts.progressive;
    total.undetermined += counts.undetermined;
    total.repeated_fields += counts.repeated_fields;
    total.repeated_none += counts.repeated_none;
  }
  return JudgeIdetCounts(total);
}

}  // namespace

InterlaceVerdict JudgeIdetCounts(const IdetCounts& counts) {
  InterlaceVerdict verdict;
  verdict.counts = counts;
  const int64_t interlaced = counts.top_field_first + counts.bottom_field_first;
  const int64_t determined = interlaced + counts.progressive;
  verdict.evidence =
      absl::StrCat("idet: ", counts.top_field_first, " tff, ", counts.bottom_field_first, " bff, ",
                   counts.progressive, " progressive, ", counts.undetermined, " undetermined of ",
                   determined + counts.undetermined, " sampled frames");
  const int64_t repeat_judged = counts.repeated_fields + counts.repeated_none;
  if (repeat_judged > 0 && counts.repeated_fields * 5 >= repeat_judged) {
    verdict.pulldown = true;
    absl::StrAppend(&verdict.evidence, "; ", counts.repeated_fields, " of ", repeat_judged,
                    " frames repeat a field: telecined film (3:2 pulldown) is likely");
  }
  if (determined == 0) return verdict;
  const FieldOrder order = counts.bottom_field_first > counts.top_field_first
                               ? FieldOrder::kBottomFieldFirst
                               : FieldOrder::kTopFieldFirst;
  if (interlaced * 2 >= determined) {
    verdict.field_order = order;
  } else if (interlaced * 100 >= determined * 15) {
    verdict.field_order = order;
    verdict.partly_interlaced = true;
    absl::StrAppend(&verdict.evidence, " (partly interlaced: telecined film or mixed content)");
  } else {
    verdict.field_order = FieldOrder::kProgressive;
  }
  return verdict;
}

absl::StatusOr<InterlaceVerdict> DetectInterlacing(const RandomAccessFile& file, int samples,
                                                   int frames_per_sample) {
  ATP_ASSIGN_OR_RETURN(const Demuxer format, OpenDemuxer(file));
  return DetectIn(format, file.name(), samples, frames_per_sample);
}

absl::StatusOr<InterlaceVerdict> DetectInterlacing(const std::filesystem::path& file, int samples,
                                                   int frames_per_sample) {
  ATP_ASSIGN_OR_RETURN(const Demuxer format, OpenDemuxer(file));
  return DetectIn(format, file.string(), samples, frames_per_sample);
}

}  // namespace atp::media
