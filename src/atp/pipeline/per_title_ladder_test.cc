// The per-title ladder (video.ladder = "auto"): the decision applied to a ladder, and whole
// jobs through JobRunner on a generated anime-like delivery, fixed against auto: the auto
// package is valid, spends fewer bits, and each rung's measured SSIM (the check step's,
// against the source) stays within 0.002 of the fixed ladder's; a job stopped while the probes
// run leaves none of them and resumes to the same decision.
#include "atp/pipeline/per_title_ladder.h"

#include <atomic>
#include <csignal>
#include <fstream>
#include <map>
#include <sstream>

#include "atp/notify/log_notifier.h"
#include "atp/pipeline/job_runner.h"
#include "atp/pipeline/sample_delivery.h"
#include "atp/pipeline/suite_delivery_fixture.h"
#include "atp/state/sqlite_job_store.h"
#include "atp/testing/journal.h"
#include "atp/testing/status_matchers.h"
#include "atp/testing/temp_dir.h"
#include "atp/validate/package_validator.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace atp::pipeline {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

Rendition Rung(const std::string& name, int crf) {
  return {.name = name, .codec = VideoCodec::kH264, .crf = crf};
}

TEST(ApplyPerTitleDecision, SetsTheChosenCrfsAndDropsRungs) {
  const Ladder fixed = {Rung("h264_720p", 21),
                        Rung("h264_480p", 21),
                        Rung("h264_360p", 21),
                        {.name = "h265_720p", .codec = VideoCodec::kH265, .crf = 24}};
  PerTitleDecision decision;
  decision.rungs = {{.rendition = "h264_720p", .configured_crf = 21, .crf = 27, .dropped = true},
                    {.rendition = "h264_480p", .configured_crf = 21, .crf = 24},
                    {.rendition = "h264_360p", .configured_crf = 21, .crf = 21}};
  ASSERT_OK_AND_ASSIGN(const Ladder ladder, ApplyPerTitleDecision(fixed, decision));
  ASSERT_EQ(ladder.size(), 3u);
  EXPECT_EQ(ladder[0].name, "h264_480p");
  EXPECT_EQ(ladder[0].crf, 24);
  EXPECT_EQ(ladder[1].crf, 21);
  EXPECT_EQ(ladder[2].name, "h265_720p");  // Not probed: as configured.
  EXPECT_EQ(ladder[2].crf, 24);

  decision.rungs.push_back({.rendition = "h264_1080p"});
  EXPECT_THAT(ApplyPerTitleDecision(fixed, decision).status(),
              testing::StatusIs(absl::StatusCode::kInternal));
}

RungChoice Probed(const std::string& name, std::vector<double> ssim_by_step) {
  RungChoice rung{.rendition = name, .configured_crf = 21, .crf = 21};
  for (size_t i = 0; i < ssim_by_step.size(); ++i) {
    rung.probes.push_back({.crf = 21 + kPerTitleCrfSteps[i],
                           .bytes = 1000 - 100 * static_cast<int64_t>(i),
                           .ssim_all = ssim_by_step[i],
                           .frames = ssim_by_step[i] > 0 ? 48 : 0});
  }
  return rung;
}

TEST(ChoosePerTitleRungs, TakesTheHighestCrfWithinToleranceAndDropsRungsThatAddNothing) {
  std::vector<RungChoice> rungs = {
      Probed("h264_1080p", {0.9950, 0.9945, 0.9930}),  // +3: 0.0005 lower; +6: 0.002 lower.
      Probed("h264_720p", {0.9948, 0.9944, 0.9940}),   // +6: 0.0008 lower.
      Probed("h264_480p", {0.9900, 0.9880, 0.9860}),   // +3 is already 0.002 lower.
      Probed("h264_360p", {0, 0, 0})};                 // Nothing compared.
  ChoosePerTitleRungs(rungs);
  EXPECT_EQ(rungs[0].crf, 24);
  EXPECT_EQ(rungs[1].crf, 27);
  EXPECT_EQ(rungs[2].crf, 21);
  EXPECT_EQ(rungs[3].crf, 21);
  // 1080p at +3 (0.9945) is 0.0005 above 720p at +6 (0.9940): it adds nothing.
  EXPECT_TRUE(rungs[0].dropped);
  EXPECT_FALSE(rungs[1].dropped);  // 0.004 above 480p.
  EXPECT_FALSE(rungs[2].dropped);
  EXPECT_FALSE(rungs[3].dropped);  // Unmeasured: kept as configured.
}

TEST(PerTitleDecisionJson, RoundTrips) {
  PerTitleDecision decision;
  decision.window_starts_seconds = {0, 6.006};
  decision.window_seconds = 2.002;
  decision.rungs = {{.rendition = "h264_480p",
                     .configured_crf = 21,
                     .crf = 24,
                     .probes = {{.crf = 21, .bytes = 1000, .ssim_all = 0.99, .frames = 48},
                                {.crf = 24, .bytes = 800, .ssim_all = 0.989, .frames = 48}}}};
  ASSERT_OK_AND_ASSIGN(const PerTitleDecision parsed,
                       ParsePerTitleDecision(PerTitleDecisionJson(decision)));
  EXPECT_EQ(parsed, decision);
  EXPECT_THAT(ParsePerTitleDecision("{\"rungs\": 3}").status(),
              testing::StatusIs(absl::StatusCode::kInvalidArgument));
}

class PerTitleJobTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SampleDeliveryOptions options;
    options.media.duration_seconds = 8;
    options.media.width = 854;
    options.media.height = 480;
    delivery_.Create(options);
  }
  static void TearDownTestSuite() {
    delivery_.Remove();
    auto_report_ = nullptr;
  }

  // Runs the delivery with `ladder` ("fixed" or "auto") into <dir>/<name>, in the job store
  // there.
  RunOutcome Run(const std::string& name, const std::string& ladder, RunnerOptions options = {},
                 const RunHooks& hooks = {}) {
    if (!stores_.contains(name)) {
      absl::StatusOr<std::unique_ptr<state::JobStore>> store =
          state::OpenSqliteJobStore(dir_.path() / name / "jobs.db");
      EXPECT_TRUE(store.ok()) << store.status();
      stores_[name] = *std::move(store);
    }
    std::ostringstream notifications;
    std::unique_ptr<notify::Notifier> log = notify::MakeLogNotifier(notifications, RealClock());
    JobRunner runner(*stores_[name], {log.get()}, RealClock(), ThisProcess(), options);
    encode::EncodingProfile profile;
    profile.ladder = ladder;
    return runner.Run({.manifest_file = delivery_.manifest(),
                       .out = dir_.path() / name / "out",
                       .profile = profile,
                       .threads = 2},
                      hooks);
  }

  // The report of `outcome`'s published package (EXPECTs it COMPLETE).
  static nlohmann::json Report(const RunOutcome& outcome) {
    EXPECT_TRUE(outcome.status.ok()) << outcome.status;
    EXPECT_EQ(outcome.job.state, state::JobState::kComplete);
    std::ifstream in(fs::path(outcome.job.job.output_dir) / "report.json");
    return nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  }

  // The published report of a job of the delivery with `ladder` ("fixed" or "auto").
  nlohmann::json RunAndReadReport(const std::string& ladder) {
    const RunOutcome outcome = Run(ladder, ladder);
    // Nothing of the probes is left in the package or beside it.
    EXPECT_THAT(ProbeFiles(ladder), IsEmpty());
    return Report(outcome);
  }

  // The report of an uninterrupted auto job, run once for the suite.
  nlohmann::json AutoReport() {
    if (auto_report_.is_null()) auto_report_ = RunAndReadReport("auto");
    return auto_report_;
  }

  // The files of per-title probes anywhere under <dir>/<name>/out.
  std::vector<fs::path> ProbeFiles(const std::string& name) const {
    return testing::FilesUnder(dir_.path() / name / "out", "per-title-probes");
  }

  // A report's per_title without what its probes measured (bytes, SSIM): the windows, and
  // each rung's CRFs, probes and whether it was dropped. The measurements are not compared
  // between runs: in one process, a probe at a raised CRF can measure a few hundred bytes
  // and about 1e-5 SSIM apart from one run to the next.
  static nlohmann::json Decision(nlohmann::json per_title) {
    for (auto& rung : per_title["rungs"]) {
      for (auto& probe : rung["probes"]) {
        probe.erase("bytes");
        probe.erase("ssim_all");
      }
    }
    return per_title;
  }

  static int64_t VideoBytes(const nlohmann::json& report) {
    int64_t bytes = 0;
    for (const auto& rendition : report["renditions"]) {
      if (!rendition["name"].get<std::string>().starts_with("h264_")) continue;
      bytes += rendition["average_bitrate_bps"].get<int64_t>() *
               rendition["duration_seconds"].get<double>() / 8;
    }
    return bytes;
  }

  static inline SuiteDelivery delivery_;
  static inline nlohmann::json auto_report_;
  testing::TempDir dir_;
  std::map<std::string, std::unique_ptr<state::JobStore>> stores_;
};

TEST_F(PerTitleJobTest, AutoSpendsFewerBitsAtTheFixedLaddersQuality) {
  const nlohmann::json fixed = RunAndReadReport("fixed");
  const nlohmann::json automatic = AutoReport();
  ASSERT_TRUE(fixed.is_object() && automatic.is_object());
  ASSERT_TRUE(automatic.contains("per_title")) << automatic.dump();
  EXPECT_FALSE(fixed.contains("per_title"));
  // Easy content: the ladder differs from the fixed one (a higher CRF or fewer rungs).
  EXPECT_NE(automatic["ladder"], fixed["ladder"]);
  for (const auto& rung : automatic["per_title"]["rungs"]) {
    EXPECT_GE(rung["crf"].get<int>(), rung["configured_crf"].get<int>()) << rung.dump();
    EXPECT_EQ(rung["probes"].size(), std::size(kPerTitleCrfSteps));
  }
  EXPECT_LT(VideoBytes(automatic), VideoBytes(fixed));
  for (const auto& rendition : automatic["renditions"]) {
    const std::string name = rendition["name"];
    if (!name.starts_with("h264_")) continue;
    const auto same = std::find_if(fixed["renditions"].begin(), fixed["renditions"].end(),
                                   [&](const auto& r) { return r["name"] == name; });
    ASSERT_NE(same, fixed["renditions"].end()) << name;
    EXPECT_GE(rendition["quality"]["ssim_all"].get<double>(),
              (*same)["quality"]["ssim_all"].get<double>() - 0.002)
        << name;
  }
}

// A stop signal once the first probe is measured, its files staged and the others encoding: the
// plan attempt ends INTERRUPTED before the probing is done, the job stays RUNNING and
// unpublished with no probe file left, and the next run probes every window again and
// publishes a valid package with the decision and the ladder of an uninterrupted run.
TEST_F(PerTitleJobTest, AStopWhileTheProbesRunLeavesNoneAndResumesToTheSameDecision) {
  std::atomic<int> signal = 0;
  RunnerOptions options;
  options.stop_signal = [&] { return signal.load(); };
  RunHooks hooks;
  std::atomic<size_t> probes_finished = 0;
  size_t probe_files_at_stop = 0;
  hooks.probe_finished = [&](const std::string&) {
    if (++probes_finished == 1) {
      probe_files_at_stop = ProbeFiles("stopped").size();
      signal = SIGTERM;
    }
  };
  const RunOutcome stopped = Run("stopped", "auto", options, hooks);
  EXPECT_EQ(stopped.stopped_by_signal, SIGTERM);
  EXPECT_EQ(stopped.job.state, state::JobState::kRunning);
  EXPECT_FALSE(stopped.failed_step.has_value());
  const std::string id = stopped.job.job.job_id;
  EXPECT_THAT(testing::JournalLines(*stores_["stopped"], id, "plan"),
              ElementsAre("start 1", "end/INTERRUPTED 1"));
  EXPECT_THAT(testing::JournalLines(*stores_["stopped"], id, "transcode"), IsEmpty());
  EXPECT_FALSE(fs::exists(stopped.job.job.output_dir));
  ASSERT_GT(probe_files_at_stop, 0u);
  EXPECT_THAT(ProbeFiles("stopped"), IsEmpty());

  signal = 0;
  std::atomic<size_t> probes_resumed = 0;
  hooks.probe_finished = [&](const std::string&) { ++probes_resumed; };
  const RunOutcome resumed = Run("stopped", "auto", options, hooks);
  const nlohmann::json report = Report(resumed);
  EXPECT_EQ(resumed.job.job.job_id, id);
  EXPECT_THAT(ProbeFiles("stopped"), IsEmpty());
  ASSERT_TRUE(report.is_object());
  validate::ValidateOptions validate;
  validate.source_duration_seconds = report.at("source").at("duration_us").get<double>() / 1e6;
  ASSERT_OK_AND_ASSIGN(const validate::ValidationReport validation,
                       validate::ValidatePackage(resumed.job.job.output_dir, validate));
  EXPECT_EQ(validation.errors(), 0);
  ASSERT_TRUE(report.contains("per_title")) << report.dump();
  // One probe per window and CRF step.
  const size_t probes =
      report["per_title"]["window_starts_seconds"].size() * std::size(kPerTitleCrfSteps);
  EXPECT_LT(probes_finished, probes);
  EXPECT_EQ(probes_resumed, probes);
  const nlohmann::json uninterrupted = AutoReport();
  ASSERT_TRUE(uninterrupted.is_object());
  EXPECT_EQ(Decision(report["per_title"]), Decision(uninterrupted["per_title"]));
  EXPECT_EQ(report["ladder"], uninterrupted["ladder"]);
}

}  // namespace
}  // namespace atp::pipeline
