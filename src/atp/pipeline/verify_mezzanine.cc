#include "atp/pipeline/verify_mezzanine.h"

#include <cmath>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "atp/core/status_macros.h"
#include "atp/media/interlace_detector.h"
#include "atp/media/probe.h"
#include "atp/pipeline/subtitle_tracks.h"

namespace atp::pipeline {
namespace {

absl::Status WithField(const std::string& field, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat(field, ": ", std::string(status.message())));
}

// Size first: a file of the wrong size cannot have the right checksums, and saying so is
// the more useful message (truncated upload, wrong file).
absl::Status CompareDigest(const MezzanineSpec& mezzanine, const storage::FileDigest& digest) {
  if (digest.size_bytes != mezzanine.file_size_bytes) {
    return absl::FailedPreconditionError(
        absl::StrCat("Mezzanine/FileSizeBytes: the manifest says ", mezzanine.file_size_bytes,
                     " bytes but the file has ", digest.size_bytes,
                     digest.size_bytes < mezzanine.file_size_bytes ? " (truncated upload?)" : ""));
  }
  std::vector<std::string> mismatches;
  if (absl::AsciiStrToLower(mezzanine.checksum_md5) != digest.md5_hex) {
    mismatches.push_back(absl::StrCat("Mezzanine/ChecksumMD5: the manifest says ",
                                      mezzanine.checksum_md5, " but the file's MD5 is ",
                                      digest.md5_hex));
  }
  if (!mezzanine.checksum_xxh64.empty() &&
      absl::AsciiStrToLower(mezzanine.checksum_xxh64) != digest.xxh64_hex) {
    mismatches.push_back(absl::StrCat("Mezzanine/ChecksumXXHash: the manifest says ",
                                      mezzanine.checksum_xxh64, " but the file's XXH64 is ",
                                      digest.xxh64_hex));
  }
  if (mismatches.empty()) return absl::OkStatus();
  return absl::DataLossError(absl::StrJoin(mismatches, "\n"));
}

// The probe, and idet on sampled frames when the stream does not say whether it is
// interlaced.
absl::StatusOr<SourceInfo> ProbeSource(const storage::PinnedFile& file) {
  ATP_ASSIGN_OR_RETURN(SourceInfo source, media::ProbeMedia(file));
  if (source.field_order != FieldOrder::kUnknown) return source;
  ATP_ASSIGN_OR_RETURN(const media::InterlaceVerdict verdict, media::DetectInterlacing(file));
  source.field_order = verdict.field_order;
  source.field_order_evidence = verdict.evidence;
  source.pulldown_suspected = verdict.pulldown;
  return source;
}

}  // namespace

std::vector<std::string> CompareSourceWithManifest(const JobSpec& spec, const SourceInfo& source) {
  const MezzanineSpec& mezzanine = spec.mezzanine;
  std::vector<std::string> problems;
  if (std::abs(source.duration_seconds() - mezzanine.duration_seconds) >
      kDurationToleranceSeconds) {
    problems.push_back(absl::StrFormat(
        "Mezzanine/DurationSeconds: the manifest says %.3f s but the file lasts %.3f s "
        "(tolerance %.1f s)",
        mezzanine.duration_seconds, source.duration_seconds(), kDurationToleranceSeconds));
  }
  if (source.width != mezzanine.width || source.height != mezzanine.height) {
    problems.push_back(absl::StrCat(
        "Mezzanine/ResolutionWidth, ResolutionHeight: the manifest says ", mezzanine.width, "x",
        mezzanine.height, " but the video is ", source.width, "x", source.height));
  }
  // A variable-frame-rate source runs at its nominal rate with frames missing: its average
  // is lower, its base rate is the manifest's.
  if (std::abs(source.frame_rate.ToDouble() - mezzanine.frame_rate) > kFrameRateTolerance &&
      std::abs(source.base_frame_rate.ToDouble() - mezzanine.frame_rate) > kFrameRateTolerance) {
    problems.push_back(absl::StrFormat(
        "Mezzanine/FrameRate: the manifest says %g fps but the video runs at %.3f fps (%d/%d)",
        mezzanine.frame_rate, source.frame_rate.ToDouble(), source.frame_rate.num,
        source.frame_rate.den));
  }
  for (size_t i = 0; i < spec.audio_tracks.size(); ++i) {
    const AudioTrackSpec& track = spec.audio_tracks[i];
    if (track.track_index > static_cast<int>(source.audio_streams.size())) {
      problems.push_back(absl::StrCat("AudioTracks/AudioTrack[", i + 1,
                                      "]/TrackIndex: audio stream ", track.track_index, " (",
                                      track.language, ") is declared but the file has ",
                                      source.audio_streams.size(), " audio stream(s)"));
    }
  }
  return problems;
}

absl::StatusOr<VerifiedMezzanine> VerifyMezzanine(const JobSpec& spec, const DeliveryPaths& paths,
                                                  const storage::DigestProgress& progress,
                                                  const BesideChecksums& beside) {
  // The subtitle files first: they are small, and a malformed one fails the job before the
  // mezzanine is read.
  ATP_ASSIGN_OR_RETURN(std::vector<subtitle::SubtitleFile> subtitles,
                       ReadSubtitleFiles(spec, paths.subtitles));
  VerifiedMezzanine verified;
  verified.subtitles = std::move(subtitles);
  absl::StatusOr<std::unique_ptr<storage::PinnedFile>> file =
      storage::PinnedFile::Open(paths.mezzanine);
  if (!file.ok()) return WithField("Mezzanine/FilePath", file.status());
  verified.file = *std::move(file);
  // Probed first, so that work on the source can start beside the checksums; what the probe
  // found is reported after them (a file of the wrong size or checksums is the wrong file,
  // whatever it holds).
  absl::StatusOr<SourceInfo> source = ProbeSource(*verified.file);
  const bool agrees = source.ok() && CompareSourceWithManifest(spec, *source).empty();
  if (agrees && beside.start) beside.start(*verified.file, *source);
  // Declared after `verified`: stops the work beside before the file closes.
  absl::Cleanup stop_beside = [&] {
    if (agrees && beside.start && beside.stop) beside.stop();
  };
  absl::StatusOr<storage::FileDigest> digest = storage::DigestFile(*verified.file, progress);
  if (!digest.ok()) return WithField("Mezzanine/FilePath", digest.status());
  verified.digest = *std::move(digest);
  ATP_RETURN_IF_ERROR(CompareDigest(spec.mezzanine, verified.digest));
  if (!source.ok()) return WithField("Mezzanine/FilePath", source.status());
  verified.source = *std::move(source);
  // The checksums and the probe are of the bytes as they were opened only if nothing wrote
  // to the file meanwhile.
  ATP_ASSIGN_OR_RETURN(const storage::FileIdentity after, verified.file->CurrentIdentity());
  if (after != verified.file->identity()) {
    return absl::UnavailableError(absl::StrCat(
        "Mezzanine/FilePath: ", paths.mezzanine.string(), " was written while it was read (",
        storage::DescribeIdentityChange(verified.file->identity(), after),
        "); is it still arriving? It is read again on the next attempt"));
  }
  if (std::vector<std::string> problems = CompareSourceWithManifest(spec, verified.source);
      !problems.empty()) {
    return absl::FailedPreconditionError(absl::StrJoin(problems, "\n"));
  }
  std::move(stop_beside).Cancel();
  return verified;
}

absl::Status ReverifyMezzanine(const JobSpec& spec, const storage::PinnedFile& file,
                               const storage::FileIdentity& verified,
                               const storage::DigestProgress& progress) {
  ATP_ASSIGN_OR_RETURN(const storage::FileIdentity now, file.CurrentIdentity());
  ATP_ASSIGN_OR_RETURN(const storage::FileDigest digest, storage::DigestFile(file, progress));
  const absl::Status matches = CompareDigest(spec.mezzanine, digest);
  if (matches.ok()) return absl::OkStatus();
  return absl::DataLossError(
      absl::StrCat("Mezzanine/FilePath: ", file.name(), " changed since verify (",
                   storage::DescribeIdentityChange(verified, now),
                   ") and no longer matches the manifest: ", std::string(matches.message())));
}

absl::StatusOr<std::unique_ptr<storage::PinnedFile>> ReopenVerifiedMezzanine(
    const JobSpec& spec, const std::filesystem::path& path, const storage::FileIdentity& verified,
    const storage::DigestProgress& progress) {
  absl::StatusOr<std::unique_ptr<storage::PinnedFile>> file = storage::PinnedFile::Open(path);
  if (!file.ok()) {
    if (!absl::IsNotFound(file.status()) && !absl::IsFailedPrecondition(file.status())) {
      return WithField("Mezzanine/FilePath", file.status());
    }
    return absl::DataLossError(absl::StrCat("Mezzanine/FilePath: changed since verify: ",
                                            std::string(file.status().message())));
  }
  if ((*file)->identity() != verified) {
    ATP_RETURN_IF_ERROR(ReverifyMezzanine(spec, **file, verified, progress));
  }
  return file;
}

}  // namespace atp::pipeline
