// atp/package/hls_writer.h
//
// HLS playlists (RFC 8216) written from packaging records: pure text, no I/O.
#ifndef ATP_PACKAGE_HLS_WRITER_H_
#define ATP_PACKAGE_HLS_WRITER_H_

#include <string>

#include "atp/core/packaged_media.h"

namespace atp::package {

// The audio groups: every track's first rendition (the profile's channels), and, when some
// track has a 5.1 rendition, a second group holding each track's 5.1 rendition where it has
// one and its first rendition where it has not, so either group offers every language (as
// Apple's HLS authoring specification groups audio by channel layout).
inline constexpr char kHlsAudioGroup[] = "aac";
inline constexpr char kHlsSurroundAudioGroup[] = "aac-51";

// A VOD media playlist for one track, referring to its init segment and media segments by
// their URIs relative to the track's folder (where the playlist is written, as playlist.m3u8).
// EXTINF carries milliseconds; TARGETDURATION is the largest EXTINF rounded to the nearest
// integer (RFC 8216 4.3.3.1).
[[nodiscard]] std::string WriteHlsMediaPlaylist(const PackagedTrack& track);

// The group of every subtitle rendition, which every variant names (SUBTITLES=).
inline constexpr char kHlsSubtitleGroup[] = "subs";

// A VOD media playlist of one subtitle rendition's WebVTT segments (no EXT-X-MAP), their
// EXTINF the segments' durations.
[[nodiscard]] std::string WriteHlsSubtitlePlaylist(const PackagedSubtitle& subtitle);

// The multivariant playlist (master.m3u8, at the package root): one EXT-X-MEDIA per audio
// rendition and group (CHANNELS its channel count), one per subtitle rendition (group
// kHlsSubtitleGroup, FORCED=YES for signs & songs), and per audio group one EXT-X-STREAM-INF
// per video track naming that group (and the subtitle group when there are subtitles). BANDWIDTH is
// the video track's peak segment bitrate plus the largest audio peak in the group;
// AVERAGE-BANDWIDTH likewise with averages; CODECS the video's and the group's. Variant URIs are
// "<track name>/playlist.m3u8".
[[nodiscard]] std::string WriteHlsMultivariantPlaylist(const PackagedMedia& media);

}  // namespace atp::package

#endif  // ATP_PACKAGE_HLS_WRITER_H_
