// atp/subtitle/ttml_parser.h
//
// Reads a TTML document (the IMSC1 text profile's basic features) into WebVTT cues.
//
// Timing. Media time (ttp:timeBase "media", the default and IMSC1's only one) in `par` time
// containers: `begin`, `end` and `dur` on body, div, p and span count from the parent's begin,
// and an element is cut to its parent's interval. Clock times HH:MM:SS, HH:MM:SS.fff and
// HH:MM:SS:FF[.ss] (frames at ttp:frameRate, 30 when absent, times ttp:frameRateMultiplier;
// sub-frames at ttp:subFrameRate); offset times in h, m, s, ms, f (frames) and t (ticks at
// ttp:tickRate; when absent the effective frame rate times the sub-frame rate if a frame rate
// is given, else 1). A p with neither end nor dur ends with its parent. Times are rounded to the
// nearest millisecond. A p whose spans have their own times becomes one cue per stretch of
// time in which the shown text stays the same.
//
// Text. Each p is a cue. Whitespace follows xml:space: by default every run of spaces, tabs
// and line feeds is one space and lines are trimmed; with "preserve" line feeds are line
// breaks and spaces are kept (lines are still trimmed). br is a line break; empty lines are
// left out. '&', '<' and '>' are escaped. A p with no text gives no cue. The cue identifier is
// the p's xml:id (with "/1", "/2" ... when the p gives several cues).
//
// Styles mapped, from the element, its referenced <style xml:id> elements (style="id ...",
// chained), its ancestors and its region, as TTML inherits them: tts:fontStyle italic or
// oblique -> <i>, tts:fontWeight bold -> <b>, tts:textDecoration underline -> <u>;
// tts:textAlign left, right, start, end -> align: (center is WebVTT's default; no textAlign
// gives WebVTT's center, not TTML's start).
//
// Vertical position, from the p's own tts:origin, tts:extent and tts:displayAlign, else its
// region's (region="id" on the p or an ancestor), in %, px (with the root's tts:extent in px)
// or c (ttp:cellResolution, default 32 15), as percent of the root container, y the origin's
// top and h the extent's height (the rest of the root when no extent):
//   displayAlign before            -> line:y%,start
//   displayAlign center            -> line:(y+h/2)%,center
//   displayAlign after             -> no line: setting (WebVTT's bottom), unless the region
//                                     ends in the upper half (y+h <= 50): line:(y+h)%,end
//   no displayAlign                -> no line: setting, unless the region ends in the upper
//                                     half: line:y%,start (TTML's initial value, before)
// Horizontal region geometry is not mapped (WebVTT centres the cue box).
//
// Dropped, with one warning per file naming each thing and how many times it is written:
// every other tts: property (colours, fonts, sizes, outlines, padding, writing mode ...),
// textDecoration lineThrough and overline, tts:origin/extent/displayAlign on body, div or span
// or in units atp cannot convert, <set> animations, other TTML elements in body (image ...)
// and elements in other namespaces there. Metadata (<metadata>, ttm:) is ignored. Further
// warnings: references to undefined styles or regions, paragraphs that lie outside their
// parent's interval, cues shorter than a millisecond.
#ifndef ATP_SUBTITLE_TTML_PARSER_H_
#define ATP_SUBTITLE_TTML_PARSER_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "atp/subtitle/subtitles.h"

namespace atp::subtitle {

// The cues of the TTML document `bytes`, sorted by start time (stable), each with the line of
// its p as source_line.
//
// InvalidArgument, starting "`file_name`:LINE: " where a line applies, when: the file is over
// kMaxSubtitleFileBytes or not UTF-8 (see Utf8Text); it holds a DTD or entity declaration
// (<!DOCTYPE, <!ENTITY; refused before parsing), an entity reference other than the five
// predefined ones, a character reference to a character XML does not allow, or a raw control
// character; it is not well-formed XML; the root is not `tt` in the namespace
// http://www.w3.org/ns/ttml (prefixed or default); there is no body; elements nest deeper than
// 64 levels or have more than 256 attributes; ttp:timeBase is not "media", a ttp: parameter is
// malformed, or timeContainer is "seq"; a time expression cannot be read (the message names the
// attribute and its value) or lies beyond 1000 hours; an element's end is not after its begin
// (end="3s" with begin="5s", dur="0s"); a p has no end (neither its own end or dur nor an
// ancestor's); a style refers to itself; a p has so many timed spans over so much text that
// splitting it would take too long.
[[nodiscard]] absl::StatusOr<Subtitles> ParseTtml(std::string_view bytes,
                                                  std::string_view file_name);

}  // namespace atp::subtitle

#endif  // ATP_SUBTITLE_TTML_PARSER_H_
