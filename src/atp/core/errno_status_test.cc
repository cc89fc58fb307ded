#include "atp/core/errno_status.h"

#include <cerrno>

#include "atp/testing/status_matchers.h"
#include "gtest/gtest.h"

namespace atp {
namespace {

using ::atp::testing::StatusIs;
using ::testing::HasSubstr;

TEST(ErrnoToStatus, MapsEachFamilyToItsCanonicalCode) {
  struct Case {
    int error_number;
    absl::StatusCode expected;
  };
  for (const Case& c : std::vector<Case>{{ENOENT, absl::StatusCode::kNotFound},
                                         {EACCES, absl::StatusCode::kPermissionDenied},
                                         {EROFS, absl::StatusCode::kPermissionDenied},
                                         {ENOSPC, absl::StatusCode::kResourceExhausted},
                                         {EFBIG, absl::StatusCode::kResourceExhausted},
                                         {ELOOP, absl::StatusCode::kFailedPrecondition},
                                         {EEXIST, absl::StatusCode::kAlreadyExists},
                                         {EIO, absl::StatusCode::kUnavailable},
                                         {EISDIR, absl::StatusCode::kFailedPrecondition},
                                         {EBADF, absl::StatusCode::kInternal}}) {
    EXPECT_THAT(ErrnoToStatus(c.error_number, "/in/file.mov"),
                StatusIs(c.expected, HasSubstr("/in/file.mov: ")))
        << c.error_number;
  }
}

}  // namespace
}  // namespace atp
