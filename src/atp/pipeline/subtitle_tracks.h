// atp/pipeline/subtitle_tracks.h
//
// The subtitle half of verify and package: every subtitle file of a delivery read and parsed
// once, at verify (a malformed file fails the job before anything is encoded), its cues kept
// in the journal; then, at package, written as WebVTT segments on the video's segment
// boundaries (HLS) and as one WebVTT file per rendition (DASH).
#ifndef ATP_PIPELINE_SUBTITLE_TRACKS_H_
#define ATP_PIPELINE_SUBTITLE_TRACKS_H_

#include <filesystem>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "atp/core/job_spec.h"
#include "atp/core/packaged_media.h"
#include "atp/storage/blob_store.h"
#include "atp/subtitle/subtitle_file.h"

namespace atp::pipeline {

// Reads the subtitle file of every track of `spec` (`paths` parallel to spec.subtitle_tracks),
// each opened as the mezzanine is (a FIFO or a folder is refused without waiting) and at most
// subtitle::kMaxSubtitleFileBytes long, and parses it in its declared format. Errors name the
// manifest field:
// - NotFound "SubtitleTracks/SubtitleTrack[i]/FilePath: <path> does not exist or is not a file";
// - InvalidArgument "SubtitleTracks/SubtitleTrack[i] (<language>): <file>:<line>: ..." for a
//   malformed file, one that is not UTF-8, or one over the size limit;
// - Unavailable when a file was written while it was read (still arriving?).
[[nodiscard]] absl::StatusOr<std::vector<subtitle::SubtitleFile>> ReadSubtitleFiles(
    const JobSpec& spec, const std::vector<std::filesystem::path>& paths);

// Writes each track's renditions under `prefix` in `store`: "subs_<language>" (with "_<n>"
// for the n-th track of a language) holding all its cues, signs and songs included, and, when
// `split_signs`, the track has signs & songs (ASS) and the manifest does not already mark it
// forced, "subs_<language>_forced" holding those alone, forced and labelled "<label> (Signs &
// Songs)". A label that repeats an earlier rendition's gets " (2)", " (3)" ... (HLS NAMEs of
// one group differ). Each
// rendition gets seg_NNNNN.vtt per segment of `video` (the reference video rendition: every
// video rendition has its segment times) and the whole track as subtitles.vtt. Cues that
// start at or after the programme's end (the video's) are dropped and cues running past it
// end there, each with a warning. `files` is parallel to spec.subtitle_tracks.
[[nodiscard]] absl::StatusOr<std::vector<PackagedSubtitle>> PackageSubtitles(
    const JobSpec& spec, const std::vector<subtitle::SubtitleFile>& files, bool split_signs,
    const PackagedTrack& video, storage::BlobStore& store, std::string_view prefix);

}  // namespace atp::pipeline

#endif  // ATP_PIPELINE_SUBTITLE_TRACKS_H_
