// End-to-end: a generated mezzanine through the transcoder and CMAF packager, checked by
// decoding the output and by the ffprobe command-line tool, not by trusting the writers.
#include "atp/pipeline/transcode_and_package.h"

#include <malloc.h>

#include <algorithm>
#include <deque>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

#include "atp/core/status_macros.h"
#include "atp/core/thread_priority.h"
#include "atp/encode/audio_planner.h"
#include "atp/encode/ladder_planner.h"
#include "atp/manifest/manifest_parser.h"
#include "atp/media/av_ptr.h"
#include "atp/media/probe.h"
#include "atp/package/cmaf_segmenter.h"
#include "atp/package/codec_string.h"
#include "atp/pipeline/read_manifest.h"
#include "atp/pipeline/sample_delivery.h"
#include "atp/storage/local_blob_store.h"
#include "atp/storage/pinned_file.h"
#include "atp/testing/status_matchers.h"
#include "atp/testing/subprocess.h"
#include "atp/testing/temp_dir.h"
#include "atp/validate/init_segment.h"
#include "atp/validate/package_validator.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pugixml.hpp"

namespace atp::pipeline {
namespace {

// Every unit, joined, and the manifests: the transcode and package steps in one call, into
// `store` under `prefix`.
absl::StatusOr<PackagedMedia> TranscodeAndPackage(const PackageRequest& request,
                                                  storage::BlobStore& store,
                                                  std::string_view prefix,
                                                  const encode::TranscodeProgressFn& progress) {
  std::vector<std::vector<PackagedTrack>> units;
  for (const TranscodeUnit& unit : PlanTranscodeUnits(request)) {
    ATP_ASSIGN_OR_RETURN(units.emplace_back(), EncodeUnit(request, unit, store, prefix, progress));
  }
  ATP_ASSIGN_OR_RETURN(PackagedMedia media, AssembleMedia(request, units, store, prefix));
  ATP_RETURN_IF_ERROR(WritePackageManifests(media, request.profile.enable_dash, store, prefix));
  return media;
}

// A local BlobStore whose root is `folder` (created when missing).
std::unique_ptr<storage::BlobStore> LocalStore(const std::filesystem::path& folder) {
  absl::StatusOr<std::unique_ptr<storage::BlobStore>> store = storage::OpenLocalBlobStore(folder);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

namespace fs = std::filesystem;
using ::atp::testing::StatusIs;
using ::testing::HasSubstr;

// The NAL unit types of the first video sample of init + segment, parsed from the
// length-prefixed sample itself.
std::set<int> FirstSampleNalTypes(const fs::path& init, const fs::path& segment,
                                  const fs::path& scratch) {
  std::ofstream(scratch, std::ios::binary) << testing::ReadFile(init) << testing::ReadFile(segment);
  AVFormatContext* raw = nullptr;
  if (avformat_open_input(&raw, scratch.c_str(), nullptr, nullptr) < 0) return {};
  media::InputFormatPtr format(raw);
  media::PacketPtr packet(av_packet_alloc());
  std::set<int> types;
  if (av_read_frame(format.get(), packet.get()) < 0) return {};
  for (int at = 0; at + 4 <= packet->size;) {
    const int length = (packet->data[at] << 24) | (packet->data[at + 1] << 16) |
                       (packet->data[at + 2] << 8) | packet->data[at + 3];
    if (length <= 0 || at + 4 + length > packet->size) break;
    types.insert(packet->data[at + 4] & 0x1f);
    at += 4 + length;
  }
  return types;
}

class TranscodeAndPackageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    SampleDeliveryOptions options;
    options.media.codec = media::SampleCodec::kProRes;
    options.media.duration_seconds = 5;
    options.media.width = 640;
    options.media.height = 360;
    options.media.audio_languages = {"ja", "en"};
    absl::StatusOr<SampleDelivery> delivery = CreateSampleDelivery(options, dir_->path() / "in");
    ASSERT_TRUE(delivery.ok()) << delivery.status();
    absl::StatusOr<manifest::ParsedManifest> parsed = ReadManifest(delivery->manifest_file);
    ASSERT_TRUE(parsed.ok()) << parsed.status();

    request_ = new PackageRequest();
    request_->spec = parsed->spec;
    absl::StatusOr<std::unique_ptr<storage::PinnedFile>> mezzanine =
        storage::PinnedFile::Open(delivery->mezzanine_file);
    ASSERT_TRUE(mezzanine.ok()) << mezzanine.status();
    mezzanine_ = mezzanine->release();
    request_->mezzanine = mezzanine_;
    absl::StatusOr<SourceInfo> source = media::ProbeMedia(delivery->mezzanine_file);
    ASSERT_TRUE(source.ok()) << source.status();
    request_->source = *source;
    // Short GOPs and segments so a 5 s clip has several of each; three rungs, two codecs.
    request_->profile.keyframe_interval_seconds = 1;
    request_->profile.segment_seconds = 2;
    request_->profile.enable_h265 = true;
    request_->profile.h264.rungs = {{360, 800}, {240, 400}, {180, 250}};
    request_->profile.h265.rungs = {{360, 500}};
    absl::StatusOr<Ladder> ladder = encode::PlanLadder(request_->profile, 640, 360);
    ASSERT_TRUE(ladder.ok()) << ladder.status();
    request_->ladder = *ladder;

    out_ = new fs::path(dir_->path() / "out");
    fs::create_directories(*out_);
    absl::StatusOr<PackagedMedia> media =
        TranscodeAndPackage(*request_, *LocalStore(*out_), "", nullptr);
    ASSERT_TRUE(media.ok()) << media.status();
    media_ = new PackagedMedia(*media);
  }
  static void TearDownTestSuite() {
    delete media_;
    delete out_;
    delete request_;
    delete mezzanine_;
    delete dir_;
  }
  void SetUp() override { ASSERT_NE(media_, nullptr); }

  static testing::TempDir* dir_;
  static PackageRequest* request_;
  static storage::PinnedFile* mezzanine_;
  static fs::path* out_;
  static PackagedMedia* media_;
};
testing::TempDir* TranscodeAndPackageTest::dir_ = nullptr;
PackageRequest* TranscodeAndPackageTest::request_ = nullptr;
storage::PinnedFile* TranscodeAndPackageTest::mezzanine_ = nullptr;
fs::path* TranscodeAndPackageTest::out_ = nullptr;
PackagedMedia* TranscodeAndPackageTest::media_ = nullptr;

TEST_F(TranscodeAndPackageTest, EveryRenditionHasItsPlannedSizeAndCodec) {
  ASSERT_EQ(media_->video.size(), 4u);
  for (size_t i = 0; i < media_->video.size(); ++i) {
    const Rendition& planned = request_->ladder[i];
    const PackagedTrack& track = media_->video[i];
    const fs::path init = *out_ / track.name / "init.mp4";
    const fs::path first = *out_ / track.name / "seg_00001.m4s";
    const fs::path scratch = dir_->path() / (track.name + "-probe.mp4");
    std::ofstream(scratch, std::ios::binary) << testing::ReadFile(init) << testing::ReadFile(first);
    ASSERT_OK_AND_ASSIGN(SourceInfo probed, media::ProbeMedia(scratch));
    EXPECT_EQ(probed.width, planned.width) << track.name;
    EXPECT_EQ(probed.height, planned.height) << track.name;
    EXPECT_EQ(probed.video_codec_name, planned.codec == VideoCodec::kH264 ? "h264" : "hevc");
    EXPECT_EQ(track.codecs.substr(0, 4), planned.codec == VideoCodec::kH264 ? "avc1" : "hvc1");
  }
  EXPECT_EQ(media_->video[0].codecs.substr(0, 7), "avc1.4d");  // Main profile below 720p.
}

TEST_F(TranscodeAndPackageTest, EveryH264SegmentStartsWithAnIdr) {
  for (const PackagedTrack& track : media_->video) {
    if (track.codecs.substr(0, 4) != "avc1") continue;
    ASSERT_GE(track.segments.size(), 3u) << track.name;
    for (const MediaSegment& segment : track.segments) {
      std::set<int> types =
          FirstSampleNalTypes(*out_ / track.name / "init.mp4", *out_ / track.name / segment.uri,
                              dir_->path() / "scratch.mp4");
      EXPECT_TRUE(types.contains(5)) << track.name << " " << segment.uri;  // 5: IDR slice.
    }
  }
}

TEST_F(TranscodeAndPackageTest, SegmentBoundariesAreIdenticalAcrossRenditions) {
  const PackagedTrack& reference = media_->video[0];
  for (const PackagedTrack& track : media_->video) {
    ASSERT_EQ(track.segments.size(), reference.segments.size()) << track.name;
    for (size_t i = 0; i < track.segments.size(); ++i) {
      EXPECT_EQ(track.segments[i].start_ticks * reference.timescale,
                reference.segments[i].start_ticks * track.timescale)
          << track.name << " segment " << i + 1;
    }
  }
  // 2 s segments at 24000/1001 fps are 48 frames: 2.002 s.
  EXPECT_NEAR(static_cast<double>(reference.segments[1].start_ticks) / reference.timescale, 2.002,
              1e-9);
}

TEST_F(TranscodeAndPackageTest, DurationsMatchTheSourceWithinOneFrame) {
  const double source_seconds = request_->spec.mezzanine.duration_seconds;
  for (const PackagedTrack& track : media_->video) {
    EXPECT_NEAR(track.duration_seconds(), source_seconds, 1001.0 / 24000) << track.name;
  }
  ASSERT_EQ(media_->audio.size(), 2u);
  for (const PackagedTrack& track : media_->audio) {
    EXPECT_NEAR(track.duration_seconds(), source_seconds, 1024.0 / 48000) << track.name;
  }
  EXPECT_EQ(media_->audio[0].language, "ja");
  EXPECT_TRUE(media_->audio[0].is_default);
  EXPECT_EQ(media_->audio[1].language, "en");
}

TEST_F(TranscodeAndPackageTest, FfprobeOpensBothManifestsAndFindsEveryStream) {
  for (const std::string manifest : {"master.m3u8", "manifest.mpd"}) {
    const std::string streams =
        testing::RunCommand("ffprobe -v error -show_entries stream=codec_type -of csv=p=0 " +
                            (*out_ / manifest).string())
            .output;
    auto count = [&streams](const std::string& type) {
      int n = 0;
      for (size_t at = streams.find(type); at != std::string::npos; at = streams.find(type, at + 1))
        ++n;
      return n;
    };
    const int video = count("video");
    const int audio = count("audio");
    EXPECT_GE(video, 4) << manifest << ":\n" << streams;
    EXPECT_GE(audio, 2) << manifest << ":\n" << streams;
  }
}

// Keeps a segmenter's files in memory.
class MemoryFiles : public package::SegmentFileWriter {
 public:
  absl::Status WriteFile(const std::string& name, std::string_view bytes) override {
    files[name] = std::string(bytes);
    return absl::OkStatus();
  }
  std::map<std::string, std::string> files;
};

// Keeps each output's stream record and segments its packets into memory.
class RecordingSink : public encode::PacketSink {
 public:
  struct Output {
    EncodedStream stream;
    MemoryFiles files;
    std::unique_ptr<package::CmafSegmenter> segmenter;
    int packets = 0;
    std::set<int> nice;  // The nice values of the threads that wrote its packets.
  };

  absl::Status OpenOutput(size_t output, const EncodedStream& stream) override {
    outputs.resize(std::max(outputs.size(), output + 1));
    Output& opened = outputs[output];
    opened.stream = stream;
    ATP_ASSIGN_OR_RETURN(opened.segmenter,
                         package::CmafSegmenter::Create(stream, opened.files, {}));
    return absl::OkStatus();
  }
  absl::Status WritePacket(size_t output, const EncodedPacket& packet,
                           bool starts_segment) override {
    ++outputs.at(output).packets;
    ATP_ASSIGN_OR_RETURN(const int nice, CallingThreadNice());
    outputs[output].nice.insert(nice);
    {
      std::lock_guard<std::mutex> lock(writers_mutex);
      writers.insert(std::this_thread::get_id());
    }
    return outputs[output].segmenter->Write(packet, starts_segment);
  }

  std::deque<Output> outputs;  // A deque: segmenters keep references to their files.
  std::mutex writers_mutex;
  std::set<std::thread::id> writers;  // The threads that wrote packets.
};

// What ffprobe says of the only stream of `file`: codec_name, width, time_base, ...
std::map<std::string, std::string> FfprobeStream(const fs::path& file) {
  const testing::CommandResult result = testing::RunCommand(
      "ffprobe -v error -show_entries "
      "stream=codec_name,width,height,time_base,sample_rate,channels -of default=nw=1 " +
      file.string() + " 2>&1");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  std::map<std::string, std::string> fields;
  std::istringstream lines(result.output);
  for (std::string line; std::getline(lines, line);) {
    const size_t equals = line.find('=');
    if (equals != std::string::npos) fields[line.substr(0, equals)] = line.substr(equals + 1);
  }
  return fields;
}

// The records the real encoders make (an H.264 and an H.265 rung, AAC tracks) round-trip
// through a segmenter: ffprobe reads each init segment as the encoder's codec, size and
// time base, and the codecs string is the package's.
TEST_F(TranscodeAndPackageTest, EncoderRecordsRoundTripIntoASegmentersInitSegment) {
  const Rendition& h264 = request_->ladder.front();
  const Rendition& h265 = request_->ladder.back();
  ASSERT_EQ(h265.codec, VideoCodec::kH265);
  for (const encode::TranscodePart part :
       {encode::TranscodePart::kVideo, encode::TranscodePart::kAudio}) {
    RecordingSink sink;
    const encode::TranscodePlan plan{
        .input = mezzanine_,
        .ladder = {h264, h265},
        .profile = request_->profile,
        .audio = encode::PlanAudioRenditions(request_->profile, request_->spec.audio_tracks,
                                             request_->source),
        .part = part,
        .frames = {0, 48}};
    ASSERT_OK(encode::Transcode(plan, sink, nullptr));
    ASSERT_EQ(sink.outputs.size(), 2u);
    for (size_t i = 0; i < sink.outputs.size(); ++i) {
      RecordingSink::Output& output = sink.outputs[i];
      ASSERT_OK(output.segmenter->Finish());
      const EncodedStream& stream = output.stream;
      const bool video = part == encode::TranscodePart::kVideo;
      const PackagedTrack& packaged =
          video ? media_->video[i == 0 ? 0 : media_->video.size() - 1] : media_->audio[i];
      SCOPED_TRACE(packaged.name);
      EXPECT_EQ(stream.kind, video ? TrackKind::kVideo : TrackKind::kAudio);
      EXPECT_GT(output.packets, 0);
      ASSERT_OK_AND_ASSIGN(const std::string codecs, package::Rfc6381CodecString(stream));
      EXPECT_EQ(codecs, packaged.codecs);

      const fs::path init = dir_->path() / ("roundtrip-" + packaged.name + "-init.mp4");
      std::ofstream(init, std::ios::binary) << output.files.files.at("init.mp4");
      std::map<std::string, std::string> probed = FfprobeStream(init);
      EXPECT_EQ(probed["codec_name"], std::string(CodecIdName(stream.codec)));
      EXPECT_EQ(probed["time_base"], "1/" + std::to_string(stream.time_base.den));
      if (video) {
        const Rendition& rendition = i == 0 ? h264 : h265;
        EXPECT_EQ(stream.codec, i == 0 ? CodecId::kH264 : CodecId::kHevc);
        EXPECT_EQ(stream.width, rendition.width);
        EXPECT_EQ(stream.height, rendition.height);
        EXPECT_EQ(probed["width"], std::to_string(rendition.width));
        EXPECT_EQ(probed["height"], std::to_string(rendition.height));
        EXPECT_EQ(stream.time_base, (Rational{1001, 24000}));
        EXPECT_EQ(stream.frame_rate, (Rational{24000, 1001}));
      } else {
        EXPECT_EQ(stream.codec, CodecId::kAac);
        EXPECT_EQ(stream.time_base, (Rational{1, 48000}));
        EXPECT_EQ(probed["sample_rate"], "48000");
        EXPECT_EQ(probed["channels"], "2");
      }
    }
  }
}

// The first 96 frames of the fixture's video for every rung of its ladder, one thread per
// encoder, the rungs spreading over threads of their own when `spread_rungs` says so.
encode::TranscodePlan VideoPlanOfTheLadder(const PackageRequest& request,
                                           std::function<bool()> spread_rungs) {
  return {.input = request.mezzanine,
          .ladder = request.ladder,
          .profile = request.profile,
          .threads = 1,
          .spread_rungs = std::move(spread_rungs),
          .part = encode::TranscodePart::kVideo,
          .frames = {0, 96}};
}

// The rungs on threads of their own encode exactly what they encode in turn on one thread,
// whether they spread from the first frame or from one inside a GOP: the same init segment
// and segments, byte for byte, for every rung of a cascade (a converted 360p, a 240p scaled
// from it, a 180p from that, an H.265 360p taking the H.264 360p's pictures by reference),
// the rungs fed by another rung at a lower priority than the one fed by the source.
TEST_F(TranscodeAndPackageTest, RungsSpreadOverThreadsAtAnyFrameEncodeTheSameBytesAsInTurn) {
  ASSERT_EQ(request_->ladder.size(), 4u);
  // Later heap allocations start zeroed, as in a fresh process (glibc's M_PERTURB): without
  // it the second encode of this process differs from the first on the 240p and 180p rungs
  // whichever way it runs, because an encode reads memory nobody wrote (most likely inside
  // libx264; see docs/performance.md).
  ASSERT_EQ(mallopt(M_PERTURB, 0xff), 1);
  int asked = 0;  // How often the mid-GOP plan was asked.
  const std::vector<std::pair<std::string, std::function<bool()>>> plans = {
      {"in turn", nullptr},
      {"from the first frame", [] { return true; }},
      {"from frame 40", [&asked] { return ++asked > 40; }}};
  std::vector<std::unique_ptr<RecordingSink>> sinks;
  for (const auto& [name, spread_rungs] : plans) {
    auto& sink = sinks.emplace_back(std::make_unique<RecordingSink>());
    ASSERT_OK(encode::Transcode(VideoPlanOfTheLadder(*request_, spread_rungs), *sink, nullptr));
    for (RecordingSink::Output& output : sink->outputs) ASSERT_OK(output.segmenter->Finish());
    ASSERT_EQ(sink->outputs.size(), 4u) << name;
  }
  // Asked before each frame until it said yes (the 41st frame, index 40), then no more.
  EXPECT_EQ(asked, 41);
  // In turn, the calling thread wrote every packet; spread, each rung's thread wrote its own.
  EXPECT_EQ(sinks[0]->writers, std::set<std::thread::id>{std::this_thread::get_id()});
  EXPECT_EQ(sinks[1]->writers.size(), 4u);
  EXPECT_EQ(sinks[2]->writers.size(), 5u);
  // Spread, the rungs fed by another rung (240p, 180p, the H.265 360p) ran five nice steps
  // below the 360p fed by the source, which ran at the caller's priority; in turn, all did.
  const int caller_nice = CallingThreadNice().value();
  const std::set<int> lowered = {std::min(caller_nice + 5, 19)};
  for (size_t i = 0; i < 4; ++i) {
    SCOPED_TRACE(request_->ladder[i].name);
    EXPECT_EQ(sinks[0]->outputs[i].nice, std::set<int>{caller_nice});
    EXPECT_EQ(sinks[1]->outputs[i].nice, i == 0 ? std::set<int>{caller_nice} : lowered);
  }
  for (size_t i = 0; i < 4; ++i) {
    SCOPED_TRACE(request_->ladder[i].name);
    const RecordingSink::Output& in_turn = sinks[0]->outputs[i];
    EXPECT_EQ(in_turn.packets, 96);
    EXPECT_GE(in_turn.files.files.size(), 3u);  // init.mp4 and two segments at least.
    for (size_t spread = 1; spread < plans.size(); ++spread) {
      SCOPED_TRACE(plans[spread].first);
      const RecordingSink::Output& output = sinks[spread]->outputs[i];
      EXPECT_EQ(output.packets, in_turn.packets);
      ASSERT_EQ(output.files.files.size(), in_turn.files.files.size());
      for (const auto& [name, bytes] : in_turn.files.files) {
        ASSERT_TRUE(output.files.files.contains(name)) << name;
        EXPECT_TRUE(output.files.files.at(name) == bytes) << name << " differs";
      }
    }
  }
}

// Fails one output's packets from the `fail_at`-th on, as a full disk under one track would.
class FailingSink : public RecordingSink {
 public:
  FailingSink(size_t output, int fail_at) : output_(output), fail_at_(fail_at) {}
  absl::Status WritePacket(size_t output, const EncodedPacket& packet,
                           bool starts_segment) override {
    if (output == output_ && outputs.at(output).packets + 1 >= fail_at_) {
      return absl::ResourceExhaustedError("no space left on the device (test)");
    }
    return RecordingSink::WritePacket(output, packet, starts_segment);
  }

 private:
  size_t output_;
  int fail_at_;
};

// With rungs on threads of their own, the first rung to fail ends the pass with its own
// error, and a stop asked for by the progress callback ends it with that status; neither
// hangs or leaves a thread behind.
TEST_F(TranscodeAndPackageTest, RungsOnThreadsOfTheirOwnStopAtTheFirstFailureOrAStop) {
  const encode::TranscodePlan plan = VideoPlanOfTheLadder(*request_, [] { return true; });
  for (size_t failing : {size_t{0}, size_t{2}, size_t{3}}) {
    FailingSink sink(failing, 10);
    EXPECT_THAT(encode::Transcode(plan, sink, nullptr),
                StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("no space left")))
        << "output " << failing;
    EXPECT_LT(sink.outputs.at(failing).packets, 10);
  }
  RecordingSink sink;
  int calls = 0;
  EXPECT_THAT(encode::Transcode(plan, sink,
                                [&](const encode::TranscodeProgress&) {
                                  return ++calls < 20 ? absl::OkStatus()
                                                      : absl::CancelledError("stop (test)");
                                }),
              StatusIs(absl::StatusCode::kCancelled, HasSubstr("stop (test)")));
  EXPECT_EQ(calls, 20);
}

// A generated H.264 delivery in `dir`, and its manifest parsed.
absl::StatusOr<std::pair<SampleDelivery, manifest::ParsedManifest>> H264Sample(const fs::path& dir,
                                                                               double seconds,
                                                                               int width,
                                                                               int height) {
  SampleDeliveryOptions options;
  options.media.codec = media::SampleCodec::kH264;
  options.media.duration_seconds = seconds;
  options.media.width = width;
  options.media.height = height;
  ATP_ASSIGN_OR_RETURN(SampleDelivery delivery, CreateSampleDelivery(options, dir));
  ATP_ASSIGN_OR_RETURN(manifest::ParsedManifest parsed, ReadManifest(delivery.manifest_file));
  return std::make_pair(std::move(delivery), std::move(parsed));
}

// The luma plane of frame `index` (0-based, in presentation order) of `file` at `size`
// ("WxH"), decoded by the ffmpeg command-line tool.
std::string LumaOfFrame(const fs::path& file, int index, const std::string& size,
                        const fs::path& scratch) {
  const testing::CommandResult result = testing::RunCommand(
      "ffmpeg -v error -y -i " + file.string() + " -vf \"select=eq(n\\," + std::to_string(index) +
      "),scale=" + size + "\" -frames:v 1 -f rawvideo -pix_fmt gray " + scratch.string() + " 2>&1");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  return testing::ReadFile(scratch);
}

double MeanSquaredError(const std::string& a, const std::string& b) {
  if (a.size() != b.size() || a.empty()) return 1e9;
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = static_cast<unsigned char>(a[i]) - static_cast<unsigned char>(b[i]);
    sum += d * d;
  }
  return sum / static_cast<double>(a.size());
}

// Chunks of one 2 s segment each: every chunk is a fresh encoder, and the joined tracks
// have exactly the timeline of the one-chunk encode and pass the validator.
TEST_F(TranscodeAndPackageTest, ChunkedEncodingJoinsIntoTheSameTimeline) {
  PackageRequest chunked = *request_;
  chunked.profile.chunk_seconds = 2;
  std::vector<std::string> names;
  for (const TranscodeUnit& unit : PlanTranscodeUnits(chunked)) names.push_back(unit.name);
  // 5.005 s at 24000/1001 fps is 120 frames: chunks [0, 48) and [48, end).
  EXPECT_EQ(names, (std::vector<std::string>{"audio", "video-001", "video-002"}));

  const fs::path out = dir_->path() / "chunked";
  fs::create_directories(out);
  ASSERT_OK_AND_ASSIGN(PackagedMedia media,
                       TranscodeAndPackage(chunked, *LocalStore(out), "", nullptr));
  ASSERT_EQ(media.video.size(), media_->video.size());
  for (size_t i = 0; i < media.video.size(); ++i) {
    const PackagedTrack& track = media.video[i];
    ASSERT_EQ(track.segments.size(), media_->video[i].segments.size()) << track.name;
    for (size_t s = 0; s < track.segments.size(); ++s) {
      EXPECT_EQ(track.segments[s].uri, media_->video[i].segments[s].uri);
      EXPECT_EQ(track.segments[s].start_ticks, media_->video[i].segments[s].start_ticks);
      EXPECT_EQ(track.segments[s].duration_ticks, media_->video[i].segments[s].duration_ticks);
    }
    EXPECT_EQ(track.codecs, media_->video[i].codecs);
  }
  validate::ValidateOptions options;
  options.source_duration_seconds = request_->source.duration_seconds();
  ASSERT_OK_AND_ASSIGN(validate::ValidationReport report, validate::ValidatePackage(out, options));
  EXPECT_EQ(report.errors(), 0);
  EXPECT_EQ(report.warnings(), 0);
}

// A later chunk alone: its segments are numbered and timed within the whole track, it
// writes no init segment, and joining units that leave a gap is refused.
TEST_F(TranscodeAndPackageTest, ALaterChunkContinuesTheTrack) {
  PackageRequest chunked = *request_;
  chunked.profile.chunk_seconds = 2;
  const std::vector<TranscodeUnit> units = PlanTranscodeUnits(chunked);
  ASSERT_EQ(units.size(), 3u);
  const fs::path out = dir_->path() / "second-chunk";
  fs::create_directories(out);
  ASSERT_OK_AND_ASSIGN(std::vector<PackagedTrack> tracks,
                       EncodeUnit(chunked, units[2], *LocalStore(out), "", nullptr));
  ASSERT_EQ(tracks.size(), media_->video.size());
  const PackagedTrack& track = tracks[0];
  EXPECT_FALSE(fs::exists(out / track.name / "init.mp4"));
  ASSERT_EQ(track.segments.size(), 2u);
  EXPECT_EQ(track.segments[0].uri, "seg_00002.m4s");
  EXPECT_EQ(track.segments[0].start_ticks, media_->video[0].segments[1].start_ticks);
  EXPECT_TRUE(fs::exists(out / track.name / "seg_00003.m4s"));

  EXPECT_THAT(AssembleMedia(chunked, {{}, {}, tracks}, *LocalStore(out), ""),
              StatusIs(absl::StatusCode::kInternal,
                       HasSubstr("video-002: h264_360p starts at 48048 ticks but earlier units "
                                 "end at 0")));
}

// Joining finished units deletes what an interrupted unit left behind.
TEST_F(TranscodeAndPackageTest, AssemblingRemovesFilesNoRecordNames) {
  const fs::path out = dir_->path() / "assembled";
  fs::create_directories(out);
  std::vector<std::vector<PackagedTrack>> units;
  for (const TranscodeUnit& unit : PlanTranscodeUnits(*request_)) {
    ASSERT_OK_AND_ASSIGN(units.emplace_back(),
                         EncodeUnit(*request_, unit, *LocalStore(out), "", nullptr));
  }
  const std::string track = media_->video[0].name;
  std::ofstream(out / track / "seg_00009.m4s") << "left by a killed unit";
  ASSERT_OK_AND_ASSIGN(PackagedMedia media, AssembleMedia(*request_, units, *LocalStore(out), ""));
  EXPECT_FALSE(fs::exists(out / track / "seg_00009.m4s"));
  EXPECT_TRUE(fs::exists(out / track / "seg_00003.m4s"));
  EXPECT_EQ(media.video[0].segments, media_->video[0].segments);
}

// The package's renditions measured together against the mezzanine; a rendition whose
// segment is gone has its own error, and the others measure as with it there.
TEST_F(TranscodeAndPackageTest, TracksAreMeasuredTogetherEachWithItsOwnError) {
  const std::vector<media::QualityWindow> windows = media::SampleWindows(5.0);
  ASSERT_OK_AND_ASSIGN(const std::vector<absl::StatusOr<media::QualityScore>> whole,
                       MeasureTracksQuality(*LocalStore(*out_), "", media_->video, *mezzanine_,
                                            windows, {.threads = 2}));
  ASSERT_EQ(whole.size(), media_->video.size());
  ASSERT_OK(whole[0].status());
  EXPECT_GE(whole[0]->frames, 3 * 23);  // Three windows of a second.
  for (size_t i = 0; i < whole.size(); ++i) {
    ASSERT_OK(whole[i].status()) << media_->video[i].name;
    EXPECT_EQ(whole[i]->frames, whole[0]->frames) << media_->video[i].name;
    EXPECT_GT(whole[i]->ssim_all, 0.9) << media_->video[i].name;
  }
  const fs::path copy = dir_->path() / "one_segment_gone";
  fs::copy(*out_, copy, fs::copy_options::recursive);
  const PackagedTrack& damaged = media_->video[1];
  fs::remove(copy / damaged.name / damaged.segments[1].uri);
  ASSERT_OK_AND_ASSIGN(const std::vector<absl::StatusOr<media::QualityScore>> scores,
                       MeasureTracksQuality(*LocalStore(copy), "", media_->video, *mezzanine_,
                                            windows, {.threads = 2}));
  for (size_t i = 0; i < scores.size(); ++i) {
    if (i == 1) {
      EXPECT_THAT(scores[i],
                  StatusIs(absl::StatusCode::kNotFound, HasSubstr(damaged.segments[1].uri)));
    } else {
      ASSERT_OK(scores[i].status()) << media_->video[i].name;
      EXPECT_EQ(*scores[i], *whole[i]) << media_->video[i].name;
    }
  }
}

// The sample's H.264 remuxed into another container: MPEG-TS (timestamps from about 1.4 s,
// seeks land late and are retried earlier) and a raw H.264 stream (no timestamps to seek by:
// decoded from the start). The second chunk's first frame is the source's frame 48 either
// way, not a neighbour.
class ChunkSeekTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ChunkSeekTest, TheSecondChunkStartsOnItsOwnFrame) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto sample, H264Sample(dir.path() / "in", 5, 640, 360));
  const auto& [delivery, parsed] = sample;
  const fs::path remuxed = dir.path() / ("mezzanine." + GetParam());
  const testing::CommandResult remux =
      testing::RunCommand("ffmpeg -v error -i " + delivery.mezzanine_file.string() +
                          " -c copy -f " + GetParam() + " " + remuxed.string() + " 2>&1");
  ASSERT_EQ(remux.exit_code, 0) << remux.output;

  PackageRequest request;
  request.spec = parsed.spec;
  request.spec.audio_tracks.clear();  // A raw H.264 stream has none.
  ASSERT_OK_AND_ASSIGN(const std::unique_ptr<storage::PinnedFile> mezzanine,
                       storage::PinnedFile::Open(remuxed));
  request.mezzanine = mezzanine.get();
  // Chunks planned from the original (a raw stream has no duration to plan by).
  ASSERT_OK_AND_ASSIGN(request.source, media::ProbeMedia(delivery.mezzanine_file));
  request.profile.keyframe_interval_seconds = 1;
  request.profile.segment_seconds = 2;
  request.profile.chunk_seconds = 2;
  request.profile.h264.rungs = {{360, 800}};
  ASSERT_OK_AND_ASSIGN(request.ladder, encode::PlanLadder(request.profile, 640, 360));
  const std::vector<TranscodeUnit> units = PlanTranscodeUnits(request);
  ASSERT_EQ(units.back().name, "video-002");
  ASSERT_EQ(units.back().frames.first, 48);
  const fs::path out = dir.path() / "out";
  fs::create_directories(out);
  ASSERT_EQ(units.size(), 2u);
  ASSERT_OK_AND_ASSIGN(std::vector<PackagedTrack> first,
                       EncodeUnit(request, units[0], *LocalStore(out), "", nullptr));
  ASSERT_OK_AND_ASSIGN(std::vector<PackagedTrack> second,
                       EncodeUnit(request, units.back(), *LocalStore(out), "", nullptr));
  ASSERT_EQ(second[0].segments.size(), 2u);
  EXPECT_EQ(second[0].segments[0].start_ticks, first[0].duration_ticks());

  const fs::path folder = out / second[0].name;
  const fs::path joined = dir.path() / "chunk2.mp4";
  std::ofstream(joined, std::ios::binary)
      << testing::ReadFile(folder / "init.mp4") << testing::ReadFile(folder / "seg_00002.m4s");
  const std::string encoded = LumaOfFrame(joined, 0, "640:360", dir.path() / "y.raw");
  std::vector<double> errors;
  for (int index : {47, 48, 49}) {
    errors.push_back(MeanSquaredError(
        encoded, LumaOfFrame(delivery.mezzanine_file, index, "640:360", dir.path() / "y.raw")));
  }
  EXPECT_LT(errors[1], errors[0] / 4);
  EXPECT_LT(errors[1], errors[2] / 4);
}

INSTANTIATE_TEST_SUITE_P(Containers, ChunkSeekTest, ::testing::Values("mpegts", "h264"));

TEST(TranscodeAndPackage, BadMediaIsAClearError) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto sample, H264Sample(dir.path() / "in", 2, 320, 240));
  const auto& [delivery, parsed] = sample;
  ASSERT_OK_AND_ASSIGN(const std::unique_ptr<storage::PinnedFile> mezzanine,
                       storage::PinnedFile::Open(delivery.mezzanine_file));
  PackageRequest request;
  request.spec = parsed.spec;
  request.mezzanine = mezzanine.get();
  ASSERT_OK_AND_ASSIGN(request.ladder, encode::PlanLadder(request.profile, 320, 240));

  // A third audio track the file does not have.
  PackageRequest missing_audio = request;
  missing_audio.spec.audio_tracks.push_back({"fr", "Français", false, 2, 3});
  fs::create_directories(dir.path() / "a");
  EXPECT_THAT(TranscodeAndPackage(missing_audio, *LocalStore(dir.path() / "a"), "", nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("audio stream(s)")));

  // Junk instead of video.
  PackageRequest junk = request;
  std::ofstream(dir.path() / "junk.mp4") << std::string(10000, 'j');
  ASSERT_OK_AND_ASSIGN(const std::unique_ptr<storage::PinnedFile> junk_file,
                       storage::PinnedFile::Open(dir.path() / "junk.mp4"));
  junk.mezzanine = junk_file.get();
  fs::create_directories(dir.path() / "b");
  EXPECT_THAT(TranscodeAndPackage(junk, *LocalStore(dir.path() / "b"), "", nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument));

  // Truncated in the middle of the stream.
  PackageRequest truncated = request;
  const fs::path cut = dir.path() / "cut.mp4";
  fs::copy_file(delivery.mezzanine_file, cut);
  fs::resize_file(cut, fs::file_size(cut) / 2);
  ASSERT_OK_AND_ASSIGN(const std::unique_ptr<storage::PinnedFile> cut_file,
                       storage::PinnedFile::Open(cut));
  truncated.mezzanine = cut_file.get();
  fs::create_directories(dir.path() / "c");
  EXPECT_FALSE(TranscodeAndPackage(truncated, *LocalStore(dir.path() / "c"), "", nullptr).ok());
}

// The OBUs of the first sample of init + segment, as (obu_type, the first byte of its
// payload), read by libavformat (the mp4 demuxer) and split here.
std::vector<std::pair<int, uint8_t>> FirstSampleObus(const fs::path& init, const fs::path& segment,
                                                     const fs::path& scratch, bool& keyframe) {
  std::ofstream(scratch, std::ios::binary) << testing::ReadFile(init) << testing::ReadFile(segment);
  AVFormatContext* raw = nullptr;
  if (avformat_open_input(&raw, scratch.c_str(), nullptr, nullptr) < 0) return {};
  media::InputFormatPtr format(raw);
  media::PacketPtr packet(av_packet_alloc());
  if (av_read_frame(format.get(), packet.get()) < 0) return {};
  keyframe = (packet->flags & AV_PKT_FLAG_KEY) != 0;
  std::vector<std::pair<int, uint8_t>> obus;
  for (int at = 0; at < packet->size;) {
    const uint8_t header = packet->data[at++];
    if (header & 0x04) ++at;          // obu_extension_header
    if (!(header & 0x02)) return {};  // ISOBMFF samples carry sized OBUs.
    uint64_t size = 0;
    for (int i = 0; at < packet->size; ++i) {
      const uint8_t byte = packet->data[at++];
      size |= uint64_t{byte & 0x7fu} << (7 * i);
      if (!(byte & 0x80)) break;
    }
    if (size == 0 || at + size > static_cast<uint64_t>(packet->size)) return obus;
    obus.emplace_back((header >> 3) & 0x0f, packet->data[at]);
    at += static_cast<int>(size);
  }
  return obus;
}

// What a manifest declares for the rendition `name`: the CODECS of its HLS variants (with the
// audio's after a comma) or the codecs attribute of its DASH Representation.
std::string HlsVideoCodecs(const std::string& master, const std::string& name) {
  std::istringstream lines(master);
  std::string stream_inf;
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("#EXT-X-STREAM-INF")) stream_inf = line;
    if (line.starts_with(name + "/")) {
      const size_t start = stream_inf.find("CODECS=\"") + 8;
      return stream_inf.substr(start, stream_inf.find_first_of(",\"", start) - start);
    }
  }
  return "";
}

// AV1 beside H.264 on a 640x360 clip, encoded in two chunks (each a fresh encoder): the
// package passes atp's validator; every AV1 segment starts with a key frame and its sequence
// header, on the same boundaries as H.264's; ffprobe reads it as AV1 at its planned size;
// the playlist and the MPD declare the codecs string the av1C record gives, and the MPD
// puts AV1 in an AdaptationSet of its own.
TEST(TranscodeAndPackage, Av1LadderIsPackagedAndValid) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto sample, H264Sample(dir.path() / "in", 5, 640, 360));
  const auto& [delivery, parsed] = sample;
  ASSERT_OK_AND_ASSIGN(const std::unique_ptr<storage::PinnedFile> mezzanine,
                       storage::PinnedFile::Open(delivery.mezzanine_file));
  PackageRequest request;
  request.spec = parsed.spec;
  request.mezzanine = mezzanine.get();
  ASSERT_OK_AND_ASSIGN(request.source, media::ProbeMedia(delivery.mezzanine_file));
  request.profile.keyframe_interval_seconds = 1;
  request.profile.segment_seconds = 2;
  request.profile.chunk_seconds = 2;
  request.profile.enable_av1 = true;
  request.profile.h264.rungs = {{360, 800}};
  request.profile.av1.rungs = {{360, 500}};
  request.profile.av1.preset = "12";  // The fastest that still has the grid; a test.
  ASSERT_OK_AND_ASSIGN(request.ladder, encode::PlanLadder(request.profile, 640, 360));
  ASSERT_EQ(request.ladder.size(), 2u);
  ASSERT_EQ(request.ladder[1].codec, VideoCodec::kAV1);
  const fs::path out = dir.path() / "out";
  fs::create_directories(out);
  ASSERT_OK_AND_ASSIGN(PackagedMedia media,
                       TranscodeAndPackage(request, *LocalStore(out), "", nullptr));

  validate::ValidateOptions options;
  options.source_duration_seconds = request.source.duration_seconds();
  ASSERT_OK_AND_ASSIGN(validate::ValidationReport report, validate::ValidatePackage(out, options));
  EXPECT_EQ(report.errors(), 0);
  EXPECT_EQ(report.warnings(), 0);

  ASSERT_EQ(media.video.size(), 2u);
  const PackagedTrack& h264 = media.video[0];
  const PackagedTrack& av1 = media.video[1];
  EXPECT_EQ(av1.name, "av1_360p");
  ASSERT_EQ(av1.segments.size(), 3u);
  ASSERT_EQ(av1.segments.size(), h264.segments.size());
  for (size_t i = 0; i < av1.segments.size(); ++i) {
    EXPECT_EQ(av1.segments[i].start_ticks * h264.timescale,
              h264.segments[i].start_ticks * av1.timescale)
        << "segment " << i + 1;
    bool keyframe = false;
    const std::vector<std::pair<int, uint8_t>> obus =
        FirstSampleObus(out / av1.name / "init.mp4", out / av1.name / av1.segments[i].uri,
                        dir.path() / "scratch.mp4", keyframe);
    SCOPED_TRACE(av1.segments[i].uri);
    EXPECT_TRUE(keyframe);
    ASSERT_GE(obus.size(), 2u);
    EXPECT_EQ(obus[0].first, 1);  // OBU_SEQUENCE_HEADER
    auto frame = std::find_if(obus.begin(), obus.end(),
                              [](const auto& obu) { return obu.first == 3 || obu.first == 6; });
    ASSERT_NE(frame, obus.end());
    // uncompressed_header: show_existing_frame 0, frame_type KEY_FRAME (0), show_frame 1.
    EXPECT_EQ(frame->second & 0xf0, 0x10);
  }

  const fs::path probe = dir.path() / "av1-probe.mp4";
  std::ofstream(probe, std::ios::binary) << testing::ReadFile(out / av1.name / "init.mp4")
                                         << testing::ReadFile(out / av1.name / "seg_00001.m4s");
  std::map<std::string, std::string> probed = FfprobeStream(probe);
  EXPECT_EQ(probed["codec_name"], "av1");
  EXPECT_EQ(probed["width"], "640");
  EXPECT_EQ(probed["height"], "360");

  // The validator's reading of the av1C record, not the packager's of the sequence header.
  ASSERT_OK_AND_ASSIGN(validate::InitSegmentInfo init,
                       validate::ParseInitSegment(testing::ReadFile(out / av1.name / "init.mp4")));
  EXPECT_EQ(init.sample_entry, "av01");
  EXPECT_THAT(init.codecs, ::testing::MatchesRegex(R"(av01\.0\.[0-9][0-9]M\.08)"));
  EXPECT_EQ(av1.codecs, init.codecs);
  EXPECT_EQ(HlsVideoCodecs(testing::ReadFile(out / "master.m3u8"), av1.name), init.codecs);

  pugi::xml_document mpd;
  ASSERT_TRUE(mpd.load_string(testing::ReadFile(out / "manifest.mpd").c_str()));
  const pugi::xpath_node representation =
      mpd.select_node(("//Representation[@id='" + av1.name + "']").c_str());
  ASSERT_TRUE(representation);
  EXPECT_EQ(std::string(representation.node().attribute("codecs").value()), init.codecs);
  const pugi::xml_node adaptation_set = representation.node().parent();
  EXPECT_EQ(std::distance(adaptation_set.children("Representation").begin(),
                          adaptation_set.children("Representation").end()),
            1);

  // A playlist, then an MPD, that declares another level than the av1C's fails validation
  // (HLS-CODECS, DASH-CODECS).
  const std::string wrong = init.codecs.substr(0, 7) + "19M.08";  // Level 6.3.
  auto rules_with_wrong_level_in = [&](const std::string& manifest) {
    const std::string original = testing::ReadFile(out / manifest);
    std::string text = original;
    for (size_t at = text.find(init.codecs); at != std::string::npos;
         at = text.find(init.codecs, at)) {
      text.replace(at, init.codecs.size(), wrong);
    }
    std::ofstream(out / manifest, std::ios::binary | std::ios::trunc) << text;
    std::vector<std::string> rules;
    absl::StatusOr<validate::ValidationReport> tampered = validate::ValidatePackage(out, options);
    EXPECT_OK(tampered.status());
    if (tampered.ok()) {
      for (const validate::Finding& finding : tampered->findings()) rules.push_back(finding.rule);
    }
    std::ofstream(out / manifest, std::ios::binary | std::ios::trunc) << original;
    return rules;
  };
  EXPECT_THAT(rules_with_wrong_level_in("master.m3u8"), ::testing::ElementsAre("HLS-CODECS"));
  EXPECT_THAT(rules_with_wrong_level_in("manifest.mpd"), ::testing::ElementsAre("DASH-CODECS"));
}

}  // namespace
}  // namespace atp::pipeline
