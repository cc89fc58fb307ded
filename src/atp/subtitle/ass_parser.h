// atp/subtitle/ass_parser.h
//
// The parts of an ASS (v4.00+) or SSA (v4.00) script that atp converts to WebVTT: the
// [Script Info] values that place text (PlayResX, PlayResY, WrapStyle), the styles of
// [V4+ Styles] or [V4 Styles], and the Dialogue events of [Events]. Nothing is rendered here;
// ass_reader.h turns the result into cues.
#ifndef ATP_SUBTITLE_ASS_PARSER_H_
#define ATP_SUBTITLE_ASS_PARSER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace atp::subtitle {

struct AssStyle {
  std::string name;  // Without the leading '*' some tools write.
  bool bold = false;
  bool italic = false;
  bool underline = false;
  // Numpad alignment: 1-3 bottom, 4-6 middle, 7-9 top; left, centre, right in each row.
  // [V4 Styles]' SSA values are converted.
  int alignment = 2;
  // Margins in PlayRes pixels.
  int margin_l = 20;
  int margin_r = 20;
  int margin_v = 20;
  int source_line = 0;  // 0 for the built-in Default.
};

struct AssEvent {
  int source_line = 0;
  int layer = 0;
  int64_t start_ms = 0;  // start_ms <= end_ms.
  int64_t end_ms = 0;
  int style = 0;  // Index into AssScript::styles.
  // The Style field when no style has that name (`style` is then the default style's).
  std::string undefined_style;
  std::string name;  // The Name (speaker) field, trimmed; often empty.
  // Event margins; 0 means the style's.
  int margin_l = 0;
  int margin_r = 0;
  int margin_v = 0;
  std::string effect;  // The Effect field, trimmed.
  std::string text;    // The Text field as written, override blocks included.
};

struct AssScript {
  // The coordinate space of \pos and the margins. When [Script Info] leaves them out they are
  // derived as libass does: 384x288 when both are missing; a missing PlayResY is 1024 for a
  // PlayResX of 1280, else PlayResX * 3/4; a missing PlayResX is 1280 for a PlayResY of 1024,
  // else PlayResY * 4/3.
  int play_res_x = 384;
  int play_res_y = 288;
  bool play_res_derived = false;  // True when either was missing.
  int wrap_style = 0;             // 2: "\n" is a line break; otherwise it is a space.
  // styles[0] is libass's built-in Default (bottom centre, margins 20); the file's styles
  // follow in file order.
  std::vector<AssStyle> styles;
  int default_style = 0;  // The last style named "Default", else 0.
  // The Dialogue events in file order (Comment events are left out).
  std::vector<AssEvent> events;
};

// The numpad alignment (1-9) of an SSA alignment: 1-3 bottom, 5-7 top, 9-11 middle (left,
// centre, right); 4 and 8 are taken as 5, as VSFilter and libass do for \a. nullopt outside
// 1-11.
[[nodiscard]] std::optional<int> NumpadFromSsaAlignment(int ssa_alignment);

// The index of the style an event's Style field (or \r) names, as libass looks it up: leading
// '*'s ignored, "default" in any case is "Default", the last style with exactly that name
// wins. nullopt when none has it.
[[nodiscard]] std::optional<int> FindAssStyle(const AssScript& script, std::string_view name);

// Parses UTF-8 script text (Utf8Text's result: no byte-order mark). Lines may end in LF, CRLF
// or CR; blank lines and ';' comments are skipped; unknown sections and keys are ignored.
// Returns InvalidArgument "file_name:line: ..." for: no [Events] section (the line is the
// last one), a Style or Dialogue line before its section's Format line, a Format line without
// the columns atp needs (Name; Start, End and Text, Text last), a Style or Dialogue line with
// fewer fields than its Format line names, a time that is not H:MM:SS.cc, an event that ends
// before it starts, a number that is not a whole number (PlayResX, PlayResY, WrapStyle, a
// style's Bold, Italic, Underline, Alignment and margins, an event's Layer and margins), and
// an alignment outside its section's range.
// An event whose style is not defined is not an error: it takes the default style and
// AssEvent::undefined_style says so.
[[nodiscard]] absl::StatusOr<AssScript> ParseAss(std::string_view text, std::string_view file_name);

}  // namespace atp::subtitle

#endif  // ATP_SUBTITLE_ASS_PARSER_H_
