#include "atp/validate/audio_loudness.h"

#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "atp/core/status_macros.h"
#include "atp/media/av_error.h"
#include "atp/media/av_ptr.h"
#include "atp/media/loudness_meter.h"
#include "atp/validate/memory_demuxer.h"

extern "C" {
#include <libswresample/swresample.h>
}

namespace atp::validate {
namespace {

struct ResamplerDeleter {
  void operator()(SwrContext* context) const { swr_free(&context); }
};

// Feeds every frame `decoder` has ready into `meter`, converted to planar float by
// `converter`.
absl::Status Drain(AVCodecContext& decoder, SwrContext& converter, AVFrame& frame,
                   media::LoudnessMeter& meter) {
  for (;;) {
    const int error = avcodec_receive_frame(&decoder, &frame);
    if (error == AVERROR(EAGAIN) || error == AVERROR_EOF) return absl::OkStatus();
    if (error < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("audio: ", media::AvErrorToStatus(error, "decoding").message()));
    }
    std::vector<std::vector<float>> planes(meter.channels(),
                                           std::vector<float>(frame.nb_samples + 64));
    std::vector<uint8_t*> pointers;
    for (std::vector<float>& plane : planes) {
      pointers.push_back(reinterpret_cast<uint8_t*>(plane.data()));
    }
    const int got = swr_convert(&converter, pointers.data(), frame.nb_samples + 64,
                                const_cast<const uint8_t**>(frame.extended_data), frame.nb_samples);
    av_frame_unref(&frame);
    if (got < 0) return absl::InvalidArgumentError("audio: cannot convert the decoded samples");
    std::vector<const float*> samples;
    for (const std::vector<float>& plane : planes) samples.push_back(plane.data());
    ATP_RETURN_IF_ERROR(meter.AddPlanar(samples.data(), static_cast<size_t>(got)));
  }
}

}  // namespace

absl::StatusOr<LoudnessMeasurement> MeasureFmp4AudioLoudness(std::string_view fmp4) {
  ATP_ASSIGN_OR_RETURN(std::unique_ptr<MemoryDemuxer> demuxer,
                       MemoryDemuxer::Open(fmp4, "mp4", "audio track"));
  AVFormatContext* format = demuxer->get();
  const int index = av_find_best_stream(format, AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
  if (index < 0) return absl::InvalidArgumentError("audio track: no audio stream");
  const AVCodecParameters& parameters = *format->streams[index]->codecpar;
  const AVCodec* codec = avcodec_find_decoder(parameters.codec_id);
  if (codec == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("audio track: no decoder for ", avcodec_get_name(parameters.codec_id)));
  }
  media::CodecContextPtr decoder(avcodec_alloc_context3(codec));
  avcodec_parameters_to_context(decoder.get(), &parameters);
  decoder->pkt_timebase = format->streams[index]->time_base;
  if (int error = avcodec_open2(decoder.get(), codec, nullptr); error < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("audio track: ", media::AvErrorToStatus(error, "decoder").message()));
  }
  const int channels = decoder->ch_layout.nb_channels;
  ATP_ASSIGN_OR_RETURN(media::LoudnessMeter meter,
                       media::LoudnessMeter::Create(channels, decoder->sample_rate));
  // Same layout and rate: a sample format conversion only.
  SwrContext* raw_converter = nullptr;
  if (swr_alloc_set_opts2(&raw_converter, &decoder->ch_layout, AV_SAMPLE_FMT_FLTP,
                          decoder->sample_rate, &decoder->ch_layout, decoder->sample_fmt,
                          decoder->sample_rate, 0, nullptr) < 0) {
    return absl::InvalidArgumentError("audio track: cannot convert its sample format");
  }
  std::unique_ptr<SwrContext, ResamplerDeleter> converter(raw_converter);
  if (swr_init(converter.get()) < 0) {
    return absl::InvalidArgumentError("audio track: cannot convert its sample format");
  }
  media::PacketPtr packet(av_packet_alloc());
  media::FramePtr frame(av_frame_alloc());
  int64_t packets = 0;
  while (av_read_frame(format, packet.get()) >= 0) {
    absl::Status status = absl::OkStatus();
    if (packet->stream_index == index) {
      ++packets;
      if (int error = avcodec_send_packet(decoder.get(), packet.get()); error < 0) {
        status = absl::InvalidArgumentError(
            absl::StrCat("audio: ", media::AvErrorToStatus(error, "decoding").message()));
      } else {
        status = Drain(*decoder, *converter, *frame, meter);
      }
    }
    av_packet_unref(packet.get());
    ATP_RETURN_IF_ERROR(status);
  }
  if (packets == 0) return absl::InvalidArgumentError("audio track: no audio samples");
  avcodec_send_packet(decoder.get(), nullptr);
  ATP_RETURN_IF_ERROR(Drain(*decoder, *converter, *frame, meter));
  return meter.Result();
}

std::vector<std::string> LoudnessProblems(std::string_view language,
                                          const LoudnessMeasurement& measured,
                                          const LoudnessTarget& target) {
  std::vector<std::string> problems;
  const std::string who =
      absl::StrCat("audio ", language.empty() ? "(no language)" : std::string(language));
  if (measured.integrated_lufs &&
      std::abs(*measured.integrated_lufs - target.target_lufs) > target.tolerance_lu) {
    problems.push_back(absl::StrFormat("%s: integrated loudness %.1f LUFS, expected %g ±%g", who,
                                       *measured.integrated_lufs, target.target_lufs,
                                       target.tolerance_lu));
  }
  if (measured.true_peak_dbtp &&
      *measured.true_peak_dbtp > target.ceiling_dbtp + target.overshoot_db) {
    problems.push_back(absl::StrFormat(
        "%s: true peak %.1f dBTP, above the ceiling of %g dBTP (+%g dB allowed for AAC)", who,
        *measured.true_peak_dbtp, target.ceiling_dbtp, target.overshoot_db));
  }
  return problems;
}

}  // namespace atp::validate
