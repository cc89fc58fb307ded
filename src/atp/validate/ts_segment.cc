#include "atp/validate/ts_segment.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "atp/core/status_macros.h"
#include "atp/media/av_error.h"
#include "atp/media/av_ptr.h"
#include "atp/validate/memory_demuxer.h"

namespace atp::validate {
namespace {

constexpr int kTsPacketBytes = 188;
// Calls `visit(nal)` for each NAL unit of an Annex B access unit (nal[0] is its header).
template <typename Visit>
void ForEachAnnexBNal(const uint8_t* data, int size, Visit visit) {
  int i = 0;
  while (i + 3 <= size) {
    if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1) {
      const int start = i + 3;
      int end = start;
      while (end + 3 <= size && !(data[end] == 0 && data[end + 1] == 0 && data[end + 2] <= 1)) {
        ++end;
      }
      if (end + 3 > size) end = size;
      if (start < end) visit(data + start, end - start);
      i = end;
    } else {
      ++i;
    }
  }
}

// Codec string and IDR-ness of the first video access unit.
void ReadFirstVideoAccessUnit(AVCodecID codec, const AVPacket& packet, TsStreamInfo& info) {
  ForEachAnnexBNal(packet.data, packet.size, [&](const uint8_t* nal, int size) {
    if (codec == AV_CODEC_ID_H264) {
      const int type = nal[0] & 0x1f;
      if (type == 5) info.starts_with_idr = true;
      if (type == 7 && size >= 4) {
        info.codecs = absl::StrFormat("avc1.%02x%02x%02x", nal[1], nal[2], nal[3]);
      }
    } else if (codec == AV_CODEC_ID_HEVC) {
      const int type = (nal[0] >> 1) & 0x3f;
      if (type >= 16 && type <= 21) info.starts_with_idr = true;
    }
  });
}

// ISO/IEC 13818-7 ADTS: profile (object type - 1) in the top two bits of the third byte.
void ReadFirstAudioFrame(AVCodecID codec, const AVPacket& packet, TsStreamInfo& info) {
  if (codec != AV_CODEC_ID_AAC) return;
  if (packet.size >= 7 && packet.data[0] == 0xff && (packet.data[1] & 0xf0) == 0xf0) {
    info.codecs = absl::StrCat("mp4a.40.", ((packet.data[2] >> 6) & 0x3) + 1);
  }
}

}  // namespace

bool LooksLikeTransportStream(std::string_view bytes) {
  if (bytes.size() < kTsPacketBytes) return false;
  for (size_t at = 0; at < bytes.size() && at < 4 * kTsPacketBytes; at += kTsPacketBytes) {
    if (bytes[at] != 0x47) return false;
  }
  return true;
}

absl::StatusOr<std::vector<TsStreamInfo>> ParseTsSegment(std::string_view bytes) {
  ATP_ASSIGN_OR_RETURN(std::unique_ptr<MemoryDemuxer> demuxer,
                       MemoryDemuxer::Open(bytes, "mpegts", "transport stream"));
  AVFormatContext* format = demuxer->get();
  std::map<int, TsStreamInfo> streams;  // By stream index, audio and video only.
  std::map<int, int64_t> last_dts;
  for (unsigned i = 0; i < format->nb_streams; ++i) {
    const AVCodecParameters& codec = *format->streams[i]->codecpar;
    if (codec.codec_type != AVMEDIA_TYPE_VIDEO && codec.codec_type != AVMEDIA_TYPE_AUDIO) continue;
    TsStreamInfo& info = streams[static_cast<int>(i)];
    info.video = codec.codec_type == AVMEDIA_TYPE_VIDEO;
    info.codecs = avcodec_get_name(codec.codec_id);
    info.width = codec.width;
    info.height = codec.height;
  }
  if (streams.empty()) return absl::InvalidArgumentError("transport stream: no audio or video");
  media::PacketPtr packet(av_packet_alloc());
  while (av_read_frame(format, packet.get()) >= 0) {
    auto it = streams.find(packet->stream_index);
    const AVStream& stream = *format->streams[packet->stream_index];
    const int64_t dts = packet->dts != AV_NOPTS_VALUE ? packet->dts : packet->pts;
    if (it != streams.end() && dts != AV_NOPTS_VALUE) {
      TsStreamInfo& info = it->second;
      const int64_t ticks = av_rescale_q(dts, stream.time_base, {1, kTsTimescale});
      const int64_t duration = av_rescale_q(packet->duration, stream.time_base, {1, kTsTimescale});
      if (info.packet_count == 0) {
        info.first_dts = ticks;
        if (info.video) {
          ReadFirstVideoAccessUnit(stream.codecpar->codec_id, *packet, info);
        } else {
          ReadFirstAudioFrame(stream.codecpar->codec_id, *packet, info);
        }
      } else if (info.frame_duration == 0) {
        info.frame_duration = duration > 0 ? duration : ticks - last_dts[packet->stream_index];
      }
      last_dts[packet->stream_index] = ticks;
      ++info.packet_count;
      info.duration = ticks - info.first_dts + (duration > 0 ? duration : info.frame_duration);
    }
    av_packet_unref(packet.get());
  }
  std::vector<TsStreamInfo> result;
  for (auto& [index, info] : streams) {
    if (info.packet_count > 0) result.push_back(std::move(info));
  }
  if (result.empty()) return absl::InvalidArgumentError("transport stream: no packets");
  return result;
}

}  // namespace atp::validate
