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

absl::StatusOr<std::string> ReadBoundedRange(const std::filesystem::path& file, uint64_t offset,
                                             uint64_t length, uint64_t max_bytes) {
  std::error_code error;
  const uintmax_t size = std::filesystem::file_size(file, error);
  if (error) return absl::NotFoundError(absl::StrCat(file.string(), ": ", error.message()));
  if (length > max_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(file.string(), ": a range of ", length,
                                                   " bytes is over the limit of ", max_bytes));
  }
  if (offset > size || length > size - offset) {
    return absl::InvalidArgumentError(absl::StrCat(file.string(), ": byte range ", length, "@",
                                                   offset, " runs past its end (", size,
                                                   " bytes)"));
  }
  std::ifstream in(file, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  std::string bytes(length, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(length));
  if (!in) return absl::UnavailableError(absl::StrCat(file.string(), ": read failed"));
  return bytes;
}

}  // namespace atp::validate
