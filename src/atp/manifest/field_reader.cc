#include "atp/manifest/field_reader.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace atp::manifest {
namespace {

// Values in messages are cut so a hostile field cannot flood the report.
std::string Shown(const std::string& value) {
  return value.size() <= 60 ? value : value.substr(0, 57) + "...";
}

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

bool ReadDigits(const std::string& text, size_t at, size_t count, int& out) {
  if (at + count > text.size()) return false;
  out = 0;
  for (size_t i = at; i < at + count; ++i) {
    if (!absl::ascii_isdigit(text[i])) return false;
    out = out * 10 + (text[i] - '0');
  }
  return true;
}

// YYYY-MM-DD, optionally followed by Thh:mm[:ss[.fraction]] and Z or ±hh:mm.
bool IsIsoDateOrDateTime(const std::string& text) {
  int year, month, day;
  if (!ReadDigits(text, 0, 4, year) || text.size() < 10 || text[4] != '-' ||
      !ReadDigits(text, 5, 2, month) || text[7] != '-' || !ReadDigits(text, 8, 2, day)) {
    return false;
  }
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 ||
      day > kDays[month - 1] + (month == 2 && IsLeapYear(year) ? 1 : 0)) {
    return false;
  }
  if (text.size() == 10) return true;
  int hour, minute, second = 0;
  if (text[10] != 'T' || !ReadDigits(text, 11, 2, hour) || text.size() < 16 || text[13] != ':' ||
      !ReadDigits(text, 14, 2, minute) || hour > 23 || minute > 59) {
    return false;
  }
  size_t at = 16;
  if (at < text.size() && text[at] == ':') {
    if (!ReadDigits(text, at + 1, 2, second) || second > 60) return false;
    at += 3;
    if (at < text.size() && text[at] == '.') {
      const size_t digits_start = ++at;
      while (at < text.size() && absl::ascii_isdigit(text[at])) ++at;
      if (at == digits_start) return false;
    }
  }
  if (at == text.size()) return true;
  if (text[at] == 'Z') return at + 1 == text.size();
  int offset_hours, offset_minutes;
  return (text[at] == '+' || text[at] == '-') && text.size() == at + 6 &&
         ReadDigits(text, at + 1, 2, offset_hours) && text[at + 3] == ':' &&
         ReadDigits(text, at + 4, 2, offset_minutes) && offset_hours <= 23 && offset_minutes <= 59;
}

}  // namespace

std::string Trim(const char* text) {
  return std::string(absl::StripAsciiWhitespace(text == nullptr ? "" : text));
}

size_t CharacterCount(const std::string& text) {
  size_t count = 0;
  for (char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return count;
}

std::string ChildFieldPath(std::string_view parent_path, std::string_view name, size_t index) {
  std::string path(parent_path);
  if (!path.empty()) path += '/';
  path += name;
  for (const ListField& list : {kAudioTrackList, kSubtitleTrackList}) {
    if (parent_path == list.list && name == list.item) absl::StrAppend(&path, "[", index, "]");
  }
  return path;
}

FieldReader::FieldReader(pugi::xml_node element, std::string path, Problems& problems)
    : element_(element), path_(std::move(path)), problems_(problems) {}

FieldReader::~FieldReader() {
  for (pugi::xml_node child : element_.children()) {
    if (child.type() == pugi::node_element && !known_.contains(child.name())) {
      problems_.warnings.push_back(
          absl::StrCat(PathOf(child.name()), ": unknown element, ignored"));
    }
  }
}

std::string FieldReader::PathOf(const std::string& name) const {
  return path_.empty() ? name : absl::StrCat(path_, "/", name);
}

void FieldReader::Error(const std::string& name, const std::string& message) {
  problems_.errors.push_back(absl::StrCat(PathOf(name), ": ", message));
}

std::optional<std::string> FieldReader::Text(const char* name, bool required) {
  known_.insert(name);
  pugi::xml_node child = element_.child(name);
  if (!child) {
    if (required) Error(name, "is required but missing");
    return std::nullopt;
  }
  if (child.next_sibling(name)) {
    Error(name, "appears more than once; give it once");
    return std::nullopt;
  }
  if (child.first_child().type() == pugi::node_element) {
    Error(name, "expected text, got child elements");
    return std::nullopt;
  }
  return Trim(child.text().get());
}

void FieldReader::String(const char* name, bool required, size_t min_length, size_t max_length,
                         std::string& out) {
  std::optional<std::string> text = Text(name, required);
  if (!text) return;
  const size_t length = CharacterCount(*text);
  if (length < min_length || length > max_length) {
    Error(name, absl::StrCat("expected ", min_length, "-", max_length, " characters, got ", length,
                             text->empty() ? " (empty)" : ""));
    return;
  }
  out = *std::move(text);
}

void FieldReader::Token(const char* name, bool required, size_t max_length, bool (*allowed)(char),
                        const char* charset, std::string& out) {
  std::optional<std::string> text = Text(name, required);
  if (!text) return;
  bool valid = !text->empty() && text->size() <= max_length;
  for (char c : *text) valid = valid && allowed(c);
  if (!valid) {
    Error(name, absl::StrCat("expected 1-", max_length, " characters of ", charset, ", got '",
                             Shown(*text), "'"));
    return;
  }
  out = *std::move(text);
}

void FieldReader::Integer(const char* name, bool required, int64_t min, int64_t max, int64_t& out) {
  std::optional<std::string> text = Text(name, required);
  if (!text) return;
  int64_t value = 0;
  const char* end = text->data() + text->size();
  auto [last, error] = std::from_chars(text->data() + (text->starts_with('+') ? 1 : 0), end, value);
  if (text->empty() || error != std::errc() || last != end || value < min || value > max) {
    Error(name, absl::StrCat("expected a whole number from ", min, " to ", max, ", got '",
                             Shown(*text), "'"));
    return;
  }
  out = value;
}

void FieldReader::Integer(const char* name, bool required, int min, int max, int& out) {
  int64_t value = out;
  const size_t errors_before = problems_.errors.size();
  Integer(name, required, static_cast<int64_t>(min), static_cast<int64_t>(max), value);
  if (problems_.errors.size() == errors_before) out = static_cast<int>(value);
}

void FieldReader::Integer(const char* name, bool required, int min, int max,
                          std::optional<int>& out) {
  if (!element_.child(name)) {
    known_.insert(name);
    if (required) Error(name, "is required but missing");
    return;
  }
  int value = 0;
  const size_t errors_before = problems_.errors.size();
  Integer(name, required, min, max, value);
  if (problems_.errors.size() == errors_before) out = value;
}

void FieldReader::Decimal(const char* name, bool required, double exclusive_min, double max,
                          double& out) {
  std::optional<std::string> text = Text(name, required);
  if (!text) return;
  // Plain decimals only: no exponents, hex, inf or nan.
  bool plain = !text->empty();
  int dots = 0;
  for (size_t i = 0; i < text->size(); ++i) {
    const char c = (*text)[i];
    if (c == '.') {
      ++dots;
    } else if (!absl::ascii_isdigit(c) && !(i == 0 && (c == '-' || c == '+'))) {
      plain = false;
    }
  }
  const double value = plain && dots <= 1 ? std::strtod(text->c_str(), nullptr) : NAN;
  if (!std::isfinite(value) || !(value > exclusive_min) || value > max) {
    Error(name, absl::StrCat("expected a number greater than ", exclusive_min, " and at most ", max,
                             ", got '", Shown(*text), "'"));
    return;
  }
  out = value;
}

void FieldReader::Boolean(const char* name, bool& out) {
  std::optional<std::string> text = Text(name, /*required=*/false);
  if (!text) return;
  const std::string lower = absl::AsciiStrToLower(*text);
  if (lower == "true" || lower == "yes" || lower == "1") {
    out = true;
  } else if (lower == "false" || lower == "no" || lower == "0" || lower.empty()) {
    out = false;
  } else {
    Error(name, absl::StrCat("expected true/yes/1 or false/no/0, got '", Shown(*text), "'"));
  }
}

void FieldReader::Enum(const char* name, bool required, const std::vector<std::string>& allowed,
                       std::string& out) {
  std::optional<std::string> text = Text(name, required);
  if (!text) return;
  if (std::find(allowed.begin(), allowed.end(), *text) == allowed.end()) {
    Error(name, absl::StrCat("expected one of ", absl::StrJoin(allowed, ", "), ", got '",
                             Shown(*text), "'"));
    return;
  }
  out = *std::move(text);
}

void FieldReader::Hex(const char* name, bool required, size_t digits, std::string& out) {
  std::optional<std::string> text = Text(name, required);
  if (!text) return;
  bool valid = text->size() == digits;
  for (char c : *text) valid = valid && absl::ascii_isxdigit(c);
  if (!valid) {
    Error(name, absl::StrCat("expected ", digits, " hex digits, got '", Shown(*text), "'"));
    return;
  }
  out = absl::AsciiStrToLower(*text);
}

void FieldReader::RelativePath(const char* name, std::string& out) {
  std::optional<std::string> text = Text(name, /*required=*/true);
  if (!text) return;
  if (text->empty()) {
    Error(name, "is required but empty; give the file's path relative to the input root");
  } else if (text->front() == '/' || text->front() == '\\' ||
             (text->size() > 1 && (*text)[1] == ':')) {
    Error(name, absl::StrCat("must be relative to the input root, got '", Shown(*text), "'"));
  } else if (*text == ".." || text->starts_with("../") || text->find("/../") != std::string::npos ||
             text->ends_with("/..") || text->find('\\') != std::string::npos) {
    Error(name, absl::StrCat("must stay inside the input root (no '..' or '\\'), got '",
                             Shown(*text), "'"));
  } else {
    out = *std::move(text);
  }
}

void FieldReader::Date(const char* name, std::string& out) {
  std::optional<std::string> text = Text(name, /*required=*/false);
  if (!text || text->empty()) return;
  if (!IsIsoDateOrDateTime(*text)) {
    Error(name, absl::StrCat("expected an ISO-8601 date (YYYY-MM-DD) or date-time "
                             "(YYYY-MM-DDThh:mm:ssZ), got '",
                             Shown(*text), "'"));
    return;
  }
  out = *std::move(text);
}

void FieldReader::Url(const char* name, std::string& out) {
  std::optional<std::string> text = Text(name, /*required=*/false);
  if (!text || text->empty()) return;
  const std::string lower = absl::AsciiStrToLower(*text);
  const size_t scheme_end = lower.starts_with("https://")  ? 8
                            : lower.starts_with("http://") ? 7
                                                           : 0;
  const size_t host_end = text->find_first_of("/?#", scheme_end);
  const bool has_space = text->find_first_of(" \t\r\n") != std::string::npos;
  if (scheme_end == 0 || has_space || host_end == scheme_end || scheme_end == text->size() ||
      text->size() > 2048) {
    Error(name, absl::StrCat("expected an http:// or https:// URL with a host, got '", Shown(*text),
                             "'"));
    return;
  }
  out = *std::move(text);
}

}  // namespace atp::manifest
