// atp/subtitle/ass_to_webvtt.h
//
// One ASS event in WebVTT's terms: its text with the override tags WebVTT can show turned into
// cue spans and line breaks, its placement turned into cue settings, and the tags it had to
// drop. ass_reader.h documents the whole mapping; ConvertAss is the entry point.
#ifndef ATP_SUBTITLE_ASS_TO_WEBVTT_H_
#define ATP_SUBTITLE_ASS_TO_WEBVTT_H_

#include <bitset>
#include <optional>
#include <string>
#include <string_view>

#include "atp/subtitle/ass_parser.h"

namespace atp::subtitle {

// The kinds of override tag (and Effect) WebVTT cannot show, as the warnings name them.
enum class AssDroppedTag {
  kKaraoke,       // \k \K \kf \ko
  kDrawing,       // \p1 ... \p0 (its drawing commands are removed too), \pbo
  kMove,          // \move (its start point is kept as the position)
  kFade,          // \fad \fade
  kColour,        // \c \1c \2c \3c \4c
  kAlpha,         // \alpha \1a \2a \3a \4a
  kFont,          // \fn \fs \fs+ \fs- \fscx \fscy \fsc \fsp \fe
  kBlur,          // \blur \be
  kBorderShadow,  // \bord \xbord \ybord \shad \xshad \yshad
  kRotation,      // \fr \frx \fry \frz
  kShear,         // \fax \fay
  kOrigin,        // \org
  kClip,          // \clip \iclip
  kWrapStyle,     // \q
  kAnimation,     // \t(...)
  kStrikeOut,     // \s1
  kScrolling,     // Effect "Banner;...", "Scroll up;...", "Scroll down;..."
  kUnknown,       // A tag neither ASS nor libass defines.
};
inline constexpr int kAssDroppedTagKinds = static_cast<int>(AssDroppedTag::kUnknown) + 1;

// "\k (karaoke)", "\move" ...: the kind as the dropped-tags warning names it.
[[nodiscard]] std::string_view AssDroppedTagName(AssDroppedTag kind);

struct AssPoint {
  double x = 0;  // In PlayRes pixels.
  double y = 0;
};

struct AssEventInWebVtt {
  // The WebVTT cue payload (subtitles.h's Cue::text); empty when nothing visible is left
  // (an empty event, a drawing).
  std::string text;
  // Numpad alignment 1-9: the event's first \an or \a, else its style's.
  int alignment = 2;
  // The event's first \pos, or the start point of its first \move.
  std::optional<AssPoint> position;
  std::bitset<kAssDroppedTagKinds> dropped;
};

// Converts `event`'s Text field and Effect (ass_reader.h documents the mapping).
[[nodiscard]] AssEventInWebVtt ConvertAssEvent(const AssScript& script, const AssEvent& event);

// The WebVTT cue settings that place `converted` ("" for WebVTT's bottom centre default).
[[nodiscard]] std::string AssCueSettings(const AssScript& script, const AssEvent& event,
                                         const AssEventInWebVtt& converted);

}  // namespace atp::subtitle

#endif  // ATP_SUBTITLE_ASS_TO_WEBVTT_H_
