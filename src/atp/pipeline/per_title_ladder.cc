#include "atp/pipeline/per_title_ladder.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <set>

#include "absl/strings/str_cat.h"
#include "atp/core/parallel_for.h"
#include "atp/core/status_macros.h"
#include "atp/encode/transcoder.h"
#include "atp/media/quality_meter.h"
#include "nlohmann/json.hpp"

namespace atp::pipeline {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(RungProbe, crf, bytes, ssim_all, frames)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(RungChoice, rendition, configured_crf, crf, dropped, probes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PerTitleDecision, window_starts_seconds, window_seconds, rungs)

namespace {

// The first frames of the probe windows: up to three segment starts spread over the video,
// each with a GOP of frames after it (by the duration's estimate).
std::vector<int64_t> ProbeStarts(const encode::FrameGrid& grid, int64_t estimated_frames,
                                 double frames_per_second) {
  std::set<int64_t> starts;
  const double gop_seconds = grid.gop_frames / frames_per_second;
  for (const media::QualityWindow& window :
       media::SampleWindows(estimated_frames / frames_per_second, 3, gop_seconds)) {
    int64_t first = std::llround(window.start_seconds * frames_per_second);
    first = first / grid.segment_frames * grid.segment_frames;
    while (first > 0 && first + grid.gop_frames > estimated_frames) first -= grid.segment_frames;
    starts.insert(first);
  }
  if (starts.empty()) starts.insert(0);
  return {starts.begin(), starts.end()};
}

// The bytes of a probe track's media segments.
int64_t SegmentBytes(const PackagedTrack& track) {
  int64_t bytes = 0;
  for (const MediaSegment& segment : track.segments) bytes += segment.size_bytes;
  return bytes;
}

// Encodes the H.264 rungs of `request` at their CRF + `step` over [start, start +
// frames) as a standalone unit under `root`, and measures each rung of `rungs` on it into
// `found` (bytes, SSIM, frames compared).
absl::Status ProbeWindow(const PackageRequest& request, int step, int64_t start, int64_t frames,
                         const std::vector<RungChoice>& rungs, storage::BlobStore& scratch,
                         const std::string& root, const ProbeCheckpoint& checkpoint,
                         const ProbeFinished& probe_finished, std::vector<RungProbe>& found) {
  ATP_RETURN_IF_ERROR(checkpoint());
  PackageRequest probe = request;  // Its H.264 rungs only, at the CRF of this step.
  probe.ladder.clear();
  for (Rendition rendition : request.ladder) {
    if (rendition.codec != VideoCodec::kH264) continue;
    rendition.crf += step;
    probe.ladder.push_back(std::move(rendition));
  }
  const TranscodeUnit unit{.name = absl::StrCat("probe-crf", step, "-frame", start),
                           .part = encode::TranscodePart::kVideo,
                           .frames = {start, start + frames},
                           .standalone = true};
  const std::string unit_prefix = root + unit.name;
  ATP_ASSIGN_OR_RETURN(const std::vector<PackagedTrack> tracks,
                       EncodeUnit(probe, unit, scratch, unit_prefix,
                                  [&](const encode::TranscodeProgress&) { return checkpoint(); }));
  std::vector<PackagedTrack> measured;  // The rungs' tracks, in their order.
  for (const RungChoice& rung : rungs) {
    const auto track = std::find_if(tracks.begin(), tracks.end(),
                                    [&](const auto& t) { return t.name == rung.rendition; });
    if (track == tracks.end()) {
      return absl::InternalError(absl::StrCat(unit.name, " encoded no ", rung.rendition));
    }
    measured.push_back(*track);
  }
  // The probe's first frame is the source's frame `start`.
  const double frames_per_second = OutputFrameRate(request).ToDouble();
  const media::QualityWindow window{start / frames_per_second, frames / frames_per_second};
  ATP_ASSIGN_OR_RETURN(
      const std::vector<absl::StatusOr<media::QualityScore>> scores,
      MeasureTracksQuality(scratch, unit_prefix, measured, *request.mezzanine, {&window, 1},
                           {.source_filter_chain = request.conversion.filter_chain,
                            .threads = request.threads,
                            .rendition_start_seconds = window.start_seconds}));
  for (size_t r = 0; r < rungs.size(); ++r) {
    if (!scores[r].ok()) return scores[r].status();
    found[r] = {.bytes = SegmentBytes(measured[r]),
                .ssim_all = scores[r]->ssim_all,
                .frames = scores[r]->frames};
  }
  if (probe_finished) probe_finished(unit.name);
  return absl::OkStatus();
}

}  // namespace

void ChoosePerTitleRungs(std::vector<RungChoice>& rungs) {
  for (RungChoice& rung : rungs) {
    if (rung.probes.empty() || rung.probes.front().frames == 0) continue;
    const double floor = rung.probes.front().ssim_all - kPerTitleSsimTolerance;
    for (const RungProbe& probe : rung.probes) {
      if (probe.ssim_all >= floor) rung.crf = std::max(rung.crf, probe.crf);
    }
  }
  // The chosen CRF's probe; null when it compared no frame.
  auto chosen = [](const RungChoice& rung) -> const RungProbe* {
    for (const RungProbe& probe : rung.probes) {
      if (probe.crf == rung.crf && probe.frames > 0) return &probe;
    }
    return nullptr;
  };
  // From the lowest rung up (the ladder is highest first): each is compared with the nearest
  // rung kept below it.
  const RungProbe* kept_below = nullptr;
  for (auto it = rungs.rbegin(); it != rungs.rend(); ++it) {
    const RungProbe* probe = chosen(*it);
    if (probe == nullptr) continue;
    if (kept_below != nullptr && probe->ssim_all - kept_below->ssim_all < kPerTitleMinRungGain) {
      it->dropped = true;
    } else {
      kept_below = probe;
    }
  }
}

absl::StatusOr<PerTitleDecision> DecidePerTitleLadder(const PackageRequest& request,
                                                      storage::BlobStore& scratch,
                                                      std::string_view prefix,
                                                      const ProbeCheckpoint& checkpoint,
                                                      const ProbeFinished& probe_finished) {
  const Rational rate = OutputFrameRate(request);
  const double frames_per_second = rate.ToDouble();
  const encode::FrameGrid grid = encode::FrameGridFor(request.profile, rate);
  const std::vector<int64_t> starts = ProbeStarts(
      grid, encode::EstimatedFrameCount(request.source.duration_us, rate), frames_per_second);
  PerTitleDecision decision;
  decision.window_seconds = grid.gop_frames / frames_per_second;
  for (const int64_t start : starts)
    decision.window_starts_seconds.push_back(start / frames_per_second);
  for (const Rendition& rendition : request.ladder) {
    if (rendition.codec != VideoCodec::kH264) continue;
    decision.rungs.push_back(
        {.rendition = rendition.name, .configured_crf = rendition.crf, .crf = rendition.crf});
  }
  // One task per (CRF step, window), run on up to `threads` threads: each encodes its
  // window and measures every rung of it; the first error stops the others.
  const std::string root = std::string(prefix) + "/";
  const size_t steps = std::size(kPerTitleCrfSteps);
  const size_t tasks = steps * starts.size();
  PackageRequest base = request;
  base.threads = std::max(1, request.threads / ParallelWorkers(tasks, request.threads));
  // Rung threads only where the probes leave CPUs over, from their first frame (as a
  // transcode's chunks when they are fewer than the threads).
  if (ParallelWorkers(tasks, request.threads) >= request.threads) base.spread_rungs = nullptr;
  std::vector<std::vector<RungProbe>> found(tasks, std::vector<RungProbe>(decision.rungs.size()));
  std::mutex mutex;  // Guards checkpoint calls and first_error.
  absl::Status first_error;
  auto guarded_checkpoint = [&]() -> absl::Status {
    std::lock_guard<std::mutex> lock(mutex);
    if (!first_error.ok()) return absl::AbortedError("stopped: another probe failed");
    return checkpoint();
  };
  ParallelFor(tasks, request.threads, [&](size_t task) {
    const absl::Status status =
        ProbeWindow(base, kPerTitleCrfSteps[task / starts.size()], starts[task % starts.size()],
                    grid.gop_frames, decision.rungs, scratch, root, guarded_checkpoint,
                    probe_finished, found[task]);
    std::lock_guard<std::mutex> lock(mutex);
    if (!status.ok() && first_error.ok()) first_error = status;
  });
  if (!first_error.ok()) {
    // A stopped or failed probing leaves nothing (a resumed plan step probes again); the
    // error is the probes'.
    (void)scratch.DeletePrefix(prefix);
    return first_error;
  }
  for (size_t step = 0; step < steps; ++step) {
    for (size_t r = 0; r < decision.rungs.size(); ++r) {
      RungProbe total{.crf = decision.rungs[r].configured_crf + kPerTitleCrfSteps[step]};
      for (size_t w = 0; w < starts.size(); ++w) {
        const RungProbe& part = found[step * starts.size() + w][r];
        total.bytes += part.bytes;
        total.ssim_all += part.ssim_all * static_cast<double>(part.frames);
        total.frames += part.frames;
      }
      if (total.frames > 0) total.ssim_all /= static_cast<double>(total.frames);
      decision.rungs[r].probes.push_back(total);
    }
  }
  ATP_RETURN_IF_ERROR(scratch.DeletePrefix(prefix));
  ChoosePerTitleRungs(decision.rungs);
  return decision;
}

absl::StatusOr<Ladder> ApplyPerTitleDecision(const Ladder& fixed,
                                             const PerTitleDecision& decision) {
  Ladder ladder;
  for (const RungChoice& choice : decision.rungs) {
    if (std::none_of(fixed.begin(), fixed.end(),
                     [&](const Rendition& r) { return r.name == choice.rendition; })) {
      return absl::InternalError(absl::StrCat("the per-title decision is for ", choice.rendition,
                                              ", which the ladder does not have"));
    }
  }
  for (Rendition rendition : fixed) {
    const auto choice =
        std::find_if(decision.rungs.begin(), decision.rungs.end(),
                     [&](const RungChoice& c) { return c.rendition == rendition.name; });
    if (choice != decision.rungs.end()) {
      if (choice->dropped) continue;
      rendition.crf = choice->crf;
    }
    ladder.push_back(std::move(rendition));
  }
  return ladder;
}

std::string PerTitleDecisionJson(const PerTitleDecision& decision) {
  return nlohmann::json(decision).dump();
}

absl::StatusOr<PerTitleDecision> ParsePerTitleDecision(std::string_view json) {
  try {
    return nlohmann::json::parse(json).get<PerTitleDecision>();
  } catch (const nlohmann::json::exception& error) {
    return absl::InvalidArgumentError(absl::StrCat("per-title decision: ", error.what()));
  }
}

}  // namespace atp::pipeline
