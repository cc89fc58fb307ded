#include "atp/pipeline/read_manifest.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "atp/core/status_macros.h"
#include "atp/manifest/xml_guard.h"
#include "atp/storage/pinned_file.h"

namespace atp::pipeline {

absl::StatusOr<std::string> ReadManifestBytes(const std::filesystem::path& file) {
  absl::StatusOr<std::unique_ptr<storage::PinnedFile>> pinned = storage::PinnedFile::Open(file);
  if (absl::IsNotFound(pinned.status())) {
    return absl::NotFoundError(absl::StrCat("manifest ", file.string(), " does not exist"));
  }
  if (absl::IsFailedPrecondition(pinned.status())) {
    return absl::InvalidArgumentError(
        absl::StrCat("manifest ", std::string(pinned.status().message())));
  }
  ATP_RETURN_IF_ERROR(pinned.status());
  ATP_RETURN_IF_ERROR(
      manifest::CheckManifestSize(static_cast<uint64_t>((*pinned)->identity().size_bytes)));
  std::string bytes(manifest::kMaxManifestBytes + 1, '\0');
  ATP_ASSIGN_OR_RETURN(const size_t got, (*pinned)->ReadAt(0, bytes.data(), bytes.size()));
  bytes.resize(got);
  return bytes;
}

absl::StatusOr<manifest::ParsedManifest> ReadManifest(const std::filesystem::path& file) {
  ATP_ASSIGN_OR_RETURN(const std::string bytes, ReadManifestBytes(file));
  return manifest::ParseManifest(bytes);
}

}  // namespace atp::pipeline
