// atp/app/test_pause.h
//
// The test-only pause of `atp run` and `atp serve` (ATP_TEST_PAUSE_AT_STEP, settings.h): how
// tests stop a process at a chosen step to kill it, signal it, or race another one there.
#ifndef ATP_APP_TEST_PAUSE_H_
#define ATP_APP_TEST_PAUSE_H_

#include <string_view>

#include "atp/app/settings.h"

namespace atp::app {

// The first time the process gets to `where` (a step's name, "transcode/<unit>", or
// "plan/per-title": a per-title probe encoded and measured, its files staged) and it is
// settings.pause_at_step: writes the pause marker file, then waits until it is deleted (the
// run goes on) or a stop signal arrives, or to be killed. Without a marker it waits for the
// signal.
void PauseIfAsked(const Settings& settings, std::string_view where);

}  // namespace atp::app

#endif  // ATP_APP_TEST_PAUSE_H_
