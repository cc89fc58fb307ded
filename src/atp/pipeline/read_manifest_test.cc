#include "atp/pipeline/read_manifest.h"

#include <sys/stat.h>

#include "atp/manifest/manifest_test_data.h"
#include "atp/testing/status_matchers.h"
#include "atp/testing/temp_dir.h"
#include "gtest/gtest.h"

namespace atp::pipeline {
namespace {

using ::atp::testing::StatusIs;
using ::testing::HasSubstr;

TEST(ReadManifest, MissingFileIsNotFound) {
  testing::TempDir dir;
  EXPECT_THAT(ReadManifest(dir.path() / "none.xml"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("none.xml")));
}

TEST(ReadManifest, RefusesAHugeFileBySizeAlone) {
  testing::TempDir dir;
  const std::filesystem::path file = dir.path() / "huge.xml";
  dir.WriteFile("huge.xml", "");
  std::filesystem::resize_file(file, 2 << 20);  // Sparse: nothing to read but zeros.
  EXPECT_THAT(ReadManifest(file), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr("2097152 bytes is over the limit")));
}

// A FIFO (or a device) named as the manifest: refused at once, never waited on.
TEST(ReadManifest, RefusesWhatIsNotAFileWithoutBlocking) {
  testing::TempDir dir;
  const std::filesystem::path fifo = dir.path() / "m.xml";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_THAT(ReadManifest(fifo), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr("not a regular file (a FIFO)")));
  EXPECT_THAT(ReadManifest("/dev/zero"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not a regular file (a character device)")));
}

TEST(ReadManifest, ReadsAFile) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(manifest::ParsedManifest parsed,
                       ReadManifest(dir.WriteFile("m.xml", manifest::kExampleManifest)));
  EXPECT_EQ(parsed.spec.manifest_id, "aot-s01e01-2024-001");
}

}  // namespace
}  // namespace atp::pipeline
