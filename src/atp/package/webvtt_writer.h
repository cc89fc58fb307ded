// atp/package/webvtt_writer.h
//
// WebVTT files written from cues (atp::subtitle::Subtitles): the whole track, for DASH, and
// the segments of HLS. Pure text, no I/O.
#ifndef ATP_PACKAGE_WEBVTT_WRITER_H_
#define ATP_PACKAGE_WEBVTT_WRITER_H_

#include <cstdint>
#include <string>

#include "atp/subtitle/subtitles.h"

namespace atp::package {

// The whole track: "WEBVTT", its STYLE and REGION blocks, then every cue (identifier, timing
// line with its settings, payload), separated by blank lines.
[[nodiscard]] std::string WriteWebVttFile(const subtitle::Subtitles& subtitles);

// One HLS segment covering [start_ms, end_ms) of the programme: the header with
// "X-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000" (cue time 0 is media time 0: the package's
// audio and video present from 0, their encoder delays cut by edit lists), the STYLE and REGION
// blocks, then every cue shown during the segment (start < end_ms and end > start_ms) with its
// own times, so a cue that spans a boundary is in both segments, unchanged.
[[nodiscard]] std::string WriteWebVttSegment(const subtitle::Subtitles& subtitles, int64_t start_ms,
                                             int64_t end_ms);

}  // namespace atp::package

#endif  // ATP_PACKAGE_WEBVTT_WRITER_H_
