// atp/pipeline/verify_mezzanine.h
//
// The verify step: is the file on disk the one the manifest describes?
#ifndef ATP_PIPELINE_VERIFY_MEZZANINE_H_
#define ATP_PIPELINE_VERIFY_MEZZANINE_H_

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "atp/core/job_spec.h"
#include "atp/core/source_info.h"
#include "atp/pipeline/delivery_paths.h"
#include "atp/storage/file_digest.h"
#include "atp/storage/pinned_file.h"
#include "atp/subtitle/subtitle_file.h"

namespace atp::pipeline {

struct VerifiedMezzanine {
  storage::FileDigest digest;
  SourceInfo source;
  // The file that was read, held open: every later read of the mezzanine goes through it, so
  // a file renamed over its path after verify is never read.
  std::unique_ptr<storage::PinnedFile> file;
  // Every subtitle file, parsed (parallel to JobSpec::subtitle_tracks).
  std::vector<subtitle::SubtitleFile> subtitles;
};

// Tolerances of the comparison (manifest-format.md).
inline constexpr double kDurationToleranceSeconds = 0.5;
inline constexpr double kFrameRateTolerance = 0.01;

// Work on the probed mezzanine done while its checksums are read (MD5 is serial: a CPU would
// otherwise idle). Both callbacks are optional.
struct BesideChecksums {
  // Called when the probe agrees with the manifest, before the checksums are read, with the
  // file (open until `stop`, or for as long as the VerifiedMezzanine holds it) and the source.
  std::function<void(const storage::PinnedFile& file, const SourceInfo& source)> start;
  // Called, once `start` was, before VerifyMezzanine returns an error (and closes the file).
  std::function<void()> stop;
};

// Reads and parses every subtitle file (ReadSubtitleFiles), then opens the mezzanine once (a
// regular file, or refused without blocking), probes it, reads it once through the same
// descriptor (size, MD5, XXH64; `beside` meanwhile), and compares both with `spec`. Each
// failure names the manifest field and both values, the checksums' before the probe's:
// - NotFound: the mezzanine or a subtitle file does not exist;
// - InvalidArgument: a subtitle file is malformed or not UTF-8 (file, line and problem);
// - FailedPrecondition: the mezzanine is not a regular file (a FIFO, a device, a folder);
// - Unavailable: the file was written while it was being read (still arriving?): try again;
// - FailedPrecondition: the size differs (the checksums are then not compared), or the probed
//   duration, resolution, frame rate or audio streams disagree (all listed, one per line);
// - DataLoss: the size matches but MD5 or XXH64 does not;
// - InvalidArgument: the file is not media atp can demux, or has no video stream.
[[nodiscard]] absl::StatusOr<VerifiedMezzanine> VerifyMezzanine(
    const JobSpec& spec, const DeliveryPaths& paths, const storage::DigestProgress& progress,
    const BesideChecksums& beside = {});

// Confirms that `file`, whose identity is no longer `verified` (the identity recorded when it
// was verified), still holds the delivery: reads it again and compares size, MD5 and XXH64
// with `spec`. DataLoss "Mezzanine/FilePath: <file> changed since verify (<what changed>) and
// no longer matches the manifest: ..." when it does not.
[[nodiscard]] absl::Status ReverifyMezzanine(const JobSpec& spec, const storage::PinnedFile& file,
                                             const storage::FileIdentity& verified,
                                             const storage::DigestProgress& progress);

// Opens the mezzanine at `path` again (a resumed run) and returns it when its identity is
// `verified`, or when ReverifyMezzanine confirms it; the caller records the new identity.
[[nodiscard]] absl::StatusOr<std::unique_ptr<storage::PinnedFile>> ReopenVerifiedMezzanine(
    const JobSpec& spec, const std::filesystem::path& path, const storage::FileIdentity& verified,
    const storage::DigestProgress& progress);

// The probe half of the comparison: one line per disagreement, empty when all agree.
[[nodiscard]] std::vector<std::string> CompareSourceWithManifest(const JobSpec& spec,
                                                                 const SourceInfo& source);

}  // namespace atp::pipeline

#endif  // ATP_PIPELINE_VERIFY_MEZZANINE_H_
