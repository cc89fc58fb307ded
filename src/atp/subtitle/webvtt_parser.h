// atp/subtitle/webvtt_parser.h
//
// Reads WebVTT (.vtt) subtitles into Subtitles.
#ifndef ATP_SUBTITLE_WEBVTT_PARSER_H_
#define ATP_SUBTITLE_WEBVTT_PARSER_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "atp/subtitle/subtitles.h"

namespace atp::subtitle {

// The cues, STYLE and REGION blocks of the WebVTT file `bytes`, read by the W3C WebVTT
// parsing rules and stricter where a packager must be; `file_name` names the file in messages.
// Cues are sorted by start time (stable: a file's cues may be out of order); each Cue's
// source_line is the line of its timing line.
//
// The first line is "WEBVTT", alone or followed by a space or tab and any text (after an
// optional UTF-8 byte-order mark). The header runs to the first empty line and is ignored.
// Blocks follow, separated by empty lines; CRLF, CR and LF all end a line. A line of only
// spaces and tabs ends a cue or NOTE block as an empty line does (the spec would keep it in the
// cue's text), but not a STYLE or REGION block, whose CSS or settings may hold such lines.
// A block is, in this order:
//   - a cue: a timing line "START --> END [SETTINGS]" as its first line, or as its second
//     after an identifier line; the lines after it are the cue's text. Timestamps are
//     [HH:]MM:SS.mmm: hours two or more digits, minutes and seconds two digits below 60,
//     three digits of milliseconds. The settings are read as words separated by spaces:
//     "name:value" words named vertical, line, position, size, align or region are kept as
//     written (values unchecked), joined by one space; the others are dropped with a warning.
//     The text is kept as written (it is WebVTT cue payload already), its lines joined with
//     "\n"; a cue without text is left out with a warning.
//   - a comment, "NOTE" alone or followed by a space or tab on its first line: skipped.
//   - "STYLE" or "REGION" alone on its first line (spaces after it allowed): its body, the
//     lines after that one joined with "\n", goes to Subtitles::style_blocks or
//     region_blocks; after the first cue WebVTT forbids them, they are ignored with a warning.
//   - anything else: ignored, with a warning (the spec ignores it silently); but a block whose
//     first or second line starts with digits and a colon is a timing line without "-->",
//     an error.
// Warnings are "<file_name>: <what> (first at line N...)", one per kind per file; a header
// line X-TIMESTAMP-MAP (of an HLS segment) is named in one, as cue times are read as written;
// a file without cues has one.
//
// InvalidArgument "<file_name>:<line>: <what is wrong>: <what to do>" for: a first line that is
// not the signature above (line 1); a timing line that is not two timestamps around "-->"
// with settings after a space (or a line where a timing line would be that starts as a
// timestamp but has no "-->"), a timestamp not as above, an end at or before the start; and
// "-->" on any line that is not a cue's timing line (in cue text, a comment, a style sheet or
// the header), where the spec would end the block there: a cue needs an empty line before it.
// Without a line: a file over kMaxSubtitleFileBytes or not UTF-8 (see Utf8Text).
[[nodiscard]] absl::StatusOr<Subtitles> ParseWebVtt(std::string_view bytes,
                                                    std::string_view file_name);

}  // namespace atp::subtitle

#endif  // ATP_SUBTITLE_WEBVTT_PARSER_H_
