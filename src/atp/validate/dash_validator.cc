#include "atp/validate/dash_validator.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <pugixml.hpp>
#include <regex>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "atp/core/status_macros.h"
#include "atp/validate/bounded_file.h"
#include "atp/validate/init_segment.h"
#include "atp/validate/media_segment.h"

namespace atp::validate {
namespace {

namespace fs = std::filesystem;

// ISO 8601 durations as MPDs use them: P[nD]T[nH][nM][n.nS]. Negative when unparsable.
double ParseIsoDuration(const std::string& text) {
  if (text.size() < 3 || text[0] != 'P') return -1;
  double seconds = 0;
  bool in_time = false;
  size_t at = 1;
  while (at < text.size()) {
    if (text[at] == 'T') {
      in_time = true;
      ++at;
      continue;
    }
    char* end = nullptr;
    const double value = std::strtod(text.c_str() + at, &end);
    const size_t used = end - (text.c_str() + at);
    if (used == 0 || at + used >= text.size() || !std::isfinite(value)) return -1;
    const char unit = text[at + used];
    if (unit == 'D' && !in_time)
      seconds += value * 86400;
    else if (unit == 'H' && in_time)
      seconds += value * 3600;
    else if (unit == 'M' && in_time)
      seconds += value * 60;
    else if (unit == 'S' && in_time)
      seconds += value;
    else
      return -1;
    at += used + 1;
  }
  return seconds;
}

// Expands $RepresentationID$, $Number[%0Nd]$, $Time$, $Bandwidth$ and $$ in a template.
std::string ExpandTemplate(const std::string& pattern, const std::string& id, int64_t number,
                           int64_t time, const std::string& bandwidth) {
  std::string out;
  for (size_t at = 0; at < pattern.size();) {
    const size_t open = pattern.find('$', at);
    const size_t close = open == std::string::npos ? open : pattern.find('$', open + 1);
    if (close == std::string::npos) {
      out += pattern.substr(at);
      break;
    }
    out += pattern.substr(at, open - at);
    const std::string name = pattern.substr(open + 1, close - open - 1);
    const size_t percent = name.find('%');
    const std::string key = name.substr(0, percent);
    int width = 1;
    if (percent != std::string::npos && name.size() > percent + 2) {
      width = std::atoi(name.c_str() + percent + 1);
    }
    if (key.empty())
      out += '$';
    else if (key == "RepresentationID")
      out += id;
    else if (key == "Bandwidth")
      out += bandwidth;
    else if (key == "Number")
      out += absl::StrFormat("%0*d", width, number);
    else if (key == "Time")
      out += absl::StrFormat("%0*d", width, time);
    at = close + 1;
  }
  return out;
}

// A regular expression matching every name `pattern` (a media template's file name) can
// expand to for this Representation: $Number$ and $Time$ become digit runs.
std::string TemplateRegex(const std::string& pattern, const std::string& id,
                          const std::string& bandwidth) {
  auto escape = [](const std::string& text) {
    std::string escaped;
    for (char c : text) {
      if (std::strchr("\\^$.|?*+()[]{}", c) != nullptr) escaped += '\\';
      escaped += c;
    }
    return escaped;
  };
  std::string regex;
  for (size_t at = 0; at < pattern.size();) {
    const size_t open = pattern.find('$', at);
    const size_t close = open == std::string::npos ? open : pattern.find('$', open + 1);
    if (close == std::string::npos) {
      regex += escape(pattern.substr(at));
      break;
    }
    regex += escape(pattern.substr(at, open - at));
    const std::string key = pattern.substr(open + 1, close - open - 1);
    if (key.empty())
      regex += "\\$";
    else if (key == "RepresentationID")
      regex += escape(id);
    else if (key == "Bandwidth")
      regex += escape(bandwidth);
    else
      regex += "[0-9]+";  // $Number…$ and $Time…$
    at = close + 1;
  }
  return regex;
}

struct TimelineSegment {
  int64_t number = 0;
  int64_t start = 0;
  int64_t duration = 0;
};

// The segments a SegmentTimeline lists; empty with `error` set when it is malformed.
std::vector<TimelineSegment> ExpandTimeline(pugi::xml_node timeline, int64_t start_number,
                                            std::string& error) {
  std::vector<TimelineSegment> segments;
  int64_t next_start = 0;
  for (pugi::xml_node s : timeline.children("S")) {
    int64_t duration = 0;
    int64_t repeat = 0;
    if (!absl::SimpleAtoi(s.attribute("d").value(), &duration) || duration <= 0 ||
        (s.attribute("r") && !absl::SimpleAtoi(s.attribute("r").value(), &repeat)) || repeat < 0 ||
        repeat > 100000) {
      error = "an S element has no positive @d or a bad @r";
      return {};
    }
    if (s.attribute("t") && !absl::SimpleAtoi(s.attribute("t").value(), &next_start)) {
      error = "an S element has a bad @t";
      return {};
    }
    for (int64_t i = 0; i <= repeat; ++i) {
      segments.push_back(
          {start_number + static_cast<int64_t>(segments.size()), next_start, duration});
      next_start += duration;
    }
  }
  return segments;
}

class DashValidator {
 public:
  DashValidator(const fs::path& mpd, ValidationReport& report)
      : mpd_(mpd), base_(mpd.parent_path()), where_(mpd.filename().string()), report_(report) {}

  absl::Status Run() {
    ATP_ASSIGN_OR_RETURN(std::string text, ReadBoundedFile(mpd_, kMaxManifestFileBytes));
    if (absl::StrContains(absl::AsciiStrToUpper(text), "<!DOCTYPE") ||
        absl::StrContains(absl::AsciiStrToUpper(text), "<!ENTITY")) {
      return absl::InvalidArgumentError(
          absl::StrCat(mpd_.string(), ": has a DTD or entity declarations; refused unparsed"));
    }
    pugi::xml_document document;
    const pugi::xml_parse_result parsed = document.load_buffer(text.data(), text.size());
    if (!parsed) {
      return absl::InvalidArgumentError(
          absl::StrCat(mpd_.string(), ": not well-formed XML: ", parsed.description(),
                       " at byte offset ", parsed.offset));
    }
    pugi::xml_node root = document.document_element();
    if (std::string(root.name()) != "MPD") {
      return absl::InvalidArgumentError(absl::StrCat(mpd_.string(), ": the root is not <MPD>"));
    }
    if (std::string(root.attribute("type").value()) != "static") {
      report_.Add("DASH-STATIC", where_,
                  absl::StrCat("type=\"", root.attribute("type").value(), "\""));
    }
    const double declared = ParseIsoDuration(root.attribute("mediaPresentationDuration").value());
    double longest = 0;
    double frame = 0;
    for (pugi::xml_node period : root.children("Period")) {
      for (pugi::xml_node set : period.children("AdaptationSet")) {
        const bool audio = std::string(set.attribute("contentType").value()) == "audio" ||
                           absl::StartsWith(set.attribute("mimeType").value(), "audio");
        if (audio && std::string(set.attribute("lang").value()).empty()) {
          report_.Add("DASH-LANG",
                      absl::StrCat(where_, " AdaptationSet ", set.attribute("id").value()),
                      "audio AdaptationSet without @lang");
        }
        for (pugi::xml_node representation : set.children("Representation")) {
          const double seconds = CheckRepresentation(set, representation);
          longest = std::max(longest, seconds);
          if (!audio && frame == 0) frame = frame_seconds_;
        }
      }
    }
    if (declared < 0) {
      report_.Add("DASH-PARSE", where_, "mediaPresentationDuration is missing or not ISO 8601");
    } else if (std::abs(declared - longest) > (frame > 0 ? frame : 0.05) + 1e-6) {
      report_.Add("DASH-DURATION", where_,
                  absl::StrFormat("mediaPresentationDuration %.3f s but the media lasts %.3f s",
                                  declared, longest));
    }
    return absl::OkStatus();
  }

 private:
  // Checks one Representation's timeline against its files; returns its measured seconds.
  double CheckRepresentation(pugi::xml_node set, pugi::xml_node representation) {
    const std::string id = representation.attribute("id").value();
    const std::string where = absl::StrCat(where_, " Representation ", id);
    pugi::xml_node segment_template = representation.child("SegmentTemplate");
    if (!segment_template) segment_template = set.child("SegmentTemplate");
    int64_t timescale = 0;
    int64_t start_number = 1;
    if (!segment_template ||
        !absl::SimpleAtoi(segment_template.attribute("timescale").value(), &timescale) ||
        timescale <= 0 || !segment_template.child("SegmentTimeline")) {
      report_.Add("DASH-PARSE", where, "no SegmentTemplate with @timescale and a SegmentTimeline");
      return 0;
    }
    if (segment_template.attribute("startNumber")) {
      (void)absl::SimpleAtoi(segment_template.attribute("startNumber").value(), &start_number);
    }
    std::string error;
    const std::vector<TimelineSegment> timeline =
        ExpandTimeline(segment_template.child("SegmentTimeline"), start_number, error);
    if (!error.empty() || timeline.empty()) {
      report_.Add("DASH-PARSE", where, error.empty() ? "empty SegmentTimeline" : error);
      return 0;
    }
    const std::string bandwidth = representation.attribute("bandwidth").value();
    const std::string init =
        ExpandTemplate(segment_template.attribute("initialization").value(), id, 0, 0, bandwidth);
    absl::StatusOr<std::string> init_bytes = ReadBoundedFile(base_ / init, kMaxSegmentBytes);
    absl::StatusOr<InitSegmentInfo> init_info =
        init_bytes.ok() ? ParseInitSegment(*init_bytes) : init_bytes.status();
    if (!init_info.ok()) {
      report_.Add(
          "FILE-MISSING", absl::StrCat(where, " -> ", init),
          absl::StrCat("initialization segment: ", std::string(init_info.status().message())));
    }
    // S@t and S@d are presentation times: decode times shifted by the edit list.
    const int64_t edit = init_info.ok() ? init_info->edit_media_time : 0;

    const std::string media = segment_template.attribute("media").value();
    std::set<fs::path> listed;
    int64_t peak_bps = 0;
    bool measured_all = true;  // Bandwidth is judged only on fully measured representations.
    frame_seconds_ = 0;
    double seconds = 0;
    for (const TimelineSegment& segment : timeline) {
      const std::string uri = ExpandTemplate(media, id, segment.number, segment.start, bandwidth);
      listed.insert(fs::weakly_canonical(base_ / uri));
      absl::StatusOr<std::string> bytes = ReadBoundedFile(base_ / uri, kMaxSegmentBytes);
      if (!bytes.ok() || bytes->empty()) {
        report_.Add("DASH-TIMELINE", absl::StrCat(where, " -> ", uri),
                    "listed in the SegmentTimeline but missing or empty");
        measured_all = false;
        continue;
      }
      absl::StatusOr<std::vector<FragmentInfo>> fragments = ParseMediaSegment(*bytes);
      if (!fragments.ok() || fragments->empty()) {
        report_.Add("FMP4-MALFORMED", absl::StrCat(where, " -> ", uri),
                    fragments.ok() ? "no moof" : std::string(fragments.status().message()));
        measured_all = false;
        continue;
      }
      uint64_t duration = 0;
      for (const FragmentInfo& fragment : *fragments) duration += fragment.duration_ticks;
      const FragmentInfo& head = fragments->front();
      const int64_t begin = static_cast<int64_t>(head.base_media_decode_time) +
                            head.first_sample_composition_offset - edit;
      const int64_t end = begin + static_cast<int64_t>(duration);
      if (std::max<int64_t>(begin, 0) != segment.start || end != segment.start + segment.duration) {
        report_.Add("DASH-TIMELINE", absl::StrCat(where, " -> ", uri),
                    absl::StrCat("the timeline says t=", segment.start, " d=", segment.duration,
                                 ", the segment presents ", begin, " to ", end, " (tfdt ",
                                 head.base_media_decode_time, ", first composition offset ",
                                 head.first_sample_composition_offset, ", edit ", edit, ")"));
      }
      if (frame_seconds_ == 0 && head.sample_count > 0) {
        frame_seconds_ = static_cast<double>(head.duration_ticks) / timescale / head.sample_count;
      }
      seconds += static_cast<double>(end - std::max<int64_t>(begin, 0)) / timescale;
      if (duration > 0) {  // Measured on the samples, not on the timeline's claim.
        peak_bps =
            std::max(peak_bps, static_cast<int64_t>(8.0 * bytes->size() * timescale / duration));
      }
    }
    ReportUnlistedFiles(where, media, id, bandwidth, listed);
    int64_t declared = 0;
    if (measured_all && (!absl::SimpleAtoi(bandwidth, &declared) ||
                         std::abs(declared - peak_bps) > peak_bps / 10)) {
      report_.Add("DASH-BANDWIDTH", where,
                  absl::StrCat("@bandwidth=", bandwidth, " but the measured peak is ", peak_bps));
    }
    return seconds;
  }

  // Segment files in the Representation's folder whose names its media template matches but
  // that the timeline does not list.
  void ReportUnlistedFiles(const std::string& where, const std::string& media,
                           const std::string& id, const std::string& bandwidth,
                           const std::set<fs::path>& listed) {
    const fs::path pattern_path = base_ / ExpandTemplate(media, id, 1, 0, bandwidth);
    const std::regex pattern(TemplateRegex(fs::path(media).filename().string(), id, bandwidth));
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(pattern_path.parent_path(), error)) {
      if (std::regex_match(entry.path().filename().string(), pattern) &&
          !listed.contains(fs::weakly_canonical(entry.path()))) {
        report_.Add("DASH-TIMELINE", absl::StrCat(where, " -> ", entry.path().filename().string()),
                    "segment file present but not in the SegmentTimeline");
      }
    }
  }

  fs::path mpd_;
  fs::path base_;
  std::string where_;
  ValidationReport& report_;
  double frame_seconds_ = 0;  // Of the Representation last checked.
};

}  // namespace

absl::Status ValidateDashManifest(const fs::path& mpd, ValidationReport& report) {
  return DashValidator(mpd, report).Run();
}

}  // namespace atp::validate
