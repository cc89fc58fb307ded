// atp/testing/test_sources.h
//
// ffmpeg command-line inputs for test pictures whose faults are easy to see in the decoded
// output.
#ifndef ATP_TESTING_TEST_SOURCES_H_
#define ATP_TESTING_TEST_SOURCES_H_

#include <string>

#include "absl/strings/str_format.h"

namespace atp::testing {

// `-f lavfi -i "..."`: SMPTE bars under a white bar that crosses the picture in 0.6 s, at
// `rate` ("60000/1001"). Woven into fields (ffmpeg's interlace filter) its edge combs
// plainly, so idet tells woven frames from whole ones on it. (testsrc2's graphics fool idet
// even when progressive; testsrc barely moves.)
inline std::string MovingEdgeInput(int width, int height, const std::string& rate, double seconds) {
  return absl::StrFormat(
      "-f lavfi -i \"smptebars=s=%dx%d:r=%s:d=%g[bg];color=white:s=%dx%d:r=%s:d=%g[bar];"
      "[bg][bar]overlay=x='mod(t*%d\\,%d)':y=0:eval=frame\"",
      width, height, rate, seconds, width / 12, height, rate, seconds, width * 5 / 3, width);
}

}  // namespace atp::testing

#endif  // ATP_TESTING_TEST_SOURCES_H_
