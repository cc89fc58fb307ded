// atp/manifest/manifest_test_data.h
//
// The example manifest of the format document, for tests that mutate it one fault at a time.
#ifndef ATP_MANIFEST_MANIFEST_TEST_DATA_H_
#define ATP_MANIFEST_MANIFEST_TEST_DATA_H_

#include <string>

namespace atp::manifest {

inline const std::string kExampleManifest = R"(<?xml version="1.0" encoding="UTF-8"?>
<AnimeTranscodeManifest version="1.0">
  <ManifestId>aot-s01e01-2024-001</ManifestId>
  <Episode>
    <SeriesId>attack-on-titan</SeriesId>
    <SeriesTitle>Attack on Titan</SeriesTitle>
    <SeasonNumber>1</SeasonNumber>
    <EpisodeNumber>1</EpisodeNumber>
    <EpisodeTitle>To You, in 2000 Years</EpisodeTitle>
    <DurationSeconds>1440.5</DurationSeconds>
    <ContentRating>TV-14</ContentRating>
  </Episode>
  <Mezzanine>
    <FilePath>mezzanines/attack-on-titan/s01e01.mov</FilePath>
    <ChecksumMD5>d41d8cd98f00b204e9800998ecf8427e</ChecksumMD5>
    <ChecksumXXHash>ef46db3751d8e999</ChecksumXXHash>
    <FileSizeBytes>15728640000</FileSizeBytes>
    <DurationSeconds>1440.5</DurationSeconds>
    <VideoCodec>ProRes 422 HQ</VideoCodec>
    <AudioCodec>PCM</AudioCodec>
    <ResolutionWidth>1920</ResolutionWidth>
    <ResolutionHeight>1080</ResolutionHeight>
    <FrameRate>23.976</FrameRate>
    <BitrateKbps>220000</BitrateKbps>
  </Mezzanine>
  <AudioTracks>
    <AudioTrack><Language>ja</Language><Label>日本語</Label><IsDefault>true</IsDefault><TrackIndex>1</TrackIndex></AudioTrack>
    <AudioTrack><Language>en</Language><Label>English</Label><TrackIndex>2</TrackIndex></AudioTrack>
  </AudioTracks>
  <SubtitleTracks>
    <SubtitleTrack><Language>en</Language><Label>English</Label><FilePath>subs/s01e01.en.vtt</FilePath><IsDefault>true</IsDefault></SubtitleTrack>
  </SubtitleTracks>
  <Priority>5</Priority>
  <CallbackUrl>https://partner.example/hooks/transcode</CallbackUrl>
</AnimeTranscodeManifest>
)";

// kExampleManifest with the first occurrence of `from` replaced by `to`.
inline std::string ExampleWith(const std::string& from, const std::string& to) {
  std::string xml = kExampleManifest;
  const size_t at = xml.find(from);
  if (at == std::string::npos) return "<!-- test bug: '" + from + "' not in the example -->";
  return xml.replace(at, from.size(), to);
}

// kExampleManifest without the element that starts with `open_tag` (up to its end tag).
inline std::string ExampleWithout(const std::string& open_tag, const std::string& close_tag) {
  std::string xml = kExampleManifest;
  const size_t begin = xml.find(open_tag);
  const size_t end = xml.find(close_tag, begin);
  if (begin == std::string::npos || end == std::string::npos) return "<!-- test bug -->";
  return xml.erase(begin, end + close_tag.size() - begin);
}

}  // namespace atp::manifest

#endif  // ATP_MANIFEST_MANIFEST_TEST_DATA_H_
