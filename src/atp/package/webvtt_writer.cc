#include "atp/package/webvtt_writer.h"

#include "absl/strings/str_cat.h"

namespace atp::package {
namespace {

void AppendBlocks(const subtitle::Subtitles& subtitles, std::string& out) {
  for (const std::string& style : subtitles.style_blocks)
    absl::StrAppend(&out, "STYLE\n", style, "\n\n");
  for (const std::string& region : subtitles.region_blocks) {
    absl::StrAppend(&out, "REGION\n", region, "\n\n");
  }
}

void AppendCue(const subtitle::Cue& cue, std::string& out) {
  if (!cue.identifier.empty()) absl::StrAppend(&out, cue.identifier, "\n");
  absl::StrAppend(&out, subtitle::FormatWebVttTimestamp(cue.start_ms), " --> ",
                  subtitle::FormatWebVttTimestamp(cue.end_ms));
  if (!cue.settings.empty()) absl::StrAppend(&out, " ", cue.settings);
  absl::StrAppend(&out, "\n", cue.text, "\n\n");
}

}  // namespace

std::string WriteWebVttFile(const subtitle::Subtitles& subtitles) {
  std::string out = "WEBVTT\n\n";
  AppendBlocks(subtitles, out);
  for (const subtitle::Cue& cue : subtitles.cues) AppendCue(cue, out);
  return out;
}

std::string WriteWebVttSegment(const subtitle::Subtitles& subtitles, int64_t start_ms,
                               int64_t end_ms) {
  std::string out = "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n\n";
  AppendBlocks(subtitles, out);
  for (const subtitle::Cue& cue : subtitles.cues) {
    if (cue.start_ms < end_ms && cue.end_ms > start_ms) AppendCue(cue, out);
  }
  return out;
}

}  // namespace atp::package
