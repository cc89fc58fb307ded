#include "atp/validate/dash_addressing.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "atp/core/status_macros.h"
#include "atp/validate/package_files.h"
#include "atp/validate/segment_index.h"

namespace atp::validate {
namespace {

// Segments a SegmentTimeline or @duration may list (a bound on @r and on counts).
constexpr int64_t kMaxSegments = 1000000;

struct Timing {
  int64_t start = 0;
  int64_t duration = 0;
};

absl::StatusOr<std::vector<Timing>> ExpandTimeline(pugi::xml_node timeline) {
  std::vector<Timing> segments;
  int64_t next_start = 0;
  for (pugi::xml_node s : timeline.children("S")) {
    int64_t duration = 0;
    int64_t repeat = 0;
    if (!absl::SimpleAtoi(s.attribute("d").value(), &duration) || duration <= 0 ||
        (s.attribute("r") && !absl::SimpleAtoi(s.attribute("r").value(), &repeat)) || repeat < 0 ||
        static_cast<int64_t>(segments.size()) + repeat > kMaxSegments) {
      return absl::InvalidArgumentError("an S element has no positive @d or a bad @r");
    }
    if (s.attribute("t") && !absl::SimpleAtoi(s.attribute("t").value(), &next_start)) {
      return absl::InvalidArgumentError("an S element has a bad @t");
    }
    for (int64_t i = 0; i <= repeat; ++i) {
      segments.push_back({next_start, duration});
      next_start += duration;
    }
  }
  if (segments.empty()) return absl::InvalidArgumentError("empty SegmentTimeline");
  return segments;
}

// "first-last" (ISO/IEC 23009-1 @range, @mediaRange, @indexRange).
absl::StatusOr<ByteRange> ParseByteRange(const std::string& text) {
  const size_t dash = text.find('-');
  ByteRange range;
  if (dash == std::string::npos || !absl::SimpleAtoi(text.substr(0, dash), &range.first) ||
      !absl::SimpleAtoi(text.substr(dash + 1), &range.last) || range.first < 0 ||
      range.last < range.first) {
    return absl::InvalidArgumentError(absl::StrCat("byte range \"", text, "\" is malformed"));
  }
  return range;
}

// The folder part of a relative URL, with its trailing slash ("" for a bare name).
std::string Folder(const std::string& url) {
  const size_t slash = url.rfind('/');
  return slash == std::string::npos ? std::string() : url.substr(0, slash + 1);
}

// The nearest of `name` among Representation, AdaptationSet, Period.
pugi::xml_node Nearest(const std::vector<pugi::xml_node>& levels, const char* name) {
  for (auto level = levels.rbegin(); level != levels.rend(); ++level) {
    if (pugi::xml_node node = level->child(name)) return node;
  }
  return {};
}

int64_t IntegerAttribute(pugi::xml_node node, const char* name, int64_t fallback) {
  int64_t value = fallback;
  if (node.attribute(name) && !absl::SimpleAtoi(node.attribute(name).value(), &value)) {
    return fallback;
  }
  return value;
}

// Timing shared by SegmentTemplate and SegmentList: SegmentTimeline, else @duration over the
// period. `count` is the number of listed segments (SegmentList), or -1 to derive it.
absl::StatusOr<std::vector<Timing>> MultipleSegmentTiming(pugi::xml_node base,
                                                          double period_seconds, int64_t count,
                                                          RepresentationAddressing& out) {
  out.timescale = IntegerAttribute(base, "timescale", 1);
  if (out.timescale <= 0) return absl::InvalidArgumentError("@timescale is not positive");
  if (pugi::xml_node timeline = base.child("SegmentTimeline")) return ExpandTimeline(timeline);
  const int64_t duration = IntegerAttribute(base, "duration", 0);
  if (duration <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(base.name(), " has neither a SegmentTimeline nor a positive @duration"));
  }
  out.exact_timing = false;
  if (count < 0) {
    count = static_cast<int64_t>(std::ceil(period_seconds * out.timescale / duration - 1e-9));
  }
  if (count <= 0 || count > kMaxSegments) {
    return absl::InvalidArgumentError(
        absl::StrCat(count, " segments of @duration ", duration, " do not fit the period"));
  }
  const int64_t offset = IntegerAttribute(base, "presentationTimeOffset", 0);
  std::vector<Timing> timing;
  for (int64_t i = 0; i < count; ++i) timing.push_back({offset + i * duration, duration});
  return timing;
}

absl::Status ResolveTemplate(pugi::xml_node segment_template, const std::string& base,
                             const std::string& id, const std::string& bandwidth,
                             double period_seconds, RepresentationAddressing& out) {
  ATP_ASSIGN_OR_RETURN(std::vector<Timing> timing,
                       MultipleSegmentTiming(segment_template, period_seconds, -1, out));
  const int64_t start_number = IntegerAttribute(segment_template, "startNumber", 1);
  const std::string media = segment_template.attribute("media").value();
  if (media.empty()) return absl::InvalidArgumentError("SegmentTemplate has no @media");
  out.media_template = Folder(base) + media;
  if (segment_template.attribute("initialization")) {
    out.init_uri =
        Folder(base) +
        ExpandTemplate(segment_template.attribute("initialization").value(), id, 0, 0, bandwidth);
  }
  for (size_t i = 0; i < timing.size(); ++i) {
    out.segments.push_back(
        {.uri = Folder(base) + ExpandTemplate(media, id, start_number + static_cast<int64_t>(i),
                                              timing[i].start, bandwidth),
         .start = timing[i].start,
         .duration = timing[i].duration});
  }
  return absl::OkStatus();
}

absl::Status ResolveList(pugi::xml_node list, const std::string& base, double period_seconds,
                         RepresentationAddressing& out) {
  std::vector<pugi::xml_node> urls;
  for (pugi::xml_node url : list.children("SegmentURL")) urls.push_back(url);
  ATP_ASSIGN_OR_RETURN(
      std::vector<Timing> timing,
      MultipleSegmentTiming(list, period_seconds, static_cast<int64_t>(urls.size()), out));
  if (timing.size() != urls.size()) {
    return absl::InvalidArgumentError(absl::StrCat("SegmentList has ", urls.size(),
                                                   " SegmentURLs but its timeline ", timing.size(),
                                                   " segments"));
  }
  if (pugi::xml_node init = list.child("Initialization")) {
    const std::string source = init.attribute("sourceURL").value();
    out.init_uri = source.empty() ? base : Folder(base) + source;
    if (init.attribute("range")) {
      ATP_ASSIGN_OR_RETURN(out.init_range, ParseByteRange(init.attribute("range").value()));
    }
  }
  for (size_t i = 0; i < urls.size(); ++i) {
    AddressedSegment segment{.start = timing[i].start, .duration = timing[i].duration};
    const std::string media = urls[i].attribute("media").value();
    segment.uri = media.empty() ? base : Folder(base) + media;
    if (urls[i].attribute("mediaRange")) {
      ATP_ASSIGN_OR_RETURN(segment.range, ParseByteRange(urls[i].attribute("mediaRange").value()));
    }
    out.segments.push_back(std::move(segment));
  }
  return absl::OkStatus();
}

// SegmentBase: one file; its sidx (at @indexRange) lists the subsegments, which follow it.
absl::Status ResolveBase(pugi::xml_node segment_base, const std::string& base,
                         const RangeReader& read_range, RepresentationAddressing& out) {
  if (base.empty()) return absl::InvalidArgumentError("SegmentBase without a BaseURL file");
  if (!segment_base.attribute("indexRange")) {
    return absl::InvalidArgumentError("SegmentBase has no @indexRange");
  }
  ATP_ASSIGN_OR_RETURN(ByteRange index_range,
                       ParseByteRange(segment_base.attribute("indexRange").value()));
  out.init_uri = base;
  if (pugi::xml_node init = segment_base.child("Initialization")) {
    ATP_ASSIGN_OR_RETURN(out.init_range, ParseByteRange(init.attribute("range").value()));
  }
  ATP_ASSIGN_OR_RETURN(std::string index_bytes, read_range(base, index_range));
  absl::StatusOr<SegmentIndex> index = ParseSegmentIndex(index_bytes);
  if (!index.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "@indexRange ", index_range.first, "-", index_range.last, ": ", index.status().message()));
  }
  out.timescale = index->timescale;
  int64_t offset = index_range.last + 1 + static_cast<int64_t>(index->first_offset);
  int64_t time = static_cast<int64_t>(index->earliest_presentation_time);
  for (const SegmentIndex::Reference& reference : index->references) {
    if (reference.references_index) {
      return absl::InvalidArgumentError("hierarchical sidx (a reference to another sidx)");
    }
    out.segments.push_back({.uri = base,
                            .range = ByteRange{offset, offset + reference.size - 1},
                            .start = time,
                            .duration = reference.duration});
    offset += reference.size;
    time += reference.duration;
  }
  return absl::OkStatus();
}

}  // namespace

std::string ResolveBaseUrl(const std::vector<pugi::xml_node>& levels) {
  std::string base;
  for (pugi::xml_node level : levels) {
    const std::string url = level.child_value("BaseURL");
    if (url.empty()) continue;
    base = IsAbsoluteUri(url) ? url : Folder(base) + url;
  }
  return base;
}

absl::StatusOr<RepresentationAddressing> ResolveAddressing(
    pugi::xml_node mpd, pugi::xml_node period, pugi::xml_node set, pugi::xml_node representation,
    double period_seconds, const RangeReader& read_range) {
  const std::vector<pugi::xml_node> levels = {period, set, representation};
  const std::string base = ResolveBaseUrl({mpd, period, set, representation});
  RepresentationAddressing out;
  if (pugi::xml_node segment_template = Nearest(levels, "SegmentTemplate")) {
    ATP_RETURN_IF_ERROR(
        ResolveTemplate(segment_template, base, representation.attribute("id").value(),
                        representation.attribute("bandwidth").value(), period_seconds, out));
  } else if (pugi::xml_node list = Nearest(levels, "SegmentList")) {
    ATP_RETURN_IF_ERROR(ResolveList(list, base, period_seconds, out));
  } else if (pugi::xml_node segment_base = Nearest(levels, "SegmentBase")) {
    ATP_RETURN_IF_ERROR(ResolveBase(segment_base, base, read_range, out));
  } else {
    return absl::InvalidArgumentError("no SegmentTemplate, SegmentList or SegmentBase");
  }
  return out;
}

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

bool MatchesTemplate(std::string_view name, const std::string& pattern, const std::string& id,
                     const std::string& bandwidth) {
  // reachable[p]: the pattern read so far can match name[0, p). One pass per piece of the
  // pattern, so the cost stays polynomial whatever the pattern holds.
  std::vector<bool> reachable(name.size() + 1, false);
  reachable[0] = true;
  auto step = [&](auto&& advance) {
    std::vector<bool> next(name.size() + 1, false);
    bool any = false;
    for (size_t p = 0; p <= name.size(); ++p) {
      if (reachable[p]) any |= advance(p, next);
    }
    reachable.swap(next);
    return any;
  };
  auto literal = [&](std::string_view text) {
    return step([&](size_t p, std::vector<bool>& next) {
      if (name.substr(p, text.size()) != text) return false;
      next[p + text.size()] = true;
      return true;
    });
  };
  auto digits = [&] {  // $Number…$ and $Time…$: one digit or more.
    return step([&](size_t p, std::vector<bool>& next) {
      bool any = false;
      for (size_t q = p; q < name.size() && absl::ascii_isdigit(name[q]); ++q) {
        next[q + 1] = true;
        any = true;
      }
      return any;
    });
  };
  for (size_t at = 0; at < pattern.size();) {
    const size_t open = pattern.find('$', at);
    const size_t close = open == std::string::npos ? open : pattern.find('$', open + 1);
    if (close == std::string::npos) {
      if (!literal(std::string_view(pattern).substr(at))) return false;
      break;
    }
    if (!literal(std::string_view(pattern).substr(at, open - at))) return false;
    const std::string_view key = std::string_view(pattern).substr(open + 1, close - open - 1);
    const bool matched = key.empty()                 ? literal("$")
                         : key == "RepresentationID" ? literal(id)
                         : key == "Bandwidth"        ? literal(bandwidth)
                                                     : digits();
    if (!matched) return false;
    at = close + 1;
  }
  return reachable[name.size()];
}

}  // namespace atp::validate
