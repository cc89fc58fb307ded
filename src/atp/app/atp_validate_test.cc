// `atp validate` on a package made by `atp transcode`, then on copies of it with one fault
// each: every fault must fail with its own rule id and no other error. Copies whose references
// lead out of the package must fail with PKG-PATH without opening what is outside.
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <set>

#include "atp/testing/open_watch.h"
#include "atp/testing/subprocess.h"
#include "atp/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace atp::app {
namespace {

namespace fs = std::filesystem;

using ::testing::HasSubstr;
using ::testing::Not;
using Result = testing::CommandResult;

// Runs the atp binary with `arguments`; stdout only (reports are parsed as JSON).
Result RunAtp(const std::string& arguments) {
  return testing::RunCommand(std::string(ATP_BINARY) + " " + arguments + " 2>/dev/null");
}

void WriteFile(const fs::path& file, const std::string& text) {
  std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
}

void Replace(const fs::path& file, const std::string& from, const std::string& to) {
  std::string text = testing::ReadFile(file);
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from << " not in " << file;
  WriteFile(file, text.replace(at, from.size(), to));
}

uint64_t ReadBigEndian(const std::string& bytes, size_t at, int width) {
  uint64_t value = 0;
  for (int i = 0; i < width; ++i) value = (value << 8) | static_cast<uint8_t>(bytes[at + i]);
  return value;
}

// Top-level boxes of a fragmented MP4 as (type, bytes), and the tfdt of a moof.
std::vector<std::pair<std::string, std::string>> TopLevelBoxes(const std::string& bytes) {
  std::vector<std::pair<std::string, std::string>> boxes;
  for (size_t at = 0; at + 8 <= bytes.size();) {
    const size_t size = ReadBigEndian(bytes, at, 4);
    if (size < 8 || at + size > bytes.size()) break;
    boxes.emplace_back(bytes.substr(at + 4, 4), bytes.substr(at, size));
    at += size;
  }
  return boxes;
}

uint64_t DecodeTime(const std::string& moof) {
  const size_t type = moof.find("tfdt");
  return moof[type + 4] == 1 ? ReadBigEndian(moof, type + 8, 8) : ReadBigEndian(moof, type + 8, 4);
}

// Replaces `second` (a media segment of `rendition`) by a re-encode in which the picture at its
// start is a P-frame, as a transcoder without forced keyframes at segment boundaries makes:
// init + `first` + `second` are decoded and encoded again with one IDR at the very start and
// no B-frames, one fragment per frame; the fragments from `second`'s decode time on become
// the new segment, padded with a 'free' box to its old size so bitrates are unchanged.
void ReencodeWithoutIdrAtStart(const fs::path& rendition, const std::string& first,
                               const std::string& second) {
  const std::string original = testing::ReadFile(rendition / second);
  WriteFile(rendition / "joined.mp4", testing::ReadFile(rendition / "init.mp4") +
                                          testing::ReadFile(rendition / first) + original);
  const std::string command =
      "cd " + rendition.string() +
      " && ffmpeg -nostdin -loglevel error -i joined.mp4 -an -c:v libx264 -bf 0 -g 100000 "
      "-sc_threshold 0 -crf 45 -pix_fmt yuv420p -video_track_timescale 24000 "
      "-movflags +frag_every_frame+empty_moov+default_base_moof -f mp4 reencoded.mp4";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  const uint64_t start = DecodeTime(TopLevelBoxes(original).front().second);
  std::string segment;
  bool taking = false;
  for (const auto& [type, box] : TopLevelBoxes(testing::ReadFile(rendition / "reencoded.mp4"))) {
    if (type == "moof") taking = DecodeTime(box) >= start;
    if (taking && (type == "moof" || type == "mdat")) segment += box;
  }
  ASSERT_FALSE(segment.empty());
  ASSERT_GE(original.size(), segment.size() + 8);
  const size_t padding = original.size() - segment.size();
  std::string free_box(padding, '\0');
  for (int i = 0; i < 4; ++i) free_box[i] = static_cast<char>((padding >> (24 - 8 * i)) & 0xff);
  free_box.replace(4, 4, "free");
  WriteFile(rendition / second, segment + free_box);
  fs::remove(rendition / "joined.mp4");
  fs::remove(rendition / "reencoded.mp4");
}

class AtpValidateTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    Result sample = RunAtp("sample --out " + (dir_->path() / "in").string() +
                           " --duration 8 --size 640x360 --codec h264");
    ASSERT_EQ(sample.exit_code, 0);
    // Two rungs (360p, 240p) so alignment across variants is checked.
    dir_->WriteFile("profile.toml",
                    "[h264]\nrungs = [ { height = 360, bitrate_kbps = 800 }, "
                    "{ height = 240, bitrate_kbps = 400 } ]\n");
    Result transcode =
        RunAtp("--profile " + (dir_->path() / "profile.toml").string() + " transcode " +
               (dir_->path() / "in/atp-sample-s01e01-sample.xml").string() + " --out " +
               (dir_->path() / "out").string());
    ASSERT_EQ(transcode.exit_code, 0) << transcode.output;
    package_ =
        new fs::path(fs::directory_iterator(dir_->path() / "out/atp-sample/s01/e001")->path());
  }
  static void TearDownTestSuite() {
    delete package_;
    delete dir_;
  }

  // Rule ids of the errors `atp validate --json` reports on a copy changed by `mutate`.
  std::vector<std::string> ErrorsAfter(const std::function<void(const fs::path&)>& mutate) {
    const fs::path copy = scratch_.path() / "package";
    fs::copy(*package_, copy, fs::copy_options::recursive);
    mutate(copy);
    Result result = RunAtp("validate --json " + copy.string());
    EXPECT_NE(result.exit_code, 2) << result.output;
    std::vector<std::string> rules;
    const nlohmann::json report = nlohmann::json::parse(result.output);
    for (const auto& finding : report["findings"]) {
      if (finding["severity"] == "error") rules.push_back(finding["rule"]);
    }
    std::set<std::string> unique(rules.begin(), rules.end());
    return {unique.begin(), unique.end()};
  }

  // What `atp validate --json [extra_arguments] COPY` did with a copy of the package changed
  // by `mutate` (given the copy and a folder outside it, scratch/outside, which holds
  // sentinel.m4s and a copy of h264_240p/): every file and folder under scratch/outside is
  // watched for opens while it runs, which is killed if it takes over 120 s.
  struct ConfinedRun {
    int exit_code = -1;
    std::vector<std::string> errors;  // Rule ids, sorted, once each.
    std::vector<nlohmann::json> findings;
    std::string stdout_and_stderr;
    int outside_opens = 0;
  };
  ConfinedRun ValidateConfined(
      const std::function<void(const fs::path& copy, const fs::path& outside)>& mutate,
      const std::string& extra_arguments = "") {
    const fs::path copy = scratch_.path() / "package";
    const fs::path outside = scratch_.path() / "outside";
    fs::remove_all(copy);
    fs::remove_all(outside);
    fs::copy(*package_, copy, fs::copy_options::recursive);
    fs::create_directories(outside);
    WriteFile(outside / "sentinel.m4s", kSentinel);
    fs::copy(*package_ / "h264_240p", outside / "h264_240p", fs::copy_options::recursive);
    mutate(copy, outside);
    std::vector<fs::path> watched = {outside};
    for (const auto& entry : fs::recursive_directory_iterator(outside)) {
      watched.push_back(entry.path());
    }
    testing::OpenWatch watch(watched);
    EXPECT_TRUE(watch.watching());
    const fs::path stderr_file = scratch_.path() / "stderr.txt";
    Result result =
        testing::RunCommand("timeout -s KILL 120 " + std::string(ATP_BINARY) + " validate --json " +
                            extra_arguments + " " + copy.string() + " 2>" + stderr_file.string());
    ConfinedRun run;
    run.outside_opens = watch.Events();
    run.exit_code = result.exit_code;
    run.stdout_and_stderr = result.output + testing::ReadFile(stderr_file);
    if (result.exit_code == 1) {
      std::set<std::string> rules;
      const nlohmann::json report = nlohmann::json::parse(result.output);
      for (const auto& finding : report["findings"]) {
        if (finding["severity"] == "error") rules.insert(finding["rule"].get<std::string>());
        run.findings.push_back(finding);
      }
      run.errors.assign(rules.begin(), rules.end());
    }
    return run;
  }

  static constexpr char kSentinel[] = "SENTINEL-7f3a: bytes from outside the package";

  static testing::TempDir* dir_;
  static fs::path* package_;
  testing::TempDir scratch_;
};
testing::TempDir* AtpValidateTest::dir_ = nullptr;
fs::path* AtpValidateTest::package_ = nullptr;

TEST_F(AtpValidateTest, AtpsOwnPackagePasses) {
  Result result = RunAtp("validate --strict " + package_->string());
  EXPECT_EQ(result.exit_code, 0) << result.output;
  Result with_source = RunAtp("validate " + package_->string() + " --source " +
                              (dir_->path() / "in/mezzanines/atp-sample/s01e01.mp4").string());
  EXPECT_EQ(with_source.exit_code, 0) << with_source.output;
}

TEST_F(AtpValidateTest, EachFaultFailsWithItsOwnRule) {
  struct Case {
    std::vector<std::string> rules;  // Sorted. A file fault is seen once per manifest using it.
    std::function<void(const fs::path&)> mutate;
  };
  for (const Case& c : std::vector<Case>{
           {{"DASH-TIMELINE", "FILE-MISSING"},
            [](const fs::path& p) { fs::remove(p / "h264_240p/seg_00001.m4s"); }},
           {{"DASH-TIMELINE", "FILE-MISSING"},
            [](const fs::path& p) { WriteFile(p / "audio_en/seg_00002.m4s", ""); }},
           {{"FILE-MISSING", "INIT-MISSING"},
            [](const fs::path& p) { fs::remove(p / "audio_ja/init.mp4"); }},
           {{"HLS-ENDLIST"},
            [](const fs::path& p) {
              Replace(p / "h264_360p/playlist.m3u8", "#EXT-X-ENDLIST\n", "");
            }},
           {{"HLS-TARGETDURATION"},
            [](const fs::path& p) {
              Replace(p / "h264_240p/playlist.m3u8", "#EXT-X-TARGETDURATION:6",
                      "#EXT-X-TARGETDURATION:5");
            }},
           {{"HLS-BANDWIDTH"},
            [](const fs::path& p) { Replace(p / "master.m3u8", "BANDWIDTH=", "BANDWIDTH=1"); }},
           {{"HLS-AVERAGE-BANDWIDTH"},
            [](const fs::path& p) {
              Replace(p / "master.m3u8", "AVERAGE-BANDWIDTH=", "AVERAGE-BANDWIDTH=9");
            }},
           {{"HLS-CODECS"},
            [](const fs::path& p) { Replace(p / "master.m3u8", "avc1.4d401e", "avc1.640028"); }},
           {{"HLS-RESOLUTION"},
            [](const fs::path& p) {
              Replace(p / "master.m3u8", "RESOLUTION=640x360", "RESOLUTION=1280x720");
            }},
           {{"HLS-FRAME-RATE"},
            [](const fs::path& p) {
              Replace(p / "master.m3u8", "FRAME-RATE=23.976", "FRAME-RATE=25.000");
            }},
           {{"HLS-AUDIO-DEFAULT"},
            [](const fs::path& p) { Replace(p / "master.m3u8", "DEFAULT=NO", "DEFAULT=YES"); }},
           {{"HLS-AUDIO-ATTRIBUTES"},
            [](const fs::path& p) { Replace(p / "master.m3u8", "LANGUAGE=\"en\",", ""); }},
           {{"HLS-VERSION"},
            [](const fs::path& p) {
              Replace(p / "audio_ja/playlist.m3u8", "#EXT-X-VERSION:7", "#EXT-X-VERSION:3");
            }},
           // The 240p variant loses its first segment: its starts no longer match 360p's, it
           // is shorter, and it starts 6 s after the other tracks.
           {{"AV-START", "DURATION", "SEG-ALIGN"},
            [](const fs::path& p) {
              Replace(p / "h264_240p/playlist.m3u8", "#EXTINF:6.006,\nseg_00001.m4s\n", "");
            }},
           // The re-encode has no B-frames: its samples show as they decode, not the two frames
           // later the init segment's edit list takes away (and the MPD says).
           {{"DASH-TIMELINE", "FMP4-DECODE-DELAY", "SEG-SAP"},
            [](const fs::path& p) {
              ReencodeWithoutIdrAtStart(p / "h264_360p", "seg_00001.m4s", "seg_00002.m4s");
            }},
           {{"DASH-STATIC"},
            [](const fs::path& p) {
              Replace(p / "manifest.mpd", "type=\"static\"", "type=\"dynamic\"");
            }},
           {{"DASH-DURATION"},
            [](const fs::path& p) {
              Replace(p / "manifest.mpd", "mediaPresentationDuration=\"PT",
                      "mediaPresentationDuration=\"PT1");
            }},
           {{"DASH-LANG"},
            [](const fs::path& p) { Replace(p / "manifest.mpd", " lang=\"en\"", ""); }},
           {{"DASH-BANDWIDTH"},
            [](const fs::path& p) {
              Replace(p / "manifest.mpd", "bandwidth=\"", "bandwidth=\"9");
            }},
           {{"DASH-CODECS"},
            [](const fs::path& p) {
              Replace(p / "manifest.mpd", "codecs=\"avc1.4d401e\"", "codecs=\"avc1.640028\"");
            }},
           {{"DASH-CODECS"},
            [](const fs::path& p) {
              Replace(p / "manifest.mpd", "codecs=\"mp4a.40.2\"", "codecs=\"mp4a.40.5\"");
            }},
           {{"DASH-CODECS"},
            [](const fs::path& p) { Replace(p / "manifest.mpd", " codecs=\"mp4a.40.2\"", ""); }},
           {{"DASH-TIMELINE"},
            [](const fs::path& p) {
              Replace(p / "manifest.mpd", "<S t=\"0\" d=\"", "<S t=\"0\" d=\"1");
            }},
       }) {
    SCOPED_TRACE(c.rules.back());
    EXPECT_EQ(ErrorsAfter(c.mutate), c.rules);
    fs::remove_all(scratch_.path() / "package");
  }
}

// Rule ids `atp validate` reports on a package the ffmpeg CLI writes into a fresh folder from
// 8 s of test pattern (640x360 and 240p) and a tone, with `output_args`.
std::multiset<std::string> RulesForFfmpegPackage(const std::string& output_args) {
  testing::TempDir dir;
  const std::string command =
      "cd " + dir.path().string() +
      " && ffmpeg -nostdin -loglevel error -f lavfi -i testsrc2=size=640x360:rate=24 "
      "-f lavfi -i sine=frequency=440:sample_rate=48000 -t 8 "
      "-filter_complex '[0:v]split=2[a][b];[b]scale=-2:240[b2]' -map '[a]' -map '[b2]' -map 1:a "
      "-c:v libx264 -g 48 -keyint_min 48 -sc_threshold 0 -pix_fmt yuv420p -c:a aac -ac 2 " +
      output_args;
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  Result result = RunAtp("validate --json " + dir.path().string());
  EXPECT_EQ(result.exit_code, 1) << result.output;
  const nlohmann::json report = nlohmann::json::parse(result.output);
  std::multiset<std::string> rules;
  for (const auto& finding : report["findings"]) rules.insert(finding["rule"].get<std::string>());
  return rules;
}

// Packages no atp code wrote. ffmpeg's hls muxer (fMP4) declares BANDWIDTH from the configured
// rate instead of measuring it and writes neither AVERAGE-BANDWIDTH nor FRAME-RATE; everything
// else (codecs, resolution, IDRs, tfdt, alignment, durations, audio attributes) must pass.
TEST(AtpValidateFfmpeg, FindsExactlyWhatFfmpegsHlsMuxerGetsWrong) {
  EXPECT_EQ(
      RulesForFfmpegPackage(
          "-f hls -hls_time 2 -hls_playlist_type vod -hls_segment_type fmp4 "
          "-var_stream_map 'v:0,agroup:aud v:1,agroup:aud "
          "a:0,agroup:aud,language:en,name:English,default:yes' "
          "-master_pl_name master.m3u8 -hls_segment_filename 'v%v_%03d.m4s' 'v%v.m3u8'"),
      (std::multiset<std::string>{"HLS-BANDWIDTH", "HLS-BANDWIDTH", "HLS-AVERAGE-BANDWIDTH-MISSING",
                                  "HLS-AVERAGE-BANDWIDTH-MISSING", "HLS-FRAME-RATE-MISSING",
                                  "HLS-FRAME-RATE-MISSING"}));
}

// The same with every rendition in one file, addressed by EXT-X-MAP BYTERANGE and
// EXT-X-BYTERANGE: the same findings, so the ranges were followed.
TEST(AtpValidateFfmpeg, FollowsByteRangesOfSingleFileHls) {
  EXPECT_EQ(
      RulesForFfmpegPackage("-f hls -hls_time 2 -hls_playlist_type vod -hls_segment_type fmp4 "
                            "-hls_flags single_file -var_stream_map 'v:0,agroup:aud v:1,agroup:aud "
                            "a:0,agroup:aud,language:en,name:English,default:yes' "
                            "-master_pl_name master.m3u8 'v%v.m3u8'"),
      (std::multiset<std::string>{"HLS-BANDWIDTH", "HLS-BANDWIDTH", "HLS-AVERAGE-BANDWIDTH-MISSING",
                                  "HLS-AVERAGE-BANDWIDTH-MISSING", "HLS-FRAME-RATE-MISSING",
                                  "HLS-FRAME-RATE-MISSING"}));
}

// MPEG-TS segments (no EXT-X-MAP; video and audio muxed in each variant's segments, as ffmpeg's
// default hls output is): demuxed through libavformat, with the same findings as fMP4.
TEST(AtpValidateFfmpeg, ReadsTransportStreamSegments) {
  EXPECT_EQ(
      RulesForFfmpegPackage("-f hls -hls_time 2 -hls_playlist_type vod "
                            "-var_stream_map 'v:0,agroup:aud v:1,agroup:aud "
                            "a:0,agroup:aud,language:en,name:English,default:yes' "
                            "-master_pl_name master.m3u8 -hls_segment_filename 'v%v_%03d.ts' "
                            "'v%v.m3u8'"),
      (std::multiset<std::string>{"HLS-BANDWIDTH", "HLS-BANDWIDTH", "HLS-AVERAGE-BANDWIDTH-MISSING",
                                  "HLS-AVERAGE-BANDWIDTH-MISSING", "HLS-FRAME-RATE-MISSING",
                                  "HLS-FRAME-RATE-MISSING"}));
}

// ffmpeg's dash muxer: no @lang on audio, and audio @bandwidth is the nominal 128000 while the
// segments measure more; its timeline is right once its edit lists are taken into account.
TEST(AtpValidateFfmpeg, FindsExactlyWhatFfmpegsDashMuxerGetsWrong) {
  EXPECT_EQ(RulesForFfmpegPackage("-f dash -seg_duration 2 -use_timeline 1 -use_template 1 "
                                  "manifest.mpd"),
            (std::multiset<std::string>{"DASH-BANDWIDTH", "DASH-LANG"}));
}

// ffmpeg's other DASH addressing modes: SegmentList of files, SegmentList of byte ranges of one
// file per stream (single_file), and SegmentTemplate with @duration. The same two faults where
// the short last audio segment is addressed; with @duration it lies past the 8 s period.
TEST(AtpValidateFfmpeg, FollowsSegmentListsAndDurationTemplates) {
  EXPECT_EQ(RulesForFfmpegPackage("-f dash -seg_duration 2 -use_timeline 0 -use_template 0 "
                                  "manifest.mpd"),
            (std::multiset<std::string>{"DASH-BANDWIDTH", "DASH-LANG"}));
  EXPECT_EQ(RulesForFfmpegPackage("-f dash -seg_duration 2 -use_template 0 -single_file 1 "
                                  "manifest.mpd"),
            (std::multiset<std::string>{"DASH-BANDWIDTH", "DASH-LANG"}));
  EXPECT_EQ(RulesForFfmpegPackage("-f dash -seg_duration 2 -use_timeline 0 -use_template 1 "
                                  "manifest.mpd"),
            (std::multiset<std::string>{"DASH-LANG"}));
}

// Each way out of the package: a finding of its own (PKG-PATH, once per manifest that makes the
// reference), exit 1, no crash and no hang, and nothing under scratch/outside opened or echoed.
TEST_F(AtpValidateTest, ReferencesLeavingThePackageFailWithPkgPathAndOpenNothingOutside) {
  using Mutation = std::function<void(const fs::path&, const fs::path&)>;
  // An extra segment at the end of the 240p playlist, refused unread: it adds nothing to what
  // the rendition measures, so PKG-PATH is the only error.
  auto add_segment = [](const std::string& uri) -> Mutation {
    return [uri](const fs::path& copy, const fs::path& outside) {
      Replace(copy / "h264_240p/playlist.m3u8", "#EXT-X-ENDLIST",
              "#EXTINF:1.000,\n" + (uri == "ABSOLUTE" ? (outside / "sentinel.m4s").string() : uri) +
                  "\n#EXT-X-ENDLIST");
    };
  };
  // The 240p playlist's own second segment replaced; the MPD names it too.
  auto replace_segment = [](const std::function<void(const fs::path&)>& make) -> Mutation {
    return [make](const fs::path& copy, const fs::path&) {
      fs::remove(copy / "h264_240p/seg_00002.m4s");
      make(copy / "h264_240p/seg_00002.m4s");
    };
  };
  struct Case {
    std::string name;
    Mutation mutate;
  };
  for (const Case& c : std::vector<Case>{
           {"(a) a ../ segment URI", add_segment("../../outside/sentinel.m4s")},
           {"(b) an absolute segment path", add_segment("ABSOLUTE")},
           {"    a file: segment URI", add_segment("file:///etc/passwd")},
           {"(c) an absolute EXT-X-MAP URI",
            [](const fs::path&copy, const fs::path&outside) {
              Replace(copy / "h264_240p/playlist.m3u8", "URI=\"init.mp4\"",
                      "URI=\"" + (outside / "sentinel.m4s").string() + "\"");
            }},
           {"(d) a segment that is a symlink to a file outside",
            replace_segment([](const fs::path&segment) {
              fs::create_symlink("../../outside/sentinel.m4s", segment);
            })},
           {"(e) a symlink loop", replace_segment([](const fs::path&segment) {
              fs::create_symlink(segment.filename(), segment);
            })},
           {"(f) a FIFO", replace_segment([](const fs::path&segment) {
              ASSERT_EQ(mkfifo(segment.c_str(), 0600), 0);
            })},
           {"(g) an MPD SegmentTemplate leading out",
            [](const fs::path&copy, const fs::path&) {
              Replace(copy / "manifest.mpd", "initialization=\"h264_240p/init.mp4\"",
                      "initialization=\"../outside/sentinel.m4s\"");
            }},
           {"(h) an MPD BaseURL leading out (to a copy of the rendition)",
            [](const fs::path&copy, const fs::path&) {
              std::string mpd = testing::ReadFile(copy / "manifest.mpd");
              const size_t init = mpd.find("initialization=\"h264_240p/init.mp4\"");
              ASSERT_NE(init, std::string::npos);
              mpd.insert(mpd.rfind("<SegmentTemplate", init), "<BaseURL>../outside/</BaseURL>");
              WriteFile(copy / "manifest.mpd", mpd);
            }},
       }) {
    SCOPED_TRACE(c.name);
    const ConfinedRun run = ValidateConfined(c.mutate);
    EXPECT_EQ(run.exit_code, 1) << run.stdout_and_stderr;
    EXPECT_EQ(run.errors, std::vector<std::string>{"PKG-PATH"}) << run.stdout_and_stderr;
    EXPECT_EQ(run.outside_opens, 0) << "something outside the package was opened";
    EXPECT_THAT(run.stdout_and_stderr, Not(HasSubstr("SENTINEL")));
    for (const nlohmann::json& finding : run.findings) {
      if (finding["rule"] != "PKG-PATH") continue;
      // Where the reference is made: a playlist line or the MPD's Representation, and the URI.
      EXPECT_THAT(finding["where"].get<std::string>(),
                  ::testing::AnyOf(::testing::StartsWith("h264_240p/playlist.m3u8:"),
                                   ::testing::StartsWith("manifest.mpd Representation h264_240p")))
          << finding.dump();
      EXPECT_THAT(finding["where"].get<std::string>(), HasSubstr(" -> ")) << finding.dump();
    }
  }
}

// The multivariant playlist itself outside (a symlink) or not a file: the package cannot be
// read (exit 2), and still nothing outside is opened or echoed.
TEST_F(AtpValidateTest, AMasterPlaylistLeadingOutExitsWithTwo) {
  for (const auto& make : std::vector<std::function<void(const fs::path&)>>{
           [](const fs::path& master) { fs::create_symlink("../outside/sentinel.m4s", master); },
           [](const fs::path& master) { ASSERT_EQ(mkfifo(master.c_str(), 0600), 0); },
       }) {
    const ConfinedRun run = ValidateConfined([&](const fs::path& copy, const fs::path&) {
      fs::remove(copy / "master.m3u8");
      make(copy / "master.m3u8");
    });
    EXPECT_EQ(run.exit_code, 2) << run.stdout_and_stderr;
    EXPECT_EQ(run.outside_opens, 0);
    EXPECT_THAT(run.stdout_and_stderr, Not(HasSubstr("SENTINEL")));
  }
}

// --max-bytes: past it nothing more is read; one PKG-BUDGET finding and no other (the package
// is valid: nothing is concluded from what was left unread). A budget the master playlist
// alone exceeds is a finding too, not an unreadable package.
TEST_F(AtpValidateTest, ATinyByteBudgetFailsWithPkgBudgetOnce) {
  for (const std::string budget : {"1", "300000"}) {
    SCOPED_TRACE(budget);
    const ConfinedRun run =
        ValidateConfined([](const fs::path&, const fs::path&) {}, "--max-bytes " + budget);
    EXPECT_EQ(run.exit_code, 1) << run.stdout_and_stderr;
    ASSERT_EQ(run.findings.size(), 1u) << run.stdout_and_stderr;
    EXPECT_EQ(run.findings[0]["rule"], "PKG-BUDGET");
    EXPECT_THAT(run.findings[0]["message"].get<std::string>(), HasSubstr("budget of " + budget));
  }
  EXPECT_EQ(RunAtp("validate --strict --max-bytes 100000000 " + package_->string()).exit_code, 0);
}

TEST_F(AtpValidateTest, UnreadablePackagesExitWithTwo) {
  EXPECT_EQ(RunAtp("validate " + scratch_.path().string()).exit_code, 2);
  scratch_.WriteFile("master.m3u8", std::string("\x7f"
                                                "ELF\x02\x01",
                                                6) +
                                        std::string(1000, '\0'));
  EXPECT_EQ(RunAtp("validate " + scratch_.path().string()).exit_code, 2);
  scratch_.WriteFile("master.m3u8", "#EXTM3U\n" + std::string(10 << 20, 'a') + "\n");
  EXPECT_EQ(RunAtp("validate " + scratch_.path().string()).exit_code, 2);
  fs::remove(scratch_.path() / "master.m3u8");
  scratch_.WriteFile("manifest.mpd",
                     "<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;\">]>"
                     "<MPD>&lol2;</MPD>");
  EXPECT_EQ(RunAtp("validate " + scratch_.path().string()).exit_code, 2);
}

}  // namespace
}  // namespace atp::app
