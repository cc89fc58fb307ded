// `atp run` as a user runs it: real processes on one job database, killed with SIGKILL at
// every step and inside the transcode and run again, racing each other, failing with a
// webhook receiver listening, retried and cancelled.
#include <fstream>
#include <map>

#include "atp/app/atp_run_test_fixture.h"
#include "atp/notify/webhook_notifier.h"
#include "atp/testing/webhook_receiver.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace atp::app {
namespace {

TEST_F(AtpRunTest, ASecondSubmissionReturnsTheJobAndEncodesNothing) {
  const Result first = testing::RunCommand(Run() + " 2>&1");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_THAT(first.output, ::testing::HasSubstr("(new, run 1)"));
  const Result second = testing::RunCommand(Run() + " 2>&1");
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_THAT(second.output, ::testing::HasSubstr("(existing, run 1)"));
  EXPECT_THAT(second.output, ::testing::Not(::testing::HasSubstr("step transcode")));
  EXPECT_EQ(EventCounts()["transcode/start"], 1);
  const std::vector<std::string> folders = EpisodeFolders();
  ASSERT_EQ(folders.size(), 1u);
  const fs::path package = dir_.path() / "out/atp-sample/s01/e001" / folders[0];
  const Result validate = testing::RunCommand(kAtp + " validate --strict " + package.string());
  EXPECT_EQ(validate.exit_code, 0) << validate.output;
  std::ifstream in(package / "report.json");
  const nlohmann::json report = nlohmann::json::parse(in, nullptr, false);
  EXPECT_EQ(report["validation"]["errors"], 0);
  EXPECT_EQ(report["job"]["id"], folders[0]);
  // Every step before publish's report, publish, and the transcode's units (audio, one chunk).
  EXPECT_EQ(report["steps"].size(), 10u);
  // Each audio rendition's loudness, normalized to the default ATSC A/85 target.
  int audio_renditions = 0;
  for (const nlohmann::json& rendition : report["renditions"]) {
    if (!rendition.contains("loudness")) continue;
    ++audio_renditions;
    const nlohmann::json& loudness = rendition["loudness"];
    SCOPED_TRACE(loudness.dump());
    EXPECT_EQ(loudness["standard"], "atsc");
    EXPECT_EQ(loudness["target_lufs"], -24.0);
    EXPECT_EQ(loudness["ceiling_dbtp"], -2.0);
    EXPECT_TRUE(loudness["before"]["integrated_lufs"].is_number());
    EXPECT_TRUE(loudness["before"]["range_lu"].is_number());
    EXPECT_TRUE(loudness["before"]["true_peak_dbtp"].is_number());
    EXPECT_NEAR(loudness["gain_db"].get<double>(),
                -24.0 - loudness["before"]["integrated_lufs"].get<double>(), 1e-6);
    EXPECT_NEAR(loudness["after"]["integrated_lufs"].get<double>(), -24.0, 1.0);
    EXPECT_LE(loudness["after"]["true_peak_dbtp"].get<double>(), -2.0);
  }
  EXPECT_EQ(audio_renditions, 2);                              // The sample's ja and en.
  EXPECT_FALSE(report["renditions"][0].contains("loudness"));  // Video.
  // Each video rendition's picture quality against the source, measured by the check step
  // with libavfilter's ssim and psnr on sampled seconds; also in `atp status`.
  const nlohmann::json& quality = report["renditions"][0]["quality"];
  SCOPED_TRACE(quality.dump());
  EXPECT_GT(quality.value("ssim_y", 0.0), 0.9);
  EXPECT_LE(quality.value("ssim_y", 2.0), 1.0);
  EXPECT_GT(quality.value("psnr_y_db", 0.0), 30.0);
  EXPECT_GT(quality.value("frames", 0), 0);
  const Result status = testing::RunCommand(kAtp + " status " + folders[0] + " --out " +
                                            (dir_.path() / "out").string() + " 2>&1");
  EXPECT_THAT(status.output, ::testing::ContainsRegex("quality +h264_[0-9]+p +SSIM 0\\.9"));
  // The validator measures the published audio itself: on target for -24, 14 LU off for -10.
  const Result on_target =
      testing::RunCommand(kAtp + " validate --loudness-target -24 " + package.string());
  EXPECT_EQ(on_target.exit_code, 0) << on_target.output;
  const Result off_target = testing::RunCommand(
      kAtp + " validate --loudness-target -10 --true-peak-ceiling -1 " + package.string());
  EXPECT_EQ(off_target.exit_code, 1) << off_target.output;
  EXPECT_THAT(off_target.output, ::testing::HasSubstr("AUDIO-LOUDNESS"));
  EXPECT_THAT(off_target.output, ::testing::HasSubstr("LUFS, expected -10 ±1"));
}

TEST_F(AtpRunTest, EightConcurrentSubmissionsMakeOneJobAndOneEncode) {
  std::string command = "pids=''; for i in 1 2 3 4 5 6 7 8; do " + Run() +
                        " >/dev/null 2>&1 & pids=\"$pids $!\"; done; failed=0; "
                        "for p in $pids; do wait $p || failed=$((failed+1)); done; echo $failed";
  const Result result = testing::RunCommand(command);
  EXPECT_EQ(result.output, "0\n");
  EXPECT_EQ(Json("jobs --json").size(), 1u);
  const std::map<std::string, int> counts = EventCounts();
  EXPECT_EQ(counts.at("transcode/start"), 1);
  EXPECT_EQ(counts.at("publish/end/OK"), 1);
  EXPECT_EQ(EpisodeFolders().size(), 1u);
}

// Kills `atp run` inside each step (its start journaled, SIGKILL: no cleanup), runs it
// again, and checks the job completes, the killed step runs once more and the steps finished
// before it do not, and the package is published once with no staging left behind.
TEST_F(AtpRunTest, ResumesAfterSigkillInsideEveryStep) {
  const std::vector<std::string> steps = {"verify", "plan",    "transcode", "package",
                                          "check",  "publish", "notify"};
  for (size_t i = 0; i < steps.size(); ++i) {
    SCOPED_TRACE(steps[i]);
    fs::remove_all(dir_.path() / "out");
    const Result result = KillAtAndRerun(steps[i], Run());
    EXPECT_THAT(result.output, ::testing::HasSubstr("killed=137"));
    EXPECT_THAT(result.output, ::testing::HasSubstr("rerun=0")) << result.output;
    EXPECT_THAT(result.output, ::testing::HasSubstr("(resumed, run 1)"));
    EXPECT_THAT(result.output, ::testing::HasSubstr("step " + steps[i] + " (attempt 2)\n"));
    const std::map<std::string, int> counts = EventCounts();
    EXPECT_EQ(counts.at("publish/end/OK"), 1);
    EXPECT_EQ(counts.at("notify/end/OK"), 1);
    for (size_t step = 0; step < steps.size(); ++step) {
      EXPECT_EQ(counts.at(steps[step] + "/start"), step == i ? 2 : 1) << steps[step];
      EXPECT_EQ(counts.at(steps[step] + "/end/OK"), 1) << steps[step];
    }
    // Killed inside the transcode before its first unit, or after it: one encode of each.
    EXPECT_EQ(counts.at("transcode/video-001/start"), 1);
    for (size_t done = 0; done < i; ++done) {
      EXPECT_THAT(result.output, ::testing::Not(::testing::HasSubstr("step " + steps[done])));
    }
    const std::vector<std::string> folders = EpisodeFolders();
    ASSERT_EQ(folders.size(), 1u);
    EXPECT_EQ(folders[0].find(".staging"), std::string::npos);
  }
}

// Killed while encoding the second of three video chunks (1 s each): the rerun encodes that
// chunk again and the ones after it, and nothing that was finished before.
TEST_F(AtpRunTest, ResumesInsideTheTranscodeWithoutReencodingFinishedChunks) {
  const fs::path profile = dir_.path() / "chunks.toml";
  std::ofstream(profile) << "[video]\nkeyframe_interval_seconds = 1\nsegment_seconds = 1\n"
                            "chunk_seconds = 1\n";
  // One thread: the units run one at a time in order (ParallelTranscodeTest resumes parallel
  // ones).
  const std::string run = kAtp + " --profile " + profile.string() + " run " + Manifest() +
                          " --out " + Out() + " --threads 1";
  const Result result = KillAtAndRerun("transcode/video-002", run);
  EXPECT_THAT(result.output, ::testing::HasSubstr("killed=137"));
  EXPECT_THAT(result.output, ::testing::HasSubstr("rerun=0")) << result.output;
  EXPECT_THAT(result.output, ::testing::HasSubstr("(resumed, run 1)"));
  EXPECT_THAT(result.output, ::testing::HasSubstr("transcode video-002\n"));
  EXPECT_THAT(result.output, ::testing::Not(::testing::HasSubstr("transcode video-001\n")));
  EXPECT_THAT(result.output, ::testing::Not(::testing::HasSubstr("transcode audio\n")));
  const std::map<std::string, int> counts = EventCounts();
  EXPECT_EQ(counts.at("transcode/start"), 2);  // The killed attempt and the resumed one.
  EXPECT_EQ(counts.at("transcode/end/OK"), 1);
  EXPECT_EQ(counts.at("transcode/audio/start"), 1);
  EXPECT_EQ(counts.at("transcode/video-001/start"), 1);
  EXPECT_EQ(counts.at("transcode/video-002/start"), 2);
  EXPECT_EQ(counts.at("transcode/video-002/end/OK"), 1);
  EXPECT_EQ(counts.at("transcode/video-003/start"), 1);
  EXPECT_EQ(counts.at("publish/end/OK"), 1);
  // The timeline shows the killed attempt as never finished, the resumed one as OK.
  const Result timeline =
      testing::RunCommand(kAtp + " events " + Json("jobs --json")[0]["job_id"].get<std::string>() +
                          " --out " + Out() + " 2>&1");
  EXPECT_THAT(timeline.output,
              ::testing::ContainsRegex("transcode/video-002 +attempt 1  not finished"));
  EXPECT_THAT(timeline.output,
              ::testing::ContainsRegex("transcode/video-002 +attempt 2 +[0-9.]+ s  OK"));
  const std::vector<std::string> folders = EpisodeFolders();
  ASSERT_EQ(folders.size(), 1u);
  const Result validate = testing::RunCommand(
      kAtp + " validate --strict " +
      (dir_.path() / "out/atp-sample/s01/e001" / folders[0]).string() + " 2>&1");
  EXPECT_EQ(validate.exit_code, 0) << validate.output;
}

TEST_F(AtpRunTest, AChecksumMismatchFailsWithDataLossNotifiesOnceAndPublishesNothing) {
  std::ifstream in(Manifest());
  std::string xml((std::istreambuf_iterator<char>(in)), {});
  const size_t at = xml.find("<ChecksumMD5>") + std::string("<ChecksumMD5>").size();
  xml.replace(at, 32, std::string(32, '0'));
  const fs::path manifest = inputs_->path() / "bad-md5.xml";
  std::ofstream(manifest) << xml;
  testing::WebhookReceiver receiver;
  const std::string command = "ATP_WEBHOOK_URL=" + receiver.url() +
                              " ATP_WEBHOOK_SECRET=topsecret " + kAtp + " run " +
                              manifest.string() + " --out " + Out() + " 2>&1";
  const Result first = testing::RunCommand(command);
  EXPECT_EQ(first.exit_code, 3) << first.output;
  EXPECT_THAT(first.output, ::testing::HasSubstr("DATA_LOSS"));
  const Result second = testing::RunCommand(command);
  EXPECT_EQ(second.exit_code, 3) << second.output;
  EXPECT_THAT(second.output, ::testing::HasSubstr("(existing, run 1)"));

  const std::vector<httplib::Request> requests = receiver.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_TRUE(notify::VerifySignature("topsecret", requests[0].body,
                                      requests[0].get_header_value("X-Atp-Signature")));
  const nlohmann::json body = nlohmann::json::parse(requests[0].body);
  EXPECT_EQ(body["state"], "FAILED");
  EXPECT_EQ(body["error"]["step"], "verify");
  EXPECT_EQ(body["error"]["code"], "DATA_LOSS");
  const nlohmann::json job = Json("jobs --json")[0];
  EXPECT_EQ(job["state"], "FAILED");
  EXPECT_EQ(job["error"]["code"], "DATA_LOSS");
  EXPECT_TRUE(EpisodeFolders().empty());
}

// A mezzanine damaged in transit (same size, one byte changed) fails verify; `atp retry`
// runs the job again, failing again until the partner's file is replaced, then completing.
TEST_F(AtpRunTest, RetryRunsAFailedJobAgainOnceTheFileIsFixed) {
  const fs::path in = dir_.path() / "in";
  fs::copy(inputs_->path(), in, fs::copy_options::recursive);
  const fs::path mezzanine = in / "mezzanines/atp-sample/s01e01.mp4";
  std::string bytes;
  {
    std::ifstream file(mezzanine, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(file), {});
  }
  ASSERT_GT(bytes.size(), 1000u);
  std::string damaged = bytes;
  damaged[damaged.size() / 2] ^= 0x5a;
  std::ofstream(mezzanine, std::ios::binary | std::ios::trunc) << damaged;

  const std::string manifest = (in / "atp-sample-s01e01-sample.xml").string();
  const Result failed =
      testing::RunCommand(kAtp + " run " + manifest + " --out " + Out() + " 2>&1");
  EXPECT_EQ(failed.exit_code, 3) << failed.output;
  const std::string job = Json("jobs --json")[0]["job_id"].get<std::string>();
  const std::string retry = kAtp + " retry " + job + " --out " + Out() + " 2>&1";
  const Result still_damaged = testing::RunCommand(retry);
  EXPECT_EQ(still_damaged.exit_code, 3) << still_damaged.output;
  EXPECT_THAT(still_damaged.output, ::testing::HasSubstr("run 2"));

  std::ofstream(mezzanine, std::ios::binary | std::ios::trunc) << bytes;
  const Result fixed = testing::RunCommand(retry);
  EXPECT_EQ(fixed.exit_code, 0) << fixed.output;
  EXPECT_THAT(fixed.output, ::testing::HasSubstr("run 3"));
  const nlohmann::json status = Json("status --json " + job);
  EXPECT_EQ(status["state"], "COMPLETE");
  EXPECT_EQ(status["run"], 3);
  const std::map<std::string, int> counts = EventCounts();
  EXPECT_EQ(counts.at("verify/end/DATA_LOSS"), 2);
  EXPECT_EQ(counts.at("verify/end/OK"), 1);
  EXPECT_EQ(counts.at("publish/end/OK"), 1);
  EXPECT_EQ(EpisodeFolders().size(), 1u);

  const Result complete = testing::RunCommand(retry);
  EXPECT_NE(complete.exit_code, 0);
  EXPECT_THAT(complete.output, ::testing::HasSubstr("COMPLETE"));
}

// `atp cancel` on a job whose worker is busy: the worker (here killed and replaced) stops at
// its next check, the job ends CANCELLED with nothing published, and `atp retry` finishes it.
TEST_F(AtpRunTest, CancelStopsARunningJobAndRetryFinishesIt) {
  const std::string marker = (dir_.path() / "paused").string();
  const Result paused =
      testing::RunCommand(Run("ATP_TEST_PAUSE_AT_STEP=transcode ATP_TEST_PAUSE_MARKER=" + marker) +
                          " >/dev/null 2>&1 & echo $!; for t in $(seq 600); do [ -f " + marker +
                          " ] && break; sleep 0.05; done");
  const std::string pid = paused.output.substr(0, paused.output.find('\n'));
  const std::string job = Json("jobs --json")[0]["job_id"].get<std::string>();
  const Result cancel = testing::RunCommand(kAtp + " cancel " + job + " --out " + Out() + " 2>&1");
  EXPECT_EQ(cancel.exit_code, 0) << cancel.output;
  EXPECT_THAT(cancel.output, ::testing::HasSubstr("cancel requested"));
  EXPECT_EQ(testing::RunCommand("kill -9 " + pid + " 2>&1").exit_code, 0);

  const Result resumed = testing::RunCommand(Run() + " 2>&1");
  EXPECT_NE(resumed.exit_code, 0) << resumed.output;
  EXPECT_THAT(resumed.output, ::testing::HasSubstr("CANCELLED"));
  const nlohmann::json cancelled = Json("status --json " + job);
  EXPECT_EQ(cancelled["state"], "CANCELLED");
  EXPECT_EQ(cancelled["error"]["step"], "transcode");
  EXPECT_TRUE(EpisodeFolders().empty() ||
              EpisodeFolders()[0].find(".staging") != std::string::npos);

  const Result retried = testing::RunCommand(kAtp + " retry " + job + " --out " + Out() + " 2>&1");
  EXPECT_EQ(retried.exit_code, 0) << retried.output;
  EXPECT_EQ(Json("status --json " + job)["state"], "COMPLETE");
  // The killed worker's transcode, never ended; the resumed run stopped before starting it
  // again; the retry ran it.
  const std::map<std::string, int> counts = EventCounts();
  EXPECT_EQ(counts.at("transcode/start"), 2);
  EXPECT_EQ(counts.at("transcode/end/OK"), 1);
  ASSERT_EQ(EpisodeFolders().size(), 1u);
  EXPECT_EQ(EpisodeFolders()[0].find(".staging"), std::string::npos);
}

TEST_F(AtpRunTest, AnInvalidManifestCreatesNoJob) {
  const fs::path manifest = dir_.WriteFile("bad.xml", "<Delivery><Nope/></Delivery>");
  const Result result =
      testing::RunCommand(kAtp + " run " + manifest.string() + " --out " + Out() + " 2>&1");
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_THAT(result.output, ::testing::HasSubstr("no job was created"));
}

}  // namespace
}  // namespace atp::app
