// atp/pipeline/per_title_ladder.h
//
// The per-title ladder (profile video.ladder = "auto"): probe encodes of a few sampled
// seconds at several CRFs decide, for this title, how much each H.264 rung can spare. Flat,
// clean pictures (most anime) keep their SSIM at higher CRFs than the fixed ladder assumes;
// grain and motion do not. The fixed ladder stays the default.
#ifndef ATP_PIPELINE_PER_TITLE_LADDER_H_
#define ATP_PIPELINE_PER_TITLE_LADDER_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "atp/core/rendition.h"
#include "atp/pipeline/transcode_and_package.h"
#include "atp/storage/blob_store.h"

namespace atp::pipeline {

// How far below the configured CRF's SSIM (all planes, against the source) a rung's chosen
// CRF may measure on the probes: under the 0.002 the comparison with the fixed ladder allows,
// because the probes sample the title.
inline constexpr double kPerTitleSsimTolerance = 0.0015;
// A rung whose SSIM is less than this above the next lower rung's (both at their chosen
// CRFs, measured at the source's size) adds nothing a player could not get from the lower
// one, and is dropped.
inline constexpr double kPerTitleMinRungGain = 0.001;
// The CRFs probed: the configured one plus these.
inline constexpr int kPerTitleCrfSteps[] = {0, 3, 6};

// One probe encode of one rung: every probe window at one CRF.
struct RungProbe {
  int crf = 0;
  int64_t bytes = 0;    // Of its media segments over all windows.
  double ssim_all = 0;  // Mean over the compared frames of all windows.
  int64_t frames = 0;   // Compared.

  bool operator==(const RungProbe&) const = default;
};

// What the probes decided for one H.264 rung of the fixed ladder.
struct RungChoice {
  std::string rendition;  // "h264_1080p"
  int configured_crf = 0;
  int crf = 0;  // Chosen.
  bool dropped = false;
  std::vector<RungProbe> probes;  // In kPerTitleCrfSteps order.

  bool operator==(const RungChoice&) const = default;
};

struct PerTitleDecision {
  std::vector<double> window_starts_seconds;  // Each probe window lasts one GOP.
  double window_seconds = 0;
  std::vector<RungChoice> rungs;

  bool operator==(const PerTitleDecision&) const = default;
};

// Calls between probe encodes; a non-OK status (a stop, a cancel) ends the probing with it.
using ProbeCheckpoint = std::function<absl::Status()>;
// Called when a probe has been encoded and measured, with its name ("probe-crf3-frame48"),
// its files still under the prefix, from the thread that ran it; may block. May be empty.
using ProbeFinished = std::function<void(const std::string& probe)>;

// Probes `request` (its ladder the fixed one, its mezzanine open): for each CRF of
// kPerTitleCrfSteps, encodes up to three windows of one GOP each, spread over the video and
// starting on segment boundaries, for every H.264 rung at once (EncodeUnit of standalone units,
// into `scratch` under `prefix`, which it empties afterwards, also when a probe fails or the
// checkpoint stops it), and measures each H.264 rung's bytes and SSIM against the source
// (MeasureTracksQuality: all rungs of a probe on one read of the source), calling `probe_finished`
// after each probe. Then chooses each rung's CRF: the highest probed whose SSIM is at least the
// configured CRF's minus kPerTitleSsimTolerance; and drops, from the top, a rung less than
// kPerTitleMinRungGain better than the one kept below it (the lowest rung always stays). Rungs of
// other codecs are not probed and stay as they are. Errors of the encodes, the measurements and the
// store.
[[nodiscard]] absl::StatusOr<PerTitleDecision> DecidePerTitleLadder(
    const PackageRequest& request, storage::BlobStore& scratch, std::string_view prefix,
    const ProbeCheckpoint& checkpoint, const ProbeFinished& probe_finished);

// The choice DecidePerTitleLadder makes from `rungs`' probes (highest rung first, probes in
// kPerTitleCrfSteps order): each rung's crf, then which are dropped. A rung whose configured
// CRF's probe compared no frame keeps its CRF and is never dropped nor compared with.
void ChoosePerTitleRungs(std::vector<RungChoice>& rungs);

// `fixed` with the decision applied: chosen CRFs set, dropped rungs removed. Internal error
// when the decision names a rung `fixed` does not have (a decision of another ladder).
[[nodiscard]] absl::StatusOr<Ladder> ApplyPerTitleDecision(const Ladder& fixed,
                                                           const PerTitleDecision& decision);

[[nodiscard]] std::string PerTitleDecisionJson(const PerTitleDecision& decision);
// InvalidArgument for text that is not a decision.
[[nodiscard]] absl::StatusOr<PerTitleDecision> ParsePerTitleDecision(std::string_view json);

}  // namespace atp::pipeline

#endif  // ATP_PIPELINE_PER_TITLE_LADDER_H_
