#include "atp/testing/temp_dir.h"

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>

namespace atp::testing {

TempDir::TempDir() {
  const char* base = std::getenv("ATP_TEST_TMPDIR");
  std::filesystem::path parent =
      base != nullptr ? std::filesystem::path(base) : std::filesystem::temp_directory_path();
  std::filesystem::create_directories(parent);
  std::string pattern = (parent / "atp-test-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed: " + pattern);
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::filesystem::path TempDir::WriteFile(const std::string& relative_path,
                                         const std::string& contents) {
  std::filesystem::path file = path_ / relative_path;
  std::filesystem::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary);
  out << contents;
  return file;
}

std::string ReadFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<std::filesystem::path> FilesUnder(const std::filesystem::path& root,
                                              std::string_view part) {
  std::vector<std::filesystem::path> files;
  std::error_code error;
  for (std::filesystem::recursive_directory_iterator it(root, error), end; !error && it != end;
       it.increment(error)) {
    std::error_code gone;  // A file removed since it was listed is not one.
    if (it->is_regular_file(gone) && it->path().string().find(part) != std::string::npos) {
      files.push_back(it->path());
    }
  }
  return files;
}

}  // namespace atp::testing
