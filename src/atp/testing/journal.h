// atp/testing/journal.h
//
// A job's journal as tests compare it.
#ifndef ATP_TESTING_JOURNAL_H_
#define ATP_TESTING_JOURNAL_H_

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "atp/state/job_store.h"
#include "gtest/gtest.h"

namespace atp::testing {

// "start N" and "end/<outcome> N" for each event of `step` (or "transcode/<unit>") of
// `job_id`, in order.
inline std::vector<std::string> JournalLines(state::JobStore& store, const std::string& job_id,
                                             const std::string& step) {
  absl::StatusOr<std::vector<state::StepEvent>> events = store.Events(job_id);
  EXPECT_TRUE(events.ok()) << events.status();
  std::vector<std::string> lines;
  for (const state::StepEvent& event : events.value_or(std::vector<state::StepEvent>{})) {
    if (event.step != step) continue;
    lines.push_back(absl::StrCat(event.kind, event.outcome.empty() ? "" : "/", event.outcome, " ",
                                 event.attempt));
  }
  return lines;
}

}  // namespace atp::testing

#endif  // ATP_TESTING_JOURNAL_H_
