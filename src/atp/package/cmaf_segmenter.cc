#include "atp/package/cmaf_segmenter.h"

#include <climits>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "atp/core/status_macros.h"
#include "atp/media/av_error.h"
#include "atp/media/av_ptr.h"

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
}

namespace atp::package {
namespace {

constexpr int kIoBufferBytes = 1 << 16;

bool FitsInt(int64_t value) { return value >= INT_MIN && value <= INT_MAX; }

// The stream parameters the mp4 muxer reads, rebuilt from the record as
// avcodec_parameters_from_context would have set them from the encoder.
absl::Status FillCodecParameters(const EncodedStream& stream, AVCodecParameters& parameters) {
  const std::string codec(CodecIdName(stream.codec));
  if (stream.time_base.num <= 0 || stream.time_base.den <= 0 || !FitsInt(stream.time_base.num) ||
      !FitsInt(stream.time_base.den)) {
    return absl::InvalidArgumentError(absl::StrCat("cmaf: ", codec, " stream has time base ",
                                                   stream.time_base.num, "/",
                                                   stream.time_base.den));
  }
  if (stream.codec_config.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cmaf: ", codec, " stream has no codec configuration"));
  }
  const bool video = stream.codec != CodecId::kAac;
  if (video != (stream.kind == TrackKind::kVideo)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cmaf: ", codec, " stream is not ", video ? "a video" : "an audio", " track"));
  }
  switch (stream.codec) {
    case CodecId::kH264:
      parameters.codec_id = AV_CODEC_ID_H264;
      break;
    case CodecId::kHevc:
      parameters.codec_id = AV_CODEC_ID_HEVC;
      parameters.codec_tag = MKTAG('h', 'v', 'c', '1');
      break;
    case CodecId::kAac:
      parameters.codec_id = AV_CODEC_ID_AAC;
      break;
  }
  parameters.codec_type = video ? AVMEDIA_TYPE_VIDEO : AVMEDIA_TYPE_AUDIO;
  parameters.extradata =
      static_cast<uint8_t*>(av_mallocz(stream.codec_config.size() + AV_INPUT_BUFFER_PADDING_SIZE));
  if (parameters.extradata == nullptr) {
    return absl::ResourceExhaustedError("cmaf: no memory for the codec configuration");
  }
  std::memcpy(parameters.extradata, stream.codec_config.data(), stream.codec_config.size());
  parameters.extradata_size = static_cast<int>(stream.codec_config.size());
  parameters.bit_rate = stream.bit_rate_bps;
  // The record's profile is the codec's own number; libavcodec counts AAC's from 0.
  if (stream.profile > 0) {
    parameters.profile = stream.codec == CodecId::kAac ? stream.profile - 1 : stream.profile;
  }
  if (stream.level > 0) parameters.level = stream.level;
  if (video) {
    parameters.width = stream.width;
    parameters.height = stream.height;
    parameters.sample_aspect_ratio = {static_cast<int>(stream.sample_aspect_ratio.num),
                                      static_cast<int>(stream.sample_aspect_ratio.den)};
    // ISO/IEC 23091-2 code points are libavutil's colour enums.
    parameters.color_primaries = static_cast<AVColorPrimaries>(stream.color_primaries);
    parameters.color_trc = static_cast<AVColorTransferCharacteristic>(stream.color_transfer);
    parameters.color_space = static_cast<AVColorSpace>(stream.color_matrix);
    parameters.color_range = stream.color_range == ColorRange::kLimited ? AVCOL_RANGE_MPEG
                             : stream.color_range == ColorRange::kFull  ? AVCOL_RANGE_JPEG
                                                                        : AVCOL_RANGE_UNSPECIFIED;
  } else {
    parameters.sample_rate = stream.sample_rate_hz;
    av_channel_layout_default(&parameters.ch_layout, stream.channels);
    parameters.frame_size = stream.samples_per_frame;
  }
  return absl::OkStatus();
}

}  // namespace

// libavformat's mp4 muxer writing into memory through a custom AVIOContext.
struct CmafSegmenter::Muxer {
  // The custom AVIOContext is not a file: free it here, before OutputFormatDeleter runs.
  ~Muxer() {
    if (format != nullptr && format->pb != nullptr) {
      av_freep(&format->pb->buffer);
      avio_context_free(&format->pb);
    }
  }

  static int WriteCallback(void* opaque, uint8_t* data, int size) {  // FFmpeg 5.1 signature.
    static_cast<Muxer*>(opaque)->pending.append(reinterpret_cast<const char*>(data), size);
    return size;
  }

  media::OutputFormatPtr format;
  media::PacketPtr packet;  // Reused for every sample.
  AVRational stream_time_base{};
  std::string pending;  // Bytes the muxer wrote since they were last taken.
};

CmafSegmenter::CmafSegmenter(SegmentFileWriter& files, const SegmenterOptions& options)
    : files_(files), options_(options), muxer_(std::make_unique<Muxer>()) {}

CmafSegmenter::~CmafSegmenter() = default;

absl::StatusOr<std::unique_ptr<CmafSegmenter>> CmafSegmenter::Create(
    const EncodedStream& encoded, SegmentFileWriter& files, const SegmenterOptions& options) {
  std::unique_ptr<CmafSegmenter> segmenter(new CmafSegmenter(files, options));
  Muxer& muxer = *segmenter->muxer_;
  AVFormatContext* raw = nullptr;
  if (int error = avformat_alloc_output_context2(&raw, nullptr, "mp4", nullptr); error < 0) {
    return media::AvErrorToStatus(error, "cmaf: mp4 muxer");
  }
  muxer.format.reset(raw);
  AVFormatContext* format = muxer.format.get();
  format->flags |= AVFMT_FLAG_BITEXACT | AVFMT_FLAG_CUSTOM_IO;
  auto* buffer = static_cast<unsigned char*>(av_malloc(kIoBufferBytes));
  format->pb = avio_alloc_context(buffer, kIoBufferBytes, 1, &muxer, nullptr, &Muxer::WriteCallback,
                                  nullptr);
  if (format->pb == nullptr) return absl::ResourceExhaustedError("cmaf: no I/O context");

  AVStream* stream = avformat_new_stream(format, nullptr);
  if (stream == nullptr) return absl::ResourceExhaustedError("cmaf: cannot add a stream");
  ATP_RETURN_IF_ERROR(FillCodecParameters(encoded, *stream->codecpar));
  const AVRational time_base = {static_cast<int>(encoded.time_base.num),
                                static_cast<int>(encoded.time_base.den)};
  stream->time_base = time_base;
  if (encoded.kind == TrackKind::kVideo) {
    stream->avg_frame_rate = {static_cast<int>(encoded.frame_rate.num),
                              static_cast<int>(encoded.frame_rate.den)};
  }
  if (!options.language.empty()) {
    av_dict_set(&stream->metadata, "language", options.language.c_str(), 0);
  }
  muxer.stream_time_base = time_base;
  muxer.packet.reset(av_packet_alloc());
  if (muxer.packet == nullptr) return absl::ResourceExhaustedError("cmaf: no packet");

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
  if (!options.continues_track) ATP_RETURN_IF_ERROR(files.WriteFile("init.mp4", muxer.pending));
  muxer.pending.clear();
  segmenter->timescale_ = stream->time_base.den;
  return segmenter;
}

absl::Status CmafSegmenter::Write(const EncodedPacket& encoded, bool starts_segment) {
  // A copy of the bytes with the zeroed padding libavformat's parsers may read past the end.
  if (encoded.data.size() > static_cast<size_t>(INT_MAX - AV_INPUT_BUFFER_PADDING_SIZE)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cmaf: a packet of ", encoded.data.size(), " bytes"));
  }
  AVPacket& packet = *muxer_->packet;
  av_packet_unref(&packet);
  if (int error = av_new_packet(&packet, static_cast<int>(encoded.data.size())); error < 0) {
    return media::AvErrorToStatus(error, "cmaf: packet");
  }
  if (!encoded.data.empty()) std::memcpy(packet.data, encoded.data.data(), encoded.data.size());
  packet.pts = encoded.pts;
  packet.dts = encoded.dts;
  packet.duration = encoded.duration;
  packet.flags = encoded.keyframe ? AV_PKT_FLAG_KEY : 0;
  av_packet_rescale_ts(&packet, muxer_->stream_time_base, muxer_->format->streams[0]->time_base);
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
  const int error = av_write_frame(muxer_->format.get(), &packet);
  av_packet_unref(&packet);
  if (error < 0) return media::AvErrorToStatus(error, "cmaf: writing a sample");
  return absl::OkStatus();
}

absl::Status CmafSegmenter::CloseSegment() {
  // Flush one fragment.
  if (int error = av_write_frame(muxer_->format.get(), nullptr); error < 0) {
    return media::AvErrorToStatus(error, "cmaf: closing a fragment");
  }
  avio_flush(muxer_->format->pb);
  MediaSegment segment;
  segment.uri = absl::StrFormat("seg_%05d.m4s", segments_.size() + options_.first_segment_number);
  segment.start_ticks = segment_start_;
  segment.duration_ticks = end_dts_ - segment_start_;
  segment.size_bytes = static_cast<int64_t>(muxer_->pending.size());
  ATP_RETURN_IF_ERROR(files_.WriteFile(segment.uri, muxer_->pending));
  muxer_->pending.clear();
  segments_.push_back(std::move(segment));
  return absl::OkStatus();
}

absl::Status CmafSegmenter::Finish() {
  if (!segment_open_) return absl::FailedPreconditionError("cmaf: no samples were written");
  return CloseSegment();
}

}  // namespace atp::package
