#include "atp/pipeline/media_job_steps.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "atp/core/parallel_for.h"
#include "atp/core/spare_cpu_watch.h"
#include "atp/core/status_macros.h"
#include "atp/encode/ladder_planner.h"
#include "atp/media/quality_meter.h"
#include "atp/pipeline/early_unit.h"
#include "atp/pipeline/job_report.h"
#include "atp/pipeline/per_title_ladder.h"
#include "atp/pipeline/records_json.h"
#include "atp/pipeline/subtitle_tracks.h"
#include "atp/pipeline/transcode_and_package.h"
#include "atp/pipeline/verify_mezzanine.h"
#include "atp/validate/package_validator.h"

namespace atp::pipeline {
namespace {

constexpr char kSourceArtifact[] = "source";          // SourceInfo, from verify.
constexpr char kMezzanineArtifact[] = "mezzanine";    // VerifiedFile.
constexpr char kMediaArtifact[] = "media";            // PackagedMedia, from transcode.
constexpr char kValidationArtifact[] = "validation";  // The check step's report.
constexpr char kSubtitlesArtifact[] = "subtitles";    // VerifiedSubtitles, from verify.
constexpr char kQualityArtifact[] = "quality";        // PSNR and SSIM per rendition, from check.
constexpr char kPerTitleArtifact[] = "per_title";     // PerTitleDecision, from plan ("auto").

// The file verify read: what it was (identity, to know it again) and what it held.
struct VerifiedFile {
  storage::FileIdentity identity;
  storage::FileDigest digest;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(VerifiedFile, identity, digest)

// The subtitle files verify read, and the manifest's tracks they were read for.
struct VerifiedSubtitles {
  std::vector<SubtitleTrackSpec> tracks;
  std::vector<subtitle::SubtitleFile> files;  // Parallel to tracks.
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(VerifiedSubtitles, tracks, files)

template <typename T>
absl::StatusOr<T> ReadArtifact(StepContext& context, std::string_view name) {
  ATP_ASSIGN_OR_RETURN(const std::string text, context.GetArtifact(name));
  return ParseRecord<T>(text, absl::StrCat(std::string(name), " artifact"));
}

template <typename T>
absl::StatusOr<T> ReadArtifact(state::JobStore& store, std::string_view job_id,
                               std::string_view name) {
  ATP_ASSIGN_OR_RETURN(const std::string text, store.GetArtifact(job_id, name));
  return ParseRecord<T>(text, absl::StrCat(std::string(name), " artifact"));
}

// The transcode's progress over all its units, reported through the run's hook one report at
// a time, whatever thread a unit runs on: each unit counts its share of the file's frames
// (the audio unit the whole file, a video chunk its range), finished units in full.
class UnitProgress {
 public:
  UnitProgress(StepContext& context, const SourceInfo& source,
               const std::vector<TranscodeUnit>& units,
               const std::vector<std::optional<std::vector<PackagedTrack>>>& finished)
      : context_(context), source_(source), units_(units), done_(units.size(), 0) {
    for (size_t i = 0; i < units.size(); ++i) {
      finished_.push_back(finished[i].has_value());
      has_video_ = has_video_ || units[i].part == encode::TranscodePart::kVideo;
    }
  }

  void Report(size_t unit, const encode::TranscodeProgress& reached) {
    if (!context_.hooks().transcode_progress) return;
    std::lock_guard<std::mutex> lock(mutex_);
    const int64_t file_frames = std::max<int64_t>(reached.frames_total, 1);
    int64_t total = 0;
    int64_t done = 0;
    for (size_t i = 0; i < units_.size(); ++i) {
      const int64_t size = Size(units_[i], file_frames);
      if (i == unit) {
        const int64_t first =
            units_[i].part == encode::TranscodePart::kAudio ? 0 : units_[i].frames.first;
        done_[i] = std::clamp<int64_t>(reached.frames_done - first, 0, size);
      }
      total += size;
      done += finished_[i] ? size : done_[i];
    }
    context_.hooks().transcode_progress({.frames_done = done, .frames_total = total}, source_);
  }

 private:
  // The frames of the video `unit` covers. The audio is counted only when there is no
  // video: it is a small part of the work, done beside the video, so counted as frames of its
  // own it would make the rate, the ETA and the frame count twice what they are.
  int64_t Size(const TranscodeUnit& unit, int64_t file_frames) const {
    if (unit.part == encode::TranscodePart::kAudio) return has_video_ ? 0 : file_frames;
    const int64_t end =
        unit.frames.end == encode::kUntilEnd ? file_frames : std::min(unit.frames.end, file_frames);
    return std::max<int64_t>(end - unit.frames.first, 0);
  }

  StepContext& context_;
  const SourceInfo& source_;
  const std::vector<TranscodeUnit>& units_;
  std::vector<bool> finished_;
  bool has_video_ = false;
  std::mutex mutex_;
  std::vector<int64_t> done_;  // Per unit, while it runs.
};

class MediaJobSteps : public JobSteps {
 public:
  explicit MediaJobSteps(const MediaJobStepsOptions& options) : options_(options) {}

  absl::Status Run(Step step, StepContext& context) override {
    switch (step) {
      case Step::kVerify:
        return Verify(context);
      case Step::kPlan:
        return Plan(context);
      case Step::kTranscode:
        return Transcode(context);
      case Step::kPackage:
        return Package(context);
      case Step::kCheck:
        return Check(context);
      case Step::kPublish:
        return Publish(context);
      default:
        return absl::InternalError(
            absl::StrCat("the steps do not do ", std::string(StepName(step))));
    }
  }

 private:
  static storage::DigestProgress ChecksumProgress(StepContext& context) {
    return [&context](int64_t done, int64_t total) {
      if (context.hooks().verify_progress) context.hooks().verify_progress(done, total);
      return context.Checkpoint();
    };
  }

  // Keeps the verified file open for the units this process encodes, and records its
  // identity so a resumed run can tell whether the file at the path is still that one.
  // Beside the checksums it starts the transcode's first unit (StartEarlyUnit), which is
  // stopped if they do not match.
  absl::Status Verify(StepContext& context) {
    early_unit_.reset();  // An earlier attempt's.
    const BesideChecksums beside{
        .start = [&](const storage::PinnedFile& file,
                     const SourceInfo& source) { StartEarlyUnit(context, file, source); },
        .stop = [this] { early_unit_.reset(); }};
    ATP_ASSIGN_OR_RETURN(VerifiedMezzanine verified,
                         VerifyMezzanine(context.manifest().spec, context.paths(),
                                         ChecksumProgress(context), beside));
    // Verified, but a step that fails to record it has not verified anything.
    absl::Cleanup stop_early_unit = [this] { early_unit_.reset(); };
    mezzanine_ = std::move(verified.file);
    verified_ = {.identity = mezzanine_->identity(), .digest = verified.digest};
    ATP_RETURN_IF_ERROR(context.PutArtifact(kMezzanineArtifact, nlohmann::json(verified_).dump()));
    const VerifiedSubtitles subtitles{.tracks = context.manifest().spec.subtitle_tracks,
                                      .files = std::move(verified.subtitles)};
    ATP_RETURN_IF_ERROR(context.PutArtifact(kSubtitlesArtifact, nlohmann::json(subtitles).dump()));
    ATP_RETURN_IF_ERROR(
        context.PutArtifact(kSourceArtifact, nlohmann::json(verified.source).dump()));
    std::move(stop_early_unit).Cancel();
    return absl::OkStatus();
  }

  absl::Status RecordMezzanineIdentity(StepContext& context,
                                       const storage::FileIdentity& identity) {
    verified_.identity = identity;
    return context.PutArtifact(kMezzanineArtifact, nlohmann::json(verified_).dump());
  }

  // The verified mezzanine for the next transcode unit. In the process that verified it,
  // the descriptor verify opened (whatever has since been renamed over its path); in a
  // resumed run, the file at the path if it is the one verify recorded or, re-read, still
  // holds the delivery (DataLoss otherwise: nothing made from it is published).
  absl::StatusOr<const RandomAccessFile*> Mezzanine(StepContext& context) {
    if (mezzanine_) {
      ATP_RETURN_IF_ERROR(CheckMezzanineUnchanged(context, /*during_unit=*/false));
      return mezzanine_.get();
    }
    // A job verified by an atp that recorded no file, or recorded it in another form: the
    // file is read again.
    absl::StatusOr<VerifiedFile> recorded = ReadArtifact<VerifiedFile>(context, kMezzanineArtifact);
    if (recorded.ok()) {
      verified_ = *recorded;
    } else if (!absl::IsNotFound(recorded.status()) && !absl::IsInternal(recorded.status())) {
      return recorded.status();
    }
    const storage::FileIdentity verified = verified_.identity;
    ATP_ASSIGN_OR_RETURN(mezzanine_,
                         ReopenVerifiedMezzanine(context.manifest().spec, context.paths().mezzanine,
                                                 verified, ChecksumProgress(context)));
    if (mezzanine_->identity() != verified) {
      ATP_RETURN_IF_ERROR(RecordMezzanineIdentity(context, mezzanine_->identity()));
    }
    return mezzanine_.get();
  }

  // Whether the open mezzanine was written (in place) since it was verified: DataLoss when it
  // no longer holds the delivery; when it still does but changed `during_unit`, Aborted, so
  // the step restarts and encodes the unit again from bytes that were not moving.
  absl::Status CheckMezzanineUnchanged(StepContext& context, bool during_unit) {
    ATP_ASSIGN_OR_RETURN(const storage::FileIdentity now, mezzanine_->CurrentIdentity());
    if (now == verified_.identity) return absl::OkStatus();
    ATP_RETURN_IF_ERROR(ReverifyMezzanine(context.manifest().spec, *mezzanine_, verified_.identity,
                                          ChecksumProgress(context)));
    ATP_RETURN_IF_ERROR(RecordMezzanineIdentity(context, now));
    if (!during_unit) return absl::OkStatus();
    return absl::AbortedError(
        "the mezzanine was written while it was being encoded; it still matches the manifest, "
        "so the unit is encoded again");
  }

  // Starts the video chunk the transcode step takes first (the last: see EncodePendingUnits)
  // as an EarlyUnit, encoding `file` into the staging folder (emptied first, as a run's
  // first transcode does) as the transcode step would, from `source` as the step reads it
  // back from the journal. Not with one thread (no CPU to spare), a per-title ladder (the
  // plan step decides it) or when the options say not to; nor when anything it needs fails
  // (the staging's lock, its emptying): the transcode step then meets the failure itself.
  void StartEarlyUnit(StepContext& context, const storage::PinnedFile& file,
                      const SourceInfo& source) {
    if (!options_.start_transcode_beside_checksums || context.threads() <= 1 ||
        context.profile().ladder == "auto") {
      return;
    }
    absl::StatusOr<SourceInfo> recorded =
        ParseRecord<SourceInfo>(nlohmann::json(source).dump(), kSourceArtifact);
    if (!recorded.ok()) return;
    absl::StatusOr<Ladder> ladder =
        encode::PlanLadder(context.profile(), recorded->display_width(), recorded->height);
    if (!ladder.ok()) return;
    PackageRequest request =
        MakeTranscodeRequest(context, *std::move(recorded), *std::move(ladder));
    request.mezzanine = &file;
    const std::vector<TranscodeUnit> units = PlanTranscodeUnits(request);
    const std::vector<size_t> video = VideoUnits(units);
    if (video.empty() || !context.LockStaging().ok() || !EmptyStaging(context).ok()) return;
    PackageRequest chunk_request = ChunkRequest(request, video.size());
    storage::BlobStore& output = context.output();
    const TranscodeUnit& unit = units[video.back()];
    early_unit_ = std::make_unique<EarlyUnit>(
        unit, [chunk_request = std::move(chunk_request), unit, &output,
               staging = context.staging()](const encode::TranscodeProgressFn& progress,
                                            const std::function<bool()>& spread_rungs) mutable {
          chunk_request.spread_rungs = spread_rungs;
          return EncodeUnit(chunk_request, unit, output, staging, progress);
        });
  }

  // What an earlier attempt staged goes; the staging folder itself (locked) stays.
  static absl::Status EmptyStaging(StepContext& context) {
    storage::BlobStore& output = context.output();
    ATP_ASSIGN_OR_RETURN(const std::vector<std::string> staged, output.List(context.staging()));
    for (const std::string& key : staged) ATP_RETURN_IF_ERROR(output.Delete(key));
    return absl::OkStatus();
  }

  // The indexes of the video units of `units`, in order.
  static std::vector<size_t> VideoUnits(const std::vector<TranscodeUnit>& units) {
    std::vector<size_t> video;
    for (size_t i = 0; i < units.size(); ++i) {
      if (units[i].part == encode::TranscodePart::kVideo) video.push_back(i);
    }
    return video;
  }

  // A video chunk's request, when `pending_chunks` chunks are to be encoded: its share of the
  // threads (ParallelChunks).
  static PackageRequest ChunkRequest(const PackageRequest& request, size_t pending_chunks) {
    PackageRequest chunk_request = request;
    const int parallel = ParallelChunks(request.threads, pending_chunks);
    chunk_request.threads = std::max(1, request.threads / std::max(parallel, 1));
    return chunk_request;
  }

  // The profile's ladder for the source; with video.ladder = "auto", the per-title decision
  // (probe encodes in the staging folder) is made and saved for the later steps.
  absl::Status Plan(StepContext& context) {
    ATP_ASSIGN_OR_RETURN(const Ladder fixed, FixedLadder(context));
    if (context.profile().ladder != "auto") return absl::OkStatus();
    ATP_ASSIGN_OR_RETURN(PackageRequest request, TranscodeRequest(context, fixed));
    ATP_ASSIGN_OR_RETURN(request.mezzanine, Mezzanine(context));
    ATP_RETURN_IF_ERROR(context.LockStaging());
    const std::string probes = absl::StrCat(context.staging(), "/per-title-probes");
    const ProbeCheckpoint checkpoint = [&context] { return context.Checkpoint(); };
    ATP_ASSIGN_OR_RETURN(const PerTitleDecision decision,
                         DecidePerTitleLadder(request, context.output(), probes, checkpoint,
                                              context.hooks().probe_finished));
    return context.PutArtifact(kPerTitleArtifact, PerTitleDecisionJson(decision));
  }

  // Pure: planned again (not journaled again) whenever a later step needs the ladder.
  static absl::StatusOr<Ladder> FixedLadder(StepContext& context) {
    ATP_ASSIGN_OR_RETURN(const SourceInfo source,
                         ReadArtifact<SourceInfo>(context, kSourceArtifact));
    return encode::PlanLadder(context.profile(), source.display_width(), source.height);
  }

  // The ladder the job encodes: the fixed one, or with the plan step's per-title decision.
  static absl::StatusOr<Ladder> PlannedLadder(StepContext& context) {
    ATP_ASSIGN_OR_RETURN(const Ladder fixed, FixedLadder(context));
    if (context.profile().ladder != "auto") return fixed;
    ATP_ASSIGN_OR_RETURN(const std::string saved, context.GetArtifact(kPerTitleArtifact));
    ATP_ASSIGN_OR_RETURN(const PerTitleDecision decision, ParsePerTitleDecision(saved));
    return ApplyPerTitleDecision(fixed, decision);
  }

  // Pure, as the ladder is: what is done to the pictures of `source`.
  static encode::VideoConversion PlannedConversion(StepContext& context, const SourceInfo& source) {
    return encode::PlanVideoConversion(context.profile(),
                                       context.manifest().spec.mezzanine.frame_rate, source);
  }

  static absl::StatusOr<PackageRequest> TranscodeRequest(StepContext& context) {
    ATP_ASSIGN_OR_RETURN(Ladder ladder, PlannedLadder(context));
    return TranscodeRequest(context, std::move(ladder));
  }

  static absl::StatusOr<PackageRequest> TranscodeRequest(StepContext& context, Ladder ladder) {
    ATP_ASSIGN_OR_RETURN(SourceInfo source, ReadArtifact<SourceInfo>(context, kSourceArtifact));
    return MakeTranscodeRequest(context, std::move(source), std::move(ladder));
  }

  static PackageRequest MakeTranscodeRequest(StepContext& context, SourceInfo source,
                                             Ladder ladder) {
    encode::VideoConversion conversion = PlannedConversion(context, source);
    return PackageRequest{.spec = context.manifest().spec,
                          .source = std::move(source),
                          .ladder = std::move(ladder),
                          .conversion = std::move(conversion),
                          .profile = context.profile(),
                          .threads = context.threads(),
                          .spread_rungs = context.threads() > 1
                                              ? std::function<bool()>([] { return true; })
                                              : nullptr};
  }

  // Encodes the units (audio, video chunks) this run has not finished, each a journaled unit
  // whose records are saved when it ends, then joins them in order. The audio unit runs with
  // the video, and up to ParallelChunks video chunks at once, which share the job's threads
  // (each chunk has its own decoder and encoders); the first unit to fail stops the others
  // and its error is the step's. A run's first unit starts from an empty staging folder; a
  // resumed run keeps the files of finished units and rewrites those of the units it was
  // stopped in. The unit verify started early is adopted, if it is one of them.
  absl::Status Transcode(StepContext& context) {
    ATP_ASSIGN_OR_RETURN(PackageRequest request, TranscodeRequest(context));
    const std::vector<TranscodeUnit> units = PlanTranscodeUnits(request);
    std::vector<std::optional<std::vector<PackagedTrack>>> finished(units.size());
    bool any_finished = false;
    for (size_t i = 0; i < units.size(); ++i) {
      absl::StatusOr<std::vector<PackagedTrack>> saved = ReadArtifact<std::vector<PackagedTrack>>(
          context, UnitArtifactName(Step::kTranscode, units[i].name));
      if (absl::IsNotFound(saved.status())) continue;
      ATP_RETURN_IF_ERROR(saved.status());
      finished[i] = *std::move(saved);
      any_finished = true;
    }
    std::unique_ptr<EarlyUnit> early = std::move(early_unit_);
    std::optional<size_t> early_index;
    for (size_t i = 0; early && i < units.size(); ++i) {
      if (!finished[i] && units[i].name == early->unit().name &&
          units[i].frames == early->unit().frames) {
        early_index = i;
      }
    }
    if (!early_index) early.reset();  // Stopped: not this run's to adopt.
    if (std::find(finished.begin(), finished.end(), std::nullopt) != finished.end()) {
      ATP_ASSIGN_OR_RETURN(request.mezzanine, Mezzanine(context));
    }
    ATP_RETURN_IF_ERROR(context.LockStaging());
    // The early unit's verify emptied the staging folder before starting it.
    if (!any_finished && !early) ATP_RETURN_IF_ERROR(EmptyStaging(context));
    ATP_RETURN_IF_ERROR(
        EncodePendingUnits(context, request, units, finished, early_index, std::move(early)));
    storage::BlobStore& output = context.output();
    std::vector<std::vector<PackagedTrack>> results;
    for (std::optional<std::vector<PackagedTrack>>& tracks : finished) {
      results.push_back(*std::move(tracks));
    }
    ATP_ASSIGN_OR_RETURN(const PackagedMedia media,
                         AssembleMedia(request, results, output, context.staging()));
    return context.PutArtifact(kMediaArtifact, nlohmann::json(media).dump());
  }

  // Runs the units without records in `finished` and fills in their records: the video
  // chunks on ParallelChunks threads taking the next chunk (the last chunk first, then in
  // order), the audio unit first when more chunks wait than there are threads, else beside
  // them on a thread of its own. Each chunk encodes with threads / ParallelChunks threads, and
  // spreads its rungs over threads of their own once a CPU would otherwise be left idle. With
  // one thread, one unit at a time in order, on the calling thread. `early`, the unit at
  // `early_index` already running, is adopted by the thread that takes that unit.
  absl::Status EncodePendingUnits(StepContext& context, const PackageRequest& request,
                                  const std::vector<TranscodeUnit>& units,
                                  std::vector<std::optional<std::vector<PackagedTrack>>>& finished,
                                  std::optional<size_t> early_index,
                                  std::unique_ptr<EarlyUnit> early) {
    std::vector<size_t> audio;
    std::vector<size_t> video;
    for (size_t i = 0; i < units.size(); ++i) {
      if (finished[i]) continue;
      (units[i].part == encode::TranscodePart::kAudio ? audio : video).push_back(i);
    }
    // The last chunk runs to the end of the file, so it can be up to twice as long as the
    // others: started first, it does not leave one thread working alone at the end.
    if (!video.empty() && video.back() + 1 == units.size() && video.size() > 1) {
      std::rotate(video.begin(), video.end() - 1, video.end());
    }
    const int parallel = ParallelChunks(request.threads, video.size());
    PackageRequest chunk_request = ChunkRequest(request, video.size());
    // With more chunks than threads, the chunks keep every thread busy to the end, and the
    // audio is the first task the threads take: on a thread of its own it would make one more
    // thread than CPUs while it runs. With fewer, it runs beside them on a thread of its own.
    std::vector<size_t> tasks;
    if (video.size() > static_cast<size_t>(parallel)) tasks = audio;
    tasks.insert(tasks.end(), video.begin(), video.end());
    // A chunk spreads its rungs over threads of their own once a CPU would be left without
    // work (at the end, or from the start with fewer chunks than threads); while the chunks
    // fill the CPUs, those threads would only add switches and copies between caches.
    SpareCpuWatch spare_cpus(tasks.size(), request.threads);
    if (request.spread_rungs) {
      chunk_request.spread_rungs = [&spare_cpus] { return spare_cpus.CpuSpare(); };
    }
    UnitProgress progress(context, request.source, units, finished);

    std::mutex mutex;  // Guards first_error.
    absl::Status first_error;
    std::atomic<bool> failed = false;
    auto run = [&](size_t index, const PackageRequest& unit_request) {
      const TranscodeUnit& unit = units[index];
      absl::StatusOr<std::string> saved =
          context.RunUnit(unit.name, [&]() -> absl::StatusOr<std::string> {
            ATP_ASSIGN_OR_RETURN(std::vector<PackagedTrack> tracks,
                                 EncodeOneUnit(context, unit_request, unit, index, progress, failed,
                                               index == early_index ? early.get() : nullptr));
            return nlohmann::json(tracks).dump();
          });
      absl::StatusOr<std::vector<PackagedTrack>> tracks =
          saved.ok() ? ParseRecord<std::vector<PackagedTrack>>(
                           *saved, UnitArtifactName(Step::kTranscode, unit.name))
                     : absl::StatusOr<std::vector<PackagedTrack>>(saved.status());
      std::lock_guard<std::mutex> lock(mutex);
      if (tracks.ok()) {
        finished[index] = *std::move(tracks);
      } else if (first_error.ok() && !failed) {
        // The first failure is the step's; the units it stops fail after it.
        first_error = tracks.status();
        failed = true;
      }
    };
    if (request.threads <= 1) {
      // One thread: one unit at a time, in order (audio first).
      for (size_t i = 0; i < units.size() && !failed; ++i) {
        if (!finished[i]) run(i, request);
      }
      return first_error;
    }
    std::vector<std::thread> audio_threads;
    if (video.size() <= static_cast<size_t>(parallel)) {
      for (size_t index : audio) audio_threads.emplace_back(run, index, std::cref(request));
    }
    ParallelFor(tasks.size(), parallel, [&](size_t i) {
      spare_cpus.TaskStarted();
      if (!failed) {
        run(tasks[i],
            units[tasks[i]].part == encode::TranscodePart::kAudio ? request : chunk_request);
      }
      spare_cpus.TaskEnded();
    });
    for (std::thread& thread : audio_threads) thread.join();
    return first_error;
  }

  // Encodes `unit`, or adopts `early` (running it already), then checks the mezzanine.
  absl::StatusOr<std::vector<PackagedTrack>> EncodeOneUnit(
      StepContext& context, const PackageRequest& request, const TranscodeUnit& unit, size_t index,
      UnitProgress& progress, const std::atomic<bool>& failed, EarlyUnit* early) {
    const encode::TranscodeProgressFn report = [&](const encode::TranscodeProgress& reached) {
      if (failed) return absl::AbortedError("stopped: another unit of the step failed");
      progress.Report(index, reached);
      return context.Checkpoint();
    };
    absl::StatusOr<std::vector<PackagedTrack>> tracks =
        early != nullptr ? early->Adopt(report, request.spread_rungs)
                         : EncodeUnit(request, unit, context.output(), context.staging(), report);
    // A change to the file explains whatever the unit saw (a decode error, or nothing).
    std::lock_guard<std::mutex> lock(mezzanine_mutex_);
    if (absl::Status unchanged = CheckMezzanineUnchanged(context, /*during_unit=*/true);
        !unchanged.ok()) {
      return unchanged;
    }
    return tracks;
  }

  // The subtitle renditions (from the cues verify read), then every playlist and the MPD;
  // the media record then names the subtitles too, for the report.
  static absl::Status Package(StepContext& context) {
    ATP_RETURN_IF_ERROR(context.LockStaging());
    ATP_ASSIGN_OR_RETURN(PackagedMedia media, ReadArtifact<PackagedMedia>(context, kMediaArtifact));
    const JobSpec& spec = context.manifest().spec;
    absl::StatusOr<VerifiedSubtitles> subtitles =
        ReadArtifact<VerifiedSubtitles>(context, kSubtitlesArtifact);
    if (absl::IsNotFound(subtitles.status())) {
      // Verified by an atp that kept no cues: the files are read now.
      ATP_ASSIGN_OR_RETURN(std::vector<subtitle::SubtitleFile> files,
                           ReadSubtitleFiles(spec, context.paths().subtitles));
      subtitles = VerifiedSubtitles{.tracks = spec.subtitle_tracks, .files = std::move(files)};
    }
    ATP_RETURN_IF_ERROR(subtitles.status());
    if (subtitles->tracks != spec.subtitle_tracks) {
      // A resumed run read a manifest whose subtitle tracks are not the ones verify read.
      return absl::FailedPreconditionError(
          "SubtitleTracks: the manifest's subtitle tracks changed since the job verified them; "
          "run the delivery again with --retry so that verify reads the files it names now");
    }
    media.subtitles.clear();
    if (!media.video.empty()) {
      ATP_ASSIGN_OR_RETURN(
          media.subtitles,
          PackageSubtitles(spec, subtitles->files, context.profile().subtitle_split_signs,
                           media.video.front(), context.output(), context.staging()));
    }
    ATP_RETURN_IF_ERROR(WritePackageManifests(media, context.profile().enable_dash,
                                              context.output(), context.staging()));
    return context.PutArtifact(kMediaArtifact, nlohmann::json(media).dump());
  }

  // The validator on the staged package, holding its audio to the profile's loudness target
  // when it normalizes; errors fail the job with FailedPrecondition. The quality measurement
  // does not depend on the validator's verdict, so it runs beside it (each leaves CPUs idle
  // the other can use) and is kept only when the package validates.
  absl::Status Check(StepContext& context) {
    ATP_RETURN_IF_ERROR(context.LockStaging());
    ATP_ASSIGN_OR_RETURN(const SourceInfo source,
                         ReadArtifact<SourceInfo>(context, kSourceArtifact));
    validate::ValidateOptions options;
    options.source_duration_seconds = source.duration_seconds();
    options.source_display_aspect = source.display_aspect();
    if (!source.audio_streams.empty()) {
      options.source_audio_offset_seconds = source.audio_offset_seconds();
    }
    std::vector<std::string> subtitle_languages;
    for (const SubtitleTrackSpec& track : context.manifest().spec.subtitle_tracks) {
      subtitle_languages.push_back(track.language);
    }
    options.subtitle_languages = std::move(subtitle_languages);
    const encode::EncodingProfile& profile = context.profile();
    if (encode::NormalizesLoudness(profile)) {
      options.loudness = validate::LoudnessTarget{.target_lufs = profile.audio_loudness_target,
                                                  .ceiling_dbtp = profile.audio_true_peak_ceiling};
    }
    ATP_ASSIGN_OR_RETURN(std::unique_ptr<storage::BlobStore> staged,
                         context.output().Scoped(context.staging()));
    ATP_ASSIGN_OR_RETURN(const PackagedMedia media,
                         ReadArtifact<PackagedMedia>(context, kMediaArtifact));
    ATP_ASSIGN_OR_RETURN(const RandomAccessFile* mezzanine, Mezzanine(context));
    ATP_RETURN_IF_ERROR(context.Checkpoint());
    nlohmann::json quality;
    std::thread measuring(
        [&] { quality = MeasureQuality(context, source, media.video, *mezzanine); });
    absl::StatusOr<validate::ValidationReport> report =
        validate::ValidatePackage(std::move(staged), options);
    measuring.join();
    if (!report.ok()) return report.status();
    ATP_RETURN_IF_ERROR(context.PutArtifact(kValidationArtifact, ValidationJson(*report).dump()));
    if (report->errors() > 0) {
      // The first error in words: the rule's meaning, then what was found where.
      std::string first;
      for (const validate::Finding& finding : report->findings()) {
        if (finding.severity != validate::Severity::kError) continue;
        first = absl::StrCat(finding.rule, " (", std::string(validate::RuleSummary(finding.rule)),
                             "): ", finding.where, ": ", finding.message);
        break;
      }
      return absl::FailedPreconditionError(
          absl::StrCat("the output failed validation with ", report->errors(),
                       " error(s), nothing was published; first: ", first));
    }
    return context.PutArtifact(kQualityArtifact, quality.dump());
  }

  // PSNR and SSIM of each of `video` against the source on sampled seconds
  // (MeasureTracksQuality: the source read once, the renditions compared on the job's
  // threads), for the report. What cannot be measured is reported, not failed: the validator
  // judges the package.
  static nlohmann::json MeasureQuality(StepContext& context, const SourceInfo& source,
                                       const std::vector<PackagedTrack>& video,
                                       const RandomAccessFile& mezzanine) {
    const std::vector<media::QualityWindow> windows =
        media::SampleWindows(source.duration_seconds());
    const size_t count = video.size();
    absl::StatusOr<std::vector<absl::StatusOr<media::QualityScore>>> measured =
        MeasureTracksQuality(
            context.output(), context.staging(), video, mezzanine, windows,
            {.source_filter_chain = PlannedConversion(context, source).filter_chain,
             .threads = context.threads()});
    const std::vector<absl::StatusOr<media::QualityScore>> scores =
        measured.ok() ? *std::move(measured)
                      : std::vector<absl::StatusOr<media::QualityScore>>(count, measured.status());

    nlohmann::json window_list = nlohmann::json::array();
    for (const media::QualityWindow& window : windows) {
      window_list.push_back({window.start_seconds, window.duration_seconds});
    }
    nlohmann::json quality = nlohmann::json::object();
    for (size_t i = 0; i < count; ++i) {
      const absl::StatusOr<media::QualityScore>& score = scores[i];
      const std::string& name = video[i].name;
      if (!score.ok()) {
        quality[name] = {{"error", std::string(score.status().message())}};
        continue;
      }
      quality[name] = {{"psnr_y_db", score->psnr_y_db},
                       {"ssim_y", score->ssim_y},
                       {"ssim_all", score->ssim_all},
                       {"frames", score->frames},
                       {"windows", window_list}};
    }
    return quality;
  }

  // Writes report.json into the staged package and renames it into place. A job whose final
  // folder exists was published already (by an attempt that died before journaling it, or
  // by another process): the staging folder then goes.
  static absl::Status Publish(StepContext& context) {
    ATP_RETURN_IF_ERROR(context.LockStaging());
    storage::BlobStore& output = context.output();
    ATP_ASSIGN_OR_RETURN(const bool published, output.Exists(context.published()));
    if (published) return output.DeletePrefix(context.staging());
    ATP_ASSIGN_OR_RETURN(const SourceInfo source,
                         ReadArtifact<SourceInfo>(context, kSourceArtifact));
    ATP_ASSIGN_OR_RETURN(const Ladder ladder, PlannedLadder(context));
    ATP_ASSIGN_OR_RETURN(const PackagedMedia media,
                         ReadArtifact<PackagedMedia>(context, kMediaArtifact));
    ATP_ASSIGN_OR_RETURN(const std::string validation, context.GetArtifact(kValidationArtifact));
    absl::StatusOr<std::string> quality = context.GetArtifact(kQualityArtifact);
    if (!quality.ok() && !absl::IsNotFound(quality.status())) return quality.status();
    absl::StatusOr<std::string> per_title = context.GetArtifact(kPerTitleArtifact);
    if (!per_title.ok() && !absl::IsNotFound(per_title.status())) return per_title.status();
    ATP_ASSIGN_OR_RETURN(const std::vector<state::StepEvent> events, context.Events());
    const nlohmann::json report = JobReportJson(
        {.job = context.job(),
         .source = source,
         .ladder = ladder,
         .conversion = PlannedConversion(context, source),
         .media = media,
         .validation = nlohmann::json::parse(validation, nullptr, false),
         .quality = quality.ok() ? nlohmann::json::parse(*quality, nullptr, false)
                                 : nlohmann::json::object(),
         .per_title =
             per_title.ok() ? nlohmann::json::parse(*per_title, nullptr, false) : nlohmann::json(),
         .events = events,
         .warnings = context.manifest().warnings,
         .profile = context.profile()});
    ATP_RETURN_IF_ERROR(output.Put(context.staging() + "/report.json", report.dump(2) + "\n"));
    const absl::Status moved = output.Publish(context.staging(), context.published());
    if (!absl::IsAlreadyExists(moved)) return moved;
    // Published meanwhile by another process, or something else holds the name.
    ATP_ASSIGN_OR_RETURN(const bool package_there, output.Exists(context.published()));
    if (!package_there) {
      return absl::FailedPreconditionError(
          absl::StrCat(output.Describe(context.published()),
                       " exists but holds no package: remove it, then run the job again"));
    }
    return output.DeletePrefix(context.staging());
  }

  const MediaJobStepsOptions options_;
  std::unique_ptr<storage::PinnedFile> mezzanine_;  // Open once verified or reopened.
  std::mutex mezzanine_mutex_;                      // Units check the file from their own threads.
  VerifiedFile verified_;  // What mezzanine_ was when last verified, and what it held.
  // Started by verify, adopted by transcode. Declared after mezzanine_, which it reads: it is
  // stopped first.
  std::unique_ptr<EarlyUnit> early_unit_;
};

}  // namespace

std::unique_ptr<JobSteps> MakeMediaJobSteps(const MediaJobStepsOptions& options) {
  return std::make_unique<MediaJobSteps>(options);
}

absl::StatusOr<nlohmann::json> ReadRenditionQuality(state::JobStore& store,
                                                    std::string_view job_id) {
  ATP_ASSIGN_OR_RETURN(const std::string text, store.GetArtifact(job_id, kQualityArtifact));
  nlohmann::json quality = nlohmann::json::parse(text, nullptr, false);
  if (!quality.is_object()) {
    return absl::InternalError(
        absl::StrCat("job ", std::string(job_id), ": its quality artifact is not a JSON object"));
  }
  return quality;
}

absl::StatusOr<VerifiedSource> ReadVerifiedSource(state::JobStore& store, std::string_view job_id) {
  ATP_ASSIGN_OR_RETURN(SourceInfo source, ReadArtifact<SourceInfo>(store, job_id, kSourceArtifact));
  ATP_ASSIGN_OR_RETURN(const VerifiedFile file,
                       ReadArtifact<VerifiedFile>(store, job_id, kMezzanineArtifact));
  return VerifiedSource{.source = std::move(source), .digest = file.digest};
}

absl::StatusOr<PackagedMedia> ReadPackagedMedia(state::JobStore& store, std::string_view job_id) {
  return ReadArtifact<PackagedMedia>(store, job_id, kMediaArtifact);
}

}  // namespace atp::pipeline
