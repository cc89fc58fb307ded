#include "atp/media/demuxer_input.h"

#include <cstring>
#include <string>

#include "atp/media/probe.h"
#include "atp/testing/status_matchers.h"
#include "atp/testing/subprocess.h"
#include "atp/testing/temp_dir.h"
#include "gtest/gtest.h"

namespace atp::media {
namespace {

using ::atp::testing::StatusIs;

// Bytes in memory, read as a RandomAccessFile.
class StringFile : public RandomAccessFile {
 public:
  StringFile(std::string name, std::string bytes)
      : name_(std::move(name)), bytes_(std::move(bytes)) {}
  const std::string& name() const override { return name_; }
  absl::StatusOr<int64_t> Size() const override { return static_cast<int64_t>(bytes_.size()); }
  absl::StatusOr<size_t> ReadAt(int64_t offset, char* buffer, size_t size) const override {
    if (offset >= static_cast<int64_t>(bytes_.size())) return 0;
    const size_t count = std::min(size, bytes_.size() - static_cast<size_t>(offset));
    std::memcpy(buffer, bytes_.data() + offset, count);
    return count;
  }

 private:
  std::string name_;
  std::string bytes_;
};

TEST(OpenDemuxer, ReadsAMovieThroughTheFile) {
  testing::TempDir dir;
  const std::filesystem::path movie = dir.path() / "clip.mp4";
  ASSERT_EQ(testing::RunCommand("ffmpeg -v error -f lavfi -i testsrc=d=1:s=320x240:r=24 "
                                "-c:v libx264 " +
                                movie.string())
                .exit_code,
            0);
  const StringFile file("clip.mp4", testing::ReadFile(movie));
  ASSERT_OK_AND_ASSIGN(SourceInfo info, ProbeMedia(file));
  EXPECT_EQ(info.width, 320);
  EXPECT_EQ(info.video_codec_name, "h264");
}

// A "mezzanine" that is a playlist naming a real video elsewhere: the demuxer must not open
// it (that would encode bytes no checksum covers, from outside the input root).
TEST(OpenDemuxer, OpensNoOtherFileThanItsOwn) {
  testing::TempDir dir;
  const std::filesystem::path outside = dir.path() / "outside.ts";
  ASSERT_EQ(testing::RunCommand("ffmpeg -v error -f lavfi -i testsrc=d=2:s=320x240:r=24 "
                                "-c:v libx264 -f mpegts " +
                                outside.string())
                .exit_code,
            0);
  const std::string playlist =
      "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\n" + outside.string() + "\n#EXT-X-ENDLIST\n";
  const StringFile file("mezzanine.m3u8", playlist);
  EXPECT_THAT(ProbeMedia(file), StatusIs(absl::StatusCode::kInvalidArgument));
  // The same playlist opened by path (how atp reads files it wrote itself) does follow it:
  // the refusal above is the custom I/O's, not the playlist's fault.
  EXPECT_TRUE(ProbeMedia(dir.WriteFile("playlist.m3u8", playlist)).ok());
}

}  // namespace
}  // namespace atp::media
