// atp/subtitle/srt_parser.h
//
// Reads SubRip (.srt) subtitles into Subtitles, the cues in WebVTT's terms.
#ifndef ATP_SUBTITLE_SRT_PARSER_H_
#define ATP_SUBTITLE_SRT_PARSER_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "atp/subtitle/subtitles.h"

namespace atp::subtitle {

// The cues of the SubRip file `bytes`, sorted by start time (stable); `file_name` names the
// file in messages. Each Cue's source_line is the line of its timing line; identifiers are
// left empty (SRT cue numbers are not kept).
//
// A cue is an optional number line, a timing line "HH:MM:SS,mmm --> HH:MM:SS,mmm" and lines
// of text up to an empty line (a line of only spaces is empty) or the end of the file.
//
// Accepted as real files have them, silently: a UTF-8 byte-order mark; CRLF, CR or LF line
// ends; no empty line at the end; several empty lines between cues; no cue number; spaces at
// line ends; '.' instead of ',' before the milliseconds; hours of one digit or more.
// Accepted with one warning per kind per file ("<file_name>: <what> (first at line N...)"):
//   - a line before a timing line that is not a cue number (it is ignored);
//   - "X1:... X2:... Y1:... Y2:..." coordinates after a timing line (ignored);
//   - a timing line right after a cue's text, with no empty line between (a new cue starts
//     there; a number line just before it is that cue's number, not text);
//   - a cue without text, or with only tags: left out;
//   - <font ...> and </font> tags: dropped;
//   - {\...} override tags other than a cue's first {\anN}: removed;
//   - cues that start before an earlier cue ends: kept (WebVTT players show both).
// InvalidArgument "<file_name>:<line>: <what is wrong>: <what to do>" for: a file over
// kMaxSubtitleFileBytes or not UTF-8 (no line; see Utf8Text); a timing line that is not
// two timestamps around "-->" with at most coordinates after, a timestamp not
// H+:MM:SS,mmm (two digits of minutes and of seconds, three of milliseconds), minutes or
// seconds of 60 or more, an end at or before the start; a cue number not followed by a
// timing line; text outside a cue (after an empty line, with no timing line in the two lines
// that start its block); and "<file_name>: no cues ..." (no line) when no cue with text is
// left.
//
// Text becomes a WebVTT cue payload (Cue::text): <i> <b> <u> and their end tags are kept
// (written in lower case), every other '&', '<' and '>' is escaped; spaces at line ends and
// lines left empty by removed tags are dropped; lines are joined with "\n".
//
// The first {\anN} tag of a cue (N 1-9, the numeric keypad's layout, common in SRT from ASS
// tools) sets its cue settings and is removed:
//   {\an7} "line:5%,start position:5%,line-left align:left"
//   {\an8} "line:5%,start align:center"
//   {\an9} "line:5%,start position:95%,line-right align:right"
//   {\an4} "line:50%,center position:5%,line-left align:left"
//   {\an5} "line:50%,center align:center"
//   {\an6} "line:50%,center position:95%,line-right align:right"
//   {\an1} "position:5%,line-left align:left"
//   {\an2} ""  (bottom centre: WebVTT's defaults)
//   {\an3} "position:95%,line-right align:right"
// Top cues sit 5% below the top edge rather than on it (line:0), where TVs cut them off.
[[nodiscard]] absl::StatusOr<Subtitles> ParseSrt(std::string_view bytes,
                                                 std::string_view file_name);

}  // namespace atp::subtitle

#endif  // ATP_SUBTITLE_SRT_PARSER_H_
