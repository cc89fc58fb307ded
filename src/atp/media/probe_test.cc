#include "atp/media/probe.h"

#include <cstdlib>
#include <fstream>

#include "atp/media/sample_writer.h"
#include "atp/testing/status_matchers.h"
#include "atp/testing/temp_dir.h"
#include "gtest/gtest.h"

namespace atp::media {
namespace {

namespace fs = std::filesystem;
using ::atp::testing::StatusIs;
using ::testing::HasSubstr;

TEST(ProbeMedia, MissingFileIsNotFound) {
  testing::TempDir dir;
  EXPECT_THAT(ProbeMedia(dir.path() / "absent.mov"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("absent.mov")));
}

TEST(ProbeMedia, JunkIsInvalidArgument) {
  testing::TempDir dir;
  std::string junk(65536, '\0');
  for (size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<char>((i * 2654435761u) >> 13);
  auto file = dir.WriteFile("junk.mov", junk);
  EXPECT_THAT(ProbeMedia(file), StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("not a media file libavformat can read")));
}

TEST(ProbeMedia, AudioOnlyFileHasNoVideoStream) {
  testing::TempDir dir;
  const fs::path file = dir.path() / "audio.m4a";
  const std::string command =
      "ffmpeg -nostdin -loglevel error -f lavfi -i sine=duration=1 " + file.string();
  ASSERT_EQ(std::system(command.c_str()), 0);
  EXPECT_THAT(ProbeMedia(file),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("has no video stream")));
}

// A QuickTime file whose audio (PCM: no encoder delay) starts 40 ms after its video (an
// empty edit): the streams' start times say so.
TEST(ProbeMedia, StreamStartTimesGiveTheAudioOffset) {
  testing::TempDir dir;
  const fs::path file = dir.path() / "late-audio.mov";
  const std::string command =
      "ffmpeg -nostdin -loglevel error -f lavfi -i testsrc2=size=160x120:rate=25:duration=1 "
      "-itsoffset 0.04 -f lavfi -i sine=duration=1:sample_rate=48000 -c:v libx264 -bf 0 "
      "-c:a pcm_s16le -f mov " +
      file.string();
  ASSERT_EQ(std::system(command.c_str()), 0);
  ASSERT_OK_AND_ASSIGN(const SourceInfo info, ProbeMedia(file));
  ASSERT_EQ(info.audio_streams.size(), 1u);
  EXPECT_EQ(info.video_start_time_us, 0);
  EXPECT_EQ(info.audio_streams[0].start_time_us, 40000);
  EXPECT_DOUBLE_EQ(info.audio_offset_seconds(), 0.04);
}

// A mezzanine cut short in transfer: the probe must answer, never crash.
TEST(ProbeMedia, TruncatedFilesGiveAnAnswerOrAClearError) {
  testing::TempDir dir;
  SampleOptions options;
  options.duration_seconds = 1;
  options.width = 128;
  options.height = 96;
  for (SampleCodec codec : {SampleCodec::kProRes, SampleCodec::kH264}) {
    const fs::path file = dir.path() / (codec == SampleCodec::kProRes ? "s.mov" : "s.mp4");
    options.codec = codec;
    ASSERT_OK(WriteSampleMezzanine(options, file));
    for (double fraction : {0.01, 0.5, 0.99}) {
      const uintmax_t size = fs::file_size(file);
      fs::copy_file(file, dir.path() / "cut", fs::copy_options::overwrite_existing);
      fs::resize_file(dir.path() / "cut", static_cast<uintmax_t>(size * fraction));
      absl::StatusOr<SourceInfo> info = ProbeMedia(dir.path() / "cut");
      if (!info.ok()) {
        EXPECT_EQ(info.status().code(), absl::StatusCode::kInvalidArgument) << info.status();
      }
    }
  }
}

}  // namespace
}  // namespace atp::media
