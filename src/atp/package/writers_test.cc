// Golden-file tests of the HLS and DASH writers. To accept an intended change of output, run
// the test with ATP_UPDATE_GOLDENS=1 and review the diff of testdata/ before committing.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "atp/package/dash_writer.h"
#include "atp/package/hls_writer.h"
#include "gtest/gtest.h"
#include "pugixml.hpp"

namespace atp::package {
namespace {

const std::filesystem::path kTestdata = std::filesystem::path(ATP_SOURCE_DIR) / "testdata";

void ExpectMatchesGolden(const std::string& actual, const std::string& golden_name) {
  const std::filesystem::path golden = kTestdata / golden_name;
  if (std::getenv("ATP_UPDATE_GOLDENS") != nullptr) {
    std::ofstream(golden, std::ios::binary | std::ios::trunc) << actual;
  }
  std::ifstream in(golden, std::ios::binary);
  ASSERT_TRUE(in) << "missing golden " << golden;
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(actual, expected.str()) << "differs from " << golden;
}

// 14.014 s at 24000/1001 fps: two 6.006 s segments and a 2.002 s tail, on every track.
std::vector<MediaSegment> Segments(int64_t timescale, std::vector<int64_t> sizes) {
  const std::vector<int64_t> durations = {6006 * timescale / 1000, 6006 * timescale / 1000,
                                          2002 * timescale / 1000};
  std::vector<MediaSegment> segments;
  int64_t start = 0;
  for (size_t i = 0; i < durations.size(); ++i) {
    char uri[32];
    std::snprintf(uri, sizeof uri, "seg_%05zu.m4s", i + 1);
    segments.push_back({uri, start, durations[i], sizes[i]});
    start += durations[i];
  }
  return segments;
}

PackagedTrack Video(std::string name, std::string codecs, int width, int height, int64_t peak,
                    int64_t average) {
  PackagedTrack track;
  track.kind = TrackKind::kVideo;
  track.name = std::move(name);
  track.codecs = std::move(codecs);
  track.timescale = 24000;
  track.segments = Segments(24000, {peak * 6006 / 8000, average * 6006 / 8000, 100000});
  track.peak_bitrate_bps = peak;
  track.average_bitrate_bps = average;
  track.width = width;
  track.height = height;
  track.frame_rate = {24000, 1001};
  return track;
}

PackagedTrack Audio(std::string language, std::string label, bool is_default, int track_index = 0) {
  PackagedTrack track;
  track.kind = TrackKind::kAudio;
  track.name = "audio_" + language;
  track.track_index = track_index;
  track.codecs = "mp4a.40.2";
  track.timescale = 48000;
  track.segments = Segments(48000, {96500, 96000, 32000});
  track.peak_bitrate_bps = 130400;
  track.average_bitrate_bps = 128100;
  track.language = std::move(language);
  track.label = std::move(label);
  track.is_default = is_default;
  track.channels = 2;
  track.sample_rate_hz = 48000;
  return track;
}

pugi::xml_document ParsedMpd(const std::string& text) {
  pugi::xml_document document;
  EXPECT_TRUE(document.load_string(text.c_str())) << text;
  return document;
}

PackagedMedia Example() {
  PackagedMedia media;
  media.video = {Video("h264_720p", "avc1.64001f", 1280, 720, 4100000, 3050000),
                 Video("h264_360p", "avc1.4d401e", 640, 360, 950000, 700000),
                 Video("h265_720p", "hvc1.1.6.L93.90", 1280, 720, 2900000, 2100000)};
  media.audio = {Audio("ja", "日本語", true), Audio("en", "English \"dub\"", false)};
  return media;
}

TEST(HlsWriter, MultivariantPlaylistMatchesGolden) {
  ExpectMatchesGolden(WriteHlsMultivariantPlaylist(Example()), "master.m3u8");
}

// Japanese in stereo and 5.1, English in stereo only: the 5.1 group offers both languages.
PackagedMedia ExampleWithSurround() {
  PackagedMedia media = Example();
  media.video.resize(2);
  PackagedTrack ja_51 = Audio("ja", "日本語 5.1", false, 1);
  ja_51.name = "audio_ja_51";
  ja_51.channels = 6;
  ja_51.peak_bitrate_bps = 330000;
  ja_51.average_bitrate_bps = 320500;
  media.audio = {Audio("ja", "日本語", true, 1), ja_51, Audio("en", "English", false, 2)};
  return media;
}

TEST(HlsWriter, MultivariantPlaylistWithSurroundMatchesGolden) {
  ExpectMatchesGolden(WriteHlsMultivariantPlaylist(ExampleWithSurround()), "master_51.m3u8");
}

TEST(HlsWriter, EachAudioGroupHasOneDefaultAndEveryLanguage) {
  const std::string playlist = WriteHlsMultivariantPlaylist(ExampleWithSurround());
  for (const char* group : {"\"aac\"", "\"aac-51\""}) {
    SCOPED_TRACE(group);
    int defaults = 0;
    std::set<std::string> languages;
    std::istringstream lines(playlist);
    for (std::string line; std::getline(lines, line);) {
      if (line.find(std::string("GROUP-ID=") + group) == std::string::npos) continue;
      defaults += line.find("DEFAULT=YES") != std::string::npos;
      languages.insert(line.substr(line.find("LANGUAGE=") + 10, 2));
    }
    EXPECT_EQ(defaults, 1);
    EXPECT_EQ(languages, (std::set<std::string>{"ja", "en"}));
  }
  // Two video rungs, each offered with either group.
  size_t variants = 0;
  for (size_t at = playlist.find("#EXT-X-STREAM-INF"); at != std::string::npos;
       at = playlist.find("#EXT-X-STREAM-INF", at + 1)) {
    ++variants;
  }
  EXPECT_EQ(variants, 4u);
}

TEST(DashWriter, ManifestWithSurroundMatchesGolden) {
  ExpectMatchesGolden(WriteDashManifest(ExampleWithSurround()), "manifest_51.mpd");
}

// English subtitles (the default) and their forced signs & songs, on the video's segments.
PackagedMedia ExampleWithSubtitles() {
  PackagedMedia media = Example();
  media.video.resize(1);
  media.audio.resize(1);
  for (const bool forced : {false, true}) {
    PackagedSubtitle subtitle{.name = forced ? "subs_en_forced" : "subs_en",
                              .language = "en",
                              .label = forced ? "English (Signs & Songs)" : "English",
                              .is_default = !forced,
                              .is_forced = forced,
                              .sidecar_size_bytes = 1751};
    subtitle.segments = Segments(1000, {400, 300, 20});
    for (MediaSegment& segment : subtitle.segments) segment.uri.replace(10, 3, "vtt");
    media.subtitles.push_back(subtitle);
  }
  return media;
}

TEST(HlsWriter, MultivariantPlaylistWithSubtitlesMatchesGolden) {
  ExpectMatchesGolden(WriteHlsMultivariantPlaylist(ExampleWithSubtitles()), "master_subs.m3u8");
}

TEST(HlsWriter, SubtitlePlaylistMatchesGolden) {
  ExpectMatchesGolden(WriteHlsSubtitlePlaylist(ExampleWithSubtitles().subtitles[0]),
                      "subs_en.m3u8");
}

TEST(DashWriter, ManifestWithSubtitlesMatchesGolden) {
  ExpectMatchesGolden(WriteDashManifest(ExampleWithSubtitles()), "manifest_subs.mpd");
}

TEST(HlsWriter, VideoMediaPlaylistMatchesGolden) {
  ExpectMatchesGolden(WriteHlsMediaPlaylist(Example().video[0]), "h264_720p.m3u8");
}

TEST(HlsWriter, AudioMediaPlaylistMatchesGolden) {
  ExpectMatchesGolden(WriteHlsMediaPlaylist(Example().audio[0]), "audio_ja.m3u8");
}

TEST(HlsWriter, VariantWithoutAudioHasNoAudioGroup) {
  PackagedMedia media = Example();
  media.audio.clear();
  const std::string playlist = WriteHlsMultivariantPlaylist(media);
  EXPECT_EQ(playlist.find("AUDIO="), std::string::npos);
  EXPECT_NE(playlist.find("BANDWIDTH=4100000,AVERAGE-BANDWIDTH=3050000,CODECS=\"avc1.64001f\""),
            std::string::npos)
      << playlist;
}

TEST(HlsWriter, TargetDurationIsTheLongestSegmentRounded) {
  PackagedTrack track = Example().video[0];
  track.segments[1].duration_ticks = 24000 * 13 / 2;  // 6.5 s rounds to 7.
  EXPECT_NE(WriteHlsMediaPlaylist(track).find("#EXT-X-TARGETDURATION:7\n"), std::string::npos);
}

// AV1 rungs: listed in HLS like any video with their av01 string, and in DASH in an
// AdaptationSet of their own after the avc1 and hvc1 ones.
TEST(DashWriter, Av1RungsGetAnAdaptationSetOfTheirOwn) {
  PackagedMedia media = Example();
  media.video.push_back(Video("av1_720p", "av01.0.05M.08", 1280, 720, 2000000, 1500000));
  media.video.push_back(Video("av1_480p", "av01.0.04M.08", 854, 480, 1000000, 700000));
  const std::string playlist = WriteHlsMultivariantPlaylist(media);
  EXPECT_NE(playlist.find("CODECS=\"av01.0.05M.08,mp4a.40.2\",RESOLUTION=1280x720"),
            std::string::npos)
      << playlist;
  const pugi::xml_document mpd = ParsedMpd(WriteDashManifest(media));
  std::vector<std::vector<std::string>> video_sets;
  for (const pugi::xpath_node& set : mpd.select_nodes("//AdaptationSet[@contentType='video']")) {
    std::vector<std::string> codecs;
    for (pugi::xml_node representation : set.node().children("Representation")) {
      codecs.push_back(representation.attribute("codecs").value());
    }
    video_sets.push_back(codecs);
  }
  EXPECT_EQ(video_sets,
            (std::vector<std::vector<std::string>>{{"avc1.64001f", "avc1.4d401e"},
                                                   {"hvc1.1.6.L93.90"},
                                                   {"av01.0.05M.08", "av01.0.04M.08"}}));
}

TEST(DashWriter, ManifestMatchesGolden) {
  ExpectMatchesGolden(WriteDashManifest(Example()), "manifest.mpd");
}

TEST(DashWriter, TimelineStatesStartsAfterAGap) {
  PackagedMedia media = Example();
  media.audio.clear();
  media.video.resize(1);
  media.video[0].segments[2].start_ticks += 10;
  const std::string mpd = WriteDashManifest(media);
  EXPECT_NE(mpd.find("<S t=\"0\" d=\"144144\" r=\"1\" />\n"), std::string::npos) << mpd;
  EXPECT_NE(mpd.find("<S t=\"288298\" d=\"48048\" />"), std::string::npos) << mpd;
}

}  // namespace
}  // namespace atp::package
