// atp/app/replaced_mezzanine_fixture.h
//
// Test fixture: a generated delivery whose mezzanine a test replaces with a file the ffmpeg
// command-line tool makes (the sources partners deliver), the manifest then rewritten to
// describe the new file, and the atp binary run on it.
#ifndef ATP_APP_REPLACED_MEZZANINE_FIXTURE_H_
#define ATP_APP_REPLACED_MEZZANINE_FIXTURE_H_

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "atp/media/probe.h"
#include "atp/storage/file_digest.h"
#include "atp/testing/subprocess.h"
#include "atp/testing/temp_dir.h"
#include "gtest/gtest.h"

namespace atp::app {

inline const std::string kAtp = ATP_BINARY;

// A generated delivery (2 s, 426x240 H.264/AAC, ja + en) in its own folder.
class ReplacedMezzanineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const testing::CommandResult sample = testing::RunCommand(
        kAtp + " sample --out " + in_.string() + " --duration 2 --size 426x240 --codec h264 2>&1");
    ASSERT_EQ(sample.exit_code, 0) << sample.output;
  }

  std::filesystem::path Mezzanine() const { return in_ / "mezzanines/atp-sample/s01e01.mp4"; }
  std::filesystem::path Manifest() const { return in_ / "atp-sample-s01e01-sample.xml"; }

  // Rewrites the manifest's size, checksums and (when the file can be probed) duration,
  // resolution and frame rate to those of the mezzanine as it is now: the delivery is then
  // consistent but for its media. A `frame_rate` > 0 is written instead of the probed one.
  void DescribeMezzanineAsItIs(double frame_rate = 0) {
    const absl::StatusOr<storage::FileDigest> digest = storage::DigestFile(Mezzanine());
    ASSERT_TRUE(digest.ok()) << digest.status();
    std::string xml = testing::ReadFile(Manifest());
    Replace(xml, "ChecksumMD5", digest->md5_hex);
    Replace(xml, "ChecksumXXHash", digest->xxh64_hex);
    Replace(xml, "FileSizeBytes", std::to_string(digest->size_bytes));
    if (absl::StatusOr<SourceInfo> source = media::ProbeMedia(Mezzanine()); source.ok()) {
      Replace(xml, "DurationSeconds", absl::StrFormat("%.3f", source->duration_seconds()));
      Replace(xml, "ResolutionWidth", std::to_string(source->width));
      Replace(xml, "ResolutionHeight", std::to_string(source->height));
      Replace(xml, "FrameRate",
              absl::StrFormat("%.3f", frame_rate > 0 ? frame_rate : source->frame_rate.ToDouble()));
    }
    std::ofstream(Manifest(), std::ios::trunc) << xml;
  }

  // Sets every <element> of `xml` to `value`.
  static void Replace(std::string& xml, const std::string& element, const std::string& value) {
    const std::string open = "<" + element + ">";
    for (size_t at = xml.find(open); at != std::string::npos; at = xml.find(open, at + 1)) {
      const size_t begin = at + open.size();
      xml.replace(begin, xml.find('<', begin) - begin, value);
    }
  }

  // Makes the mezzanine with `ffmpeg -y <inputs and options> <mezzanine>` and describes it.
  void MakeMezzanine(const std::string& ffmpeg_inputs_and_options, double frame_rate = 0) {
    const testing::CommandResult made = testing::RunCommand(
        "ffmpeg -v error -y " + ffmpeg_inputs_and_options + " " + Mezzanine().string() + " 2>&1");
    ASSERT_EQ(made.exit_code, 0) << made.output;
    DescribeMezzanineAsItIs(frame_rate);
  }

  // Runs `atp <global options> <command> <manifest> [--out <dir>/out]`.
  testing::CommandResult RunAtp(const std::string& command,
                                const std::string& global_options = "") const {
    std::string line = kAtp + " " + global_options + " " + command + " " + Manifest().string();
    if (command != "check") line += " --out " + Out().string();
    return testing::RunCommand(line + " 2>&1");
  }

  std::filesystem::path Out() const { return dir_.path() / "out"; }

  // The one package published under Out().
  std::filesystem::path Package() const {
    for (const auto& entry : std::filesystem::recursive_directory_iterator(Out())) {
      if (entry.path().filename() == "master.m3u8") return entry.path().parent_path();
    }
    ADD_FAILURE() << "nothing published under " << Out();
    return Out();
  }

  // The rendition `name` of the package as one file: its init segment, then its media
  // segments in order.
  std::filesystem::path Joined(const std::string& name) const {
    const std::filesystem::path folder = Package() / name;
    std::vector<std::filesystem::path> segments;
    for (const auto& entry : std::filesystem::directory_iterator(folder)) {
      if (entry.path().extension() == ".m4s") segments.push_back(entry.path());
    }
    std::sort(segments.begin(), segments.end());
    const std::filesystem::path joined = dir_.path() / (name + ".mp4");
    std::ofstream out(joined, std::ios::binary | std::ios::trunc);
    out << testing::ReadFile(folder / "init.mp4");
    for (const std::filesystem::path& segment : segments) out << testing::ReadFile(segment);
    return joined;
  }

  testing::TempDir dir_;
  std::filesystem::path in_ = dir_.path() / "in";
};

}  // namespace atp::app

#endif  // ATP_APP_REPLACED_MEZZANINE_FIXTURE_H_
