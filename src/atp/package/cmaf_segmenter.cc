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

uint32_t ReadU32(std::string_view bytes, size_t at) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data() + at);
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

void AppendU32(std::string& bytes, uint64_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<char>(value >> shift));
}

void AppendU64(std::string& bytes, uint64_t value) {
  AppendU32(bytes, value >> 32);
  AppendU32(bytes, value & 0xffffffff);
}

void AddToU32(std::string& bytes, size_t at, uint32_t add) {
  const uint32_t value = ReadU32(bytes, at) + add;
  for (int i = 0; i < 4; ++i) bytes[at + i] = static_cast<char>(value >> (24 - 8 * i));
}

// The offset of the first box of `type` among the sibling boxes in [begin, end) of `bytes`
// (32-bit sizes, as the mp4 muxer writes an init segment); npos when there is none.
size_t FindBox(std::string_view bytes, size_t begin, size_t end, std::string_view type) {
  for (size_t at = begin; at + 8 <= end;) {
    const uint32_t size = ReadU32(bytes, at);
    if (size < 8 || at + size > end) return std::string_view::npos;
    if (bytes.substr(at + 4, 4) == type) return at;
    at += size;
  }
  return std::string_view::npos;
}

// The init segment the mp4 muxer wrote (ftyp + moov of one track), made a CMAF header: the
// ftyp of a CMAF track file (major brand iso6; iso6, cmfc, mp41 compatible, as libavformat
// writes with +cmaf) and, when `media_time` > 0, an edit list placing media time
// `media_time` at presentation time 0 (one entry, segment_duration 0: the duration of a
// fragmented track is not known in its header). Internal when the boxes are not laid out so.
absl::StatusOr<std::string> CmafHeader(std::string_view muxed, int64_t media_time) {
  const size_t ftyp = FindBox(muxed, 0, muxed.size(), "ftyp");
  const size_t moov = FindBox(muxed, 0, muxed.size(), "moov");
  if (ftyp != 0 || moov == std::string_view::npos) {
    return absl::InternalError("cmaf: the muxer's init segment is not ftyp + moov");
  }
  std::string header;
  AppendU32(header, 28);
  header += "ftypiso6";
  AppendU32(header, 0x200);  // minor_version, as libavformat writes it.
  header += "iso6cmfcmp41";
  const size_t moov_at = header.size();
  header.append(muxed.substr(moov));
  if (media_time <= 0) return header;

  const size_t moov_end = moov_at + ReadU32(header, moov_at);
  const size_t trak = FindBox(header, moov_at + 8, moov_end, "trak");
  const size_t tkhd = trak == std::string::npos
                          ? std::string::npos
                          : FindBox(header, trak + 8, trak + ReadU32(header, trak), "tkhd");
  if (tkhd == std::string::npos ||
      FindBox(header, trak + 8, trak + ReadU32(header, trak), "edts") != std::string::npos) {
    return absl::InternalError("cmaf: the muxer's moov has no trak/tkhd, or an edit list");
  }
  const bool wide = media_time > INT32_MAX;
  std::string edts;
  AppendU32(edts, wide ? 44 : 36);
  edts += "edts";
  AppendU32(edts, wide ? 36 : 28);
  edts += "elst";
  AppendU32(edts, wide ? 0x01000000 : 0);  // version, flags
  AppendU32(edts, 1);                      // entry_count
  if (wide) {
    AppendU64(edts, 0);  // segment_duration
    AppendU64(edts, static_cast<uint64_t>(media_time));
  } else {
    AppendU32(edts, 0);
    AppendU32(edts, static_cast<uint64_t>(media_time));
  }
  AppendU32(edts, 0x00010000);  // media_rate 1.0
  // ISO/IEC 14496-12 8.3.1: edts follows tkhd in trak.
  header.insert(tkhd + ReadU32(header, tkhd), edts);
  AddToU32(header, trak, static_cast<uint32_t>(edts.size()));
  AddToU32(header, moov_at, static_cast<uint32_t>(edts.size()));
  return header;
}

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
    case CodecId::kAv1:  // av01 with an av1C the muxer builds from the sequence header.
      parameters.codec_id = AV_CODEC_ID_AV1;
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
  segmenter->video_ = encoded.kind == TrackKind::kVideo;
  // Audio: the priming. Video: taken from the first packet (a keyframe), as libx265 does
  // not state its reordering (has_b_frames) the way libx264 does.
  if (!segmenter->video_ && encoded.priming_samples > 0 && encoded.sample_rate_hz > 0) {
    segmenter->delay_ =
        av_rescale_q(encoded.priming_samples, {1, encoded.sample_rate_hz}, time_base);
  }

  // No +cmaf: it makes the muxer write signed composition offsets relative to each
  // muxer's first sample and no edit list (see the header); the CMAF brands and the edit
  // list are written here instead. The packets' times are the track's own (the first
  // decodes at 0), so libavformat must not shift them, nor write an edit list of its own.
  // frag_discont: the muxer takes the first fragment's decode time from its first packet
  // instead of 0.
  format->avoid_negative_ts = AVFMT_AVOID_NEG_TS_DISABLED;
  AVDictionary* muxer_options = nullptr;
  av_dict_set(&muxer_options, "movflags",
              options.continues_track
                  ? "+frag_custom+dash+delay_moov+skip_trailer+skip_sidx+frag_discont"
                  : "+frag_custom+dash+delay_moov+skip_trailer+skip_sidx",
              0);
  av_dict_set(&muxer_options, "use_editlist", "0", 0);
  const int error = avformat_write_header(format, &muxer_options);
  av_dict_free(&muxer_options);
  if (error < 0) return media::AvErrorToStatus(error, "cmaf: writing the header");
  // A flush before any sample writes ftyp + an empty-sample moov: the init segment.
  if (int flush = av_write_frame(format, nullptr); flush < 0) {
    return media::AvErrorToStatus(flush, "cmaf: writing the init segment");
  }
  avio_flush(format->pb);
  segmenter->timescale_ = stream->time_base.den;
  segmenter->muxed_header_ = std::move(muxer.pending);
  muxer.pending.clear();
  return segmenter;
}

absl::Status CmafSegmenter::Write(const EncodedPacket& encoded, bool starts_segment) {
  // A copy of the bytes with the zeroed padding libavformat's parsers may read past the end.
  if (encoded.data.size() > static_cast<size_t>(INT_MAX - AV_INPUT_BUFFER_PADDING_SIZE)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cmaf: a packet of ", encoded.data.size(), " bytes"));
  }
  if (!segment_open_) {
    if (video_) {
      if (!encoded.keyframe || encoded.pts < encoded.dts) {
        return absl::FailedPreconditionError(
            absl::StrCat("cmaf: a video chunk's first packet (pts ", encoded.pts, ", dts ",
                         encoded.dts, ") is not a keyframe shown at or after it decodes"));
      }
      delay_ = encoded.pts - encoded.dts;
    }
    if (!options_.continues_track && encoded.dts + delay_ != 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("cmaf: the track's first packet decodes at ", encoded.dts,
                       " but the stream's delay says ", -delay_));
    }
    edit_media_time_ =
        av_rescale_q(delay_, muxer_->stream_time_base, muxer_->format->streams[0]->time_base);
    if (!options_.continues_track) {
      ATP_ASSIGN_OR_RETURN(const std::string header, CmafHeader(muxed_header_, edit_media_time_));
      ATP_RETURN_IF_ERROR(files_.WriteFile("init.mp4", header));
    }
  }
  if (encoded.dts + delay_ < 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cmaf: a packet decodes at ", encoded.dts, ", before the track's first (", -delay_, ")"));
  }
  AVPacket& packet = *muxer_->packet;
  av_packet_unref(&packet);
  if (int error = av_new_packet(&packet, static_cast<int>(encoded.data.size())); error < 0) {
    return media::AvErrorToStatus(error, "cmaf: packet");
  }
  if (!encoded.data.empty()) std::memcpy(packet.data, encoded.data.data(), encoded.data.size());
  packet.pts = encoded.pts + delay_;
  packet.dts = encoded.dts + delay_;
  packet.duration = encoded.duration;
  packet.flags = encoded.keyframe ? AV_PKT_FLAG_KEY : 0;
  av_packet_rescale_ts(&packet, muxer_->stream_time_base, muxer_->format->streams[0]->time_base);
  packet.stream_index = 0;
  if (!segment_open_) {
    segment_start_ = packet.dts;
    segment_open_ = true;
  } else if (starts_segment) {
    ATP_RETURN_IF_ERROR(CloseSegment());
    segment_start_ = packet.dts;
  }
  end_dts_ = packet.dts + packet.duration;
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
