// atp/pipeline/job_report.h
//
// What a job tells the outside world: report.json, published beside the package, and the
// body of the webhook notification.
#ifndef ATP_PIPELINE_JOB_REPORT_H_
#define ATP_PIPELINE_JOB_REPORT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "atp/core/packaged_media.h"
#include "atp/core/rendition.h"
#include "atp/core/source_info.h"
#include "atp/encode/encoding_profile.h"
#include "atp/encode/video_conversion.h"
#include "atp/notify/notifier.h"
#include "atp/state/job_store.h"
#include "atp/validate/validation_report.h"
#include "nlohmann/json.hpp"

namespace atp::pipeline {

struct JobReportInputs {
  state::JobRecord job;
  SourceInfo source;
  Ladder ladder;
  encode::VideoConversion conversion;
  PackagedMedia media;
  nlohmann::json validation;  // ValidationJson of the check step.
  nlohmann::json quality;     // The check step's, by rendition name (ReadRenditionQuality).
  nlohmann::json per_title;   // The plan step's PerTitleDecision (video.ladder "auto"); null.
  std::vector<state::StepEvent> events;
  std::vector<std::string> warnings;  // The manifest's.
  encode::EncodingProfile profile;
};

// {job, source, picture (display size and shape, interlacing and what was done, the
// constant frame rate with the frames repeated and dropped to reach it), ladder,
// renditions (measured bitrates; video: PSNR and SSIM against the source as `quality`),
// per_title (with video.ladder "auto": each H.264 rung's probes, chosen CRF, dropped),
// validation, steps (per step of the current run: attempts
// and seconds of the successful one), warnings (the manifest's, then the picture's),
// profile}.
[[nodiscard]] nlohmann::json JobReportJson(const JobReportInputs& inputs);

// {ok, errors, warnings, findings: [{rule, severity, where, message}]}, as `atp validate
// --json` prints it.
[[nodiscard]] nlohmann::json ValidationJson(const validate::ValidationReport& report);

// The webhook body: {event_id, event, job_id, manifest_id, state, run, outputs: {folder, hls,
// dash}, error: {step, code, message}}; `event` is "job.complete", "job.failed" or
// "job.cancelled". The event id is stable for one outcome of one run, so a resumed process
// re-sending it lets receivers dedupe.
[[nodiscard]] notify::Notification NotificationFor(const state::JobRecord& job,
                                                   state::JobState state,
                                                   const std::string& error_step,
                                                   const absl::Status& error, bool dash);

}  // namespace atp::pipeline

#endif  // ATP_PIPELINE_JOB_REPORT_H_
