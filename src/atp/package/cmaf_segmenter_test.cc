// The segmenter on hand-made records: the files it hands its writer, its segment records, and
// how it reports what it cannot do. Encoder-made records: pipeline/transcode_and_package_test.
#include "atp/package/cmaf_segmenter.h"

#include <map>

#include "atp/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace atp::package {
namespace {

using ::atp::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Key;

// Keeps the files in memory; fails every write once `failure` is set.
class MemoryFiles : public SegmentFileWriter {
 public:
  absl::Status WriteFile(const std::string& name, std::string_view bytes) override {
    if (!failure.ok()) return failure;
    files[name] = std::string(bytes);
    return absl::OkStatus();
  }

  std::map<std::string, std::string> files;
  absl::Status failure;
};

// AAC-LC, 48 kHz stereo, as the aac encoder describes itself.
EncodedStream AacStream() {
  EncodedStream stream;
  stream.kind = TrackKind::kAudio;
  stream.codec = CodecId::kAac;
  stream.time_base = {1, 48000};
  stream.codec_config = std::string("\x11\x90", 2);
  stream.profile = 2;
  stream.bit_rate_bps = 128000;
  stream.sample_rate_hz = 48000;
  stream.channels = 2;
  stream.samples_per_frame = 1024;
  stream.priming_samples = 1024;
  return stream;
}

// Packet `index` of an AAC stream whose first packet is its encoder delay (pts -1024).
EncodedPacket AacPacket(int index, const std::string& bytes) {
  const int64_t pts = int64_t{index - 1} * 1024;
  return {.pts = pts, .dts = pts, .duration = 1024, .keyframe = true, .data = bytes};
}

// The four-character types of the top-level boxes of `file`.
std::vector<std::string> TopLevelBoxes(const std::string& file) {
  std::vector<std::string> types;
  for (size_t at = 0; at + 8 <= file.size();) {
    const auto* size = reinterpret_cast<const uint8_t*>(file.data() + at);
    const uint32_t length = (uint32_t{size[0]} << 24) | (size[1] << 16) | (size[2] << 8) | size[3];
    types.push_back(file.substr(at + 4, 4));
    if (length < 8) break;
    at += length;
  }
  return types;
}

TEST(CmafSegmenter, HandsTheInitSegmentAndEachSegmentToItsWriter) {
  MemoryFiles files;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<CmafSegmenter> segmenter,
                       CmafSegmenter::Create(AacStream(), files, {.language = "jpn"}));
  EXPECT_TRUE(files.files.empty());  // The init segment comes with the first packet.

  const std::string bytes = "\x21\x10 an AAC frame";
  ASSERT_OK(segmenter->Write(AacPacket(0, bytes), /*starts_segment=*/true));
  ASSERT_THAT(files.files, ElementsAre(Key("init.mp4")));
  EXPECT_THAT(TopLevelBoxes(files.files["init.mp4"]), ElementsAre("ftyp", "moov"));
  for (int i = 1; i < 10; ++i) {
    ASSERT_OK(segmenter->Write(AacPacket(i, bytes), /*starts_segment=*/i % 5 == 0));
  }
  ASSERT_OK(segmenter->Finish());
  EXPECT_THAT(files.files,
              ElementsAre(Key("init.mp4"), Key("seg_00001.m4s"), Key("seg_00002.m4s")));
  EXPECT_EQ(segmenter->timescale(), 48000);
  ASSERT_EQ(segmenter->segments().size(), 2u);
  for (int i = 0; i < 2; ++i) {
    const MediaSegment& segment = segmenter->segments()[i];
    const std::string& file = files.files[segment.uri];
    EXPECT_EQ(segment.start_ticks, i * 5 * 1024);
    EXPECT_EQ(segment.duration_ticks, 5 * 1024);
    EXPECT_EQ(segment.size_bytes, static_cast<int64_t>(file.size()));
    EXPECT_THAT(TopLevelBoxes(file), ::testing::Contains("moof"));
    EXPECT_THAT(TopLevelBoxes(file), ::testing::Contains("mdat"));
    EXPECT_NE(file.find(bytes), std::string::npos) << segment.uri;
  }
}

TEST(CmafSegmenter, AContinuedTrackWritesNoInitSegmentAndNumbersOn) {
  MemoryFiles files;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<CmafSegmenter> segmenter,
                       CmafSegmenter::Create(AacStream(), files,
                                             {.continues_track = true, .first_segment_number = 3}));
  EXPECT_TRUE(files.files.empty());
  const std::string bytes = "\x21\x10 an AAC frame";
  for (int i = 11; i < 14; ++i) ASSERT_OK(segmenter->Write(AacPacket(i, bytes), i == 11));
  ASSERT_OK(segmenter->Finish());
  EXPECT_THAT(files.files, ElementsAre(Key("seg_00003.m4s")));
  ASSERT_EQ(segmenter->segments().size(), 1u);
  // Packet 11 of the track, decoding after the priming packet and packets 1 to 10.
  EXPECT_EQ(segmenter->segments()[0].start_ticks, 11 * 1024);
}

// The big-endian 32-bit words that follow the first `type` box header in `file`.
std::vector<uint32_t> WordsAfter(const std::string& file, const std::string& type, int count) {
  std::vector<uint32_t> words;
  const size_t at = file.find(type);
  if (at == std::string::npos) return words;
  for (int i = 0; i < count && at + 4 + 4 * (i + 1) <= file.size(); ++i) {
    const auto* p = reinterpret_cast<const uint8_t*>(file.data() + at + 4 + 4 * i);
    words.push_back((uint32_t{p[0]} << 24) | (p[1] << 16) | (p[2] << 8) | p[3]);
  }
  return words;
}

// The priming is in the first segment, decoding at 0; the init segment's edit list presents
// the first input sample (media time 1024) at 0, and its ftyp is a CMAF track file's.
TEST(CmafSegmenter, AnEditListPresentsTheFirstSampleAfterThePrimingAtZero) {
  MemoryFiles files;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<CmafSegmenter> segmenter,
                       CmafSegmenter::Create(AacStream(), files, {}));
  const std::string bytes = "\x21\x10 an AAC frame";
  for (int i = 0; i < 4; ++i) ASSERT_OK(segmenter->Write(AacPacket(i, bytes), i == 0));
  ASSERT_OK(segmenter->Finish());
  const std::string& init = files.files["init.mp4"];
  EXPECT_EQ(init.substr(4, 4), "ftyp");
  EXPECT_EQ(init.substr(8, 4), "iso6");
  EXPECT_NE(init.substr(0, 28).find("cmfc"), std::string::npos);
  // version+flags 0, one entry: segment_duration 0, media_time 1024, media_rate 1.0.
  EXPECT_THAT(WordsAfter(init, "elst", 5), ElementsAre(0, 1, 0, 1024, 0x10000));
  EXPECT_LT(init.find("tkhd"), init.find("edts"));
  EXPECT_LT(init.find("edts"), init.find("mdia"));
  EXPECT_EQ(segmenter->edit_media_time(), 1024);
  EXPECT_EQ(segmenter->presentation_offset(), 1024);
  EXPECT_EQ(segmenter->segments()[0].start_ticks, 0);
  EXPECT_THAT(WordsAfter(files.files["seg_00001.m4s"], "tfdt", 3), ElementsAre(0x01000000, 0, 0));

  // Without priming there is nothing to take away: no edit list.
  MemoryFiles unprimed;
  EncodedStream stream = AacStream();
  stream.priming_samples = 0;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<CmafSegmenter> unprimed_segmenter,
                       CmafSegmenter::Create(stream, unprimed, {}));
  ASSERT_OK(unprimed_segmenter->Write(AacPacket(1, bytes), true));
  EXPECT_EQ(unprimed.files["init.mp4"].find("edts"), std::string::npos);
}

// A track's first packet must decode where the stream's delay says: otherwise its edit list
// would present it off time.
TEST(CmafSegmenter, PacketsOffTheStreamsTimelineAreRefused) {
  MemoryFiles files;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<CmafSegmenter> segmenter,
                       CmafSegmenter::Create(AacStream(), files, {}));
  const std::string bytes = "\x21\x10 an AAC frame";
  EXPECT_THAT(segmenter->Write(AacPacket(1, bytes), true),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("decodes at 0")));
}

TEST(CmafSegmenter, WriterErrorsKeepTheirCodeAndMessage) {
  MemoryFiles files;
  const std::string bytes = "\x21\x10 an AAC frame";
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<CmafSegmenter> segmenter,
                         CmafSegmenter::Create(AacStream(), files, {}));
    files.failure =
        absl::ResourceExhaustedError("cannot write x/init.mp4: No space left on device");
    EXPECT_THAT(segmenter->Write(AacPacket(0, bytes), true),
                StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("No space left")));
  }
  files.failure = absl::OkStatus();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<CmafSegmenter> segmenter,
                       CmafSegmenter::Create(AacStream(), files, {}));
  ASSERT_OK(segmenter->Write(AacPacket(0, bytes), true));
  files.failure = absl::UnavailableError("cannot write x/seg_00001.m4s: Input/output error");
  EXPECT_THAT(segmenter->Write(AacPacket(1, bytes), true),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("seg_00001.m4s")));
}

TEST(CmafSegmenter, RefusesStreamsItCannotMux) {
  MemoryFiles files;
  EncodedStream no_config = AacStream();
  no_config.codec_config.clear();
  EXPECT_THAT(CmafSegmenter::Create(no_config, files, {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no codec configuration")));
  EncodedStream no_time_base = AacStream();
  no_time_base.time_base = {0, 1};
  EXPECT_THAT(CmafSegmenter::Create(no_time_base, files, {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("time base 0/1")));
  EncodedStream audio_as_video = AacStream();
  audio_as_video.kind = TrackKind::kVideo;
  EXPECT_THAT(CmafSegmenter::Create(audio_as_video, files, {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(files.files.empty());
}

}  // namespace
}  // namespace atp::package
