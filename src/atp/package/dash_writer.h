// atp/package/dash_writer.h
//
// A static DASH MPD (ISO/IEC 23009-1, live and CMAF profiles) written from packaging records
// over the same CMAF segments as HLS: pure text, no I/O.
#ifndef ATP_PACKAGE_DASH_WRITER_H_
#define ATP_PACKAGE_DASH_WRITER_H_

#include <string>

#include "atp/core/packaged_media.h"

namespace atp::package {

// REQUIRES: every track's segments are named "seg_00001.m4s", "seg_00002.m4s", ... in order,
// which the SegmentTemplate "$Number%05d$" with startNumber 1 resolves to.
//
// One video AdaptationSet per codec (segmentAlignment, startWithSAP=1), one audio
// AdaptationSet per track with @lang, a Label and a Role (main for the default track,
// alternate otherwise). Each Representation has a SegmentTemplate with a SegmentTimeline of
// the exact segment durations (runs of equal, contiguous durations folded into @r) and its
// measured peak bitrate as @bandwidth. mediaPresentationDuration is the longest track's.
[[nodiscard]] std::string WriteDashManifest(const PackagedMedia& media);

}  // namespace atp::package

#endif  // ATP_PACKAGE_DASH_WRITER_H_
