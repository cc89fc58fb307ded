// atp/app/stop_signals.h
//
// SIGTERM and SIGINT ask atp to stop at its next checkpoint rather than die mid-write: the
// handler only records the signal; the pipeline polls StopSignal() (RunnerOptions::stop_signal),
// and waits sleep through StoppableClock(), which wakes as soon as a signal arrives.
#ifndef ATP_APP_STOP_SIGNALS_H_
#define ATP_APP_STOP_SIGNALS_H_

#include "atp/core/clock.h"

namespace atp::app {

// Installs the handlers (idempotent). A second stop signal (of either kind) ends the process
// at once with that signal's default action.
void InstallStopSignalHandlers();

// The first stop signal received (SIGTERM or SIGINT), or 0.
[[nodiscard]] int StopSignal();

// The real clock, except that SleepFor returns early once a stop signal has arrived.
[[nodiscard]] Clock& StoppableClock();

}  // namespace atp::app

#endif  // ATP_APP_STOP_SIGNALS_H_
