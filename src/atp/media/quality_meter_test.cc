// The quality meter on renditions the ffmpeg CLI encodes from a testsrc2 source as HLS fMP4
// (init.mp4 + 1 s segments), and against what the CLI's own ssim and psnr filters read.
#include "atp/media/quality_meter.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "atp/testing/status_matchers.h"
#include "atp/testing/subprocess.h"
#include "atp/testing/temp_dir.h"
#include "atp/testing/test_sources.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace atp::media {
namespace {

using ::atp::testing::StatusIs;
using ::testing::DoubleNear;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

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
    bytes_read_ += static_cast<int64_t>(count);
    return count;
  }
  std::string& bytes() { return bytes_; }
  int64_t bytes_read() const { return bytes_read_; }

 private:
  std::string name_;
  std::string bytes_;
  mutable std::atomic<int64_t> bytes_read_ = 0;
};

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Runs `command` (an ffmpeg command line), failing the test when it fails; how long it took.
double RunFfmpeg(const std::string& command) {
  const auto start = std::chrono::steady_clock::now();
  const testing::CommandResult result = testing::RunCommand(command + " 2>&1");
  EXPECT_EQ(result.exit_code, 0) << command << "\n" << result.output;
  return SecondsSince(start);
}

// A rendition folder as packaging lays it out: init.mp4, then segment_NNNNN.m4s.
struct Rendition {
  std::filesystem::path folder;
  std::vector<std::unique_ptr<StringFile>> files;  // Init first, then the segments.
  std::vector<const RandomAccessFile*> parts;
  double encode_seconds = 0;  // The ffmpeg CLI's time to encode it.

  std::span<const RandomAccessFile* const> span() const { return parts; }
  int64_t size_bytes() const {
    int64_t size = 0;
    for (const auto& file : files) size += static_cast<int64_t>(file->bytes().size());
    return size;
  }
  int64_t bytes_read() const {
    int64_t read = 0;
    for (const auto& file : files) read += file->bytes_read();
    return read;
  }
  // The parts as one file in `dir`, for the ffmpeg CLI.
  std::filesystem::path Whole(testing::TempDir& dir) const {
    std::string bytes;
    for (const auto& file : files) bytes += file->bytes();
    return dir.WriteFile(folder.filename().string() + "_whole.mp4", bytes);
  }
};

std::unique_ptr<Rendition> LoadRendition(const std::filesystem::path& folder) {
  auto rendition = std::make_unique<Rendition>();
  rendition->folder = folder;
  std::vector<std::filesystem::path> segments;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (entry.path().extension() == ".m4s") segments.push_back(entry.path());
  }
  std::sort(segments.begin(), segments.end());
  segments.insert(segments.begin(), folder / "init.mp4");
  for (const std::filesystem::path& file : segments) {
    rendition->files.push_back(
        std::make_unique<StringFile>(file.string(), testing::ReadFile(file)));
    rendition->parts.push_back(rendition->files.back().get());
  }
  return rendition;
}

// Encodes `source` as an HLS fMP4 rendition of 1 s segments in `folder`: `codec_options`
// ("-c:v libx264 -crf 23") after `filter` ("scale=320:180", or empty).
std::unique_ptr<Rendition> EncodeRendition(const std::filesystem::path& source,
                                           const std::filesystem::path& folder,
                                           const std::string& codec_options,
                                           const std::string& filter = "") {
  std::filesystem::create_directories(folder);
  const double seconds = RunFfmpeg(absl::StrCat(
      "ffmpeg -v error -y -i ", source.string(), " -an ",
      filter.empty() ? "" : absl::StrCat("-vf ", filter, " "), codec_options,
      " -g 24 -keyint_min 24 -sc_threshold 0 -f hls -hls_time 1 -hls_playlist_type vod"
      " -hls_segment_type fmp4 -hls_fmp4_init_filename init.mp4 -hls_segment_filename ",
      (folder / "segment_%05d.m4s").string(), " ", (folder / "playlist.m3u8").string()));
  std::unique_ptr<Rendition> rendition = LoadRendition(folder);
  rendition->encode_seconds = seconds;
  return rendition;
}

std::unique_ptr<StringFile> LoadFile(const std::filesystem::path& file) {
  return std::make_unique<StringFile>(file.string(), testing::ReadFile(file));
}

// What the ffmpeg CLI's ssim and psnr filters sum up for `rendition` (scaled to
// `width`x`height` with bicubic) against `source` (converted to `source_format` first when
// it is not empty), over [start, start + duration) s.
QualityScore MeasureWithCli(const std::filesystem::path& rendition,
                            const std::filesystem::path& source, int width, int height,
                            double start, double duration, const std::string& source_format = "") {
  const std::string span = absl::StrFormat("-ss %g -t %g", start, duration);
  const std::string convert = source_format.empty() ? "" : "format=" + source_format + ",";
  const testing::CommandResult result = testing::RunCommand(absl::StrFormat(
      "ffmpeg -nostats -hide_banner %s -i %s %s -i %s -lavfi "
      "\"[0:v]scale=%d:%d:flags=bicubic,split[a][b];[1:v]%ssplit[c][d];[a][c]ssim;[b][d]psnr\" "
      "-f null - 2>&1",
      span, rendition.string(), span, source.string(), width, height, convert));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  QualityScore score;
  std::smatch match;
  if (std::regex_search(result.output, match, std::regex(R"(SSIM Y:([0-9.]+) .* All:([0-9.]+))"))) {
    EXPECT_TRUE(absl::SimpleAtod(match[1].str(), &score.ssim_y));
    EXPECT_TRUE(absl::SimpleAtod(match[2].str(), &score.ssim_all));
  } else {
    ADD_FAILURE() << "no SSIM line in\n" << result.output;
  }
  if (std::regex_search(result.output, match, std::regex(R"(PSNR y:([0-9.]+|inf))"))) {
    if (match[1].str() == "inf" || !absl::SimpleAtod(match[1].str(), &score.psnr_y_db)) {
      score.psnr_y_db = kIdenticalPsnrDb;
    }
  } else {
    ADD_FAILURE() << "no PSNR line in\n" << result.output;
  }
  return score;
}

std::string Describe(const QualityScore& score, bool with_frames = true) {
  std::string text = absl::StrFormat("SSIM Y %.4f All %.4f, PSNR Y %.2f dB", score.ssim_y,
                                     score.ssim_all, score.psnr_y_db);
  if (with_frames) absl::StrAppend(&text, ", ", score.frames, " frames");
  return text;
}

// A 6 s 640x360 24 fps source (testsrc2, x264 crf 10, a keyframe a second) and renditions of
// it, made once for the suite.
class QualityMeterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<testing::TempDir>();
    const std::filesystem::path source = dir_->path() / "source.mp4";
    RunFfmpeg(
        absl::StrCat("ffmpeg -v error -y -f lavfi -i testsrc2=s=640x360:r=24:d=6 -c:v libx264 "
                     "-preset veryfast -crf 10 -g 24 -pix_fmt yuv420p ",
                     source.string()));
    source_ = LoadFile(source);
    const auto encode = [&](const char* name, const std::string& options,
                            const std::string& filter = "") {
      return EncodeRendition(source, dir_->path() / name,
                             absl::StrCat("-c:v libx264 -preset veryfast ", options), filter);
    };
    lossless_ = encode("lossless", "-crf 0");
    crf23_ = encode("crf23", "-crf 23");
    crf40_ = encode("crf40", "-crf 40");
    small_crf23_ = encode("small_crf23", "-crf 23", "scale=320:180:flags=bicubic");
  }
  static void TearDownTestSuite() {
    for (std::unique_ptr<Rendition>* rendition : {&lossless_, &crf23_, &crf40_, &small_crf23_}) {
      rendition->reset();
    }
    source_.reset();
    dir_.reset();
  }

  static QualityScore Measure(const Rendition& rendition,
                              const std::vector<QualityWindow>& windows) {
    absl::StatusOr<QualityScore> score =
        MeasureRenditionQuality(*source_, rendition.span(), windows);
    EXPECT_TRUE(score.ok()) << score.status();
    return score.value_or(QualityScore{});
  }

  static inline std::unique_ptr<testing::TempDir> dir_;
  static inline std::unique_ptr<StringFile> source_;
  static inline std::unique_ptr<Rendition> lossless_;
  static inline std::unique_ptr<Rendition> crf23_;
  static inline std::unique_ptr<Rendition> crf40_;
  static inline std::unique_ptr<Rendition> small_crf23_;
};

TEST_F(QualityMeterTest, LosslessRenditionReadsIdentical) {
  // Exactly 1 also shows the frames are paired right: testsrc2 moves in every frame.
  const QualityScore score = Measure(*lossless_, SampleWindows(6.0));
  std::printf("lossless (x264 crf 0): %s\n", Describe(score).c_str());
  EXPECT_EQ(score.frames, 3 * 24);
  EXPECT_GT(score.ssim_y, 0.99);
  EXPECT_DOUBLE_EQ(score.ssim_y, 1.0);
  EXPECT_GT(score.psnr_y_db, 45);
  EXPECT_DOUBLE_EQ(score.psnr_y_db, kIdenticalPsnrDb);
}

TEST_F(QualityMeterTest, HigherCrfReadsLower) {
  const QualityScore lossless = Measure(*lossless_, SampleWindows(6.0));
  const QualityScore crf23 = Measure(*crf23_, SampleWindows(6.0));
  const QualityScore crf40 = Measure(*crf40_, SampleWindows(6.0));
  std::printf("crf 23: %s\ncrf 40: %s\n", Describe(crf23).c_str(), Describe(crf40).c_str());
  EXPECT_EQ(crf40.frames, 3 * 24);
  EXPECT_LT(crf23.ssim_y, lossless.ssim_y - 0.001);
  EXPECT_LT(crf40.ssim_y, crf23.ssim_y - 0.02);
  EXPECT_LT(crf40.ssim_all, crf23.ssim_all - 0.02);
  EXPECT_LT(crf23.psnr_y_db, lossless.psnr_y_db - 20);
  EXPECT_LT(crf40.psnr_y_db, crf23.psnr_y_db - 5);
}

TEST_F(QualityMeterTest, DownscaledRenditionReadsLowerThanFullSize) {
  const QualityScore full = Measure(*crf23_, SampleWindows(6.0));
  const QualityScore small = Measure(*small_crf23_, SampleWindows(6.0));
  std::printf("640x360 crf 23: %s\n320x180 crf 23 (scaled up): %s\n", Describe(full).c_str(),
              Describe(small).c_str());
  EXPECT_EQ(small.frames, 3 * 24);
  EXPECT_LT(small.ssim_y, full.ssim_y - 0.02);
  EXPECT_LT(small.psnr_y_db, full.psnr_y_db - 3);
}

TEST_F(QualityMeterTest, AgreesWithTheFfmpegCli) {
  const std::filesystem::path source = dir_->path() / "source.mp4";
  for (const Rendition* rendition : {crf23_.get(), crf40_.get(), small_crf23_.get()}) {
    const std::filesystem::path whole = rendition->Whole(*dir_);
    for (const QualityWindow& window : std::vector<QualityWindow>{{0, 6}, {2, 1}, {4.5, 1.5}}) {
      const QualityScore ours = Measure(*rendition, {window});
      const QualityScore cli =
          MeasureWithCli(whole, source, 640, 360, window.start_seconds, window.duration_seconds);
      std::printf("%-12s [%g, %g) s  atp: %s\n%28s CLI: %s\n", rendition->folder.filename().c_str(),
                  window.start_seconds, window.start_seconds + window.duration_seconds,
                  Describe(ours).c_str(), "", Describe(cli, /*with_frames=*/false).c_str());
      const std::string where =
          absl::StrCat(rendition->folder.filename().string(), " at ", window.start_seconds);
      EXPECT_EQ(ours.frames, std::lround(window.duration_seconds * 24)) << where;
      EXPECT_THAT(ours.ssim_y, DoubleNear(cli.ssim_y, 0.005)) << where;
      EXPECT_THAT(ours.ssim_all, DoubleNear(cli.ssim_all, 0.005)) << where;
      EXPECT_THAT(ours.psnr_y_db, DoubleNear(cli.psnr_y_db, 0.5)) << where;
    }
  }
}

TEST_F(QualityMeterTest, WindowsAreCutAtTheSourcesEnd) {
  // [5.5, 7.5) is cut to [5.5, 6): 12 frames.
  const QualityScore cut = Measure(*crf23_, {{5.5, 2.0}});
  EXPECT_EQ(cut.frames, 12);
  // A window starting at or after the end is an error, not skipped.
  const std::vector<QualityWindow> past = {{0, 1}, {6.0, 1}};
  EXPECT_THAT(MeasureRenditionQuality(*source_, crf23_->span(), past),
              StatusIs(absl::StatusCode::kOutOfRange, HasSubstr("starts at or after")));
  const std::vector<QualityWindow> negative = {{-1, 1}};
  EXPECT_THAT(MeasureRenditionQuality(*source_, crf23_->span(), negative),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MeasureRenditionQuality(*source_, crf23_->span(), std::vector<QualityWindow>{}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MeasureRenditionQuality(*source_, {}, SampleWindows(6.0)),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(QualityMeterTest, WindowOrderAndThreadsDoNotChangeTheFigures) {
  const std::vector<QualityWindow> forward = SampleWindows(6.0);
  const std::vector<QualityWindow> backward(forward.rbegin(), forward.rend());
  const QualityScore a = Measure(*crf40_, forward);
  const QualityScore b = Measure(*crf40_, backward);
  EXPECT_EQ(a.frames, b.frames);
  EXPECT_NEAR(a.ssim_y, b.ssim_y, 1e-9);
  EXPECT_NEAR(a.psnr_y_db, b.psnr_y_db, 1e-9);
  ASSERT_OK_AND_ASSIGN(const QualityScore threaded,
                       MeasureRenditionQuality(*source_, crf40_->span(), forward, {.threads = 2}));
  EXPECT_EQ(threaded.frames, a.frames);
  EXPECT_NEAR(threaded.ssim_y, a.ssim_y, 1e-6);
  EXPECT_NEAR(threaded.ssim_all, a.ssim_all, 1e-6);
  EXPECT_NEAR(threaded.psnr_y_db, a.psnr_y_db, 1e-6);
}

// An audio-only rendition of 6 s in `folder`.
std::unique_ptr<Rendition> EncodeAudioRendition(const std::filesystem::path& folder) {
  std::filesystem::create_directories(folder);
  RunFfmpeg(absl::StrCat(
      "ffmpeg -v error -y -f lavfi -i sine=d=6 -c:a aac -f hls -hls_time 1 "
      "-hls_playlist_type vod -hls_segment_type fmp4 -hls_fmp4_init_filename "
      "init.mp4 -hls_segment_filename ",
      (folder / "segment_%05d.m4s").string(), " ", (folder / "playlist.m3u8").string()));
  return LoadRendition(folder);
}

// The renditions of a ladder measured together read the source once, and each reads what it
// reads measured alone, to the last bit.
TEST_F(QualityMeterTest, RenditionsMeasuredTogetherReadWhatEachReadsAlone) {
  const std::vector<QualityWindow> windows = SampleWindows(6.0);
  const std::vector<const Rendition*> ladder = {lossless_.get(), crf23_.get(), crf40_.get(),
                                                small_crf23_.get()};
  std::vector<RenditionParts> renditions;
  for (const Rendition* rendition : ladder) renditions.push_back(rendition->parts);
  const int64_t before = source_->bytes_read();
  ASSERT_OK_AND_ASSIGN(const std::vector<absl::StatusOr<QualityScore>> together,
                       MeasureRenditionsQuality(*source_, renditions, windows, {.threads = 2}));
  const int64_t read_together = source_->bytes_read() - before;
  ASSERT_EQ(together.size(), ladder.size());
  int64_t read_alone = 0;
  for (size_t i = 0; i < ladder.size(); ++i) {
    const int64_t start = source_->bytes_read();
    ASSERT_OK_AND_ASSIGN(const QualityScore alone,
                         MeasureRenditionQuality(*source_, ladder[i]->span(), windows));
    if (i == 0) read_alone = source_->bytes_read() - start;
    ASSERT_OK(together[i].status()) << ladder[i]->folder;
    EXPECT_EQ(*together[i], alone) << ladder[i]->folder << ": " << Describe(*together[i])
                                   << " together, " << Describe(alone) << " alone";
  }
  std::printf("source bytes read: %lld for %zu renditions together, %lld for one alone\n",
              static_cast<long long>(read_together), ladder.size(),
              static_cast<long long>(read_alone));
  EXPECT_LT(read_together, 2 * read_alone);
}

// A rendition that cannot be measured has its own error; the others are measured as alone.
TEST_F(QualityMeterTest, ARenditionsErrorIsItsOwnWhenMeasuredTogether) {
  std::unique_ptr<Rendition> broken = LoadRendition(crf23_->folder);
  std::string& bytes = broken->files[3]->bytes();  // segment_00002.m4s, in the window at 2.5 s.
  const size_t mdat = bytes.find("mdat");
  ASSERT_NE(mdat, std::string::npos);
  std::fill(bytes.begin() + mdat + 4, bytes.end(), '\xff');
  const std::unique_ptr<Rendition> audio = EncodeAudioRendition(dir_->path() / "audio_together");
  const std::vector<RenditionParts> renditions = {broken->parts, crf40_->parts, audio->parts, {}};
  const std::vector<QualityWindow> windows = SampleWindows(6.0);
  ASSERT_OK_AND_ASSIGN(const std::vector<absl::StatusOr<QualityScore>> scores,
                       MeasureRenditionsQuality(*source_, renditions, windows, {.threads = 2}));
  ASSERT_EQ(scores.size(), 4u);
  EXPECT_THAT(scores[0], StatusIs(absl::StatusCode::kDataLoss, HasSubstr("segment_00002.m4s")));
  ASSERT_OK(scores[1].status());
  EXPECT_EQ(*scores[1], Measure(*crf40_, windows));
  EXPECT_THAT(scores[2],
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("has no video stream")));
  EXPECT_THAT(scores[3], StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no rendition")));
  // What fails every rendition fails the whole.
  EXPECT_THAT(MeasureRenditionsQuality(*source_, renditions, std::vector<QualityWindow>{{7, 1}}),
              StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(MeasureRenditionsQuality(*source_, {}, windows),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(QualityMeterTest, RenditionWithoutVideoIsInvalidArgument) {
  const std::unique_ptr<Rendition> audio = EncodeAudioRendition(dir_->path() / "audio");
  EXPECT_THAT(MeasureRenditionQuality(*source_, audio->span(), SampleWindows(6.0)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("has no video stream")));
}

TEST_F(QualityMeterTest, RenditionMissingItsLastSegmentsIsDataLoss) {
  // Init and the first 3 segments: nothing after 3 s.
  const std::span<const RandomAccessFile* const> parts = crf23_->span().first(4);
  ASSERT_OK_AND_ASSIGN(
      QualityScore early,
      MeasureRenditionQuality(*source_, parts, std::vector<QualityWindow>{{1, 1}}));
  EXPECT_EQ(early.frames, 24);
  EXPECT_THAT(MeasureRenditionQuality(*source_, parts, SampleWindows(6.0)),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("no video frame in [5.000 s")));
}

TEST_F(QualityMeterTest, UndecodableSegmentIsDataLossNamingIt) {
  // Segment 2's samples (its mdat payload) overwritten with 0xff: NAL lengths past the end.
  std::unique_ptr<Rendition> broken = LoadRendition(crf23_->folder);
  std::string& bytes = broken->files[3]->bytes();
  const size_t mdat = bytes.find("mdat");
  ASSERT_NE(mdat, std::string::npos);
  std::fill(bytes.begin() + mdat + 4, bytes.end(), '\xff');
  EXPECT_THAT(MeasureRenditionQuality(*source_, broken->span(), std::vector<QualityWindow>{{2, 1}}),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("segment_00002.m4s")));
}

TEST_F(QualityMeterTest, SegmentWithoutAFragmentIsDataLossNamingIt) {
  std::unique_ptr<Rendition> broken = LoadRendition(crf23_->folder);
  broken->files[2]->bytes().resize(100);  // segment_00001.m4s: its moof cut short.
  EXPECT_THAT(MeasureRenditionQuality(*source_, broken->span(), SampleWindows(6.0)),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("segment_00001.m4s: not an fMP4 media segment")));
}

// A rendition of 20 segments measured on one window reads the init segment, the first
// segment (where its times start) and the 3 segments around the window, the fragment
// headers of the others only; read whole, as one MP4, it measures the same.
TEST(QualityMeter, ReadsOnlyTheSegmentsAroundEachWindow) {
  testing::TempDir dir;
  const std::filesystem::path source = dir.path() / "source.mp4";
  RunFfmpeg(
      absl::StrCat("ffmpeg -v error -y -f lavfi -i testsrc2=s=320x180:r=24:d=20 -c:v "
                   "libx264 -preset veryfast -crf 10 -g 24 -pix_fmt yuv420p ",
                   source.string()));
  const std::unique_ptr<StringFile> file = LoadFile(source);
  const std::unique_ptr<Rendition> rendition =
      EncodeRendition(source, dir.path() / "rendition", "-c:v libx264 -preset veryfast -crf 30");
  ASSERT_EQ(rendition->parts.size(), 21u);
  const std::vector<QualityWindow> window = {{10.2, 1}};
  ASSERT_OK_AND_ASSIGN(const QualityScore in_part,
                       MeasureRenditionQuality(*file, rendition->span(), window));
  std::printf("read %lld of the rendition's %lld bytes\n",
              static_cast<long long>(rendition->bytes_read()),
              static_cast<long long>(rendition->size_bytes()));
  EXPECT_LT(rendition->bytes_read(), rendition->size_bytes() * 6 / 20);

  const std::unique_ptr<StringFile> whole = LoadFile(rendition->Whole(dir));
  const std::vector<const RandomAccessFile*> one_part = {whole.get()};
  ASSERT_OK_AND_ASSIGN(const QualityScore read_whole,
                       MeasureRenditionQuality(*file, one_part, window));
  EXPECT_EQ(in_part.frames, 24);
  EXPECT_EQ(in_part, read_whole);
}

TEST(SampleWindows, SpreadsWindowsThatFitWhole) {
  struct Case {
    double duration;
    std::vector<QualityWindow> expected;
  };
  for (const Case& c : std::vector<Case>{
           {60, {{0, 1}, {29.5, 1}, {59, 1}}},
           {6, {{0, 1}, {2.5, 1}, {5, 1}}},
           {3, {{0, 1}, {1, 1}, {2, 1}}},
           {2.5, {{0, 1}, {1.5, 1}}},
           {1.5, {{0.25, 1}}},
           {1, {{0, 1}}},
           {0.4, {{0, 0.4}}},
           {0, {}},
       }) {
    EXPECT_THAT(SampleWindows(c.duration), ElementsAreArray(c.expected)) << c.duration;
  }
  EXPECT_THAT(SampleWindows(60, 1), ElementsAreArray(std::vector<QualityWindow>{{29.5, 1}}));
  EXPECT_THAT(SampleWindows(60, 2, 2),
              ElementsAreArray(std::vector<QualityWindow>{{0, 2}, {58, 2}}));
  EXPECT_TRUE(SampleWindows(60, 0).empty());
}

// A 25 fps interlaced source deinterlaced to 50 fps (bwdif, a frame per field): compared with
// the source through the same chain it reads identical; without it, each source frame stands
// in for two rendition frames (nearest presentation time) and reads clearly lower.
TEST(QualityMeter, ComparesWithTheSourceThroughItsFilterChain) {
  testing::TempDir dir;
  const std::filesystem::path source = dir.path() / "interlaced.mp4";
  RunFfmpeg(
      absl::StrCat("ffmpeg -v error -y ", testing::MovingEdgeInput(640, 360, "50", 3),
                   " -vf interlace -c:v libx264 -preset veryfast -crf 10 -g 25 -pix_fmt yuv420p ",
                   source.string()));
  const char* chain = "bwdif=mode=send_field:deint=all";
  const std::unique_ptr<Rendition> rendition = EncodeRendition(
      source, dir.path() / "deinterlaced", "-c:v libx264 -preset veryfast -crf 0", chain);
  const std::unique_ptr<StringFile> file = LoadFile(source);
  const std::vector<QualityWindow> windows = SampleWindows(3.0);
  ASSERT_OK_AND_ASSIGN(
      const QualityScore through,
      MeasureRenditionQuality(*file, rendition->span(), windows, {.source_filter_chain = chain}));
  ASSERT_OK_AND_ASSIGN(const QualityScore raw,
                       MeasureRenditionQuality(*file, rendition->span(), windows));
  std::printf("deinterlaced 50p vs 25i source through bwdif: %s\n  without the chain: %s\n",
              Describe(through).c_str(), Describe(raw).c_str());
  EXPECT_EQ(through.frames, 3 * 50);
  EXPECT_EQ(raw.frames, 3 * 50);
  EXPECT_GT(through.ssim_y, 0.999);
  EXPECT_LT(raw.ssim_y, through.ssim_y - 0.01);
}

// A 10-bit 4:2:2 source, as partners deliver ProRes, is converted to the renditions' 8-bit
// 4:2:0 once for all of them, by libswscale as the ffmpeg CLI's format filter converts it:
// each rendition reads what the CLI reads, and the same together as alone.
TEST(QualityMeter, TenBitFourTwoTwoSourceIsConvertedAsTheCliConvertsIt) {
  testing::TempDir dir;
  const std::filesystem::path source = dir.path() / "prores.mov";
  RunFfmpeg(absl::StrCat(
      "ffmpeg -v error -y -f lavfi -i testsrc2=s=640x360:r=24:d=3 -c:v prores_ks -profile:v 3 "
      "-pix_fmt yuv422p10le ",
      source.string()));
  const std::unique_ptr<StringFile> file = LoadFile(source);
  const std::string x264 = "-c:v libx264 -preset veryfast -crf 23 -pix_fmt yuv420p";
  const std::unique_ptr<Rendition> full = EncodeRendition(source, dir.path() / "full", x264);
  const std::unique_ptr<Rendition> small =
      EncodeRendition(source, dir.path() / "small", x264, "scale=320:180:flags=bicubic");
  const std::vector<QualityWindow> whole = {{0, 3}};
  ASSERT_OK_AND_ASSIGN(
      const std::vector<absl::StatusOr<QualityScore>> together,
      MeasureRenditionsQuality(*file, std::vector<RenditionParts>{full->parts, small->parts}, whole,
                               {.threads = 2}));
  for (size_t i = 0; i < 2; ++i) {
    const Rendition& rendition = i == 0 ? *full : *small;
    ASSERT_OK(together[i].status());
    ASSERT_OK_AND_ASSIGN(const QualityScore alone,
                         MeasureRenditionQuality(*file, rendition.span(), whole));
    EXPECT_EQ(*together[i], alone) << rendition.folder;
    const QualityScore cli =
        MeasureWithCli(rendition.Whole(dir), source, 640, 360, 0, 3, "yuv420p");
    std::printf("%s of a ProRes 4:2:2 10-bit source: atp %s\n%34s CLI %s\n",
                rendition.folder.filename().c_str(), Describe(alone).c_str(), "",
                Describe(cli, /*with_frames=*/false).c_str());
    EXPECT_EQ(alone.frames, 72);
    EXPECT_THAT(alone.ssim_y, DoubleNear(cli.ssim_y, 0.0001)) << rendition.folder;
    EXPECT_THAT(alone.ssim_all, DoubleNear(cli.ssim_all, 0.0001)) << rendition.folder;
    EXPECT_THAT(alone.psnr_y_db, DoubleNear(cli.psnr_y_db, 0.01)) << rendition.folder;
  }
}

// What the check costs: 3 windows of 1 s against encoding the rung, on a 1280x720 source of
// 12 s (the figures are printed, not asserted).
TEST(QualityMeter, CostOfThreeWindowsAgainstEncodingTheRung) {
  testing::TempDir dir;
  const std::filesystem::path source = dir.path() / "source.mp4";
  RunFfmpeg(
      absl::StrCat("ffmpeg -v error -y -f lavfi -i testsrc2=s=1280x720:r=24:d=12 -c:v libx264 "
                   "-preset veryfast -crf 12 -g 48 -pix_fmt yuv420p ",
                   source.string()));
  const std::unique_ptr<StringFile> file = LoadFile(source);
  for (const std::string size : {"1280:720", "640:360"}) {
    const std::unique_ptr<Rendition> rendition =
        EncodeRendition(source, dir.path() / size, "-c:v libx264 -preset veryfast -crf 21",
                        absl::StrCat("scale=", size, ":flags=bicubic"));
    const int64_t source_read_before = file->bytes_read();
    const auto start = std::chrono::steady_clock::now();
    ASSERT_OK_AND_ASSIGN(const QualityScore score,
                         MeasureRenditionQuality(*file, rendition->span(), SampleWindows(12.0)));
    const double measure_seconds = SecondsSince(start);
    // Measuring does not grow with the duration, encoding does: the measure is worth this
    // many seconds of the rung's encoding.
    const double encode_per_second = rendition->encode_seconds / 12;
    std::printf(
        "cost, %s rung of a 12 s 1280x720 source: encoding %.2f s (ffmpeg CLI, x264 veryfast: "
        "%.2f s per second of media); 3 x 1 s windows %.2f s (%.0f%% of this encode, the "
        "encoding of %.1f s of media); read %lld of %lld rendition bytes, %lld of %zu source "
        "bytes; %s\n",
        size.c_str(), rendition->encode_seconds, encode_per_second, measure_seconds,
        100 * measure_seconds / rendition->encode_seconds, measure_seconds / encode_per_second,
        static_cast<long long>(rendition->bytes_read()),
        static_cast<long long>(rendition->size_bytes()),
        static_cast<long long>(file->bytes_read() - source_read_before), file->bytes().size(),
        Describe(score).c_str());
  }
}

}  // namespace
}  // namespace atp::media
