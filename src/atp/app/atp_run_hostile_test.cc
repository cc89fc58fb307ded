// `atp run` against hostile and unlucky input: a mezzanine swapped or rewritten while it is
// encoded or between a kill and the resume, a FIFO for a mezzanine, SIGTERM and SIGINT inside
// every step, SIGKILL and SIGTERM inside the per-title probes, a retry without the job's
// profile, two job databases on one output folder, a read-only output disk, and job databases
// it must not use. Media is judged on the decoded output, not on atp's records.
#include <fstream>
#include <map>

#include "atp/app/atp_run_test_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace atp::app {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

// Short units: three 1 s video chunks, so a run can be paused inside the second.
constexpr char kChunkProfile[] =
    "[video]\nkeyframe_interval_seconds = 1\nsegment_seconds = 1\nchunk_seconds = 1\n";

class AtpRunHostileTest : public AtpRunTest {
 protected:
  void SetUp() override {
    fs::copy(inputs_->path(), in_, fs::copy_options::recursive);
    std::ofstream(profile_) << kChunkProfile;
  }

  fs::path Mezzanine() const { return in_ / "mezzanines/atp-sample/s01e01.mp4"; }
  std::string CopyManifest() const { return (in_ / "atp-sample-s01e01-sample.xml").string(); }
  // One thread: the units run one at a time in order, so a pause at a unit finds the ones
  // before it finished.
  std::string ChunkedRun() const {
    return kAtp + " --profile " + profile_.string() + " run " + CopyManifest() + " --out " + Out() +
           " --threads 1";
  }
  // ChunkedRun with the per-title ladder: the plan step probes windows of one 1 s GOP.
  std::string AutoLadderRun() const { return ChunkedRun() + " --ladder auto"; }
  // The files of per-title probes anywhere under the output folder.
  std::vector<fs::path> ProbeFiles() const {
    return testing::FilesUnder(Out(), "per-title-probes");
  }

  // Another delivery's file that decodes like the sample (same size, rate, two audio streams)
  // but is solid green, so any frame of it in the output is seen on the decoded output.
  fs::path GreenImpostor() const {
    const fs::path file = dir_.path() / "impostor.mp4";
    const Result made = testing::RunCommand(
        "ffmpeg -v error -f lavfi -i color=c=0x00ff00:s=426x240:r=24000/1001:d=3 "
        "-f lavfi -i sine=f=300:d=3 -f lavfi -i sine=f=500:d=3 -map 0 -map 1 -map 2 "
        "-c:v libx264 -pix_fmt yuv420p -c:a aac " +
        file.string() + " 2>&1");
    EXPECT_EQ(made.exit_code, 0) << made.output;
    return file;
  }

  // How many of the frames `media` decodes to are green (each averaged to one pixel), and
  // how many frames it has.
  std::pair<int, int> GreenFrames(const fs::path& media) const {
    const Result raw =
        testing::RunCommand("ffmpeg -v error -i " + media.string() +
                            " -vf scale=1:1,format=rgb24 -f rawvideo - | od -An -tu1 -v");
    std::istringstream numbers(raw.output);
    std::vector<int> bytes;
    for (int value; numbers >> value;) bytes.push_back(value);
    int green = 0;
    for (size_t i = 0; i + 2 < bytes.size(); i += 3) {
      if (bytes[i + 1] > 200 && bytes[i] < 80 && bytes[i + 2] < 80) ++green;
    }
    return {green, static_cast<int>(bytes.size() / 3)};
  }

  // The published package's folder (EXPECTs exactly one, and no staging folder).
  fs::path Published() const {
    const std::vector<std::string> folders = EpisodeFolders();
    EXPECT_EQ(folders.size(), 1u);
    if (folders.empty()) return {};
    EXPECT_EQ(folders[0].find(".staging"), std::string::npos);
    return dir_.path() / "out/atp-sample/s01/e001" / folders[0];
  }

  fs::path in_ = dir_.path() / "in";
  fs::path profile_ = dir_.path() / "chunks.toml";
};

// `mv other.mp4 <mezzanine>` while chunk 2 of 3 is encoded: every chunk is still encoded from
// the file that was verified (the process reads through the descriptor verify opened).
TEST_F(AtpRunHostileTest, AMezzanineRenamedOverDuringTheTranscodeIsNeverRead) {
  const fs::path impostor = GreenImpostor();
  ASSERT_EQ(GreenFrames(impostor).first, GreenFrames(impostor).second);
  const Result result = PauseThen("transcode/video-002", ChunkedRun(),
                                  "mv " + impostor.string() + " " + Mezzanine().string());
  EXPECT_THAT(result.output, HasSubstr("exit=0")) << result.output;
  const fs::path package = Published();
  ASSERT_FALSE(package.empty());
  for (const std::string segment : {"seg_00001.m4s", "seg_00002.m4s", "seg_00003.m4s"}) {
    const fs::path joined = dir_.path() / ("check-" + segment + ".mp4");
    std::ofstream(joined, std::ios::binary) << testing::ReadFile(package / "h264_240p/init.mp4")
                                            << testing::ReadFile(package / "h264_240p" / segment);
    const auto [green, frames] = GreenFrames(joined);
    EXPECT_GT(frames, 20) << segment;
    EXPECT_EQ(green, 0) << segment;
  }
  const Result validate = testing::RunCommand(kAtp + " validate --strict " + package.string());
  EXPECT_EQ(validate.exit_code, 0) << validate.output;
}

// The mezzanine rewritten in place (same inode) while chunk 2 is encoded: the job fails with
// DataLoss naming the change, and nothing is published or left behind.
TEST_F(AtpRunHostileTest, AMezzanineRewrittenDuringTheTranscodeFailsTheJob) {
  const fs::path impostor = GreenImpostor();
  const Result result = PauseThen("transcode/video-002", ChunkedRun(),
                                  "cat " + impostor.string() + " > " + Mezzanine().string());
  EXPECT_THAT(result.output, HasSubstr("exit=3")) << result.output;
  EXPECT_THAT(result.output, HasSubstr("changed since verify"));
  const nlohmann::json job = Json("jobs --json")[0];
  EXPECT_EQ(job["state"], "FAILED");
  EXPECT_EQ(job["error"]["code"], "DATA_LOSS");
  EXPECT_EQ(job["error"]["step"], "transcode");
  EXPECT_TRUE(EpisodeFolders().empty());
}

// Killed inside chunk 2, the file replaced, run again: the resumed run finds another file at
// the path, reads it, finds it is not the delivery, and fails without publishing.
TEST_F(AtpRunHostileTest, AMezzanineReplacedBetweenAKillAndTheResumeFailsTheJob) {
  const fs::path impostor = GreenImpostor();
  const Result killed = PauseThen("transcode/video-002", ChunkedRun(), "kill -9 $pid");
  EXPECT_THAT(killed.output, HasSubstr("exit=137"));
  fs::rename(impostor, Mezzanine());
  const Result rerun = testing::RunCommand(ChunkedRun() + " 2>&1");
  EXPECT_EQ(rerun.exit_code, 3) << rerun.output;
  EXPECT_THAT(rerun.output, HasSubstr("changed since verify (inode"));
  EXPECT_THAT(rerun.output, HasSubstr("no longer matches the manifest"));
  EXPECT_EQ(Json("jobs --json")[0]["error"]["code"], "DATA_LOSS");
  EXPECT_TRUE(EpisodeFolders().empty());
}

// The same bytes at the path under a new inode (copied back by an operator): re-read, found
// to be the delivery, and the job resumes where it stopped.
TEST_F(AtpRunHostileTest, AnIdenticalCopyBetweenAKillAndTheResumeIsReverifiedAndResumed) {
  const Result killed = PauseThen("transcode/video-002", ChunkedRun(), "kill -9 $pid");
  EXPECT_THAT(killed.output, HasSubstr("exit=137"));
  fs::copy_file(Mezzanine(), dir_.path() / "copy.mp4");
  fs::rename(dir_.path() / "copy.mp4", Mezzanine());
  const Result rerun = testing::RunCommand(ChunkedRun() + " 2>&1");
  EXPECT_EQ(rerun.exit_code, 0) << rerun.output;
  EXPECT_THAT(rerun.output, HasSubstr("(resumed, run 1)"));
  const std::map<std::string, int> counts = EventCounts();
  EXPECT_EQ(counts.at("transcode/video-001/start"), 1);
  EXPECT_EQ(counts.at("transcode/video-002/start"), 2);
  EXPECT_FALSE(Published().empty());
}

// A FIFO where the mezzanine should be: refused at once (a plain open() would wait forever
// for a writer, and `atp cancel` could not stop it).
TEST_F(AtpRunHostileTest, AFifoAsTheMezzanineIsRefusedWithoutHanging) {
  fs::remove(Mezzanine());
  ASSERT_EQ(testing::RunCommand("mkfifo " + Mezzanine().string()).exit_code, 0);
  for (const std::string command :
       {kAtp + " check " + CopyManifest(), kAtp + " run " + CopyManifest() + " --out " + Out()}) {
    const Result result = testing::RunCommand("timeout 60 " + command + " 2>&1");
    EXPECT_EQ(result.exit_code, 3) << command << "\n" << result.output;
    EXPECT_THAT(result.output, HasSubstr("not a regular file (a FIFO)")) << command;
  }
}

// SIGTERM inside each step: the step stops at its next checkpoint, its attempt is journaled
// as interrupted, the lease is released, atp exits 143; the next run resumes at once.
TEST_F(AtpRunHostileTest, SigtermInsideEveryStepStopsResumably) {
  const std::vector<std::string> steps = {
      "verify", "plan", "transcode/video-002", "package", "check", "publish", "notify"};
  for (const std::string& step : steps) {
    SCOPED_TRACE(step);
    fs::remove_all(dir_.path() / "out");
    const Result stopped = PauseThen(step, ChunkedRun(), "kill -TERM $pid");
    EXPECT_THAT(stopped.output, HasSubstr("exit=143")) << stopped.output;
    EXPECT_THAT(stopped.output, HasSubstr("interrupted by SIGTERM"));
    const nlohmann::json job = Json("jobs --json")[0];
    EXPECT_EQ(job["state"], "RUNNING");
    EXPECT_FALSE(job.contains("lease")) << job.dump();
    const Result rerun = testing::RunCommand(ChunkedRun() + " 2>&1");
    EXPECT_EQ(rerun.exit_code, 0) << rerun.output;
    EXPECT_THAT(rerun.output, HasSubstr("(resumed, run 1)"));
    EXPECT_THAT(rerun.output, Not(HasSubstr("waiting")));
    const std::map<std::string, int> counts = EventCounts();
    EXPECT_EQ(counts.at("publish/end/OK"), 1);
    EXPECT_EQ(counts.at("notify/end/OK"), 1);
    EXPECT_EQ(counts.at("transcode/video-001/end/OK"), 1);
    EXPECT_FALSE(Published().empty());
  }
}

TEST_F(AtpRunHostileTest, SigintStopsWithExitCode130) {
  const Result stopped = PauseThen("transcode/video-002", ChunkedRun(), "kill -INT $pid");
  EXPECT_THAT(stopped.output, HasSubstr("exit=130")) << stopped.output;
  EXPECT_EQ(EventCounts().at("transcode/video-002/end/INTERRUPTED"), 1);
  const Result rerun = testing::RunCommand(ChunkedRun() + " 2>&1");
  EXPECT_EQ(rerun.exit_code, 0) << rerun.output;
}

// SIGKILL after the first per-title probe of `--ladder auto`, its files staged: the next run
// probes again and publishes one package that validates, with the per-title decision in its
// report and no probe file left anywhere under the output folder.
TEST_F(AtpRunHostileTest, AKillDuringThePerTitleProbesResumesAndLeavesNoProbe) {
  const Result killed = PauseThen("plan/per-title", AutoLadderRun(), "kill -9 $pid");
  EXPECT_THAT(killed.output, HasSubstr("exit=137")) << killed.output;
  EXPECT_THAT(ProbeFiles(), Not(IsEmpty()));  // What the kill left staged.
  const Result rerun = testing::RunCommand(AutoLadderRun() + " 2>&1");
  EXPECT_EQ(rerun.exit_code, 0) << rerun.output;
  EXPECT_THAT(rerun.output, HasSubstr("(resumed, run 1)"));
  EXPECT_EQ(Json("jobs --json")[0]["state"], "COMPLETE");
  const std::map<std::string, int> counts = EventCounts();
  EXPECT_EQ(counts.at("plan/start"), 2);
  EXPECT_EQ(counts.at("plan/end/OK"), 1);
  EXPECT_EQ(counts.at("publish/end/OK"), 1);
  const fs::path package = Published();
  ASSERT_FALSE(package.empty());
  const Result validate = testing::RunCommand(kAtp + " validate --strict " + package.string());
  EXPECT_EQ(validate.exit_code, 0) << validate.output;
  const nlohmann::json report =
      nlohmann::json::parse(testing::ReadFile(package / "report.json"), nullptr, false);
  ASSERT_TRUE(report.contains("per_title")) << report.dump();
  ASSERT_FALSE(report["per_title"]["rungs"].empty());
  for (const auto& rung : report["per_title"]["rungs"]) {
    EXPECT_EQ(rung["probes"].size(), 3u) << rung.dump();
  }
  EXPECT_THAT(ProbeFiles(), IsEmpty());
}

// SIGTERM after the first per-title probe, its files staged: exit 143, the plan attempt
// journaled as interrupted, the job RUNNING with its lease released and no probe file left;
// the next run publishes one package that validates.
TEST_F(AtpRunHostileTest, SigtermDuringThePerTitleProbesStopsResumablyAndLeavesNoProbe) {
  const Result stopped =
      PauseThen("plan/per-title", AutoLadderRun(),
                "find " + Out() +
                    " -path '*per-title-probes/*' -type f | grep -q . && echo probes-staged; "
                    "kill -TERM $pid");
  EXPECT_THAT(stopped.output, HasSubstr("probes-staged")) << stopped.output;
  EXPECT_THAT(stopped.output, HasSubstr("exit=143"));
  EXPECT_THAT(stopped.output, HasSubstr("interrupted by SIGTERM"));
  EXPECT_EQ(EventCounts().at("plan/end/INTERRUPTED"), 1);
  const nlohmann::json job = Json("jobs --json")[0];
  EXPECT_EQ(job["state"], "RUNNING");
  EXPECT_FALSE(job.contains("lease")) << job.dump();
  EXPECT_THAT(EpisodeFolders(), ElementsAre(StartsWith(".staging-")));  // Nothing published.
  EXPECT_THAT(ProbeFiles(), IsEmpty());
  const Result rerun = testing::RunCommand(AutoLadderRun() + " 2>&1");
  EXPECT_EQ(rerun.exit_code, 0) << rerun.output;
  EXPECT_THAT(rerun.output, HasSubstr("(resumed, run 1)"));
  EXPECT_EQ(EventCounts().at("publish/end/OK"), 1);
  const fs::path package = Published();
  ASSERT_FALSE(package.empty());
  const Result validate = testing::RunCommand(kAtp + " validate --strict " + package.string());
  EXPECT_EQ(validate.exit_code, 0) << validate.output;
  EXPECT_THAT(ProbeFiles(), IsEmpty());
}

// A job made with --profile is retried with that profile, not the defaults: the same job
// runs again (no second job), and another --profile on retry is refused.
TEST_F(AtpRunHostileTest, RetryEncodesWithTheJobsOwnProfile) {
  std::string bytes = testing::ReadFile(Mezzanine());
  std::string damaged = bytes;
  damaged[damaged.size() / 2] ^= 0x5a;
  std::ofstream(Mezzanine(), std::ios::binary | std::ios::trunc) << damaged;
  const fs::path one_rung = dir_.path() / "one-rung.toml";
  std::ofstream(one_rung) << "[h264]\nrungs = [{ height = 180, bitrate_kbps = 300 }]\n";
  const Result failed = testing::RunCommand(kAtp + " --profile " + one_rung.string() + " run " +
                                            CopyManifest() + " --out " + Out() + " 2>&1");
  EXPECT_EQ(failed.exit_code, 3) << failed.output;
  std::ofstream(Mezzanine(), std::ios::binary | std::ios::trunc) << bytes;
  const std::string job = Json("jobs --json")[0]["job_id"].get<std::string>();

  const Result other = testing::RunCommand(kAtp + " --profile " + profile_.string() + " retry " +
                                           job + " --out " + Out() + " 2>&1");
  EXPECT_EQ(other.exit_code, 1) << other.output;
  EXPECT_THAT(other.output, HasSubstr("differs from the profile job"));

  const Result retried = testing::RunCommand(kAtp + " retry " + job + " --out " + Out() + " 2>&1");
  EXPECT_EQ(retried.exit_code, 0) << retried.output;
  const nlohmann::json jobs = Json("jobs --json");
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0]["state"], "COMPLETE");
  EXPECT_EQ(jobs[0]["run"], 2);
  const fs::path package = Published();
  EXPECT_TRUE(fs::exists(package / "h264_180p/playlist.m3u8"));
  EXPECT_FALSE(fs::exists(package / "h264_240p"));
}

// A failed job leaves no staging folder (on a full disk it would keep the disk full), unless
// asked to keep it for debugging.
TEST_F(AtpRunHostileTest, AFailedJobRemovesItsStagingUnlessAskedToKeepIt) {
  const fs::path impostor = GreenImpostor();
  const std::string rewrite = "cat " + impostor.string() + " > " + Mezzanine().string();
  Result result = PauseThen("transcode/video-002", ChunkedRun(), rewrite);
  EXPECT_THAT(result.output, HasSubstr("exit=3"));
  EXPECT_TRUE(EpisodeFolders().empty());

  fs::remove_all(dir_.path() / "out");
  fs::remove_all(in_);
  SetUp();
  result = PauseThen("transcode/video-002", ChunkedRun() + " --keep-staging", rewrite);
  EXPECT_THAT(result.output, HasSubstr("exit=3"));
  const std::vector<std::string> folders = EpisodeFolders();
  ASSERT_EQ(folders.size(), 1u);
  EXPECT_EQ(folders[0].rfind(".staging-", 0), 0u);
}

// `atp cancel` of a job no process works on (stopped by SIGTERM inside the transcode) ends it
// at once and removes what it had staged.
TEST_F(AtpRunHostileTest, CancellingAnIdleJobRemovesItsStaging) {
  const Result stopped = PauseThen("transcode/video-002", ChunkedRun(), "kill -TERM $pid");
  EXPECT_THAT(stopped.output, HasSubstr("exit=143"));
  ASSERT_EQ(EpisodeFolders().size(), 1u);
  const std::string job = Json("jobs --json")[0]["job_id"].get<std::string>();
  const Result cancel = testing::RunCommand(kAtp + " cancel " + job + " --out " + Out() + " 2>&1");
  EXPECT_EQ(cancel.exit_code, 0) << cancel.output;
  EXPECT_THAT(cancel.output, HasSubstr("CANCELLED"));
  EXPECT_TRUE(EpisodeFolders().empty());
}

// Two job databases on one output folder (an operator error): each process encodes, but they
// never write into the staging folder at the same time, and exactly one complete package is
// published.
TEST_F(AtpRunHostileTest, TwoJobDatabasesOnOneOutputNeverShareAStagingFolder) {
  const std::string run = kAtp + " run " + CopyManifest() + " --out " + Out();
  const Result result = testing::RunCommand(
      run + " --state " + (dir_.path() / "a.db").string() + " >/dev/null 2>&1 & a=$!; " + run +
      " --state " + (dir_.path() / "b.db").string() +
      " >/dev/null 2>&1 & b=$!; wait $a; echo a=$?; wait $b; echo b=$?");
  EXPECT_THAT(result.output, HasSubstr("a=0"));
  EXPECT_THAT(result.output, HasSubstr("b=0"));
  const fs::path package = Published();
  ASSERT_FALSE(package.empty());
  const Result validate = testing::RunCommand(kAtp + " validate --strict " + package.string());
  EXPECT_EQ(validate.exit_code, 0) << validate.output;
}

// A read-only output disk is not something a retry fixes: one attempt, then FAILED.
TEST_F(AtpRunHostileTest, AReadOnlyOutputFailsAtOnceWithoutRetrying) {
  const std::string state = (dir_.path() / "jobs.db").string();
  fs::create_directories(Out());
  const Result result = testing::RunCommand("unshare -m sh -c 'mount -t tmpfs -o size=1m tmpfs " +
                                            Out() + " && mount -o remount,ro " + Out() + " && " +
                                            kAtp + " run " + CopyManifest() + " --out " + Out() +
                                            " --state " + state + " 2>&1; echo exit=$?' 2>&1");
  if (result.output.find("exit=") == std::string::npos) {
    GTEST_SKIP() << "cannot mount a read-only folder here: " << result.output;
  }
  EXPECT_THAT(result.output, HasSubstr("exit=1"));
  EXPECT_THAT(result.output, HasSubstr("Read-only file system"));
  const Result events = testing::RunCommand(kAtp + " jobs --json --state " + state);
  const nlohmann::json jobs = nlohmann::json::parse(events.output, nullptr, false);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0]["error"]["code"], "PERMISSION_DENIED");
  const Result timeline = testing::RunCommand(
      kAtp + " events " + jobs[0]["job_id"].get<std::string>() + " --json --state " + state);
  const nlohmann::json journal = nlohmann::json::parse(timeline.output, nullptr, false);
  int transcode_starts = 0;
  for (const auto& event : journal["events"]) {
    if (event["step"] == "transcode" && event["kind"] == "start") ++transcode_starts;
  }
  EXPECT_EQ(transcode_starts, 1);
}

TEST_F(AtpRunHostileTest, AnInMemoryJobDatabaseIsRefused) {
  const Result result = testing::RunCommand(Run() + " --state :memory: 2>&1");
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_THAT(result.output, HasSubstr("keeps no record between runs"));
}

// A job database written by a newer atp: refused, even by a read-only command, and not
// changed (an older atp would otherwise reset its version and leave jobs it cannot finish).
TEST_F(AtpRunHostileTest, AJobDatabaseOfANewerAtpIsRefusedUntouched) {
  const Result first = testing::RunCommand(Run() + " 2>&1");
  ASSERT_EQ(first.exit_code, 0) << first.output;
  const fs::path db = dir_.path() / "out/.atp/jobs.db";
  ASSERT_EQ(testing::RunCommand("python3 -c \"import sqlite3; c = sqlite3.connect('" + db.string() +
                                "'); c.execute('PRAGMA user_version = 7'); "
                                "c.commit(); c.execute('PRAGMA wal_checkpoint(TRUNCATE)')\"")
                .exit_code,
            0);
  const std::string before = testing::ReadFile(db);
  for (const std::string command : {kAtp + " status --out " + Out(), Run()}) {
    const Result result = testing::RunCommand(command + " 2>&1");
    EXPECT_EQ(result.exit_code, 1) << result.output;
    EXPECT_THAT(result.output, HasSubstr("schema version 7, newer than this atp reads"));
  }
  EXPECT_EQ(testing::ReadFile(db), before);
}

}  // namespace
}  // namespace atp::app
