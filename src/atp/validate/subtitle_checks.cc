#include "atp/validate/subtitle_checks.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "atp/validate/package_files.h"

namespace atp::validate {

std::optional<WebVttDocument> ReadWebVtt(const absl::StatusOr<std::string>& bytes,
                                         const std::string& where, ValidationReport& report) {
  if (!bytes.ok()) {
    if (!AddRefusalFinding(bytes.status(), where, report)) {
      report.Add("FILE-MISSING", where, std::string(bytes.status().message()));
    }
    return std::nullopt;
  }
  if (bytes->empty()) {
    report.Add("FILE-MISSING", where, "subtitle file is empty");
    return std::nullopt;
  }
  absl::StatusOr<WebVttDocument> document = ParseWebVtt(*bytes);
  if (!document.ok()) {
    report.Add("SUBS-PARSE", where, std::string(document.status().message()));
    return std::nullopt;
  }
  for (const WebVttProblem& problem : document->problems) {
    report.Add("SUBS-PARSE", absl::StrCat(where, ":", problem.line), problem.message);
  }
  if (document->problems_left_out > 0) {
    report.Add("SUBS-PARSE", where,
               absl::StrCat(document->problems_left_out, " more problems after the first ",
                            document->problems.size(), " (not listed)"));
  }
  return *std::move(document);
}

bool AmongLanguages(const std::vector<std::string>& languages, std::string_view language) {
  for (const std::string& candidate : languages) {
    if (absl::EqualsIgnoreCase(candidate, absl::string_view(language.data(), language.size()))) {
      return true;
    }
  }
  return false;
}

std::string JoinLanguages(const std::vector<std::string>& languages) {
  return languages.empty() ? std::string("none") : absl::StrJoin(languages, ", ");
}

std::string DescribeCue(const WebVttCue& cue) {
  return absl::StrCat("cue ", FormatWebVttTime(cue.start_ms), " --> ",
                      FormatWebVttTime(cue.end_ms));
}

void CueFindings::Add(std::string where, std::string message) {
  if (added_ >= kMaxCueFindings) {
    ++left_out_;
    return;
  }
  ++added_;
  report_.Add("SUBS-COVERAGE", std::move(where), std::move(message));
}

void CueFindings::Finish(const std::string& where) {
  if (left_out_ == 0) return;
  report_.Add(
      "SUBS-COVERAGE", where,
      absl::StrCat(left_out_, " more cues placed wrong after the first ", added_, " (not listed)"));
  left_out_ = 0;
}

}  // namespace atp::validate
