// Packages made by `atp run` played in a real browser: Debian's Chromium, headless, with
// hls.js and with dash.js (web/player-check, which reports as JSON what the players did).
// Judged on what Chromium decodes and shows: picture sizes, cues on screen, tracks offered.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "atp/app/replaced_mezzanine_fixture.h"
#include "gmock/gmock.h"
#include "nlohmann/json.hpp"
#include "pugixml.hpp"

namespace atp::app {
namespace {

namespace fs = std::filesystem;
using ::testing::Contains;
using ::testing::HasSubstr;

const std::string kPlayerCheck = ATP_PLAYER_CHECK;

class BrowserTest : public ReplacedMezzanineTest {
 protected:
  // Runs `atp run` on the delivery; expects a published package.
  void RunJob() {
    const testing::CommandResult result = RunAtp("run");
    ASSERT_EQ(result.exit_code, 0) << result.output;
  }

  // Plays `manifest` of the published package with `player` ("hls" or "dash"); the
  // harness's JSON, and a screenshot in the build's test-artifacts folder named after the test.
  nlohmann::json Play(const std::string& manifest, const std::string& player,
                      const std::string& options = "") {
    const fs::path artifacts = fs::path(ATP_ARTIFACT_DIR);
    fs::create_directories(artifacts);
    const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
    const fs::path screenshot = artifacts / (std::string(test->test_suite_name()) + "." +
                                             test->name() + "." + player + ".png");
    const fs::path stderr_file = dir_.path() / (player + ".stderr");
    const testing::CommandResult result =
        testing::RunCommand("node " + kPlayerCheck + " --root " + Package().string() +
                            " --manifest " + manifest + " --player " + player + " --screenshot " +
                            screenshot.string() + " " + options + " 2>" + stderr_file.string());
    EXPECT_EQ(result.exit_code, 0) << result.output << testing::ReadFile(stderr_file);
    nlohmann::json json = nlohmann::json::parse(result.output, nullptr, false);
    EXPECT_FALSE(json.is_discarded()) << result.output << testing::ReadFile(stderr_file);
    return json;
  }
};

// NTSC widescreen DV: 720x480 stored, 32:27 pixels, a 16:9 picture. In both players every
// rendition decodes to a 16:9 picture (not the stored 3:2), at the size the manifest declares.
TEST_F(BrowserTest, AnamorphicSourcePlaysAtItsDisplayAspectInHlsJsAndDashJs) {
  MakeMezzanine(
      "-f lavfi -i testsrc2=d=5:s=720x480:r=30000/1001 -f lavfi -i sine=d=5 "
      "-f lavfi -i sine=f=500:d=5 -map 0 -map 1 -map 2 -vf setsar=32/27 -c:v libx264 "
      "-preset ultrafast -pix_fmt yuv420p -c:a aac -f mp4");
  RunJob();
  for (const auto& [player, manifest] : std::vector<std::pair<std::string, std::string>>{
           {"hls", "master.m3u8"}, {"dash", "manifest.mpd"}}) {
    SCOPED_TRACE(player);
    const nlohmann::json played = Play(manifest, player);
    ASSERT_TRUE(played.is_object());
    EXPECT_TRUE(played.value("ok", false)) << played.dump(2);
    EXPECT_GE(played.value("advanced_seconds", 0.0), 2.0);
    ASSERT_EQ(played["renditions"].size(), 2u) << played.dump(2);  // 480 and 360 lines.
    for (const nlohmann::json& rendition : played["renditions"]) {
      const double width = rendition.value("video_width", 0);
      const double height = rendition.value("video_height", 1);
      EXPECT_NEAR(width / height, 16.0 / 9.0, 16.0 / 9.0 * 0.01) << rendition.dump();
      EXPECT_TRUE(rendition.value("size_matches", false)) << rendition.dump();
      EXPECT_TRUE(rendition.value("played", false)) << rendition.dump();
    }
    EXPECT_EQ(played["renditions"][0]["video_height"], 480);
  }
}

// The sample's subtitles (English SRT with an italic first line; Latin-American Spanish ASS
// with a positioned sign, also split into a forced "Signs & Songs" track): at 4 s, in both
// players, each track, shown alone, has the cue of 3-5 s active, with its markup (the Spanish
// one the sign too); the forced track is offered and shows the sign alone.
TEST_F(BrowserTest, SubtitleCuesShowAtTheirTimesInHlsJsAndDashJs) {
  const testing::CommandResult sample = testing::RunCommand(
      kAtp + " sample --out " + in_.string() + " --duration 6 --size 426x240 --codec h264 2>&1");
  ASSERT_EQ(sample.exit_code, 0) << sample.output;
  RunJob();
  for (const auto& [player, manifest] : std::vector<std::pair<std::string, std::string>>{
           {"hls", "master.m3u8"}, {"dash", "manifest.mpd"}}) {
    SCOPED_TRACE(player);
    const nlohmann::json played = Play(manifest, player, "--at 4");
    ASSERT_TRUE(played.is_object());
    EXPECT_TRUE(played.value("ok", false)) << played.dump(2);
    const nlohmann::json& tracks = played["text_tracks"];
    ASSERT_EQ(tracks.size(), 3u) << played.dump(2);
    // Active cue texts of each track, by language, tracks in their order.
    std::map<std::string, std::vector<std::vector<std::string>>> active;
    for (const nlohmann::json& track : tracks) {
      EXPECT_EQ(track["kind"], "subtitles");
      std::vector<std::string> texts = track["active_cues"];
      std::sort(texts.begin(), texts.end());
      active[track["language"]].push_back(texts);
    }
    using Texts = std::vector<std::vector<std::string>>;
    EXPECT_EQ(active["en"], (Texts{{"Sample line 2"}}));
    EXPECT_EQ(active["es-419"], (Texts{{"<b>Shibuya Station</b>", "Línea de ejemplo 2"},
                                       {"<b>Shibuya Station</b>"}}));
    // The players list the three renditions by the manifest's names.
    std::vector<std::string> names;
    for (const nlohmann::json& track : played["player_text_tracks"]) names.push_back(track["name"]);
    EXPECT_THAT(names, Contains("Español (Latinoamérica) (Signs & Songs)"));
  }
}

// The video renditions `played` lists: whether each is AV1 (its declared codecs start with
// av01), and that Chromium showed it at its size.
std::vector<bool> PlayedRenditionsAreAv1(const nlohmann::json& played) {
  std::vector<bool> av1;
  for (const nlohmann::json& rendition : played["renditions"]) {
    av1.push_back(rendition["declared"].value("codecs", "").starts_with("av01."));
    EXPECT_TRUE(rendition.value("size_matches", false)) << rendition.dump();
    EXPECT_TRUE(rendition.value("played", false)) << rendition.dump();
  }
  return av1;
}

// An AV1 rung beside the H.264 one. hls.js offers both and Chromium decodes each at its size.
// dash.js plays one video AdaptationSet (the H.264 one, first); an MPD left with only the AV1
// AdaptationSet plays that.
TEST_F(BrowserTest, Av1RungPlaysInHlsJsAndDashJs) {
  const testing::CommandResult sample = testing::RunCommand(
      kAtp + " sample --out " + in_.string() + " --duration 4 --size 426x240 --codec h264 2>&1");
  ASSERT_EQ(sample.exit_code, 0) << sample.output;
  const fs::path profile = dir_.path() / "av1.toml";
  std::ofstream(profile)
      << "enable_av1 = true\n"
         "[av1]\npreset = 12\nrungs = [ { height = 240, bitrate_kbps = 300 } ]\n";
  const testing::CommandResult run = RunAtp("run", "--profile " + profile.string());
  ASSERT_EQ(run.exit_code, 0) << run.output;

  const nlohmann::json hls = Play("master.m3u8", "hls");
  ASSERT_TRUE(hls.is_object());
  EXPECT_TRUE(hls.value("ok", false)) << hls.dump(2);
  EXPECT_THAT(PlayedRenditionsAreAv1(hls), ::testing::UnorderedElementsAre(false, true))
      << hls.dump(2);

  const nlohmann::json dash = Play("manifest.mpd", "dash");
  ASSERT_TRUE(dash.is_object());
  EXPECT_TRUE(dash.value("ok", false)) << dash.dump(2);

  pugi::xml_document mpd;
  ASSERT_TRUE(mpd.load_file((Package() / "manifest.mpd").c_str()));
  for (const pugi::xpath_node& set : mpd.select_nodes(
           "//AdaptationSet[@contentType='video'][not(starts-with(Representation/@codecs, "
           "'av01.'))]")) {
    set.parent().remove_child(set.node());
  }
  ASSERT_TRUE(mpd.save_file((Package() / "av1_only.mpd").c_str()));
  const nlohmann::json av1_only = Play("av1_only.mpd", "dash");
  ASSERT_TRUE(av1_only.is_object());
  EXPECT_TRUE(av1_only.value("ok", false)) << av1_only.dump(2);
  EXPECT_THAT(PlayedRenditionsAreAv1(av1_only), ::testing::ElementsAre(true)) << av1_only.dump(2);
}

}  // namespace
}  // namespace atp::app
