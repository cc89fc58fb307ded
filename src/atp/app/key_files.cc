#include "atp/app/key_files.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "atp/core/status_macros.h"

namespace atp::app {

absl::StatusOr<std::string> ReadSmallFile(const std::filesystem::path& file,
                                          std::string_view flag) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat(std::string(flag), " ", file.string(), ": cannot be read"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::StatusOr<std::string> ReadUrlSigningKey(const std::filesystem::path& file,
                                              std::string_view flag) {
  ATP_ASSIGN_OR_RETURN(std::string key, ReadSmallFile(file, flag));
  absl::StripTrailingAsciiWhitespace(&key);
  if (key.size() < 16) {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(flag), " ", file.string(),
                     ": the key is shorter than 16 bytes; make one with openssl rand -hex 32"));
  }
  return key;
}

}  // namespace atp::app
