// The mezzanine formats partners deliver (ProRes, DNxHR, 8- and 10-bit H.264, 4:2:0 and
// 4:2:2), each made by the ffmpeg CLI and transcoded by `atp transcode`, judged on the decoded
// output: the top rung is 8-bit 4:2:0 at the source's size, and ffmpeg's psnr and ssim filters
// find the source's picture in it, luma and both chroma planes.
#include <ostream>
#include <regex>
#include <string>

#include "absl/strings/ascii.h"
#include "atp/app/replaced_mezzanine_fixture.h"
#include "gmock/gmock.h"

namespace atp::app {
namespace {

struct SourceFormat {
  std::string name;
  std::string video_options;  // ffmpeg's, for a 1280x720 picture.
  std::string pixel_format;   // What the mezzanine decodes to.
};

std::ostream& operator<<(std::ostream& out, const SourceFormat& format) {
  return out << format.name;
}

// Per plane (y, u, v) figures of one of ffmpeg's comparison filters.
struct PlaneFigures {
  double y = 0;
  double u = 0;
  double v = 0;
};

class SourceFormatTest : public ReplacedMezzanineTest,
                         public ::testing::WithParamInterface<SourceFormat> {
 protected:
  // ffmpeg's `filter` (psnr or ssim) of `rendition` against the mezzanine, made yuv420p by
  // ffmpeg for the comparison, over every frame.
  PlaneFigures Compare(const std::filesystem::path& rendition, const std::string& filter) const {
    const testing::CommandResult result = testing::RunCommand(
        "ffmpeg -nostats -hide_banner -i " + rendition.string() + " -i " + Mezzanine().string() +
        " -lavfi '[1:v]format=yuv420p[source];[0:v][source]" + filter + "' -f null - 2>&1");
    EXPECT_EQ(result.exit_code, 0) << result.output;
    // "PSNR y:41.2 u:44.0 v:44.9 average:..." / "SSIM Y:0.98 (17.5) U:0.99 (20.1) V:...".
    static const std::regex kFigures(
        "[yY]:([0-9.]+)(?: \\([0-9.inf]+\\))? [uU]:([0-9.]+)(?: \\([0-9.inf]+\\))? "
        "[vV]:([0-9.]+)");
    std::smatch match;
    if (!std::regex_search(result.output, match, kFigures)) {
      ADD_FAILURE() << result.output;
      return {};
    }
    return {std::stod(match[1]), std::stod(match[2]), std::stod(match[3])};
  }

  // "width,height,pixel format" of the first video stream.
  std::string ProbedPixelFormat(const std::filesystem::path& file) const {
    const testing::CommandResult probed = testing::RunCommand(
        "ffprobe -v error -select_streams v:0 -show_entries stream=pix_fmt,width,height -of "
        "csv=p=0 " +
        file.string());
    EXPECT_EQ(probed.exit_code, 0) << probed.output;
    return std::string(absl::StripAsciiWhitespace(probed.output));
  }
};

TEST_P(SourceFormatTest, TheTopRungIsTheSourcesPicture) {
  const SourceFormat& format = GetParam();
  MakeMezzanine(
      "-f lavfi -i testsrc2=d=2:s=1280x720:r=24000/1001 -f lavfi -i sine=d=2 "
      "-f lavfi -i sine=f=500:d=2 -map 0 -map 1 -map 2 " +
      format.video_options + " -c:a pcm_s16le -f mov");
  ASSERT_EQ(ProbedPixelFormat(Mezzanine()), "1280,720," + format.pixel_format);

  const testing::CommandResult transcoded = RunAtp("transcode");
  ASSERT_EQ(transcoded.exit_code, 0) << transcoded.output;
  const std::filesystem::path top = Joined("h264_720p");
  EXPECT_EQ(ProbedPixelFormat(top), "1280,720,yuv420p");
  // Measured: PSNR 37.6 (DNxHR, whose own coding noise costs x264 bits) to 46.5 dB in luma,
  // 43.4 to 45 dB in chroma, SSIM 0.985 to 0.998; a plane read from the wrong rows, bit depth
  // or plane falls far below.
  const PlaneFigures psnr = Compare(top, "psnr");
  EXPECT_GT(psnr.y, 35);
  EXPECT_GT(psnr.u, 40);
  EXPECT_GT(psnr.v, 40);
  const PlaneFigures ssim = Compare(top, "ssim");
  EXPECT_GT(ssim.y, 0.97);
  EXPECT_GT(ssim.u, 0.98);
  EXPECT_GT(ssim.v, 0.98);
}

INSTANTIATE_TEST_SUITE_P(
    Mezzanines, SourceFormatTest,
    ::testing::Values(
        SourceFormat{"ProRes422Hq", "-c:v prores_ks -profile:v 3", "yuv422p10le"},
        SourceFormat{"DnxhrHq8Bit", "-c:v dnxhd -profile:v dnxhr_hq -pix_fmt yuv422p", "yuv422p"},
        SourceFormat{"DnxhrHqx10Bit", "-c:v dnxhd -profile:v dnxhr_hqx -pix_fmt yuv422p10le",
                     "yuv422p10le"},
        SourceFormat{"H264High10", "-c:v libx264 -preset ultrafast -crf 12 -pix_fmt yuv420p10le",
                     "yuv420p10le"},
        SourceFormat{"H264High422", "-c:v libx264 -preset ultrafast -crf 12 -pix_fmt yuv422p10le",
                     "yuv422p10le"},
        SourceFormat{"H264High8Bit", "-c:v libx264 -preset ultrafast -crf 12 -pix_fmt yuv420p",
                     "yuv420p"}),
    [](const ::testing::TestParamInfo<SourceFormat>& info) { return info.param.name; });

}  // namespace
}  // namespace atp::app
