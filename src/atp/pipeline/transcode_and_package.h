// atp/pipeline/transcode_and_package.h
//
// The transcode and package steps: encode once, in units that can be redone one by one,
// then package twice (HLS and DASH over the same CMAF segments).
#ifndef ATP_PIPELINE_TRANSCODE_AND_PACKAGE_H_
#define ATP_PIPELINE_TRANSCODE_AND_PACKAGE_H_

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "atp/core/job_spec.h"
#include "atp/core/packaged_media.h"
#include "atp/core/random_access_file.h"
#include "atp/core/rendition.h"
#include "atp/core/source_info.h"
#include "atp/encode/encoding_profile.h"
#include "atp/encode/transcoder.h"
#include "atp/media/quality_meter.h"
#include "atp/storage/blob_store.h"

namespace atp::pipeline {

struct PackageRequest {
  JobSpec spec;
  const RandomAccessFile* mezzanine = nullptr;  // The verified file; outlives the request.
  SourceInfo source;  // The probed mezzanine: frame rate and duration plan the chunks.
  Ladder ladder;
  encode::VideoConversion conversion;  // Its frame rate times the chunks and segments.
  encode::EncodingProfile profile;
  int threads = 2;  // A unit's decoder's and each of its encoders'.
  // When the video rungs go onto threads of their own (encode::TranscodePlan::spread_rungs).
  std::function<bool()> spread_rungs;
};

// The output's constant frame rate: the conversion's, or the source's when it has none.
[[nodiscard]] Rational OutputFrameRate(const PackageRequest& request);

// One independently encoded piece of the transcode step: every audio track over the whole
// file, or every video rung over one chunk of frames.
struct TranscodeUnit {
  std::string name;  // "audio", "video-001", ...: names it in the journal and artifacts.
  encode::TranscodePart part = encode::TranscodePart::kVideo;
  encode::FrameRange frames;  // Video only.
  // Begins its own tracks wherever its frames start (an init segment, segments numbered from
  // 1): a probe encode of a stretch of the video, not a piece of the package.
  bool standalone = false;
};

// The units of `request`: audio first (it is quick), then the video chunks in order.
[[nodiscard]] std::vector<TranscodeUnit> PlanTranscodeUnits(const PackageRequest& request);

// The most video chunks a transcode encodes at once: each holds a decoder and the ladder's
// encoders in memory.
inline constexpr int kMaxParallelChunks = 8;

// How many of `pending` video chunks a transcode with `threads` threads encodes at once: one
// per thread (a chunk's decode, scaling and encodes are serial per frame, so a chunk per core
// keeps every core busy), at most kMaxParallelChunks, at least 1 while any is pending. Each
// chunk then encodes with threads / ParallelChunks threads.
[[nodiscard]] int ParallelChunks(int threads, size_t pending);

// Encodes `unit` into `store` under `prefix` (a staging prefix; "" for the store's root):
// <track>/seg_NNNNN.m4s for the unit's segments of each of its tracks (numbered across the
// whole track), and <track>/init.mp4 when the unit begins the track. Returns those tracks
// with their codec facts and segment records (no bitrates). Running a unit again rewrites the
// same objects.
[[nodiscard]] absl::StatusOr<std::vector<PackagedTrack>> EncodeUnit(
    const PackageRequest& request, const TranscodeUnit& unit, storage::BlobStore& store,
    std::string_view prefix, const encode::TranscodeProgressFn& progress);

// Joins the tracks of every unit (in PlanTranscodeUnits order) into the package's media,
// with bitrates measured on the segment records, and deletes the objects under each track's
// prefix that no record names (left by an interrupted unit). Internal error when the units
// disagree about a track (codec, timescale) or leave a gap in its segments.
[[nodiscard]] absl::StatusOr<PackagedMedia> AssembleMedia(
    const PackageRequest& request, const std::vector<std::vector<PackagedTrack>>& units,
    storage::BlobStore& store, std::string_view prefix);

// The keys of `track`'s objects under `track_prefix` ("<prefix>/<track name>" of EncodeUnit):
// its init segment, then its media segments in order.
[[nodiscard]] std::vector<std::string> TrackObjectKeys(std::string_view track_prefix,
                                                       const PackagedTrack& track);

// PSNR and SSIM of each of `tracks`, stored under "<prefix>/<track name>" (its name alone
// when `prefix` is empty), against `source` (media::MeasureRenditionsQuality over their init
// and media segments: the source is read once for all of them), in their order. A track
// whose objects the store cannot open has that error as its entry; errors of the source and
// the windows fail the whole.
[[nodiscard]] absl::StatusOr<std::vector<absl::StatusOr<media::QualityScore>>> MeasureTracksQuality(
    storage::BlobStore& store, std::string_view prefix, std::span<const PackagedTrack> tracks,
    const RandomAccessFile& source, std::span<const media::QualityWindow> windows,
    const media::QualityOptions& options);

// The package step's playlists: <rendition>/playlist.m3u8 for every track and subtitle
// rendition, master.m3u8, and manifest.mpd when `enable_dash`, written under `prefix` from
// the records alone.
[[nodiscard]] absl::Status WritePackageManifests(const PackagedMedia& media, bool enable_dash,
                                                 storage::BlobStore& store,
                                                 std::string_view prefix);

}  // namespace atp::pipeline

#endif  // ATP_PIPELINE_TRANSCODE_AND_PACKAGE_H_
