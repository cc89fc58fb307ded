#include "atp/pipeline/subtitle_tracks.h"

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "atp/core/status_macros.h"
#include "atp/package/webvtt_writer.h"
#include "atp/storage/pinned_file.h"

namespace atp::pipeline {
namespace {

std::string Field(size_t index) {
  return absl::StrCat("SubtitleTracks/SubtitleTrack[", index + 1, "]");
}

// The whole of `file`, refused when it is longer than subtitle::kMaxSubtitleFileBytes.
absl::StatusOr<std::string> ReadWhole(const storage::PinnedFile& file) {
  ATP_ASSIGN_OR_RETURN(const int64_t size, file.Size());
  if (size > subtitle::kMaxSubtitleFileBytes) {
    return absl::InvalidArgumentError(absl::StrCat(file.name(), ": ", size,
                                                   " bytes; subtitle files are limited to ",
                                                   subtitle::kMaxSubtitleFileBytes, " bytes"));
  }
  std::string bytes(static_cast<size_t>(size), '\0');
  size_t done = 0;
  while (done < bytes.size()) {
    ATP_ASSIGN_OR_RETURN(const size_t read, file.ReadAt(static_cast<int64_t>(done),
                                                        bytes.data() + done, bytes.size() - done));
    if (read == 0) break;  // Shorter than it was: read what is there.
    done += read;
  }
  bytes.resize(done);
  ATP_ASSIGN_OR_RETURN(const storage::FileIdentity now, file.CurrentIdentity());
  if (now != file.identity()) {
    return absl::UnavailableError(
        absl::StrCat(file.name(), " was written while it was read (",
                     storage::DescribeIdentityChange(file.identity(), now),
                     "); is it still arriving? It is read again on the next attempt"));
  }
  return bytes;
}

// Cues cut to the programme [0, end_ms): those starting at or after its end are dropped, those
// running past it end there; a warning says how many of each.
subtitle::Subtitles WithinProgramme(subtitle::Subtitles subtitles, int64_t end_ms) {
  const auto dropped = std::erase_if(
      subtitles.cues, [end_ms](const subtitle::Cue& cue) { return cue.start_ms >= end_ms; });
  int shortened = 0;
  for (subtitle::Cue& cue : subtitles.cues) {
    if (cue.end_ms <= end_ms) continue;
    cue.end_ms = end_ms;
    ++shortened;
  }
  const std::string end = subtitle::FormatWebVttTimestamp(end_ms);
  if (dropped > 0) {
    subtitles.warnings.push_back(absl::StrCat(
        dropped, " cue(s) start at or after the programme's end (", end, ") and were dropped"));
  }
  if (shortened > 0) {
    subtitles.warnings.push_back(
        absl::StrCat(shortened, " cue(s) ran past the programme's end (", end, ") and end there"));
  }
  return subtitles;
}

}  // namespace

absl::StatusOr<std::vector<subtitle::SubtitleFile>> ReadSubtitleFiles(
    const JobSpec& spec, const std::vector<std::filesystem::path>& paths) {
  std::vector<subtitle::SubtitleFile> files;
  for (size_t i = 0; i < paths.size() && i < spec.subtitle_tracks.size(); ++i) {
    const SubtitleTrackSpec& track = spec.subtitle_tracks[i];
    absl::StatusOr<std::unique_ptr<storage::PinnedFile>> file = storage::PinnedFile::Open(paths[i]);
    if (absl::IsNotFound(file.status()) || absl::IsFailedPrecondition(file.status())) {
      return absl::NotFoundError(absl::StrCat(Field(i), "/FilePath: ", paths[i].string(),
                                              " does not exist or is not a file"));
    }
    if (!file.ok()) {
      return absl::Status(file.status().code(),
                          absl::StrCat(Field(i), "/FilePath: ", file.status().message()));
    }
    absl::StatusOr<subtitle::SubtitleFile> parsed =
        [&]() -> absl::StatusOr<subtitle::SubtitleFile> {
      ATP_ASSIGN_OR_RETURN(const std::string bytes, ReadWhole(**file));
      return subtitle::ParseSubtitleFile(bytes, track.format, track.file_path);
    }();
    if (!parsed.ok()) {
      return absl::Status(parsed.status().code(),
                          absl::StrCat(Field(i), " (", track.language, ", ", track.format,
                                       "): ", parsed.status().message()));
    }
    files.push_back(*std::move(parsed));
  }
  return files;
}

absl::StatusOr<std::vector<PackagedSubtitle>> PackageSubtitles(
    const JobSpec& spec, const std::vector<subtitle::SubtitleFile>& files, bool split_signs,
    const PackagedTrack& video, storage::BlobStore& store, std::string_view prefix) {
  // The programme's segments, in milliseconds: the video's.
  std::vector<MediaSegment> segments;
  for (const MediaSegment& segment : video.segments) {
    const int64_t start = segment.start_ticks * 1000 / video.timescale;
    const int64_t end = (segment.start_ticks + segment.duration_ticks) * 1000 / video.timescale;
    segments.push_back({.uri = absl::StrFormat("seg_%05d.vtt", segments.size() + 1),
                        .start_ticks = start,
                        .duration_ticks = end - start});
  }
  const int64_t programme_end_ms =
      segments.empty() ? 0 : segments.back().start_ticks + segments.back().duration_ticks;

  std::vector<PackagedSubtitle> packaged;
  std::map<std::string, int> language_uses;
  std::set<std::string> labels;
  for (size_t i = 0; i < files.size() && i < spec.subtitle_tracks.size(); ++i) {
    const SubtitleTrackSpec& track = spec.subtitle_tracks[i];
    const int use = ++language_uses[track.language];
    const std::string name =
        absl::StrCat("subs_", track.language, use > 1 ? absl::StrCat("_", use) : "");
    // The full rendition holds every cue, signs and songs included: a viewer who picked it
    // sees the signs too. The forced one holds the signs alone, for viewers with subtitles
    // off. A track the manifest already marks forced is not split again.
    const subtitle::SubtitleFile& file = files[i];
    subtitle::Subtitles full = file.dialogue;
    full.cues.insert(full.cues.end(), file.signs.cues.begin(), file.signs.cues.end());
    std::stable_sort(
        full.cues.begin(), full.cues.end(),
        [](const subtitle::Cue& a, const subtitle::Cue& b) { return a.start_ms < b.start_ms; });
    full.warnings.insert(full.warnings.end(), file.signs.warnings.begin(),
                         file.signs.warnings.end());
    std::vector<std::pair<PackagedSubtitle, subtitle::Subtitles>> renditions;
    renditions.push_back({{.name = name,
                           .language = track.language,
                           .label = track.label,
                           .is_default = track.is_default,
                           .is_forced = track.is_forced},
                          std::move(full)});
    if (split_signs && !track.is_forced && !file.signs.cues.empty()) {
      renditions.push_back({{.name = name + "_forced",
                             .language = track.language,
                             .label = track.label + " (Signs & Songs)",
                             .is_forced = true},
                            file.signs});
    }
    for (auto& [record, cues] : renditions) {
      // NAMEs of one HLS group must differ (RFC 8216 4.4.6.1): a repeated one gets " (2)".
      const std::string label = record.label;
      for (int n = 2; !labels.insert(record.label).second; ++n) {
        record.label = absl::StrCat(label, " (", n, ")");
      }
      const subtitle::Subtitles shown = WithinProgramme(std::move(cues), programme_end_ms);
      const std::string folder =
          absl::StrCat(std::string(prefix), prefix.empty() ? "" : "/", record.name);
      for (const MediaSegment& segment : segments) {
        const std::string text = package::WriteWebVttSegment(
            shown, segment.start_ticks, segment.start_ticks + segment.duration_ticks);
        ATP_RETURN_IF_ERROR(store.Put(absl::StrCat(folder, "/", segment.uri), text));
        record.segments.push_back(segment);
        record.segments.back().size_bytes = static_cast<int64_t>(text.size());
      }
      const std::string whole = package::WriteWebVttFile(shown);
      ATP_RETURN_IF_ERROR(store.Put(absl::StrCat(folder, "/", record.sidecar_uri), whole));
      record.sidecar_size_bytes = static_cast<int64_t>(whole.size());
      record.cue_count = static_cast<int64_t>(shown.cues.size());
      record.warnings = shown.warnings;
      packaged.push_back(std::move(record));
    }
  }
  return packaged;
}

}  // namespace atp::pipeline
