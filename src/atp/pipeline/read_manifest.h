// atp/pipeline/read_manifest.h
//
// The ingest step's read: a manifest file into a validated JobSpec.
#ifndef ATP_PIPELINE_READ_MANIFEST_H_
#define ATP_PIPELINE_READ_MANIFEST_H_

#include <filesystem>
#include <string>

#include "absl/status/statusor.h"
#include "atp/manifest/manifest_parser.h"

namespace atp::pipeline {

// Opens `file` once (storage::PinnedFile: a FIFO or device is refused without blocking),
// refuses one over manifest::kMaxManifestBytes by its size before reading and, should it grow
// meanwhile, by what is read (never more than one byte past the limit: ParseManifest refuses
// that byte). NotFound names the path; InvalidArgument for what is not a file or too big.
[[nodiscard]] absl::StatusOr<std::string> ReadManifestBytes(const std::filesystem::path& file);

// ReadManifestBytes, then ParseManifest (InvalidArgument for what is not a valid manifest).
[[nodiscard]] absl::StatusOr<manifest::ParsedManifest> ReadManifest(
    const std::filesystem::path& file);

}  // namespace atp::pipeline

#endif  // ATP_PIPELINE_READ_MANIFEST_H_
