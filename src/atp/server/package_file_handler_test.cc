#include "atp/server/package_file_handler.h"

#include <httplib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "atp/server/signed_urls.h"
#include "atp/storage/local_blob_store.h"
#include "atp/testing/fake_clock.h"
#include "atp/testing/status_matchers.h"
#include "atp/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace atp::server {
namespace {

using ::atp::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

namespace fs = std::filesystem;

constexpr int64_t kSegmentBytes = 1 << 20;
constexpr char kKey[] = "0123456789abcdef0123456789abcdef";
constexpr char kMaster[] = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000000\n720p/playlist.m3u8\n";

// 1 MiB that no shifted copy of itself matches: a part sent from the wrong offset shows.
std::string SegmentBytes() {
  std::string bytes(kSegmentBytes, '\0');
  for (int64_t i = 0; i < kSegmentBytes; ++i) {
    bytes[i] = static_cast<char>((i * 7919 + i / 4096) % 251);
  }
  return bytes;
}

// The "code" of a JSON error body, or "" when the body is not one.
std::string ErrorCode(const std::string& body) {
  const nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.contains("error")) return "";
  return json["error"].value("code", "");
}

std::string ErrorMessage(const std::string& body) {
  const nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.contains("error")) return "";
  return json["error"].value("message", "");
}

// A published package in a temp --out folder, with what must never be served beside it, and
// a real httplib server on 127.0.0.1 answering with a PackageFileHandler over it.
class PackageFileHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    segment_ = SegmentBytes();
    dir_.WriteFile("pkg/master.m3u8", kMaster);
    dir_.WriteFile("pkg/720p/playlist.m3u8", "#EXTM3U\n#EXTINF:6.0,\nseg_00001.m4s\n");
    dir_.WriteFile("pkg/720p/init.mp4", "init-bytes");
    dir_.WriteFile("pkg/720p/seg_00001.m4s", segment_);
    dir_.WriteFile("pkg/manifest.mpd", "<MPD/>\n");
    dir_.WriteFile("pkg/subs_en/seg_00001.vtt", "WEBVTT\n\n00:00.000 --> 00:01.000\nHi\n");
    dir_.WriteFile("pkg/report.json", "{\"ok\":true}\n");
    dir_.WriteFile("pkg/notes.bin", "other");
    dir_.WriteFile("pkg/empty.m4s", "");
    dir_.WriteFile(".staging-x/secret", "staged secret");
    dir_.WriteFile("pkg/.atp/state", "state secret");
    outside_.WriteFile("secret.m4s", "outside secret");
    fs::create_symlink(outside_.path() / "secret.m4s", dir_.path() / "pkg/escape.m4s");
    fs::create_symlink(outside_.path(), dir_.path() / "pkg/escape_dir");
    ASSERT_OK_AND_ASSIGN(store_, storage::OpenLocalBlobStore(dir_.path()));
  }

  void TearDown() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  void Serve(PackageFileOptions options = {}) {
    ASSERT_OK_AND_ASSIGN(handler_, PackageFileHandler::Create(*store_, clock_, options));
    handler_->Install(server_);
    const int port = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port);
    client_->set_url_encode(false);  // Send each path byte for byte, "%2F" and ".." included.
  }

  httplib::Result Get(const std::string& path, const httplib::Headers& headers = {}) {
    return client_->Get(path, headers);
  }

  testing::TempDir dir_;
  testing::TempDir outside_;
  testing::FakeClock clock_;
  std::string segment_;
  std::unique_ptr<storage::BlobStore> store_;
  std::unique_ptr<PackageFileHandler> handler_;
  httplib::Server server_;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(PackageFileHandlerTest, ServesEachKindWithItsTypeAndCaching) {
  Serve();
  struct Case {
    std::string path, content_type, cache_control, body;
  };
  const std::string kMedia = "max-age=31536000, immutable";
  for (const Case& c :
       std::vector<Case>{{"pkg/master.m3u8", "application/vnd.apple.mpegurl", "no-cache", kMaster},
                         {"pkg/manifest.mpd", "application/dash+xml", "no-cache", "<MPD/>\n"},
                         {"pkg/720p/init.mp4", "video/mp4", kMedia, "init-bytes"},
                         {"pkg/720p/seg_00001.m4s", "video/iso.segment", kMedia, segment_},
                         {"pkg/subs_en/seg_00001.vtt", "text/vtt", kMedia,
                          "WEBVTT\n\n00:00.000 --> 00:01.000\nHi\n"},
                         {"pkg/report.json", "application/json", "no-cache", "{\"ok\":true}\n"},
                         {"pkg/notes.bin", "application/octet-stream", "no-cache", "other"},
                         {"pkg/empty.m4s", "video/iso.segment", kMedia, ""}}) {
    const httplib::Result result = Get("/out/" + c.path);
    ASSERT_TRUE(result) << c.path << ": " << httplib::to_string(result.error());
    EXPECT_EQ(result->status, 200) << c.path;
    EXPECT_EQ(result->get_header_value("Content-Type"), c.content_type) << c.path;
    EXPECT_EQ(result->get_header_value("Cache-Control"), c.cache_control) << c.path;
    EXPECT_EQ(result->get_header_value("Accept-Ranges"), "bytes") << c.path;
    EXPECT_EQ(result->get_header_value("Content-Length"), std::to_string(c.body.size())) << c.path;
    EXPECT_TRUE(result->body == c.body) << c.path << ": " << result->body.size() << " bytes";
  }
}

TEST_F(PackageFileHandlerTest, AnswersOneRangeWithAPart) {
  Serve();
  struct Case {
    std::string range;
    int64_t first, last;
  };
  for (const Case& c : std::vector<Case>{{"bytes=0-99", 0, 99},
                                         {"bytes=-100", kSegmentBytes - 100, kSegmentBytes - 1},
                                         {"bytes=1000-", 1000, kSegmentBytes - 1},
                                         {"bytes=70000-70010", 70000, 70010},
                                         {"bytes=5-99999999999", 5, kSegmentBytes - 1},
                                         {"bytes=-99999999", 0, kSegmentBytes - 1}}) {
    const httplib::Result result = Get("/out/pkg/720p/seg_00001.m4s", {{"Range", c.range}});
    ASSERT_TRUE(result) << c.range;
    EXPECT_EQ(result->status, 206) << c.range;
    EXPECT_EQ(result->get_header_value("Content-Range"),
              absl::StrCat("bytes ", c.first, "-", c.last, "/", kSegmentBytes))
        << c.range;
    EXPECT_EQ(result->get_header_value("Content-Type"), "video/iso.segment") << c.range;
    EXPECT_EQ(result->get_header_value("Content-Length"), std::to_string(c.last - c.first + 1))
        << c.range;
    EXPECT_TRUE(result->body == segment_.substr(c.first, c.last - c.first + 1)) << c.range;
  }
}

TEST_F(PackageFileHandlerTest, FirstHundredBytesAreTheFilesBytes) {
  Serve();
  const httplib::Result result = Get("/out/pkg/720p/seg_00001.m4s", {{"Range", "bytes=0-99"}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 206);
  EXPECT_EQ(result->body, testing::ReadFile(dir_.path() / "pkg/720p/seg_00001.m4s").substr(0, 100));
}

TEST_F(PackageFileHandlerTest, UnsatisfiableRangeIs416) {
  Serve();
  for (const std::string& range :
       {absl::StrCat("bytes=", kSegmentBytes, "-"),
        absl::StrCat("bytes=", kSegmentBytes + 1, "-", kSegmentBytes + 100),
        std::string("bytes=-0")}) {
    const httplib::Result result = Get("/out/pkg/720p/seg_00001.m4s", {{"Range", range}});
    ASSERT_TRUE(result) << range;
    EXPECT_EQ(result->status, 416) << range;
    EXPECT_EQ(result->get_header_value("Content-Range"), absl::StrCat("bytes */", kSegmentBytes))
        << range;
    EXPECT_EQ(ErrorCode(result->body), "OUT_OF_RANGE") << range;
  }
  const httplib::Result empty = Get("/out/pkg/empty.m4s", {{"Range", "bytes=0-"}});
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 416);
  EXPECT_EQ(empty->get_header_value("Content-Range"), "bytes */0");
}

TEST_F(PackageFileHandlerTest, SeveralRangesOrIfRangeGetTheWholeFile) {
  Serve();
  for (const httplib::Headers& headers :
       {httplib::Headers{{"Range", "bytes=0-1,5-6"}},
        httplib::Headers{{"Range", "bytes=0-99"}, {"If-Range", "\"some-etag\""}}}) {
    const httplib::Result result = Get("/out/pkg/720p/seg_00001.m4s", headers);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 200);
    EXPECT_FALSE(result->has_header("Content-Range"));
    EXPECT_TRUE(result->body == segment_);
  }
}

TEST_F(PackageFileHandlerTest, RangeDoesNotCutAnErrorBody) {
  Serve();
  const httplib::Result result = Get("/out/pkg/missing.m4s", {{"Range", "bytes=0-3"}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 404);
  EXPECT_FALSE(result->has_header("Content-Range"));
  EXPECT_EQ(ErrorCode(result->body), "NOT_FOUND");
}

TEST_F(PackageFileHandlerTest, HeadHasTheLengthAndNoBody) {
  Serve();
  const httplib::Result result = client_->Head("/out/pkg/720p/seg_00001.m4s");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->get_header_value("Content-Length"), std::to_string(kSegmentBytes));
  EXPECT_EQ(result->get_header_value("Content-Type"), "video/iso.segment");
  EXPECT_EQ(result->get_header_value("Accept-Ranges"), "bytes");
  EXPECT_THAT(result->body, IsEmpty());

  const httplib::Result part =
      client_->Head("/out/pkg/720p/seg_00001.m4s", {{"Range", "bytes=-10"}});
  ASSERT_TRUE(part);
  EXPECT_EQ(part->status, 206);
  EXPECT_EQ(part->get_header_value("Content-Length"), "10");
  EXPECT_THAT(part->body, IsEmpty());

  const httplib::Result missing = client_->Head("/out/pkg/missing.m4s");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_THAT(missing->body, IsEmpty());
}

TEST_F(PackageFileHandlerTest, RefusesEverythingOutsideThePackage) {
  Serve();
  struct Case {
    std::string path;
    int status;
    std::string code;
  };
  for (const Case& c :
       std::vector<Case>{// Malformed paths: refused before the store is asked.
                         {"/out/../etc/passwd", 400, "INVALID_ARGUMENT"},
                         {"/out/pkg/../.staging-x/secret", 400, "INVALID_ARGUMENT"},
                         {"/out/pkg/./master.m3u8", 400, "INVALID_ARGUMENT"},
                         {"/out/pkg/%2e%2e/.staging-x/secret", 400, "INVALID_ARGUMENT"},
                         {"/out/pkg%2F..%2F.staging-x%2Fsecret", 400, "INVALID_ARGUMENT"},
                         {"/out/pkg%2fmaster.m3u8", 400, "INVALID_ARGUMENT"},
                         {"/out/pkg/..%5C.staging-x", 400, "INVALID_ARGUMENT"},
                         {"/out/pkg//master.m3u8", 400, "INVALID_ARGUMENT"},
                         {"/out//pkg/master.m3u8", 400, "INVALID_ARGUMENT"},
                         {"/out/pkg/master.m3u8%00.vtt", 400, "INVALID_ARGUMENT"},
                         {"/out/pkg/%0A", 400, "INVALID_ARGUMENT"},
                         {"/out/pkg/%zz", 400, "INVALID_ARGUMENT"},
                         {"/out/pkg/master.m3u8%", 400, "INVALID_ARGUMENT"},
                         // Symlinks that lead out of the store.
                         {"/out/pkg/escape.m4s", 404, "NOT_FOUND"},
                         {"/out/pkg/escape_dir/secret.m4s", 404, "NOT_FOUND"},
                         // Staging folders and the store's own files.
                         {"/out/.staging-x/secret", 404, "NOT_FOUND"},
                         {"/out/%2Estaging-x/secret", 404, "NOT_FOUND"},
                         {"/out/pkg/.atp/state", 404, "NOT_FOUND"},
                         // Folders and what is not there.
                         {"/out/pkg/720p", 404, "NOT_FOUND"},
                         {"/out/pkg/", 404, "NOT_FOUND"},
                         {"/out/", 404, "NOT_FOUND"},
                         {"/out", 404, "NOT_FOUND"},
                         {"/out/pkg/missing.m3u8", 404, "NOT_FOUND"},
                         {"/out/pkg/master.m3u8/x", 404, "NOT_FOUND"}}) {
    const httplib::Result result = Get(c.path);
    ASSERT_TRUE(result) << c.path;
    EXPECT_EQ(result->status, c.status) << c.path;
    EXPECT_EQ(result->get_header_value("Content-Type"), "application/json") << c.path;
    EXPECT_EQ(ErrorCode(result->body), c.code) << c.path << ": " << result->body;
    EXPECT_THAT(result->body, Not(HasSubstr(" secret"))) << c.path;  // No file's content.
    EXPECT_THAT(result->body, Not(HasSubstr(dir_.path().string()))) << c.path;
  }
}

TEST_F(PackageFileHandlerTest, FollowsASymlinkThatStaysInside) {
  fs::create_symlink("720p/init.mp4", dir_.path() / "pkg/alias.mp4");
  Serve();
  const httplib::Result result = Get("/out/pkg/alias.mp4");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, "init-bytes");
}

TEST_F(PackageFileHandlerTest, CreateRefusesAnEmptyKey) {
  EXPECT_THAT(PackageFileHandler::Create(*store_, clock_, {.signing_key = ""}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// ---- With a signing key ----

class SignedPackageFileHandlerTest : public PackageFileHandlerTest {
 protected:
  void SetUp() override {
    PackageFileHandlerTest::SetUp();
    Serve({.signing_key = kKey});
  }

  // "/out/t/<token>/pkg/", good for an hour.
  std::string PackagePath() {
    absl::StatusOr<std::string> path =
        SignedDeliveryPath(kKey, "pkg", clock_.Now() + absl::Hours(1));
    EXPECT_OK(path.status());
    return path.value_or("");
  }
};

TEST_F(SignedPackageFileHandlerTest, OneTokenOpensTheWholePackage) {
  const std::string package = PackagePath();
  ASSERT_THAT(package, StartsWith("/out/t/"));
  const httplib::Result master = Get(package + "master.m3u8");
  ASSERT_TRUE(master);
  EXPECT_EQ(master->status, 200);
  EXPECT_EQ(master->get_header_value("Content-Type"), "application/vnd.apple.mpegurl");
  EXPECT_EQ(master->body, kMaster);

  // The master's relative URI resolves below the same token path.
  const httplib::Result media = Get(package + "720p/playlist.m3u8");
  ASSERT_TRUE(media);
  EXPECT_EQ(media->status, 200);

  const httplib::Result segment = Get(package + "720p/seg_00001.m4s", {{"Range", "bytes=0-99"}});
  ASSERT_TRUE(segment);
  EXPECT_EQ(segment->status, 206);
  EXPECT_EQ(segment->body, segment_.substr(0, 100));

  const httplib::Result head = client_->Head(package + "720p/seg_00001.m4s");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->get_header_value("Content-Length"), std::to_string(kSegmentBytes));
}

TEST_F(SignedPackageFileHandlerTest, RefusesRequestsWithoutAGoodToken) {
  const std::string good = MakeDeliveryToken(kKey, "pkg", clock_.Now() + absl::Hours(1));
  const size_t dot = good.find('.');
  std::string tampered = good;
  tampered[dot + 1] = tampered[dot + 1] == 'A' ? 'B' : 'A';
  const std::string expired = MakeDeliveryToken(kKey, "pkg", clock_.Now() - absl::Seconds(1));
  const std::string other_prefix = MakeDeliveryToken(kKey, "other", clock_.Now() + absl::Hours(1));
  const std::string narrower = MakeDeliveryToken(kKey, "pkg/720p", clock_.Now() + absl::Hours(1));
  const std::string other_key =
      MakeDeliveryToken("another key, 32 bytes long......", "pkg", clock_.Now() + absl::Hours(1));
  struct Case {
    std::string path, message;
  };
  for (const Case& c : std::vector<Case>{
           {"/out/pkg/master.m3u8", "a delivery token is required"},
           {"/out/t/pkg/master.m3u8", "delivery token is malformed"},
           {"/out/t/not-a-token/pkg/master.m3u8", "delivery token is malformed"},
           {absl::StrCat("/out/t/", good), "requested path has an empty segment"},
           {absl::StrCat("/out/t/", tampered, "/pkg/master.m3u8"), "delivery token is tampered"},
           {absl::StrCat("/out/t/", other_key, "/pkg/master.m3u8"), "delivery token is tampered"},
           {absl::StrCat("/out/t/", expired, "/pkg/master.m3u8"), "delivery token expired"},
           {absl::StrCat("/out/t/", other_prefix, "/pkg/master.m3u8"),
            "requested path is outside the token's prefix"},
           {absl::StrCat("/out/t/", narrower, "/pkg/master.m3u8"),
            "requested path is outside the token's prefix"},
           {absl::StrCat("/out/t/", good, "/pkgx/master.m3u8"),
            "requested path is outside the token's prefix"}}) {
    const httplib::Result result = Get(c.path);
    ASSERT_TRUE(result) << c.path;
    EXPECT_EQ(result->status, 403) << c.path;
    EXPECT_EQ(result->get_header_value("Content-Type"), "application/json") << c.path;
    EXPECT_EQ(ErrorCode(result->body), "PERMISSION_DENIED") << c.path << ": " << result->body;
    EXPECT_THAT(ErrorMessage(result->body), StartsWith(c.message)) << c.path;
  }
}

TEST_F(SignedPackageFileHandlerTest, ATokenStopsWorkingWhenItExpires) {
  const std::string path = PackagePath() + "master.m3u8";
  const httplib::Result before = Get(path);
  ASSERT_TRUE(before);
  EXPECT_EQ(before->status, 200);
  clock_.Advance(absl::Hours(1));
  const httplib::Result after = Get(path);
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 403);
  EXPECT_THAT(ErrorMessage(after->body), StartsWith("delivery token expired"));
}

TEST_F(SignedPackageFileHandlerTest, ATokenOpensNothingHiddenOrOutside) {
  const std::string package = PackagePath();
  struct Case {
    std::string path;
    int status;
  };
  for (const Case& c : std::vector<Case>{{package + ".atp/state", 404},
                                         {package + "escape.m4s", 404},
                                         {package + "720p", 404},
                                         {package + "missing.m4s", 404},
                                         {package + "../.staging-x/secret", 400},
                                         {package + "%2E%2E/.staging-x/secret", 400},
                                         {package + "..%2F.staging-x%2Fsecret", 400}}) {
    const httplib::Result result = Get(c.path);
    ASSERT_TRUE(result) << c.path;
    EXPECT_EQ(result->status, c.status) << c.path << ": " << result->body;
  }
}

}  // namespace
}  // namespace atp::server
