#include "atp/subtitle/ass_reader.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <iterator>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "atp/core/status_macros.h"
#include "atp/subtitle/ass_parser.h"
#include "atp/subtitle/ass_to_webvtt.h"
#include "atp/subtitle/text_encoding.h"

namespace atp::subtitle {
namespace {

bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }

// The lowercased words of a style name (IsSignsAndSongsStyle says where it splits). Bytes of
// non-ASCII letters belong to words but have no case.
std::vector<std::string> Words(std::string_view name) {
  std::vector<std::string> words(1);
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (!IsUpper(c) && !IsLower(c) && static_cast<unsigned char>(c) < 0x80) {
      if (!words.back().empty()) words.emplace_back();
      continue;
    }
    if (!words.back().empty() && IsUpper(c) &&
        (IsLower(name[i - 1]) ||
         (IsUpper(name[i - 1]) && i + 1 < name.size() && IsLower(name[i + 1])))) {
      words.emplace_back();
    }
    words.back() += IsUpper(c) ? static_cast<char>(c - 'A' + 'a') : c;
  }
  if (words.back().empty()) words.pop_back();
  return words;
}

// The cues of one track as they are found, and what its warnings count.
class TrackBuilder {
 public:
  void Add(const AssScript& script, const AssEvent& event, const AssEventInWebVtt& converted) {
    if (!event.undefined_style.empty()) {
      auto it =
          std::find_if(undefined_styles_.begin(), undefined_styles_.end(),
                       [&](const UndefinedStyle& s) { return s.name == event.undefined_style; });
      if (it == undefined_styles_.end()) {
        undefined_styles_.push_back({event.undefined_style, event.source_line, 0});
        it = std::prev(undefined_styles_.end());
      }
      ++it->events;
    }
    if (event.end_ms == event.start_ms) {
      if (zero_length_++ == 0) first_zero_length_line_ = event.source_line;
      return;
    }
    if (converted.dropped.any()) {
      ++events_with_drops_;
      for (int kind = 0; kind < kAssDroppedTagKinds; ++kind) {
        dropped_[kind] += converted.dropped[kind];
      }
    }
    if (converted.text.empty()) return;
    const int column = (converted.alignment - 1) % 3;
    const int row = (converted.alignment - 1) / 3;
    uses_play_res_ |= converted.position.has_value() || row == 2 || column != 1;
    pending_.push_back({Cue{.start_ms = event.start_ms,
                            .end_ms = event.end_ms,
                            .text = converted.text,
                            .settings = AssCueSettings(script, event, converted),
                            .source_line = event.source_line},
                        event.layer});
  }

  Subtitles Finish(std::string_view file_name, const AssScript& script) && {
    const std::string name(file_name);
    Subtitles subtitles;
    std::stable_sort(pending_.begin(), pending_.end(), [](const Pending& a, const Pending& b) {
      return std::tie(a.cue.start_ms, a.layer) < std::tie(b.cue.start_ms, b.layer);
    });
    std::set<std::tuple<int64_t, int64_t, std::string, std::string>> seen;
    int duplicates = 0;
    for (Pending& pending : pending_) {
      const Cue& cue = pending.cue;
      if (!seen.emplace(cue.start_ms, cue.end_ms, cue.text, cue.settings).second) {
        ++duplicates;
        continue;
      }
      subtitles.cues.push_back(std::move(pending.cue));
    }
    for (const UndefinedStyle& style : undefined_styles_) {
      subtitles.warnings.push_back(
          absl::StrCat(name, ":", style.first_line, ": no style named \"", style.name, "\" (",
                       style.events, style.events == 1 ? " event" : " events", "): used Default"));
    }
    if (events_with_drops_ > 0) {
      std::vector<int> kinds;
      for (int kind = 0; kind < kAssDroppedTagKinds; ++kind) {
        if (dropped_[kind] > 0) kinds.push_back(kind);
      }
      std::stable_sort(kinds.begin(), kinds.end(),
                       [&](int a, int b) { return dropped_[a] > dropped_[b]; });
      std::string warning = absl::StrCat(name, ": dropped from ", events_with_drops_,
                                         events_with_drops_ == 1 ? " cue: " : " cues: ");
      for (size_t i = 0; i < kinds.size(); ++i) {
        absl::StrAppend(&warning, i == 0 ? "" : ", ",
                        std::string(AssDroppedTagName(static_cast<AssDroppedTag>(kinds[i]))), " ",
                        dropped_[kinds[i]]);
      }
      subtitles.warnings.push_back(warning + " (WebVTT has no equivalent)");
    }
    if (zero_length_ > 0) {
      subtitles.warnings.push_back(absl::StrCat(
          name, ":", first_zero_length_line_, ": ", zero_length_,
          zero_length_ == 1 ? " event lasts" : " events last", " 0 ms (the first here): left out"));
    }
    if (duplicates > 0) {
      subtitles.warnings.push_back(absl::StrCat(
          name, ": ", duplicates, duplicates == 1 ? " event repeats" : " events repeat",
          " another's time, text and placement (a sign's border and fill layers): kept once"));
    }
    if (uses_play_res_ && script.play_res_derived) {
      subtitles.warnings.push_back(absl::StrCat(
          name, ": [Script Info] lacks PlayResX or PlayResY: positions are relative to ",
          script.play_res_x, "x", script.play_res_y, ", as libass assumes"));
    }
    return subtitles;
  }

 private:
  struct Pending {
    Cue cue;
    int layer = 0;
  };
  struct UndefinedStyle {
    std::string name;
    int first_line = 0;
    int events = 0;
  };

  std::vector<Pending> pending_;
  std::vector<UndefinedStyle> undefined_styles_;
  std::array<int, kAssDroppedTagKinds> dropped_{};
  int events_with_drops_ = 0;
  int zero_length_ = 0;
  int first_zero_length_line_ = 0;
  bool uses_play_res_ = false;
};

}  // namespace

bool IsSignsAndSongsStyle(std::string_view style_name) {
  for (const std::string& word : Words(style_name)) {
    if (word == "op" || word == "ed") return true;
    for (const std::string_view keyword :
         {"sign", "song", "title", "karaoke", "typeset", "insert", "note", "opening", "ending"}) {
      if (std::string_view(word).starts_with(keyword)) return true;
    }
  }
  return false;
}

absl::StatusOr<AssConversion> ConvertAss(std::string_view bytes, std::string_view file_name,
                                         bool split_signs) {
  if (bytes.size() > static_cast<size_t>(kMaxSubtitleFileBytes)) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(file_name), ": ", bytes.size(),
                                                   " bytes, more than the ", kMaxSubtitleFileBytes,
                                                   " atp reads from a subtitle file"));
  }
  ATP_ASSIGN_OR_RETURN(const std::string_view text, Utf8Text(bytes, file_name));
  ATP_ASSIGN_OR_RETURN(const AssScript script, ParseAss(text, file_name));
  TrackBuilder dialogue;
  TrackBuilder signs;
  for (const AssEvent& event : script.events) {
    const AssEventInWebVtt converted = ConvertAssEvent(script, event);
    // An undefined style's name still says what the event is.
    const std::string_view style_name = event.undefined_style.empty()
                                            ? std::string_view(script.styles[event.style].name)
                                            : std::string_view(event.undefined_style);
    const bool is_sign = split_signs && (IsSignsAndSongsStyle(style_name) ||
                                         (converted.position.has_value() && event.name.empty()));
    (is_sign ? signs : dialogue).Add(script, event, converted);
  }
  AssConversion conversion;
  conversion.dialogue = std::move(dialogue).Finish(file_name, script);
  conversion.signs = std::move(signs).Finish(file_name, script);
  return conversion;
}

}  // namespace atp::subtitle
