// atp/testing/open_watch.h
//
// OpenWatch for tests of any module: an inotify watch counting every open and read of the
// files and folders it was given (see validate/open_watch.h, where the class still lives
// until app/atp_validate_test.cc includes this header; then its body moves here).
#ifndef ATP_TESTING_OPEN_WATCH_H_
#define ATP_TESTING_OPEN_WATCH_H_

#include "atp/validate/open_watch.h"

namespace atp::testing {

using ::atp::validate::OpenWatch;

}  // namespace atp::testing

#endif  // ATP_TESTING_OPEN_WATCH_H_
