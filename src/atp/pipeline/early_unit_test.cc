#include "atp/pipeline/early_unit.h"

#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace atp::pipeline {
namespace {

using std::chrono::milliseconds;

TranscodeUnit Chunk() { return {.name = "video-002", .frames = {.first = 48, .end = 96}}; }

std::vector<PackagedTrack> OneTrack() {
  PackagedTrack track;
  track.name = "video_360p";
  return {track};
}

// Before Adopt the unit's progress goes nowhere and its rungs stay on its thread; from Adopt
// on, both are the step's, and Adopt returns what the encode returned.
TEST(EarlyUnit, ReportsToTheStepOnlyOnceAdopted) {
  std::promise<bool> spread_before;
  std::vector<int64_t> reported;
  EarlyUnit unit(
      Chunk(),
      [&](const encode::TranscodeProgressFn& progress,
          const std::function<bool()>& spread_rungs) -> absl::StatusOr<std::vector<PackagedTrack>> {
        if (absl::Status status = progress({.frames_done = 49, .frames_total = 96}); !status.ok()) {
          return status;
        }
        spread_before.set_value(spread_rungs());
        // Adopt's spread_rungs says yes: the step has taken the unit over.
        for (int i = 0; i < 10'000 && !spread_rungs(); ++i)
          std::this_thread::sleep_for(milliseconds(1));
        if (absl::Status status = progress({.frames_done = 50, .frames_total = 96}); !status.ok()) {
          return status;
        }
        return OneTrack();
      });
  EXPECT_EQ(unit.unit().name, "video-002");
  EXPECT_FALSE(spread_before.get_future().get());
  const absl::StatusOr<std::vector<PackagedTrack>> result = unit.Adopt(
      [&](const encode::TranscodeProgress& reached) {
        reported.push_back(reached.frames_done);
        return absl::OkStatus();
      },
      [] { return true; });
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, OneTrack());
  EXPECT_EQ(reported, std::vector<int64_t>{50});
}

// The step's progress callback stops the adopted encode with its error (a cancel request).
TEST(EarlyUnit, TheStepsErrorStopsTheAdoptedEncode) {
  EarlyUnit unit(Chunk(),
                 [](const encode::TranscodeProgressFn& progress,
                    const std::function<bool()>&) -> absl::StatusOr<std::vector<PackagedTrack>> {
                   for (int frame = 48; frame < 1'000'000; ++frame) {
                     if (absl::Status status = progress({.frames_done = frame}); !status.ok())
                       return status;
                     std::this_thread::sleep_for(milliseconds(1));
                   }
                   return OneTrack();
                 });
  const absl::StatusOr<std::vector<PackagedTrack>> result = unit.Adopt(
      [](const encode::TranscodeProgress&) { return absl::CancelledError("cancel requested"); },
      [] { return false; });
  EXPECT_EQ(result.status(), absl::CancelledError("cancel requested"));
}

// Destroyed without being adopted (the checksums did not match, or the run stopped), the unit
// stops its encode at the next frame and waits for its thread.
TEST(EarlyUnit, DestroyedUnadoptedStopsItsEncodeAndWaitsForIt) {
  std::promise<void> running;
  absl::Status ended = absl::OkStatus();
  bool returned = false;
  {
    EarlyUnit unit(Chunk(),
                   [&](const encode::TranscodeProgressFn& progress,
                       const std::function<bool()>&) -> absl::StatusOr<std::vector<PackagedTrack>> {
                     running.set_value();
                     for (int frame = 48; frame < 1'000'000; ++frame) {
                       ended = progress({.frames_done = frame});
                       if (!ended.ok()) break;
                       std::this_thread::sleep_for(milliseconds(1));
                     }
                     returned = true;
                     return ended;
                   });
    running.get_future().wait();
  }
  EXPECT_TRUE(returned);
  EXPECT_EQ(ended.code(), absl::StatusCode::kAborted) << ended;
  EXPECT_NE(ended.message().find("video-002"), std::string_view::npos) << ended;
}

}  // namespace
}  // namespace atp::pipeline
