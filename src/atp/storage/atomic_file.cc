#include "atp/storage/atomic_file.h"

#include <cerrno>
#include <cstdio>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "atp/core/errno_status.h"

namespace atp::storage {

absl::Status WriteFileAtomically(const std::filesystem::path& file, std::string_view bytes) {
  const std::filesystem::path partial = std::filesystem::path(file).concat(".partial");
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) return ErrnoToStatus(errno, "cannot write " + partial.string());
  }
  if (std::rename(partial.c_str(), file.c_str()) != 0) {
    const int error = errno;
    std::remove(partial.c_str());
    return ErrnoToStatus(error, "cannot rename " + partial.string());
  }
  return absl::OkStatus();
}

absl::Status MakeDirectories(const std::filesystem::path& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return ErrnoToStatus(error.value(), absl::StrCat("cannot create ", dir.string()));
  return absl::OkStatus();
}

}  // namespace atp::storage
