#include "atp/validate/validation_report.h"

#include <algorithm>
#include <cstdlib>

namespace atp::validate {

const std::vector<Rule>& RuleTable() {
  static const auto* rules = new std::vector<Rule>{
      {"HLS-PARSE", Severity::kError, "a playlist does not parse"},
      {"HLS-VERSION", Severity::kError, "EXT-X-VERSION missing or too low for EXT-X-MAP (6)"},
      {"HLS-ENDLIST", Severity::kError, "a VOD media playlist lacks EXT-X-ENDLIST"},
      {"HLS-TARGETDURATION", Severity::kError,
       "an EXTINF rounds above EXT-X-TARGETDURATION or exceeds it by more than 0.5 s"},
      {"HLS-AUDIO-ATTRIBUTES", Severity::kError, "an audio rendition lacks LANGUAGE or NAME"},
      {"HLS-AUDIO-DEFAULT", Severity::kError, "more than one DEFAULT=YES in an audio group"},
      {"HLS-CODECS", Severity::kError, "declared CODECS differ from the init segments'"},
      {"HLS-RESOLUTION", Severity::kError, "declared RESOLUTION differs from the stream's"},
      {"HLS-CHANNELS", Severity::kError,
       "an audio rendition's CHANNELS differs from its stream's channel count"},
      {"HLS-FRAME-RATE", Severity::kError, "declared FRAME-RATE differs from the stream's"},
      {"HLS-FRAME-RATE-MISSING", Severity::kWarning, "a video variant lacks FRAME-RATE"},
      {"HLS-BANDWIDTH", Severity::kError,
       "declared BANDWIDTH below the measured peak or more than 10% above it"},
      {"HLS-AVERAGE-BANDWIDTH", Severity::kError,
       "declared AVERAGE-BANDWIDTH more than 10% from the measured average"},
      {"HLS-AVERAGE-BANDWIDTH-MISSING", Severity::kWarning, "a variant lacks AVERAGE-BANDWIDTH"},
      {"PKG-PATH", Severity::kError,
       "a reference leaves the package, or names a symlink loop or what is not a regular file"},
      {"PKG-BUDGET", Severity::kError,
       "reading the package would exceed its byte budget; the rest is left unread"},
      {"FILE-MISSING", Severity::kError, "a referenced file is missing or empty"},
      {"INIT-MISSING", Severity::kError, "a media playlist has no readable init segment"},
      {"FMP4-MALFORMED", Severity::kError, "a segment's boxes cannot be read"},
      {"FMP4-TFDT", Severity::kError, "decode times have a gap or an overlap between segments"},
      {"FMP4-DTS-ORDER", Severity::kError,
       "a segment's first sample decodes at or before the previous segment's last"},
      {"FMP4-DECODE-DELAY", Severity::kError,
       "a video segment's first composition offset differs from the first segment's"},
      {"AV-START", Severity::kError,
       "audio and video start more than one AAC frame apart (or apart from the source's offset)"},
      {"TS-MALFORMED", Severity::kError, "an MPEG-TS segment cannot be demuxed"},
      {"TS-TIMESTAMPS", Severity::kError,
       "MPEG-TS decode times have a gap or an overlap of a quarter frame or more"},
      {"SEG-SAP", Severity::kError, "a video segment does not start with a sync sample (IDR)"},
      {"SEG-ALIGN", Severity::kError, "segment start times differ across video variants"},
      {"DURATION", Severity::kError,
       "renditions (or the source) differ in total duration by more than one frame"},
      {"ASPECT", Severity::kError,
       "a video rendition's display aspect differs from the source's by more than 1%"},
      {"DASH-RESOLUTION", Severity::kError,
       "a video Representation's @width, @height or @sar differ from its init segment's"},
      {"DASH-CHANNELS", Severity::kError,
       "an audio Representation's AudioChannelConfiguration differs from its stream's channels"},
      {"DASH-CODECS", Severity::kError,
       "a Representation's @codecs (or its AdaptationSet's) is missing or differs from its init "
       "segment's"},
      {"DASH-PARSE", Severity::kError, "the MPD lacks what a static CMAF MPD needs"},
      {"DASH-STATIC", Severity::kError, "the MPD is not type=\"static\""},
      {"DASH-DURATION", Severity::kError,
       "mediaPresentationDuration differs from the media by more than one frame"},
      {"DASH-TIMELINE", Severity::kError,
       "SegmentTimeline does not match the segment files (missing, unlisted, or other times)"},
      {"DASH-BANDWIDTH", Severity::kError, "@bandwidth more than 10% from the measured peak"},
      {"DASH-LANG", Severity::kError, "an audio or text AdaptationSet lacks @lang"},
      {"AUDIO-LOUDNESS", Severity::kError,
       "an audio rendition decodes to an integrated loudness more than 1 LU from the target, or "
       "a true peak more than 0.5 dB over the ceiling (checked when a target is given)"},
      {"SUBS-GROUP", Severity::kError,
       "HLS subtitle media or variants are inconsistent: a variant without SUBTITLES= or naming "
       "no group, a subtitle rendition without LANGUAGE, NAME or URI, FORCED=YES outside "
       "SUBTITLES, or a second DEFAULT=YES"},
      {"SUBS-PARSE", Severity::kError,
       "a subtitle file is not WebVTT, or has a malformed timing line, a cue ending at or before "
       "its start, or another fault players trip on"},
      {"SUBS-TIMESTAMP-MAP", Severity::kError,
       "a WebVTT segment lacks X-TIMESTAMP-MAP, or its mapping differs from the first segment's"},
      {"SUBS-COVERAGE", Severity::kError,
       "subtitle segments do not span the programme within a frame, or a cue lies outside its "
       "segment or the programme"},
      {"SUBS-LANGUAGE", Severity::kError,
       "a subtitle language is not among the manifest's, or a manifest language has none"},
  };
  return *rules;
}

std::string_view RuleSummary(std::string_view rule_id) {
  for (const Rule& rule : RuleTable()) {
    if (rule.id == rule_id) return rule.summary;
  }
  return "";
}

void ValidationReport::Add(std::string_view rule_id, std::string where, std::string message) {
  const std::vector<Rule>& rules = RuleTable();
  auto rule =
      std::find_if(rules.begin(), rules.end(), [&](const Rule& r) { return r.id == rule_id; });
  if (rule == rules.end()) std::abort();  // A rule id missing from the table is a bug.
  findings_.push_back({std::string(rule_id), rule->severity, std::move(where), std::move(message)});
}

int ValidationReport::errors() const {
  return static_cast<int>(std::count_if(findings_.begin(), findings_.end(), [](const Finding& f) {
    return f.severity == Severity::kError;
  }));
}

int ValidationReport::warnings() const { return static_cast<int>(findings_.size()) - errors(); }

}  // namespace atp::validate
