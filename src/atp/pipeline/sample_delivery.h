// atp/pipeline/sample_delivery.h
//
// `atp sample`: a complete delivery (mezzanine, subtitles, manifest) generated from nothing,
// for the demo, the tests and benchmarks.
#ifndef ATP_PIPELINE_SAMPLE_DELIVERY_H_
#define ATP_PIPELINE_SAMPLE_DELIVERY_H_

#include <filesystem>
#include <string>

#include "absl/status/statusor.h"
#include "atp/media/sample_writer.h"

namespace atp::pipeline {

struct SampleDeliveryOptions {
  media::SampleOptions media;
  std::string series_id = "atp-sample";
  std::string series_title = "ATP Sample";
  int season_number = 1;
  int episode_number = 1;
};

struct SampleDelivery {
  std::filesystem::path manifest_file;   // <dir>/<manifest id>.xml
  std::filesystem::path mezzanine_file;  // <dir>/mezzanines/<series>/sSSeEE.mov (or .mp4)
};

// InvalidArgument, naming the allowed range, when `options` would give a delivery that
// ingest refuses (a size outside the resolutions a manifest may declare, kMinResolutionWidth
// and the others of atp/manifest/manifest_parser.h) or a mezzanine that
// media::ValidateSampleOptions refuses (an odd size, ...). Touches no file.
[[nodiscard]] absl::Status CheckSampleDeliveryOptions(const SampleDeliveryOptions& options);

// Writes into `dir` (created if needed): the mezzanine, two subtitle files (English SRT, the
// default, its first line in italics; Latin-American Spanish ASS with a positioned sign in a
// "Sign" style over the whole programme and an italic first line) and a manifest whose checksums,
// size, duration, resolution, frame rate and audio tracks are those measured on the written file,
// with FilePaths relative to `dir`. The manifest is written last, so its presence means the
// delivery is complete. Options CheckSampleDeliveryOptions refuses are refused the same way, before
// anything (not even `dir`) is created.
[[nodiscard]] absl::StatusOr<SampleDelivery> CreateSampleDelivery(
    const SampleDeliveryOptions& options, const std::filesystem::path& dir);

}  // namespace atp::pipeline

#endif  // ATP_PIPELINE_SAMPLE_DELIVERY_H_
