// atp/testing/temp_dir.h
//
// TempDir: a fresh directory for one test, removed when it goes out of scope; ReadFile;
// FilesUnder.
#ifndef ATP_TESTING_TEMP_DIR_H_
#define ATP_TESTING_TEMP_DIR_H_

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace atp::testing {

class TempDir {
 public:
  // Creates a unique directory under $ATP_TEST_TMPDIR (set by ctest), else the system temp dir.
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

  // Writes `contents` to `relative_path` below the directory, creating parent folders.
  std::filesystem::path WriteFile(const std::string& relative_path, const std::string& contents);

 private:
  std::filesystem::path path_;
};

// The whole content of `file`, as bytes; empty when it cannot be read.
[[nodiscard]] std::string ReadFile(const std::filesystem::path& file);

// The regular files anywhere under `root` whose path contains `part` (none when `root` does not
// exist), also while another thread or process writes there.
[[nodiscard]] std::vector<std::filesystem::path> FilesUnder(const std::filesystem::path& root,
                                                            std::string_view part);

}  // namespace atp::testing

#endif  // ATP_TESTING_TEMP_DIR_H_
