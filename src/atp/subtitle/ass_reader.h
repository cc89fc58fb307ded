// atp/subtitle/ass_reader.h
//
// ConvertAss reads an ASS (v4.00+) or SSA (v4.00) script into WebVTT cues: one cue per
// Dialogue event, split into dialogue and "signs & songs" when asked.
//
// The mapping, per event (ass_parser.h reads the file, ass_to_webvtt.h converts an event):
//
//   ASS                               WebVTT
//   --------------------------------  ---------------------------------------------------------
//   Start, End (H:MM:SS.cc)           start_ms, end_ms
//   \N; \n with WrapStyle: 2          a line break ("\n"); lines are trimmed of spaces and
//                                     tabs and empty lines are left out (a payload has none)
//   \n otherwise                      a space (ASS's soft break; libass renders it as a space)
//   \h                                U+00A0 NO-BREAK SPACE
//   \i1 \i0, \u1 \u0                  <i>, <u>
//   \b1 \b0, \b<weight>               <b> (a weight of 700 or more is bold)
//   style Italic, Bold, Underline     the state at the start of the cue
//   \i \b \u without 0/1 (or weight)  back to the style's
//   \r, \r<Style>                     back to the event's style, or to the style named
//   (spans open only around text, nest properly, closed and reopened inside as needed, and all
//   close at the end of the cue)
//   & < >                             &amp; &lt; &gt;
//   {comment text}                    nothing; an unclosed '{' is text
//   \anN (1-9), \aN (SSA 1-3 bottom,  alignment: column -> align:left / (none: centre) /
//   5-7 top, 9-11 middle), else the   align:right; row -> see below. The first \an or \a of an
//   style's Alignment                 event wins, as in libass.
//   \pos(x,y)                         line:y/PlayResY% (,end for a bottom row, ,center for a
//                                     middle row, start for a top row)
//                                     position:x/PlayResX% (its alignment follows align:
//                                     line-left, center, line-right). The first \pos or \move
//                                     wins.
//   no \pos: top row                  line:MarginV/PlayResY% (start)
//            middle row               line:50%,center
//            bottom row               no line: WebVTT's default, the bottom
//            left column              position:MarginL/PlayResX%
//            right column             position:(PlayResX-MarginR)/PlayResX%
//                                     (an event's non-zero margins override its style's)
//   \move(x1,y1,x2,y2[,t1,t2])        placed as \pos(x1,y1); the movement is dropped
//   \p1..\p0 (drawing)                removed with the drawing commands; a cue that was only a
//                                     drawing is left out
//   \k \K \kf \ko, \fad \fade, \c \1c-\4c, \alpha \1a-\4a, \fn \fs \fsc* \fsp \fe,
//   \blur \be, \bord \shad \[xy]bord \[xy]shad, \fr*, \fax \fay, \org, \clip \iclip, \q,
//   \t(...), \s1, \pbo, Effect Banner/Scroll, unknown tags
//                                     dropped
//   Layer                             nothing: overlapping events, on any layers, are separate
//                                     cues (WebVTT shows them together)
//   Name, MarginL/R/V of a \pos cue   nothing
//
// Percentages have at most two decimals and are clamped to 0-100. Cues are ordered by start
// time, then layer, then file order. Events whose payload is empty, and events that last 0 ms,
// make no cue; events identical in time, payload and settings (a sign typeset as a border
// layer and a fill layer) make one.
//
// Warnings, each Subtitles its own for the events it got:
//   "ep1.ass: dropped from 12 cues: \k (karaoke) 10, \move 2 (WebVTT has no equivalent)"
//     -- once per track; a count says how many events had that kind, kinds by count;
//   "ep1.ass:40: no style named "Sign2" (3 events): used Default" -- per missing style;
//   events that last 0 ms, duplicates merged, and PlayRes derived when positions used it.
#ifndef ATP_SUBTITLE_ASS_READER_H_
#define ATP_SUBTITLE_ASS_READER_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "atp/subtitle/subtitles.h"

namespace atp::subtitle {

struct AssConversion {
  Subtitles dialogue;  // Everything else.
  Subtitles signs;     // "Signs & songs" (a forced track); empty unless split_signs.
};

// True for a style name of signs and songs. The name is split into words at every character
// that is not a letter and where the case turns from lower to upper ("SignTop", "OPRomaji");
// a word matches, case-insensitively, when it
//   - starts with sign, song, title, karaoke, typeset, insert, note, opening or ending
//     ("Signs", "Songs", "Typesetting", "TL Notes", "Openings"), or
//   - is exactly op or ed ("OP_Romaji", "ED2", "Op-Kanji"; not "Operator", "Editor").
// So "Default", "Dialogue", "Alt", "Italics", "Top", "Flashback" are dialogue, and "Opening",
// "Ending" (the theme songs' styles) are songs. A word that merely starts like a keyword
// ("Signal", "Notebook") matches too.
[[nodiscard]] bool IsSignsAndSongsStyle(std::string_view style_name);

// Converts the UTF-8 script `bytes` (byte-order mark and CRLF allowed; any other encoding is
// refused by Utf8Text) named `file_name` in messages. With `split_signs`, an event goes to
// `signs` when its style is IsSignsAndSongsStyle, or when it has \pos (or \move) and an empty
// Name (speaker) field; every other event, and every event without `split_signs`, goes to
// `dialogue`. REQUIRES nothing. Returns InvalidArgument "file_name:line: ..." for a malformed
// script (ParseAss in ass_parser.h lists what is malformed), and for one larger than
// kMaxSubtitleFileBytes or not UTF-8 (no line then).
[[nodiscard]] absl::StatusOr<AssConversion> ConvertAss(std::string_view bytes,
                                                       std::string_view file_name,
                                                       bool split_signs);

}  // namespace atp::subtitle

#endif  // ATP_SUBTITLE_ASS_READER_H_
