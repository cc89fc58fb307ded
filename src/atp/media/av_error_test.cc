#include "atp/media/av_error.h"

#include <cerrno>

#include "atp/testing/status_matchers.h"
#include "gtest/gtest.h"

extern "C" {
#include <libavutil/error.h>
}

namespace atp::media {
namespace {

using ::atp::testing::StatusIs;
using ::testing::HasSubstr;

TEST(AvErrorToStatus, MapsEachFamilyToItsCanonicalCode) {
  struct Case {
    int averror;
    absl::StatusCode expected;
  };
  for (const Case& c : std::vector<Case>{
           {AVERROR(ENOENT), absl::StatusCode::kNotFound},
           {AVERROR(EACCES), absl::StatusCode::kPermissionDenied},
           {AVERROR(EIO), absl::StatusCode::kUnavailable},
           {AVERROR(EAGAIN), absl::StatusCode::kUnavailable},
           {AVERROR(ENOMEM), absl::StatusCode::kResourceExhausted},
           {AVERROR_INVALIDDATA, absl::StatusCode::kInvalidArgument},
           {AVERROR_DEMUXER_NOT_FOUND, absl::StatusCode::kInvalidArgument},
           {AVERROR_DECODER_NOT_FOUND, absl::StatusCode::kInvalidArgument},
           {AVERROR_STREAM_NOT_FOUND, absl::StatusCode::kInvalidArgument},
           {AVERROR_EOF, absl::StatusCode::kOutOfRange},
           {AVERROR_BUG, absl::StatusCode::kInternal},
       }) {
    EXPECT_THAT(AvErrorToStatus(c.averror, "opening x.mov"),
                StatusIs(c.expected, HasSubstr("opening x.mov: ")))
        << c.averror;
  }
  EXPECT_THAT(AvErrorToStatus(AVERROR_INVALIDDATA, "demuxing"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("Invalid data found when processing input")));
}

}  // namespace
}  // namespace atp::media
