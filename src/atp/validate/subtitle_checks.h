// atp/validate/subtitle_checks.h
//
// What the HLS and DASH validators check alike about subtitle renditions: reading a WebVTT
// file into findings, language tags, and a bound on the findings one file's cues give.
#ifndef ATP_VALIDATE_SUBTITLE_CHECKS_H_
#define ATP_VALIDATE_SUBTITLE_CHECKS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "atp/validate/validation_report.h"
#include "atp/validate/webvtt_reader.h"

namespace atp::validate {

// Cue times are checked to the millisecond WebVTT writes them with.
inline constexpr double kCueToleranceSeconds = 0.001;

// The WebVTT document in `bytes`, a read (through PackageFiles) of the file `where` names
// ("subs_en/playlist.m3u8:8 -> seg_00001.vtt", "manifest.mpd Representation x -> a.vtt"), or
// nullopt after reporting why it cannot be checked: a refusal (PKG-PATH, PKG-BUDGET), another
// read error or an empty file (FILE-MISSING), not WebVTT (SUBS-PARSE). The document's
// problems are SUBS-PARSE findings at `where`:line.
[[nodiscard]] std::optional<WebVttDocument> ReadWebVtt(const absl::StatusOr<std::string>& bytes,
                                                       const std::string& where,
                                                       ValidationReport& report);

// True when `language` is one of `languages` as BCP 47 tags (case-insensitive).
[[nodiscard]] bool AmongLanguages(const std::vector<std::string>& languages,
                                  std::string_view language);

// "en, ja", for messages.
[[nodiscard]] std::string JoinLanguages(const std::vector<std::string>& languages);

// "cue 00:00:01.000 --> 00:00:02.500", for messages.
[[nodiscard]] std::string DescribeCue(const WebVttCue& cue);

// The SUBS-COVERAGE findings about the cues of one subtitle rendition: the first
// kMaxCueFindings are reported as they come, the rest counted and reported as one by Finish
// (a track shifted by an hour would otherwise give a finding per cue).
class CueFindings {
 public:
  static constexpr int kMaxCueFindings = 10;

  explicit CueFindings(ValidationReport& report) : report_(report) {}

  void Add(std::string where, std::string message);
  // One finding at `where` for the cue findings left out, if any.
  void Finish(const std::string& where);

 private:
  ValidationReport& report_;
  int added_ = 0;
  int left_out_ = 0;
};

}  // namespace atp::validate

#endif  // ATP_VALIDATE_SUBTITLE_CHECKS_H_
