// What the viewer sees, judged on the decoded output of `atp transcode` (ffprobe and
// ffmpeg's idet on each rendition's init + segments), for the sources partners deliver that
// are not square-pixel progressive constant-rate video: anamorphic SD and HD, interlaced
// (flagged by the stream, or found by idet), variable frame rate, and a size just under a
// rung.
#include <algorithm>
#include <fstream>
#include <regex>

#include "atp/app/replaced_mezzanine_fixture.h"
#include "atp/testing/test_sources.h"
#include "gmock/gmock.h"
#include "nlohmann/json.hpp"

namespace atp::app {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

struct DecodedVideo {
  int width = 0;
  int height = 0;
  std::string sample_aspect_ratio;   // "1:1"; "" when the stream does not say (square).
  std::string display_aspect_ratio;  // "4:3"; "" when the stream does not say.
  int64_t frames = 0;
  double duration_seconds = 0;
  std::string frame_rate;  // "30000/1001"
};

class PictureTest : public ReplacedMezzanineTest {
 protected:
  // Transcodes the delivery with `profile_toml` (empty: the defaults); expects success.
  void Transcode(const std::string& profile_toml = "") {
    std::string options;
    if (!profile_toml.empty()) {
      options = "--profile " + dir_.WriteFile("profile.toml", profile_toml).string();
    }
    const testing::CommandResult result = RunAtp("transcode", options);
    ASSERT_EQ(result.exit_code, 0) << result.output;
  }

  static DecodedVideo Decode(const fs::path& file) {
    const testing::CommandResult probed = testing::RunCommand(
        "ffprobe -v error -count_frames -select_streams v:0 -show_entries "
        "stream=width,height,sample_aspect_ratio,display_aspect_ratio,nb_read_frames,r_frame_rate:"
        "format=duration -of json " +
        file.string());
    EXPECT_EQ(probed.exit_code, 0) << probed.output;
    const nlohmann::json json = nlohmann::json::parse(probed.output, nullptr, false);
    DecodedVideo video;
    if (json.is_discarded() || json["streams"].empty()) return video;
    const nlohmann::json& stream = json["streams"][0];
    video.width = stream.value("width", 0);
    video.height = stream.value("height", 0);
    video.sample_aspect_ratio = stream.value("sample_aspect_ratio", "");
    video.display_aspect_ratio = stream.value("display_aspect_ratio", "");
    video.frames = std::stoll(stream.value("nb_read_frames", "0"));
    video.frame_rate = stream.value("r_frame_rate", "");
    video.duration_seconds = std::stod(json["format"].value("duration", "0"));
    return video;
  }

  // ffmpeg's idet multi-frame verdicts over the whole of `file`: {tff, bff, progressive}.
  static std::array<int, 3> Idet(const fs::path& file) {
    const testing::CommandResult result = testing::RunCommand(
        "ffmpeg -nostats -hide_banner -i " + file.string() + " -vf idet -an -f null - 2>&1");
    std::smatch match;
    static const std::regex kMulti(
        "Multi frame detection: TFF: *([0-9]+) BFF: *([0-9]+) Progressive: *([0-9]+)");
    if (!std::regex_search(result.output, match, kMulti)) {
      ADD_FAILURE() << result.output;
      return {};
    }
    return {std::stoi(match[1]), std::stoi(match[2]), std::stoi(match[3])};
  }

  nlohmann::json Report() const {
    return nlohmann::json::parse(testing::ReadFile(Package() / "report.json"));
  }
};

// NTSC DVD-style anime: 720x480 with 8:9 pixels (a 4:3 picture), fields woven into frames,
// and a codec that flags neither (so idet must find them). Every rung is 4:3 in square
// pixels, and progressive.
TEST_F(PictureTest, AnamorphicInterlacedSdIsShownAt4x3AndProgressive) {
  MakeMezzanine(testing::MovingEdgeInput(720, 480, "60000/1001", 2) +
                " -f lavfi -i sine=d=2 -f lavfi -i sine=f=500:d=2 -map 0 -map 1 -map 2 "
                "-vf interlace=scan=tff:lowpass=0,setsar=8/9 -c:v mpeg4 -q:v 2 -c:a aac -f mp4");
  const std::array<int, 3> source = Idet(Mezzanine());
  ASSERT_GT(source[0], source[2]) << "the source must look interlaced (TFF) to idet";
  const testing::CommandResult check = RunAtp("check");
  EXPECT_THAT(check.output, HasSubstr("shown 640x480 (SAR 8:9, 1.333:1), interlaced, top field "
                                      "first (idet: "));

  Transcode();
  const DecodedVideo top = Decode(Joined("h264_480p"));
  EXPECT_EQ(top.width, 640);
  EXPECT_EQ(top.height, 480);
  EXPECT_THAT(top.sample_aspect_ratio, ::testing::AnyOf("", "1:1"));
  const DecodedVideo low = Decode(Joined("h264_360p"));
  EXPECT_EQ(low.width, 480);
  EXPECT_EQ(low.height, 360);
  const std::array<int, 3> output = Idet(Joined("h264_480p"));
  EXPECT_GT(output[2], 4 * (output[0] + output[1])) << "combing left in the output";

  EXPECT_THAT(testing::ReadFile(Package() / "master.m3u8"), HasSubstr("RESOLUTION=640x480"));
  EXPECT_THAT(testing::ReadFile(Package() / "manifest.mpd"), HasSubstr("sar=\"1:1\""));
  const nlohmann::json picture = Report()["picture"];
  EXPECT_EQ(picture["sample_aspect_ratio"], "8:9");
  EXPECT_EQ(picture["display_width"], 640);
  EXPECT_EQ(picture["deinterlaced"], true);
  EXPECT_THAT(picture["interlacing"].get<std::string>(), HasSubstr("idet"));
}

// HDV-style 1440x1080 with 4:3 pixels is a 16:9 picture: its top rung is 1920x1080.
TEST_F(PictureTest, AnamorphicHdGetsAFullWidthTopRung) {
  MakeMezzanine(
      "-f lavfi -i testsrc2=d=1:s=1440x1080:r=25 -f lavfi -i sine=d=1 "
      "-f lavfi -i sine=f=500:d=1 -map 0 -map 1 -map 2 -vf setsar=4/3 -c:v libx264 "
      "-preset ultrafast -pix_fmt yuv420p -c:a aac -f mp4");
  Transcode("[h264]\nrungs = [{ height = 1080, bitrate_kbps = 6000 }]\n");
  const DecodedVideo top = Decode(Joined("h264_1080p"));
  EXPECT_EQ(top.width, 1920);
  EXPECT_EQ(top.height, 1080);
  EXPECT_THAT(top.display_aspect_ratio, ::testing::AnyOf("", "16:9"));
}

// 1080i29.97 flagged top field first by the stream: deinterlaced a frame per frame (the
// frame count and rate stay), no combing left.
TEST_F(PictureTest, InterlacedHdFlaggedByItsStreamIsDeinterlaced) {
  MakeMezzanine(
      testing::MovingEdgeInput(1920, 1080, "60000/1001", 1) +
      " -f lavfi -i sine=d=1 -f lavfi -i sine=f=500:d=1 -map 0 -map 1 -map 2 "
      "-vf interlace=scan=tff:lowpass=0 "
      "-c:v libx264 -preset ultrafast -flags +ildct+ilme -x264-params tff=1 -pix_fmt yuv420p "
      "-c:a aac -f mp4");
  Transcode("[h264]\nrungs = [{ height = 1080, bitrate_kbps = 6000 }]\n");
  const fs::path top = Joined("h264_1080p");
  const std::array<int, 3> output = Idet(top);
  EXPECT_GT(output[2], 4 * (output[0] + output[1])) << "combing left in the output";
  const DecodedVideo decoded = Decode(top);
  EXPECT_NEAR(decoded.frames, 30, 1);
  EXPECT_THAT(Report()["picture"]["interlacing"].get<std::string>(), HasSubstr("(stream)"));
}

// Frames 30 to 41 of a 24 fps clip are missing (a 0.5 s gap): the frame before the gap fills
// it, so the output has the source's duration at a constant 24 fps, and the report says so.
TEST_F(PictureTest, VariableFrameRateIsPutOnTheManifestRate) {
  MakeMezzanine(
      "-f lavfi -i testsrc2=d=3:s=426x240:r=24 -f lavfi -i sine=d=3 -f lavfi -i sine=f=500:d=3 "
      "-map 0 -map 1 -map 2 -vf \"select='not(between(n\\,30\\,41))'\" -fps_mode:v vfr "
      "-c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -f mp4",
      /*frame_rate=*/24);
  Transcode();
  const DecodedVideo top = Decode(Joined("h264_240p"));
  EXPECT_EQ(top.frames, 72);
  EXPECT_NEAR(top.duration_seconds, 3.0, 1.0 / 24);
  const nlohmann::json report = Report();
  EXPECT_EQ(report["picture"]["frames_repeated"], 12);
  EXPECT_EQ(report["picture"]["frames_dropped"], 0);
  EXPECT_THAT(report["warnings"].dump(), HasSubstr("12 repeated"));
}

// 1918x1078 is less than 10% under 1080 lines: it keeps a 1080p rung, at its own size.
TEST_F(PictureTest, ASourceJustUnderARungKeepsIt) {
  MakeMezzanine(
      "-f lavfi -i testsrc2=d=1:s=1918x1078:r=25 -f lavfi -i sine=d=1 "
      "-f lavfi -i sine=f=500:d=1 -map 0 -map 1 -map 2 -c:v libx264 -preset ultrafast "
      "-pix_fmt yuv420p -c:a aac -f mp4");
  Transcode("[h264]\nrungs = [{ height = 1080, bitrate_kbps = 6000 }]\n");
  const DecodedVideo top = Decode(Joined("h264_1080p"));
  EXPECT_EQ(top.width, 1918);
  EXPECT_EQ(top.height, 1078);
}

// For sports-like motion the profile may ask for a frame per field: 59.94 progressive frames
// a second from 29.97 interlaced ones.
TEST_F(PictureTest, FieldRateDeinterlacingGivesAFramePerField) {
  MakeMezzanine(testing::MovingEdgeInput(720, 480, "60000/1001", 2) +
                " -f lavfi -i sine=d=2 -f lavfi -i sine=f=500:d=2 -map 0 -map 1 -map 2 "
                "-vf interlace=scan=tff:lowpass=0 -c:v mpeg4 -q:v 2 -c:a aac -f mp4");
  Transcode("[video]\ndeinterlace_rate = \"field\"\n");
  const fs::path top = Joined("h264_480p");
  const DecodedVideo decoded = Decode(top);
  EXPECT_EQ(decoded.frame_rate, "60000/1001");
  EXPECT_NEAR(decoded.frames, 120, 1);
  const std::array<int, 3> output = Idet(top);
  EXPECT_GT(output[2], 4 * (output[0] + output[1])) << "combing left in the output";
}

// 23.976 fps film telecined (3:2 pulldown) to 29.97: with inverse_telecine the fields are
// matched back into the film's 48 frames, at 23.976, none combed.
TEST_F(PictureTest, TelecinedFilmIsInverseTelecinedWhenAsked) {
  MakeMezzanine(testing::MovingEdgeInput(720, 480, "24000/1001", 2) +
                " -f lavfi -i sine=d=2 -f lavfi -i sine=f=500:d=2 -map 0 -map 1 -map 2 "
                "-vf telecine=pattern=23 -c:v mpeg4 -q:v 2 -c:a aac -f mp4");
  EXPECT_THAT(RunAtp("check").output, HasSubstr("telecined film (3:2 pulldown) is likely"));
  Transcode("[video]\ninverse_telecine = true\n");
  const fs::path top = Joined("h264_480p");
  const DecodedVideo decoded = Decode(top);
  EXPECT_EQ(decoded.frame_rate, "24000/1001");
  EXPECT_NEAR(decoded.frames, 48, 1);
  const std::array<int, 3> output = Idet(top);
  EXPECT_GT(output[2], 4 * (output[0] + output[1])) << "combing left in the output";
  EXPECT_THAT(Report()["picture"]["interlacing"].get<std::string>(),
              HasSubstr("inverse telecined"));
}

// A jump of 8 s in the timestamps is a broken file, not VFR: refused as undecodable (exit 3)
// rather than filled with a frozen frame.
// A stream whose picture grows mid-stream (720p, then 1080p, in one MPEG-TS) is refused with
// an error naming both pictures, before anything is published; no rung is written past its
// picture (which crashed the process once).
TEST_F(PictureTest, APictureThatChangesSizeMidStreamIsRefused) {
  const std::string first = (dir_.path() / "first.ts").string();
  const std::string second = (dir_.path() / "second.ts").string();
  for (const auto& [file, size] : {std::pair{first, "1280x720"}, std::pair{second, "1920x1080"}}) {
    const testing::CommandResult made = testing::RunCommand(
        "ffmpeg -v error -y -f lavfi -i testsrc2=d=1:s=" + std::string(size) +
        ":r=24 -c:v libx264 -preset ultrafast -pix_fmt yuv422p10le " + file + " 2>&1");
    ASSERT_EQ(made.exit_code, 0) << made.output;
  }
  MakeMezzanine("-i 'concat:" + first + "|" + second +
                "' -f lavfi -i sine=d=2 -f lavfi -i sine=f=500:d=2 -map 0:v -map 1 -map 2 "
                "-c:v copy -c:a aac -f mpegts");
  const testing::CommandResult result = RunAtp("transcode");
  EXPECT_EQ(result.exit_code, 3) << result.output;
  EXPECT_THAT(result.output, HasSubstr("the picture changes mid-stream, from 1280x720 "
                                       "yuv422p10le to 1920x1080 yuv422p10le at frame 24"));
  EXPECT_THAT(result.output, HasSubstr("nothing was published"));
}

TEST_F(PictureTest, ATimestampJumpOfSecondsIsRefused) {
  MakeMezzanine(
      "-f lavfi -i testsrc2=d=2:s=426x240:r=24 -f lavfi -i sine=d=10 -f lavfi -i sine=f=500:d=10 "
      "-map 0 -map 1 -map 2 -vf setpts='PTS+gte(N\\,24)*8/TB' -fps_mode:v vfr -c:v libx264 "
      "-preset ultrafast -pix_fmt yuv420p -c:a aac -f mp4",
      /*frame_rate=*/24);
  const testing::CommandResult result = RunAtp("transcode");
  EXPECT_EQ(result.exit_code, 3) << result.output;
  EXPECT_THAT(result.output, HasSubstr("timestamps jump 8.0 s"));
}

}  // namespace
}  // namespace atp::app
