#include "atp/encode/transcoder.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "atp/core/status_macros.h"
#include "atp/encode/audio_track_decoder.h"
#include "atp/encode/audio_track_encoder.h"
#include "atp/encode/concurrent_rungs.h"
#include "atp/encode/loudness_normalizer.h"
#include "atp/encode/video_rung_encoder.h"
#include "atp/media/av_error.h"
#include "atp/media/av_ptr.h"
#include "atp/media/demuxer_input.h"
#include "atp/media/loudness_meter.h"
#include "atp/media/video_filter.h"

namespace atp::encode {
namespace {

struct Input {
  media::Demuxer format;
  int video_stream = -1;
  media::CodecContextPtr video_decoder;
  AVRational frame_rate{};
  std::vector<int> audio_streams;  // Container index of the n-th audio stream.
};

absl::StatusOr<Input> OpenInput(const RandomAccessFile& file, int threads) {
  Input input;
  ATP_ASSIGN_OR_RETURN(input.format, media::OpenDemuxer(file));
  AVFormatContext* raw = input.format.get();
  for (unsigned i = 0; i < raw->nb_streams; ++i) {
    const AVMediaType type = raw->streams[i]->codecpar->codec_type;
    if (type == AVMEDIA_TYPE_VIDEO && input.video_stream < 0 &&
        !(raw->streams[i]->disposition & AV_DISPOSITION_ATTACHED_PIC)) {
      input.video_stream = static_cast<int>(i);
    } else if (type == AVMEDIA_TYPE_AUDIO) {
      input.audio_streams.push_back(static_cast<int>(i));
    }
  }
  if (input.video_stream < 0) {
    return absl::InvalidArgumentError(absl::StrCat(file.name(), ": has no video stream"));
  }
  const AVStream* video = raw->streams[input.video_stream];
  input.frame_rate = video->avg_frame_rate.num > 0 ? video->avg_frame_rate : video->r_frame_rate;
  const AVCodec* decoder = avcodec_find_decoder(video->codecpar->codec_id);
  if (decoder == nullptr || input.frame_rate.num <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(file.name(), ": video cannot be decoded"));
  }
  input.video_decoder.reset(avcodec_alloc_context3(decoder));
  avcodec_parameters_to_context(input.video_decoder.get(), video->codecpar);
  input.video_decoder->pkt_timebase = video->time_base;
  input.video_decoder->thread_count = threads;
  if (int error = avcodec_open2(input.video_decoder.get(), decoder, nullptr); error < 0) {
    return media::AvErrorToStatus(error, "video decoder");
  }
  return input;
}

// The slot of the constant `frame_rate` nearest to `timestamp` (in the stream's time base),
// counting from the stream's start; -1 for no timestamp.
int64_t SlotOf(int64_t timestamp, const AVStream& stream, AVRational frame_rate) {
  if (timestamp == AV_NOPTS_VALUE) return -1;
  const int64_t start = stream.start_time == AV_NOPTS_VALUE ? 0 : stream.start_time;
  return av_rescale_q_rnd(timestamp - start, stream.time_base, av_inv_q(frame_rate),
                          static_cast<AVRounding>(AV_ROUND_NEAR_INF | AV_ROUND_PASS_MINMAX));
}

class Transcoder {
 public:
  Transcoder(const TranscodePlan& plan, PacketSink& sink, const TranscodeProgressFn& progress)
      : plan_(plan), sink_(sink), progress_(progress) {}

  absl::StatusOr<TranscodeStats> Run() {
    ATP_ASSIGN_OR_RETURN(input_, OpenInput(*plan_.input, plan_.threads));
    const Rational& planned = plan_.conversion.frame_rate;
    rate_ = planned.num > 0 && planned.den > 0
                ? AVRational{static_cast<int>(planned.num), static_cast<int>(planned.den)}
                : input_.frame_rate;
    grid_ = FrameGridFor(plan_.profile, {rate_.num, rate_.den});
    const int64_t duration_us = input_.format->duration > 0 ? input_.format->duration : 0;
    progress_state_.frames_total = av_rescale_q(duration_us, AV_TIME_BASE_Q, av_inv_q(rate_));
    if (plan_.part == TranscodePart::kAudio) {
      ATP_RETURN_IF_ERROR(RunAudio());
    } else {
      ATP_RETURN_IF_ERROR(RunVideo());
    }
    return stats_;
  }

 private:
  // Tells the demuxer to skip the packets of every stream but `keep` (it then does not read
  // them from the file, where the container allows).
  void DiscardStreamsExcept(const std::vector<int>& keep) {
    for (unsigned i = 0; i < input_.format->nb_streams; ++i) {
      const bool kept = std::find(keep.begin(), keep.end(), static_cast<int>(i)) != keep.end();
      input_.format->streams[i]->discard = kept ? AVDISCARD_DEFAULT : AVDISCARD_ALL;
    }
  }

  absl::Status RunVideo() {
    const FrameRange& range = plan_.frames;
    if (range.first < 0 || range.first % grid_.segment_frames != 0 ||
        (range.end != kUntilEnd && range.end <= range.first)) {
      return absl::InvalidArgumentError(
          absl::StrCat("frame range [", range.first, ", ", range.end,
                       ") must be non-empty and start on a segment boundary (every ",
                       grid_.segment_frames, " frames)"));
    }
    DiscardStreamsExcept({input_.video_stream});
    if (range.first > 0 && !SeekBefore(range.first, 0)) ATP_RETURN_IF_ERROR(Rewind());
    const AVCodecContext& decoder = *input_.video_decoder;
    for (size_t i = 0; i < plan_.ladder.size(); ++i) {
      const int feeder = CascadeFeeder(i);
      feeders_.push_back(feeder);
      const PictureFormat input =
          feeder < 0 ? PictureFormat{decoder.width, decoder.height, decoder.pix_fmt}
                     : rungs_[feeder]->output_format();
      ATP_ASSIGN_OR_RETURN(auto rung, VideoRungEncoder::Create(
                                          plan_.ladder[i], plan_.profile, decoder, input, rate_,
                                          grid_.gop_frames, grid_.segment_frames, plan_.threads));
      ATP_RETURN_IF_ERROR(sink_.OpenOutput(i, rung->stream()));
      rungs_.push_back(std::move(rung));
    }
    ATP_RETURN_IF_ERROR(PumpVideo());
    // Containers that seek by byte position (MPEG-TS) can land after the frame: aim earlier
    // and earlier, and in the end decode from the start.
    for (const int64_t margin_seconds : {2, 10, 60}) {
      if (!seek_missed_ || !SeekBefore(range.first, margin_seconds)) break;
      seek_missed_ = false;
      ATP_RETURN_IF_ERROR(PumpVideo());
    }
    if (seek_missed_) {
      ATP_RETURN_IF_ERROR(Rewind());
      ATP_RETURN_IF_ERROR(PumpVideo());
    }
    if (stats_.frames_encoded == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("mezzanine: no video frames from frame ", range.first, " on"));
    }
    if (concurrent_ != nullptr) return concurrent_->Finish();
    for (size_t i = 0; i < rungs_.size(); ++i) ATP_RETURN_IF_ERROR(rungs_[i]->Flush(OutputFor(i)));
    return absl::OkStatus();
  }

  // The rung before `rung` whose pictures `rung` scales from: the smallest one at least as
  // wide and as high (a cascade 1080 -> 720 -> 480 -> 360: the source's pixel format is
  // converted once, and each scaler reads the fewest pixels); -1 for the decoded source.
  int CascadeFeeder(size_t rung) const {
    const Rendition& target = plan_.ladder[rung];
    int feeder = -1;
    for (size_t i = 0; i < rung; ++i) {
      const Rendition& larger = plan_.ladder[i];
      if (larger.width < target.width || larger.height < target.height) continue;
      if (feeder < 0 ||
          larger.width * larger.height < plan_.ladder[feeder].width * plan_.ladder[feeder].height) {
        feeder = static_cast<int>(i);
      }
    }
    return feeder;
  }

  // Decodes until the range ends, the file ends, or a seek is found to have missed.
  absl::Status PumpVideo() {
    media::PacketPtr packet(av_packet_alloc());
    while (!range_done_ && !seek_missed_) {
      ATP_ASSIGN_OR_RETURN(const bool more, ReadPacket(*packet));
      if (!more) break;
      absl::Status status = absl::OkStatus();
      if (packet->stream_index == input_.video_stream) status = DecodeVideo(packet.get());
      av_packet_unref(packet.get());
      ATP_RETURN_IF_ERROR(status);
    }
    if (range_done_ || seek_missed_) return absl::OkStatus();
    return DecodeVideo(nullptr);
  }

  // Reopens the file to decode it from the start.
  absl::Status Rewind() {
    ATP_ASSIGN_OR_RETURN(input_, OpenInput(*plan_.input, plan_.threads));
    DiscardStreamsExcept({input_.video_stream});
    StartPlacing(/*after_seek=*/false);
    return absl::OkStatus();
  }

  // Forgets the frames of before a seek: the next one decoded starts the placing again.
  void StartPlacing(bool after_seek) {
    after_seek_ = after_seek;
    awaiting_first_ = true;
    seek_missed_ = false;
    pending_.reset();
    picture_filter_.reset();
  }

  // Seeks to a keyframe at or before `margin_seconds` ahead of frame `frame`; false when the
  // container cannot seek. The first decoded frame's timestamp then tells where it landed.
  bool SeekBefore(int64_t frame, int64_t margin_seconds) {
    const AVStream& stream = video_stream();
    const int64_t start = stream.start_time == AV_NOPTS_VALUE ? 0 : stream.start_time;
    const int64_t target = start + av_rescale_q(frame, av_inv_q(rate_), stream.time_base) -
                           av_rescale_q(margin_seconds, {1, 1}, stream.time_base);
    if (av_seek_frame(input_.format.get(), input_.video_stream, target, AVSEEK_FLAG_BACKWARD) < 0) {
      return false;
    }
    avcodec_flush_buffers(input_.video_decoder.get());
    StartPlacing(/*after_seek=*/true);
    return true;
  }

  absl::Status RunAudio() {
    // A segment lasts segment_frames / fps seconds: in audio samples, exactly.
    const int64_t segment_samples =
        av_rescale(grid_.segment_frames * plan_.profile.audio_sample_rate_hz, rate_.den, rate_.num);
    std::vector<int> streams;  // Container index of each output's audio stream.
    for (const AudioRendition& rendition : plan_.audio) {
      if (rendition.track_index < 1 ||
          rendition.track_index > static_cast<int>(input_.audio_streams.size())) {
        return absl::InvalidArgumentError(absl::StrCat(
            "audio track ", rendition.language, " is stream ", rendition.track_index,
            " but the mezzanine has ", input_.audio_streams.size(), " audio stream(s)"));
      }
      streams.push_back(input_.audio_streams[rendition.track_index - 1]);
    }
    const EncodingProfile& profile = plan_.profile;
    const bool normalize = NormalizesLoudness(profile);
    std::vector<AudioLoudness> loudness(streams.size());
    for (AudioLoudness& track : loudness) {
      track.standard = profile.audio_loudness;
      track.target_lufs = profile.audio_loudness_target;
      track.ceiling_dbtp = profile.audio_true_peak_ceiling;
    }
    const int passes = normalize ? 2 : 1;
    if (normalize) {
      // Pass 1: measure each whole track.
      std::vector<AudioChain> chains;
      for (size_t i = 0; i < streams.size(); ++i) {
        ATP_ASSIGN_OR_RETURN(AudioChain chain, NewAudioChain(streams[i], plan_.audio[i].channels));
        chains.push_back(std::move(chain));
      }
      ATP_RETURN_IF_ERROR(PumpAudio(chains, /*pass=*/0, passes));
      for (size_t i = 0; i < chains.size(); ++i) {
        loudness[i].before = chains[i].meter->Result();
        loudness[i].gain_db =
            NormalizationGainDb(loudness[i].before.integrated_lufs, profile.audio_loudness_target);
      }
      ATP_ASSIGN_OR_RETURN(input_, OpenInput(*plan_.input, plan_.threads));
    }
    // The encoding pass. Where the gain alone is applied, the true peak after it is the one
    // before times the gain, exactly: it is not measured again.
    std::vector<bool> gain_alone(streams.size(), false);
    std::vector<AudioChain> chains;
    for (size_t i = 0; i < streams.size(); ++i) {
      gain_alone[i] =
          normalize && !LimiterActs(loudness[i].before.true_peak_dbtp, loudness[i].gain_db,
                                    profile.audio_true_peak_ceiling);
      ATP_ASSIGN_OR_RETURN(
          AudioChain chain,
          NewAudioChain(streams[i], plan_.audio[i].channels,
                        gain_alone[i] ? media::LoudnessMeter::TruePeak::kSkipped
                                      : media::LoudnessMeter::TruePeak::kMeasured));
      if (normalize) {
        ATP_ASSIGN_OR_RETURN(
            chain.normalizer,
            LoudnessNormalizer::Create(profile.audio_sample_rate_hz, chain.decoder->layout(),
                                       loudness[i].gain_db, profile.audio_true_peak_ceiling,
                                       loudness[i].before.true_peak_dbtp));
      }
      ATP_ASSIGN_OR_RETURN(
          chain.encoder, AudioTrackEncoder::Create({.sample_rate_hz = profile.audio_sample_rate_hz,
                                                    .channels = plan_.audio[i].channels,
                                                    .bitrate_kbps = plan_.audio[i].bitrate_kbps},
                                                   segment_samples));
      chain.out = OutputFor(i);
      ATP_RETURN_IF_ERROR(sink_.OpenOutput(i, chain.encoder->stream()));
      chains.push_back(std::move(chain));
    }
    ATP_RETURN_IF_ERROR(PumpAudio(chains, /*pass=*/passes - 1, passes));
    for (size_t i = 0; i < chains.size(); ++i) {
      loudness[i].after = chains[i].meter->Result();
      if (gain_alone[i] && loudness[i].before.true_peak_dbtp) {
        loudness[i].after.true_peak_dbtp = *loudness[i].before.true_peak_dbtp + loudness[i].gain_db;
      }
      if (!normalize) loudness[i].before = loudness[i].after;
      ATP_RETURN_IF_ERROR(sink_.FinishAudioOutput(i, loudness[i]));
    }
    return absl::OkStatus();
  }

  // What one audio stream goes through: decoded, then normalized (encoding pass of a profile
  // that normalizes), metered, and encoded (encoding pass).
  struct AudioChain {
    int stream_index = 0;
    std::unique_ptr<AudioTrackDecoder> decoder;
    std::unique_ptr<LoudnessNormalizer> normalizer;
    std::unique_ptr<media::LoudnessMeter> meter;
    std::unique_ptr<AudioTrackEncoder> encoder;
    PacketCallback out;

    // Meters, then encodes, one frame of the (normalized) signal; nullptr at the end.
    absl::Status Take(const AVFrame* frame) {
      if (frame != nullptr) {
        ATP_RETURN_IF_ERROR(meter->AddPlanar(
            reinterpret_cast<const float* const*>(frame->extended_data), frame->nb_samples));
      }
      return encoder ? encoder->Encode(frame, out) : absl::OkStatus();
    }

    // Decodes `packet` (nullptr at the end) and passes what it yields down the chain.
    absl::Status Decode(const AVPacket* packet) {
      auto take = [this](const AVFrame& frame) { return Take(&frame); };
      auto normalize = [&](const AVFrame& frame) { return normalizer->Filter(&frame, take); };
      if (normalizer == nullptr) {
        ATP_RETURN_IF_ERROR(decoder->Decode(packet, take));
      } else {
        ATP_RETURN_IF_ERROR(decoder->Decode(packet, normalize));
        if (packet == nullptr) ATP_RETURN_IF_ERROR(normalizer->Filter(nullptr, take));
      }
      return packet == nullptr ? Take(nullptr) : absl::OkStatus();
    }
  };

  // A chain that decodes container stream `stream_index` to `channels` channels and meters
  // it, its true peak as `true_peak` says.
  absl::StatusOr<AudioChain> NewAudioChain(
      int stream_index, int channels,
      media::LoudnessMeter::TruePeak true_peak = media::LoudnessMeter::TruePeak::kMeasured) {
    AudioChain chain;
    chain.stream_index = stream_index;
    ATP_ASSIGN_OR_RETURN(chain.decoder,
                         AudioTrackDecoder::Create(*input_.format->streams[stream_index],
                                                   plan_.profile.audio_sample_rate_hz, channels));
    ATP_ASSIGN_OR_RETURN(
        media::LoudnessMeter meter,
        media::LoudnessMeter::Create(channels, plan_.profile.audio_sample_rate_hz, true_peak));
    chain.meter = std::make_unique<media::LoudnessMeter>(std::move(meter));
    return chain;
  }

  // Reads the whole file through `chains`; pass `pass` of `passes` for the progress.
  absl::Status PumpAudio(std::vector<AudioChain>& chains, int pass, int passes) {
    std::vector<int> audio_streams;
    for (const AudioChain& chain : chains) audio_streams.push_back(chain.stream_index);
    DiscardStreamsExcept(audio_streams);
    const int64_t total = progress_state_.frames_total;
    media::PacketPtr packet(av_packet_alloc());
    for (;;) {
      ATP_ASSIGN_OR_RETURN(const bool more, ReadPacket(*packet));
      if (!more) break;
      absl::Status status = absl::OkStatus();
      for (size_t i = 0; i < chains.size() && status.ok(); ++i) {
        if (chains[i].stream_index != packet->stream_index) continue;
        const AVStream& stream = *input_.format->streams[packet->stream_index];
        if (packet->pts != AV_NOPTS_VALUE) {
          const int64_t position = av_rescale_q(packet->pts, stream.time_base, av_inv_q(rate_));
          progress_state_.frames_done = (pass * total + position) / passes;
        }
        status = chains[i].Decode(packet.get());
        if (status.ok() && progress_) status = progress_(progress_state_);
      }
      av_packet_unref(packet.get());
      ATP_RETURN_IF_ERROR(status);
    }
    for (AudioChain& chain : chains) ATP_RETURN_IF_ERROR(chain.Decode(nullptr));
    return absl::OkStatus();
  }

  // False at the end of the file.
  absl::StatusOr<bool> ReadPacket(AVPacket& packet) {
    const int error = av_read_frame(input_.format.get(), &packet);
    if (error == AVERROR_EOF) return false;
    if (error < 0) {
      // A read error keeps its code (Unavailable is retried); anything else is bad media.
      const absl::Status status = media::AvErrorToStatus(error, "demuxing");
      return absl::Status(status.code() == absl::StatusCode::kUnavailable
                              ? status.code()
                              : absl::StatusCode::kInvalidArgument,
                          absl::StrCat("mezzanine read failed after frame ", next_slot_, ": ",
                                       std::string(status.message())));
    }
    return true;
  }

  PacketCallback OutputFor(size_t output) {
    return [this, output](const EncodedPacket& packet, bool starts_segment) {
      return sink_.WritePacket(output, packet, starts_segment);
    };
  }

  absl::Status DecodeVideo(const AVPacket* packet) {
    if (int error = avcodec_send_packet(input_.video_decoder.get(), packet); error < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("corrupt video near frame ", next_slot_, ": ",
                       std::string(media::AvErrorToStatus(error, "decoding").message())));
    }
    media::FramePtr frame(av_frame_alloc());
    while (!range_done_ && !seek_missed_) {
      const int error = avcodec_receive_frame(input_.video_decoder.get(), frame.get());
      if (error == AVERROR(EAGAIN)) return absl::OkStatus();
      if (error == AVERROR_EOF) return FinishPlacing();
      if (error < 0) return media::AvErrorToStatus(error, "video decoder");
      frame->pts = frame->best_effort_timestamp;
      if (plan_.conversion.filter_chain.empty()) {
        ATP_RETURN_IF_ERROR(Place(*frame));
        continue;
      }
      if (picture_filter_ == nullptr) {
        const AVRational time_base = video_stream().time_base;
        ATP_ASSIGN_OR_RETURN(picture_filter_,
                             media::VideoFilter::Create(*frame, time_base, input_.frame_rate,
                                                        plan_.conversion.filter_chain));
      }
      ATP_RETURN_IF_ERROR(picture_filter_->Push(frame.get()));
      ATP_RETURN_IF_ERROR(PlaceFiltered());
    }
    return absl::OkStatus();
  }

  // Places the frames the picture filter has ready, their times back in the stream's time base.
  absl::Status PlaceFiltered() {
    const AVRational stream_time_base = video_stream().time_base;
    const AVRational filter_time_base = picture_filter_->output_time_base();
    media::FramePtr filtered(av_frame_alloc());
    while (!range_done_ && !seek_missed_) {
      ATP_ASSIGN_OR_RETURN(const bool got, picture_filter_->Pull(filtered.get()));
      if (!got) return absl::OkStatus();
      if (filtered->pts != AV_NOPTS_VALUE) {
        filtered->pts = av_rescale_q(filtered->pts, filter_time_base, stream_time_base);
      }
      filtered->pkt_duration =
          av_rescale_q(filtered->pkt_duration, filter_time_base, stream_time_base);
      ATP_RETURN_IF_ERROR(Place(*filtered));
      av_frame_unref(filtered.get());
    }
    return absl::OkStatus();
  }

  // The decoder is drained: what the picture filter holds is placed, then the last frame fills
  // the slots of its duration.
  absl::Status FinishPlacing() {
    if (picture_filter_ != nullptr) {
      ATP_RETURN_IF_ERROR(picture_filter_->Push(nullptr));
      ATP_RETURN_IF_ERROR(PlaceFiltered());
    }
    if (pending_ == nullptr || range_done_ || seek_missed_) return absl::OkStatus();
    const AVStream& stream = video_stream();
    int64_t end = pending_slot_ + 1;
    if (pending_->pts != AV_NOPTS_VALUE && pending_->pkt_duration > 0) {
      end = std::max(end, SlotOf(pending_->pts + pending_->pkt_duration, stream, rate_));
    }
    return EmitPending(end);
  }

  // Puts a decoded (and deinterlaced) frame on its slot of the output rate. The frame
  // before it is encoded for every slot from its own up to this one's (more than one:
  // repeated); a frame whose slot is the pending frame's replaces it (dropped).
  absl::Status Place(AVFrame& frame) {
    const AVStream& stream = video_stream();
    int64_t slot = SlotOf(frame.pts, stream, rate_);
    if (awaiting_first_) {
      awaiting_first_ = false;
      if (after_seek_ && (slot < 0 || slot > plan_.frames.first)) {  // Landed after the range.
        seek_missed_ = true;
        return absl::OkStatus();
      }
      // From the start of the file, the first frame is the first slot's, wherever its time.
      if (!after_seek_) slot = 0;
    }
    if (slot < 0) slot = pending_ ? pending_slot_ + 1 : 0;  // No timestamp: the next slot.
    if (pending_ != nullptr && slot <= pending_slot_) {
      if (InRange(pending_slot_)) ++stats_.frames_dropped;
      av_frame_unref(pending_.get());
      av_frame_move_ref(pending_.get(), &frame);
      return absl::OkStatus();
    }
    if (pending_ != nullptr) {
      // A gap of seconds is a broken file, not a variable frame rate: repeating a frame
      // through it would publish a frozen picture.
      const double gap_seconds = static_cast<double>(slot - pending_slot_) * rate_.den / rate_.num;
      if (gap_seconds > kMaxGapSeconds) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "the video's timestamps jump %.1f s after frame %d: the mezzanine has a gap or "
            "broken timestamps",
            gap_seconds, pending_slot_));
      }
      ATP_RETURN_IF_ERROR(EmitPending(slot));
    }
    if (range_done_) return absl::OkStatus();
    if (pending_ == nullptr) pending_.reset(av_frame_alloc());
    av_frame_unref(pending_.get());
    av_frame_move_ref(pending_.get(), &frame);
    pending_slot_ = slot;
    return absl::OkStatus();
  }

  const AVStream& video_stream() const { return *input_.format->streams[input_.video_stream]; }

  bool InRange(int64_t slot) const {
    return slot >= plan_.frames.first && (plan_.frames.end == kUntilEnd || slot < plan_.frames.end);
  }

  // Encodes the pending frame for slots [pending_slot_, end) that are in the range.
  absl::Status EmitPending(int64_t end) {
    const AVFrame& frame = *pending_;
    for (int64_t slot = pending_slot_; slot < end; ++slot) {
      if (plan_.frames.end != kUntilEnd && slot >= plan_.frames.end) {
        range_done_ = true;
        return absl::OkStatus();
      }
      next_slot_ = slot + 1;
      if (slot < plan_.frames.first) continue;
      if (frame.decode_error_flags != 0 || (frame.flags & AV_FRAME_FLAG_CORRUPT)) {
        return absl::InvalidArgumentError(
            absl::StrCat("corrupt video: frame ", slot, " did not decode cleanly"));
      }
      if (slot > pending_slot_) ++stats_.frames_repeated;
      ATP_RETURN_IF_ERROR(EncodeFrame(frame, slot));
      ++stats_.frames_encoded;
      if (progress_) {
        progress_state_.frames_done = slot + 1;
        ATP_RETURN_IF_ERROR(progress_(progress_state_));
      }
    }
    return absl::OkStatus();
  }

  // Gives the source picture `frame` to every rung as the frame of `slot`.
  absl::Status EncodeFrame(const AVFrame& frame, int64_t slot) {
    if (concurrent_ == nullptr && plan_.spread_rungs && plan_.spread_rungs()) SpreadRungs();
    if (concurrent_ != nullptr) return concurrent_->Push(frame, slot);
    for (size_t i = 0; i < rungs_.size(); ++i) {
      const AVFrame& input = feeders_[i] < 0 ? frame : rungs_[feeders_[i]]->last_picture();
      ATP_RETURN_IF_ERROR(rungs_[i]->Encode(input, slot, OutputFor(i)));
    }
    for (const auto& rung : rungs_) rung->ReleaseInput();
    return absl::OkStatus();
  }

  // Puts each rung on a thread of its own for the frames to come. Between frames every rung
  // has encoded the same frames, so each goes on with the pictures it would have been given
  // in turn.
  void SpreadRungs() {
    std::vector<VideoRungEncoder*> rungs;
    std::vector<PacketCallback> outputs;
    for (size_t i = 0; i < rungs_.size(); ++i) {
      rungs.push_back(rungs_[i].get());
      outputs.push_back(OutputFor(i));
    }
    concurrent_ = std::make_unique<ConcurrentRungs>(std::move(rungs), feeders_, std::move(outputs));
  }

  // The longest stretch without a frame that repeating the frame before may fill.
  static constexpr double kMaxGapSeconds = 5;

  const TranscodePlan& plan_;
  PacketSink& sink_;
  const TranscodeProgressFn& progress_;
  Input input_;
  AVRational rate_{};  // The output's constant frame rate.
  FrameGrid grid_;
  std::vector<std::unique_ptr<VideoRungEncoder>> rungs_;
  std::vector<int> feeders_;  // Per rung: the rung it scales from (CascadeFeeder), or -1.
  // The rungs' threads once the plan spread them (SpreadRungs); stopped before rungs_ go.
  std::unique_ptr<ConcurrentRungs> concurrent_;
  std::unique_ptr<media::VideoFilter> picture_filter_;  // Made for the first frame to place.
  media::FramePtr pending_;     // The last frame placed, not yet encoded; null before one.
  int64_t pending_slot_ = 0;    // Its slot.
  int64_t next_slot_ = 0;       // The slot after the last one encoded or skipped: for messages.
  bool after_seek_ = false;     // Placing started at a seek (not at the start of the file).
  bool awaiting_first_ = true;  // No frame placed since the file was opened or seeked.
  bool range_done_ = false;
  bool seek_missed_ = false;
  TranscodeStats stats_;
  TranscodeProgress progress_state_;
};

}  // namespace

FrameGrid FrameGridFor(const EncodingProfile& profile, Rational frame_rate) {
  FrameGrid grid;
  grid.gop_frames =
      std::max<int64_t>(1, std::llround(profile.keyframe_interval_seconds * frame_rate.ToDouble()));
  grid.segment_frames =
      grid.gop_frames * std::llround(profile.segment_seconds / profile.keyframe_interval_seconds);
  grid.chunk_frames =
      grid.segment_frames * std::llround(profile.chunk_seconds / profile.segment_seconds);
  return grid;
}

int64_t EstimatedFrameCount(int64_t duration_us, Rational frame_rate) {
  if (frame_rate.num <= 0 || frame_rate.den <= 0) return 0;
  return av_rescale(duration_us, frame_rate.num, frame_rate.den * int64_t{1000000});
}

std::vector<FrameRange> PlanVideoChunks(const FrameGrid& grid, int64_t estimated_frames) {
  const int64_t chunks = std::max<int64_t>(1, estimated_frames / grid.chunk_frames);
  std::vector<FrameRange> ranges;
  for (int64_t i = 0; i < chunks; ++i) {
    ranges.push_back(
        {i * grid.chunk_frames, i + 1 == chunks ? kUntilEnd : (i + 1) * grid.chunk_frames});
  }
  return ranges;
}

absl::StatusOr<TranscodeStats> Transcode(const TranscodePlan& plan, PacketSink& sink,
                                         const TranscodeProgressFn& progress) {
  return Transcoder(plan, sink, progress).Run();
}

}  // namespace atp::encode
