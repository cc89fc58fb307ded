// End-to-end tests of the atp binary: real processes, real files, real exit codes.
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "absl/time/clock.h"
#include "atp/app/exit_codes.h"
#include "atp/server/signed_urls.h"
#include "atp/storage/file_digest.h"
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

// Runs the atp binary with `arguments`, stdout and stderr together.
Result RunAtp(const std::string& arguments) {
  return testing::RunCommand(std::string(ATP_BINARY) + " " + arguments + " 2>&1");
}

class AtpCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    Result sample = RunAtp("sample --out " + dir_->path().string() +
                           " --duration 2 --size 320x240 --fps 25 --audio ja,en --codec h264");
    ASSERT_EQ(sample.exit_code, kExitOk) << sample.output;
    manifest_ = new fs::path(dir_->path() / "atp-sample-s01e01-sample.xml");
    ASSERT_TRUE(fs::exists(*manifest_)) << sample.output;
  }
  static void TearDownTestSuite() {
    delete manifest_;
    delete dir_;
  }
  static testing::TempDir* dir_;
  static fs::path* manifest_;
};
testing::TempDir* AtpCliTest::dir_ = nullptr;
fs::path* AtpCliTest::manifest_ = nullptr;

TEST_F(AtpCliTest, CheckOfAFreshSamplePasses) {
  Result result = RunAtp("check " + manifest_->string());
  EXPECT_EQ(result.exit_code, kExitOk) << result.output;
  EXPECT_THAT(result.output, HasSubstr("atp check: OK"));
  EXPECT_THAT(result.output, HasSubstr("320x240"));
  EXPECT_THAT(result.output, HasSubstr("h264_240p"));
  EXPECT_THAT(result.output, HasSubstr("audio_en    2 ch  128 kbps AAC-LC from stream 2"));
  EXPECT_THAT(result.output, HasSubstr("job key"));
}

TEST_F(AtpCliTest, CheckJsonIsMachineReadable) {
  Result result = RunAtp("check --json " + manifest_->string() + " 2>/dev/null");
  ASSERT_EQ(result.exit_code, kExitOk) << result.output;
  nlohmann::json json = nlohmann::json::parse(result.output);
  EXPECT_TRUE(json["ok"].get<bool>());
  EXPECT_EQ(json["source"]["width"], 320);
  EXPECT_EQ(json["source"]["frame_rate"], "25/1");
  EXPECT_EQ(json["ladder"].size(), 1u);
  ASSERT_EQ(json["audio"].size(), 2u);  // The sample's ja and en, stereo.
  EXPECT_EQ(json["audio"][0]["name"], "audio_ja");
  EXPECT_EQ(json["audio"][0]["channels"], 2);
  EXPECT_EQ(json["job_key"].get<std::string>().size(), 64u);
}

TEST_F(AtpCliTest, InvalidManifestExitsWithTwo) {
  testing::TempDir dir;
  auto bad = dir.WriteFile("bad.xml", "<AnimeTranscodeManifest><ManifestId>x</ManifestId>");
  Result result = RunAtp("check " + bad.string());
  EXPECT_EQ(result.exit_code, kExitInvalidManifest) << result.output;
  EXPECT_THAT(result.output, HasSubstr("FAILED at ingest"));
}

TEST_F(AtpCliTest, MismatchedMezzanineExitsWithThree) {
  testing::TempDir dir;
  fs::copy(dir_->path(), dir.path(), fs::copy_options::recursive);
  std::ofstream(dir.path() / "mezzanines/atp-sample/s01e01.mp4", std::ios::app) << "x";
  Result result = RunAtp("check --json " + (dir.path() / manifest_->filename()).string());
  EXPECT_EQ(result.exit_code, kExitMezzanineMismatch) << result.output;
  EXPECT_THAT(result.output, HasSubstr("Mezzanine/FileSizeBytes"));
}

// A malformed subtitle file, or one in another encoding, fails the delivery at verify, before
// the mezzanine is read, naming the track, the file, the line and what to fix.
TEST_F(AtpCliTest, ABadSubtitleFileFailsTheCheckNamingFileAndLine) {
  const struct {
    std::string file;
    std::string content;
    std::string expected;
  } cases[] = {
      {"subs/s01e01.en.srt", "1\n00:00:01,000 --> 00:00:02,000\nHi\n\n2\n00:00:03,000 -> 4\nBye\n",
       "SubtitleTracks/SubtitleTrack[1] (en, SRT): subs/s01e01.en.srt:6:"},
      {"subs/s01e01.en.srt", "1\n00:00:01,000 --> 00:00:02,000\n\x93\xFA\x96\x7B\n", "Shift_JIS"},
      {"subs/s01e01.es-419.ass", "[Script Info]\nPlayResX: 320\n",
       "SubtitleTracks/SubtitleTrack[2] (es-419, ASS): subs/s01e01.es-419.ass:"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.expected);
    testing::TempDir dir;
    fs::copy(dir_->path(), dir.path(), fs::copy_options::recursive);
    std::ofstream(dir.path() / c.file, std::ios::trunc) << c.content;
    Result result = RunAtp("check " + (dir.path() / manifest_->filename()).string());
    EXPECT_EQ(result.exit_code, kExitMezzanineMismatch) << result.output;
    EXPECT_THAT(result.output, HasSubstr(c.expected));
    EXPECT_THAT(result.output, HasSubstr("FAILED at verify"));
  }
}

// A FIFO in place of a subtitle file is refused at verify without waiting for a writer.
TEST_F(AtpCliTest, AFifoAsASubtitleFileIsRefusedWithoutHanging) {
  testing::TempDir dir;
  fs::copy(dir_->path(), dir.path(), fs::copy_options::recursive);
  const fs::path subtitle = dir.path() / "subs/s01e01.en.srt";
  fs::remove(subtitle);
  ASSERT_EQ(mkfifo(subtitle.c_str(), 0644), 0);
  Result result = testing::RunCommand("timeout 30 " + std::string(ATP_BINARY) + " check " +
                                      (dir.path() / manifest_->filename()).string() + " 2>&1");
  EXPECT_EQ(result.exit_code, kExitMezzanineMismatch) << result.output;
  EXPECT_THAT(result.output, HasSubstr("SubtitleTracks/SubtitleTrack[1]/FilePath"));
}

// A canned-policy CloudFront URL whose signature OpenSSL verifies against the public key,
// and an HMAC token path that opens the prefix it names.
TEST_F(AtpCliTest, SignUrlSignsCloudFrontUrlsAndHmacTokenPaths) {
  testing::TempDir dir;
  const std::string key = (dir.path() / "key.pem").string();
  const std::string pub = (dir.path() / "pub.pem").string();
  ASSERT_EQ(testing::RunCommand("openssl genrsa -out " + key + " 2048 2>&1 && openssl rsa -in " +
                                key + " -pubout -out " + pub + " 2>&1")
                .exit_code,
            0);
  const std::string resource = "https://d111111abcdef8.cloudfront.net/s01/e001/master.m3u8";
  Result signed_url =
      RunAtp("sign-url " + resource + " --key-pair-id K2JCJMDEHXQW5F --private-key " + key +
             " --expires 2030-01-01T00:00:00Z");
  ASSERT_EQ(signed_url.exit_code, kExitOk) << signed_url.output;
  EXPECT_THAT(signed_url.output,
              ::testing::StartsWith(resource + "?Expires=1893456000&Signature="));
  EXPECT_THAT(signed_url.output, HasSubstr("&Key-Pair-Id=K2JCJMDEHXQW5F\n"));
  const size_t at = signed_url.output.find("Signature=") + 10;
  const std::string signature = signed_url.output.substr(at, signed_url.output.find('&', at) - at);
  std::ofstream(dir.path() / "policy.json")
      << "{\"Statement\":[{\"Resource\":\"" << resource
      << "\",\"Condition\":{\"DateLessThan\":{\"AWS:EpochTime\":1893456000}}}]}";
  std::ofstream(dir.path() / "signature.txt") << signature;
  const std::string verify = "cd " + dir.path().string() +
                             " && tr -- '-_~' '+=/' < signature.txt | openssl base64 -d -A > "
                             "sig.bin && openssl dgst -sha1 -verify pub.pem -signature sig.bin "
                             "policy.json 2>&1";
  EXPECT_THAT(testing::RunCommand(verify).output, HasSubstr("Verified OK"));

  std::ofstream(dir.path() / "hmac.key") << "0123456789abcdef0123456789abcdef\n";
  Result path = RunAtp("sign-url --hmac --key-file " + (dir.path() / "hmac.key").string() +
                       " --prefix atp-sample/s01/e001/abc --expires +1h");
  ASSERT_EQ(path.exit_code, kExitOk) << path.output;
  EXPECT_THAT(path.output, ::testing::StartsWith("/out/t/"));
  EXPECT_THAT(path.output, ::testing::EndsWith("/atp-sample/s01/e001/abc/\n"));
  const std::string token = path.output.substr(7, path.output.find('/', 7) - 7);
  EXPECT_TRUE(server::VerifyDeliveryToken("0123456789abcdef0123456789abcdef", token,
                                          "atp-sample/s01/e001/abc/master.m3u8", absl::Now())
                  .ok());

  Result bad = RunAtp("sign-url " + resource + " --key-pair-id K --private-key " + key +
                      " --expires tomorrow");
  EXPECT_EQ(bad.exit_code, kExitOtherError);
  EXPECT_THAT(bad.output, HasSubstr("--expires 'tomorrow': expected an RFC 3339 time"));
}

// `atp serve` over the output of an `atp run`: the job through the API, the package under a
// signed /out/t/<token>/ path (403 without one), a cancel that needs the API token, a body
// over the limit, and a SIGTERM that stops it at once.
TEST_F(AtpCliTest, ServeAnswersTheApiAndServesSignedPackagesUntilSigterm) {
  testing::TempDir dir;
  const fs::path out = dir.path() / "out";
  Result run = RunAtp("run " + manifest_->string() + " --out " + out.string());
  ASSERT_EQ(run.exit_code, kExitOk) << run.output;
  fs::path package;
  for (const auto& entry : fs::recursive_directory_iterator(out)) {
    if (entry.path().filename() == "master.m3u8") package = entry.path().parent_path();
  }
  ASSERT_FALSE(package.empty());
  const std::string prefix = fs::relative(package, out).string();
  const fs::path key = dir.path() / "url.key";
  std::ofstream(key) << "0123456789abcdef0123456789abcdef\n";
  Result signed_path = RunAtp("sign-url --hmac --key-file " + key.string() + " --prefix " + prefix +
                              " --expires +1h");
  ASSERT_EQ(signed_path.exit_code, kExitOk) << signed_path.output;
  const std::string base = signed_path.output.substr(0, signed_path.output.size() - 1);

  // Starts the server on a free port, waits for its address, asks it, then stops it.
  const std::string log = (dir.path() / "serve.log").string();
  const std::string script =
      std::string(ATP_BINARY) + " serve --out " + out.string() + " --listen 127.0.0.1:0 " +
      "--signed-urls " + key.string() + " --api-token-file " + key.string() + " > " + log +
      " 2>&1 & pid=$!; " + "for t in $(seq 200); do grep -q listening " + log +
      " && break; sleep 0.05; done; " + "url=$(grep -o 'http://[0-9.:]*' " + log + "); " +
      "ask() { curl -s -o /dev/null -w \"%{http_code} %{content_type}\\n\" \"$url$1\"; }; " +
      "ask /healthz; curl -s \"$url/v1/jobs\"; echo; ask " + base + "master.m3u8; " + "ask /out/" +
      prefix + "/master.m3u8; ask " + base + "h264_240p/init.mp4; " +
      "job=$(curl -s \"$url/v1/jobs\" | grep -o '\"job_id\":\"[0-9a-f]*' | cut -d'\"' -f4); " +
      "post() { curl -s -o /dev/null -w \"%{http_code}\\n\" -X POST \"$@\"; }; " +
      "post -d '' \"$url/v1/jobs/$job/cancel\"; " +
      "post -d '' -H 'Authorization: Bearer 0123456789abcdef0123456789abcdef' " +
      "\"$url/v1/jobs/$job/cancel\"; " +
      "head -c 2000000 /dev/zero | post --data-binary @- -H 'Authorization: Bearer "
      "0123456789abcdef0123456789abcdef' \"$url/v1/jobs/$job/cancel\"; " +
      "start=$(date +%s%N); kill -TERM $pid; wait $pid; echo exit=$?; " +
      "echo stop_ms=$(( ($(date +%s%N) - start) / 1000000 )); cat " + log;
  Result served = testing::RunCommand(script);
  std::istringstream lines(served.output);
  std::string health, jobs, master, unsigned_master, init, no_token, complete, oversize;
  for (std::string* line :
       {&health, &jobs, &master, &unsigned_master, &init, &no_token, &complete, &oversize}) {
    std::getline(lines, *line);
  }
  EXPECT_EQ(health, "200 application/json") << served.output;
  const nlohmann::json list = nlohmann::json::parse(jobs, nullptr, false);
  ASSERT_TRUE(list.is_object()) << served.output;
  ASSERT_EQ(list["jobs"].size(), 1u);
  EXPECT_EQ(list["jobs"][0]["state"], "COMPLETE");
  EXPECT_EQ(master, "200 application/vnd.apple.mpegurl") << served.output;
  EXPECT_EQ(unsigned_master, "403 application/json") << served.output;
  EXPECT_EQ(init, "200 video/mp4") << served.output;
  // Cancel needs the API token; the job has ended (409); a 2 MB body is refused (413).
  EXPECT_EQ(no_token, "401") << served.output;
  EXPECT_EQ(complete, "409") << served.output;
  EXPECT_EQ(oversize, "413") << served.output;
  EXPECT_THAT(served.output, HasSubstr("exit=0"));
  EXPECT_THAT(served.output, HasSubstr("atp serve: stopped by a stop signal"));
  const size_t at = served.output.find("stop_ms=");
  ASSERT_NE(at, std::string::npos);
  EXPECT_LT(std::stoi(served.output.substr(at + 8)), 10000);
}

TEST_F(AtpCliTest, HashPrintsTheVectorsOfTheFormatDocument) {
  testing::TempDir dir;
  auto file = dir.WriteFile("hello.txt", "hello world");
  Result result = RunAtp("hash " + file.string());
  EXPECT_EQ(result.exit_code, kExitOk);
  EXPECT_EQ(result.output,
            "5eb63bbbe01eeed093cb22bb8f5acdc3  45ab6734b21e6968  11  " + file.string() + "\n");
  Result missing = RunAtp("hash " + (dir.path() / "nope").string());
  EXPECT_EQ(missing.exit_code, kExitOtherError);
  EXPECT_THAT(missing.output, HasSubstr("No such file"));
}

void ReplaceAll(std::string& text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

TEST_F(AtpCliTest, TranscodePublishesAPackageOnceAndSaysSoTheSecondTime) {
  testing::TempDir out;
  Result first = RunAtp("transcode " + manifest_->string() + " --out " + out.path().string());
  ASSERT_EQ(first.exit_code, kExitOk) << first.output;
  EXPECT_THAT(first.output, HasSubstr("h264_240p   avc1.4d40"));
  const fs::path episode = out.path() / "atp-sample/s01/e001";
  ASSERT_EQ(std::distance(fs::directory_iterator(episode), fs::directory_iterator()), 1);
  const fs::path package = fs::directory_iterator(episode)->path();
  for (const char* file :
       {"master.m3u8", "manifest.mpd", "h264_240p/init.mp4", "h264_240p/seg_00001.m4s",
        "audio_ja/playlist.m3u8", "audio_en/seg_00001.m4s"}) {
    EXPECT_TRUE(fs::exists(package / file)) << file;
  }
  Result second = RunAtp("transcode " + manifest_->string() + " --out " + out.path().string());
  EXPECT_EQ(second.exit_code, kExitOk) << second.output;
  EXPECT_THAT(second.output, HasSubstr("already published"));
}

// Bytes damaged in the middle of a ProRes mezzanine whose manifest matches the damaged file:
// verification passes, decoding fails, and nothing (not even a staging folder) is left.
TEST_F(AtpCliTest, CorruptVideoMidStreamPublishesNothing) {
  testing::TempDir dir;
  Result sample = RunAtp("sample --out " + dir.path().string() + " --duration 3 --size 320x240");
  ASSERT_EQ(sample.exit_code, kExitOk) << sample.output;
  const fs::path mezzanine = dir.path() / "mezzanines/atp-sample/s01e01.mov";
  const fs::path manifest = dir.path() / "atp-sample-s01e01-sample.xml";
  const storage::FileDigest before = *storage::DigestFile(mezzanine);
  std::string bytes = testing::ReadFile(mezzanine);
  for (size_t at = bytes.size() / 3; at < bytes.size() / 2; at += 997) bytes[at] ^= 0xff;
  std::ofstream(mezzanine, std::ios::binary | std::ios::trunc) << bytes;
  const storage::FileDigest after = storage::DigestBytes(bytes);
  std::string xml = testing::ReadFile(manifest);
  ReplaceAll(xml, before.md5_hex, after.md5_hex);
  ReplaceAll(xml, before.xxh64_hex, after.xxh64_hex);
  std::ofstream(manifest, std::ios::trunc) << xml;

  const fs::path out = dir.path() / "out";
  Result result = RunAtp("transcode " + manifest.string() + " --out " + out.string());
  EXPECT_EQ(result.exit_code, kExitMezzanineMismatch) << result.output;
  EXPECT_THAT(result.output, HasSubstr("corrupt video"));
  EXPECT_THAT(result.output, HasSubstr("nothing was published"));
  const fs::path episode = out / "atp-sample/s01/e001";
  EXPECT_TRUE(!fs::exists(episode) || fs::is_empty(episode));
}

// `atp sample` refuses, before writing anything, a size whose manifest ingest would refuse or
// that its encoders cannot write; the smallest size ingest accepts gives a delivery `atp check`
// accepts.
TEST_F(AtpCliTest, SampleRefusesSizesIngestRefusesAndWritesNothing) {
  testing::TempDir dir;
  const fs::path out = dir.path() / "delivery";
  const std::string kRange =
      "a manifest accepts widths from 320 to 7680 and heights from 240 to 4320";
  struct Case {
    std::string size;
    std::string message;
  };
  for (const Case& c :
       std::vector<Case>{{"320x180", "sample size 320x180: " + kRange},
                         {"318x240", "sample size 318x240: " + kRange},
                         {"7682x4320", "sample size 7682x4320: " + kRange},
                         {"1920x4322", "sample size 1920x4322: " + kRange},
                         {"321x240", "sample size 321x240: expected even numbers"},
                         {"320x241", "sample size 320x241: expected even numbers"}}) {
    Result result = RunAtp("sample --out " + out.string() + " --duration 1 --size " + c.size);
    EXPECT_EQ(result.exit_code, kExitOtherError) << c.size << ": " << result.output;
    EXPECT_THAT(result.output, HasSubstr(c.message)) << c.size;
    EXPECT_THAT(result.output, Not(HasSubstr("writing"))) << c.size;
    EXPECT_FALSE(fs::exists(out)) << c.size;
  }

  Result sample = RunAtp("sample --out " + out.string() + " --duration 1 --size 320x240");
  ASSERT_EQ(sample.exit_code, kExitOk) << sample.output;
  Result check = RunAtp("check " + (out / "atp-sample-s01e01-sample.xml").string());
  EXPECT_EQ(check.exit_code, kExitOk) << check.output;
  EXPECT_THAT(check.output, HasSubstr("atp check: OK"));
  EXPECT_THAT(check.output, HasSubstr("320x240"));
}

TEST_F(AtpCliTest, BadFlagsExitWithOne) {
  EXPECT_EQ(RunAtp("check").exit_code, kExitOtherError);
  EXPECT_EQ(RunAtp("sample --out /tmp/x --codec vp9").exit_code, kExitOtherError);
  EXPECT_EQ(RunAtp("frobnicate").exit_code, kExitOtherError);
  Result help = RunAtp("--help");
  EXPECT_EQ(help.exit_code, kExitOk);
  EXPECT_THAT(help.output, HasSubstr("check"));
}

}  // namespace
}  // namespace atp::app
