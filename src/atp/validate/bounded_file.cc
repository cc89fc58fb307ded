#include "atp/validate/bounded_file.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace atp::validate {

absl::StatusOr<std::string> ReadBoundedFile(const std::filesystem::path& file, uint64_t max_bytes) {
  std::error_code error;
  const uintmax_t size = std::filesystem::file_size(file, error);
  if (error) return absl::NotFoundError(absl::StrCat(file.string(), ": ", error.message()));
  if (size > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(file.string(), ": ", size, " bytes is over the limit of ", max_bytes));
  }
  std::ifstream in(file, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace atp::validate
