#include "atp/package/hls_writer.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace atp::package {
namespace {

// Quoted-string attribute values may not hold '"', CR or LF (RFC 8216 4.2).
std::string QuotedAttribute(const std::string& value) {
  std::string quoted;
  for (char c : value) quoted.push_back(c == '"' ? '\'' : (c == '\r' || c == '\n') ? ' ' : c);
  return absl::StrCat("\"", quoted, "\"");
}

double Seconds(int64_t ticks, int64_t timescale) {
  return static_cast<double>(ticks) / static_cast<double>(timescale);
}

}  // namespace

std::string WriteHlsMediaPlaylist(const PackagedTrack& track) {
  int64_t target_duration = 1;
  for (const MediaSegment& segment : track.segments) {
    target_duration = std::max<int64_t>(
        target_duration, std::llround(Seconds(segment.duration_ticks, track.timescale)));
  }
  std::string out = absl::StrCat(
      "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:", target_duration,
      "\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n",
      "#EXT-X-MAP:URI=", QuotedAttribute(track.init_uri), "\n");
  for (const MediaSegment& segment : track.segments) {
    absl::StrAppendFormat(&out, "#EXTINF:%.3f,\n%s\n",
                          Seconds(segment.duration_ticks, track.timescale), segment.uri);
  }
  absl::StrAppend(&out, "#EXT-X-ENDLIST\n");
  return out;
}

std::string WriteHlsMultivariantPlaylist(const PackagedMedia& media) {
  std::string out = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n";
  int64_t audio_peak_bps = 0;
  int64_t audio_average_bps = 0;
  std::set<std::string> audio_codecs;
  if (!media.audio.empty()) absl::StrAppend(&out, "\n");
  for (const PackagedTrack& audio : media.audio) {
    audio_peak_bps = std::max(audio_peak_bps, audio.peak_bitrate_bps);
    audio_average_bps = std::max(audio_average_bps, audio.average_bitrate_bps);
    audio_codecs.insert(audio.codecs);
    absl::StrAppend(
        &out, "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"", kHlsAudioGroup,
        "\",LANGUAGE=", QuotedAttribute(audio.language), ",NAME=", QuotedAttribute(audio.label),
        ",DEFAULT=", audio.is_default ? "YES" : "NO", ",AUTOSELECT=YES,CHANNELS=\"", audio.channels,
        "\",URI=", QuotedAttribute(audio.name + "/playlist.m3u8"), "\n");
  }
  for (const PackagedTrack& video : media.video) {
    std::vector<std::string> codecs = {video.codecs};
    codecs.insert(codecs.end(), audio_codecs.begin(), audio_codecs.end());
    absl::StrAppendFormat(&out, "\n#EXT-X-STREAM-INF:BANDWIDTH=%d,AVERAGE-BANDWIDTH=%d,",
                          video.peak_bitrate_bps + audio_peak_bps,
                          video.average_bitrate_bps + audio_average_bps);
    absl::StrAppendFormat(&out, "CODECS=\"%s\",RESOLUTION=%dx%d,FRAME-RATE=%.3f",
                          absl::StrJoin(codecs, ","), video.width, video.height,
                          video.frame_rate.ToDouble());
    if (!media.audio.empty()) absl::StrAppend(&out, ",AUDIO=\"", kHlsAudioGroup, "\"");
    absl::StrAppend(&out, ",CLOSED-CAPTIONS=NONE\n", video.name, "/playlist.m3u8\n");
  }
  return out;
}

}  // namespace atp::package
