// A/V start times judged on the decoded output of `atp transcode`, not on atp's records: a
// 4 s source with a 1 kHz tone starting at 1.000 s (for 0.5 s) and at 3.000 s (to the end),
// and a white flash frame at each of those times (24000/1001 fps: frames 24 and 72, shown at
// 1.001 s and 3.003 s), its video encoded in chunks of 2 s (two independent encoders
// joined). ffmpeg finds the tone's onsets (silencedetect) and the flashes (signalstats) with
// -copyts, so in the demuxer's own times, in each joined rendition (init + segments) and
// through the MPD (both tracks on one clock); ffprobe reads the video's decode times across
// the chunk boundary.
#include <algorithm>
#include <fstream>
#include <regex>

#include "atp/app/replaced_mezzanine_fixture.h"
#include "gmock/gmock.h"

namespace atp::app {
namespace {

namespace fs = std::filesystem;

constexpr double kFrameSeconds = 1001.0 / 24000;

class AvSyncTest : public ReplacedMezzanineTest {
 protected:
  void SetUp() override {
    ReplacedMezzanineTest::SetUp();
    // Two audio streams (the delivery declares ja and en), the same tone in each.
    MakeMezzanine(
        "-f lavfi -i \"color=c=black:s=426x240:r=24000/1001:d=4,"
        "drawbox=w=iw:h=ih:color=white:t=fill:enable='between(t,1,1.04)+between(t,3,3.04)'\" "
        "-f lavfi -i \"aevalsrc='0.5*sin(2*PI*1000*t)*(between(t,1,1.5)+gte(t,3))':"
        "s=48000:d=4\" -map 0 -map 1 -map 1 -c:v libx264 -preset ultrafast -pix_fmt yuv420p "
        "-c:a aac -f mp4");
    const testing::CommandResult result = RunAtp(
        "transcode", "--profile " + dir_.WriteFile("profile.toml",
                                                   "[video]\nkeyframe_interval_seconds = 1\n"
                                                   "segment_seconds = 1\nchunk_seconds = 2\n")
                                        .string());
    ASSERT_EQ(result.exit_code, 0) << result.output;
  }

  // ffmpeg's input options for `file`: an MPD's WebVTT sidecars have an extension its DASH
  // demuxer opens only when told to (docs/subtitles.md).
  static std::string Input(const fs::path& file) {
    return (file.extension() == ".mpd" ? "-allowed_extensions ALL -i " : "-i ") + file.string();
  }

  // Where the first audio stream of `file` turns from silence to the tone, in seconds.
  static std::vector<double> ToneOnsets(const fs::path& file) {
    const testing::CommandResult result =
        testing::RunCommand("ffmpeg -nostats -hide_banner -copyts " + Input(file) +
                            " -map 0:a:0 -af silencedetect=n=-30dB:d=0.2 -f null - 2>&1");
    EXPECT_EQ(result.exit_code, 0) << result.output;
    std::vector<double> onsets;
    static const std::regex kEnd("silence_end: ([0-9.]+)");
    for (std::sregex_iterator it(result.output.begin(), result.output.end(), kEnd), end; it != end;
         ++it) {
      onsets.push_back(std::stod((*it)[1]));
    }
    return onsets;
  }

  // The presentation times of the white frames of the first video stream of `file`.
  static std::vector<double> FlashTimes(const fs::path& file) {
    const testing::CommandResult result = testing::RunCommand(
        "ffmpeg -nostats -hide_banner -copyts " + Input(file) +
        " -map 0:v:0 -vf signalstats,metadata=print:key=lavfi.signalstats.YAVG -f null - 2>&1");
    EXPECT_EQ(result.exit_code, 0) << result.output;
    std::vector<double> flashes;
    static const std::regex kFrame("pts_time:([-0-9.]+)[^\\n]*\\n[^\\n]*YAVG=([0-9.]+)");
    for (std::sregex_iterator it(result.output.begin(), result.output.end(), kFrame), end;
         it != end; ++it) {
      if (std::stod((*it)[2]) > 128) flashes.push_back(std::stod((*it)[1]));
    }
    return flashes;
  }

  // The decode times ffprobe reads for the first video stream of `file`.
  static std::vector<double> VideoDecodeTimes(const fs::path& file) {
    const testing::CommandResult result = testing::RunCommand(
        "ffprobe -v error -select_streams v:0 -show_entries packet=dts_time -of csv=p=0 " +
        Input(file));
    EXPECT_EQ(result.exit_code, 0) << result.output;
    std::vector<double> times;
    std::istringstream lines(result.output);
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty() && line != "N/A") times.push_back(std::stod(line));
    }
    return times;
  }
};

MATCHER_P2(EachNear, expected, tolerance, "") {
  if (arg.size() != expected.size()) return false;
  for (size_t i = 0; i < arg.size(); ++i) {
    if (std::abs(arg[i] - expected[i]) > tolerance) return false;
  }
  return true;
}

TEST_F(AvSyncTest, ToneAndFlashArePresentedWhenTheSourcePresentsThem) {
  const std::vector<double> source_onsets = ToneOnsets(Mezzanine());
  const std::vector<double> source_flashes = FlashTimes(Mezzanine());
  ASSERT_EQ(source_onsets.size(), 2u) << "the source's tone bursts";
  ASSERT_EQ(source_flashes.size(), 2u) << "the source's flash frames";
  EXPECT_NEAR(source_onsets[0], 1.0, 0.001);
  EXPECT_NEAR(source_flashes[0], 24 * kFrameSeconds, 0.001);

  // Each rendition alone: audio within 5 ms (the priming is not heard: 21 ms before the
  // edit list), video within half a frame (the decode delay is not shown: 2 frames).
  for (const std::string audio : {"audio_ja", "audio_en"}) {
    EXPECT_THAT(ToneOnsets(Joined(audio)), EachNear(source_onsets, 0.005)) << audio;
  }
  EXPECT_THAT(FlashTimes(Joined("h264_240p")), EachNear(source_flashes, kFrameSeconds / 2));

  // Through the MPD (ffprobe and ffmpeg open it by absolute path), both on one clock.
  const fs::path mpd = fs::absolute(Package() / "manifest.mpd");
  EXPECT_THAT(ToneOnsets(mpd), EachNear(source_onsets, 0.005));
  EXPECT_THAT(FlashTimes(mpd), EachNear(source_flashes, kFrameSeconds / 2));
}

TEST_F(AvSyncTest, VideoDecodeTimesIncreaseAcrossChunks) {
  for (const fs::path& file : {Joined("h264_240p"), fs::absolute(Package() / "manifest.mpd")}) {
    const std::vector<double> dts = VideoDecodeTimes(file);
    ASSERT_EQ(dts.size(), 96u) << file;  // 4 s at 24000/1001 fps; chunks of 48 frames.
    for (size_t i = 1; i < dts.size(); ++i) {
      EXPECT_GT(dts[i], dts[i - 1]) << file << " packet " << i;
    }
    // A constant decode delay of 2 frames in each chunk: frame n decodes at (n - 2) frames.
    EXPECT_NEAR(dts[48] - dts[47], kFrameSeconds, 1e-4) << "across the chunk boundary";
  }
}

}  // namespace
}  // namespace atp::app
