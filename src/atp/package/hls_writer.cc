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

struct GroupMember {
  const PackagedTrack* track = nullptr;
  bool is_default = false;  // The track's first rendition is the default.
};

struct AudioGroup {
  std::string id;  // Empty: no group.
  std::vector<GroupMember> members;
};

// The audio groups of `media` (kHlsAudioGroup, then kHlsSurroundAudioGroup when a track has
// a 5.1 rendition); none without audio. Renditions of one track share its track_index (a
// record without one is a track of its own) and follow each other.
std::vector<AudioGroup> AudioGroups(const PackagedMedia& media) {
  std::vector<AudioGroup> groups;
  if (media.audio.empty()) return groups;
  AudioGroup& main = groups.emplace_back(AudioGroup{.id = kHlsAudioGroup});
  AudioGroup surround{.id = kHlsSurroundAudioGroup};
  bool any_surround = false;
  for (size_t i = 0; i < media.audio.size();) {
    const PackagedTrack& first = media.audio[i];
    size_t end = i + 1;
    while (end < media.audio.size() && first.track_index > 0 &&
           media.audio[end].track_index == first.track_index) {
      ++end;
    }
    main.members.push_back({&first, first.is_default});
    const PackagedTrack* widest = &first;
    for (size_t j = i + 1; j < end; ++j) {
      if (media.audio[j].channels > widest->channels) widest = &media.audio[j];
    }
    any_surround = any_surround || widest != &first;
    surround.members.push_back({widest, first.is_default});
    i = end;
  }
  if (any_surround) groups.push_back(std::move(surround));
  return groups;
}

double Seconds(int64_t ticks, int64_t timescale) {
  return static_cast<double>(ticks) / static_cast<double>(timescale);
}

// A VOD media playlist of `segments` (durations in ticks of `timescale`), with an EXT-X-MAP
// naming `init_uri` unless it is empty.
std::string MediaPlaylist(const std::vector<MediaSegment>& segments, int64_t timescale,
                          const std::string& init_uri) {
  int64_t target_duration = 1;
  for (const MediaSegment& segment : segments) {
    target_duration = std::max<int64_t>(target_duration,
                                        std::llround(Seconds(segment.duration_ticks, timescale)));
  }
  std::string out = absl::StrCat(
      "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:", target_duration,
      "\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n");
  if (!init_uri.empty()) absl::StrAppend(&out, "#EXT-X-MAP:URI=", QuotedAttribute(init_uri), "\n");
  for (const MediaSegment& segment : segments) {
    absl::StrAppendFormat(&out, "#EXTINF:%.3f,\n%s\n", Seconds(segment.duration_ticks, timescale),
                          segment.uri);
  }
  absl::StrAppend(&out, "#EXT-X-ENDLIST\n");
  return out;
}

}  // namespace

std::string WriteHlsMediaPlaylist(const PackagedTrack& track) {
  return MediaPlaylist(track.segments, track.timescale, track.init_uri);
}

std::string WriteHlsSubtitlePlaylist(const PackagedSubtitle& subtitle) {
  return MediaPlaylist(subtitle.segments, /*timescale=*/1000, /*init_uri=*/"");
}

std::string WriteHlsMultivariantPlaylist(const PackagedMedia& media) {
  std::string out = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n";
  const std::vector<AudioGroup> groups = AudioGroups(media);
  for (const AudioGroup& group : groups) {
    absl::StrAppend(&out, "\n");
    for (const GroupMember& member : group.members) {
      const PackagedTrack& audio = *member.track;
      absl::StrAppend(
          &out, "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"", group.id,
          "\",LANGUAGE=", QuotedAttribute(audio.language), ",NAME=", QuotedAttribute(audio.label),
          ",DEFAULT=", member.is_default ? "YES" : "NO", ",AUTOSELECT=YES,CHANNELS=\"",
          audio.channels, "\",URI=", QuotedAttribute(audio.name + "/playlist.m3u8"), "\n");
    }
  }
  if (!media.subtitles.empty()) absl::StrAppend(&out, "\n");
  for (const PackagedSubtitle& subtitle : media.subtitles) {
    absl::StrAppend(&out, "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=\"", kHlsSubtitleGroup,
                    "\",LANGUAGE=", QuotedAttribute(subtitle.language),
                    ",NAME=", QuotedAttribute(subtitle.label),
                    ",DEFAULT=", subtitle.is_default ? "YES" : "NO",
                    ",AUTOSELECT=YES,FORCED=", subtitle.is_forced ? "YES" : "NO",
                    ",URI=", QuotedAttribute(subtitle.name + "/playlist.m3u8"), "\n");
  }
  // Without audio, one set of variants naming no group.
  const std::vector<AudioGroup> variant_groups =
      groups.empty() ? std::vector<AudioGroup>(1) : groups;
  for (const AudioGroup& group : variant_groups) {
    int64_t audio_peak_bps = 0;
    int64_t audio_average_bps = 0;
    std::set<std::string> audio_codecs;
    for (const GroupMember& member : group.members) {
      audio_peak_bps = std::max(audio_peak_bps, member.track->peak_bitrate_bps);
      audio_average_bps = std::max(audio_average_bps, member.track->average_bitrate_bps);
      audio_codecs.insert(member.track->codecs);
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
      if (!group.id.empty()) absl::StrAppend(&out, ",AUDIO=\"", group.id, "\"");
      if (!media.subtitles.empty()) {
        absl::StrAppend(&out, ",SUBTITLES=\"", kHlsSubtitleGroup, "\"");
      }
      absl::StrAppend(&out, ",CLOSED-CAPTIONS=NONE\n", video.name, "/playlist.m3u8\n");
    }
  }
  return out;
}

}  // namespace atp::package
