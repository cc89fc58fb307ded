#include "atp/pipeline/job_report.h"

#include <filesystem>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "atp/encode/encoding_profile.h"
#include "atp/pipeline/records_json.h"
#include "atp/validate/package_validator.h"

namespace atp::pipeline {

using nlohmann::json;

namespace {

json StepTimings(const std::vector<state::StepEvent>& events, int run) {
  struct Timing {
    int attempts = 0;
    absl::Time started;
    double seconds = 0;
    std::string outcome;
  };
  std::map<std::string, Timing> by_step;
  std::vector<std::string> order;
  for (const state::StepEvent& event : events) {
    if (event.run != run) continue;
    auto [it, inserted] = by_step.try_emplace(event.step);
    if (inserted) order.push_back(event.step);
    Timing& timing = it->second;
    if (event.kind == "start") {
      timing.attempts = std::max(timing.attempts, event.attempt);
      timing.started = event.time;
    } else {
      timing.outcome = event.outcome;
      timing.seconds = absl::ToDoubleSeconds(event.time - timing.started);
    }
  }
  json steps = json::array();
  for (const std::string& step : order) {
    const Timing& timing = by_step[step];
    steps.push_back({{"step", step},
                     {"attempts", timing.attempts},
                     {"outcome", timing.outcome},
                     {"seconds", timing.seconds}});
  }
  return steps;
}

std::string RationalText(const Rational& value) { return absl::StrCat(value.num, ":", value.den); }

// What was found of the source's picture and done to it.
json PictureJson(const JobReportInputs& in, std::vector<std::string>& warnings) {
  const PackagedTrack* video = in.media.video.empty() ? nullptr : &in.media.video.front();
  const int64_t repeated = video == nullptr ? 0 : video->frames_repeated;
  const int64_t dropped = video == nullptr ? 0 : video->frames_dropped;
  const Rational& rate = in.conversion.frame_rate;
  if (repeated > 0 || dropped > 0) {
    warnings.push_back(absl::StrFormat(
        "Video: the frames are not evenly timed (variable frame rate): %d repeated and %d "
        "dropped to make a constant %.3f fps",
        repeated, dropped, rate.ToDouble()));
  }
  if (in.source.sample_aspect_ratio.num != in.source.sample_aspect_ratio.den) {
    warnings.push_back(
        absl::StrFormat("Video: non-square pixels (SAR %s): %dx%d is shown, and encoded, as %dx%d",
                        RationalText(in.source.sample_aspect_ratio), in.source.width,
                        in.source.height, in.source.display_width(), in.source.height));
  }
  if (in.source.pulldown_suspected && !in.profile.inverse_telecine) {
    warnings.push_back(
        "Video: this looks like telecined film (3:2 pulldown); it was deinterlaced at its own "
        "rate. With [video] inverse_telecine = true its film frames are restored instead");
  }
  return {{"display_width", in.source.display_width()},
          {"display_height", in.source.height},
          {"sample_aspect_ratio", RationalText(in.source.sample_aspect_ratio)},
          {"display_aspect", in.source.display_aspect()},
          {"field_order", in.source.field_order},
          {"interlacing", in.conversion.interlace_note},
          {"deinterlaced", in.conversion.deinterlace},
          {"frame_rate", absl::StrCat(rate.num, "/", rate.den)},
          {"frames_repeated", repeated},
          {"frames_dropped", dropped}};
}

json MeasurementJson(const LoudnessMeasurement& measurement) {
  return {{"integrated_lufs", measurement.integrated_lufs},
          {"range_lu", measurement.range_lu},
          {"true_peak_dbtp", measurement.true_peak_dbtp}};
}

// {language, standard, target_lufs, ceiling_dbtp, before: {integrated_lufs, range_lu,
// true_peak_dbtp}, gain_db, after: {the same}}; null for a silent
// track's loudness and peak. "off" shows no target or ceiling: nothing was aimed at.
json LoudnessJson(const std::string& language, const AudioLoudness& loudness) {
  const bool normalized = loudness.standard != "off";

  return {{"language", language},
          {"standard", loudness.standard},
          {"target_lufs", normalized ? json(loudness.target_lufs) : json(nullptr)},
          {"ceiling_dbtp", normalized ? json(loudness.ceiling_dbtp) : json(nullptr)},
          {"before", MeasurementJson(loudness.before)},
          {"gain_db", loudness.gain_db},
          {"after", MeasurementJson(loudness.after)}};
}

}  // namespace

json JobReportJson(const JobReportInputs& in) {
  std::vector<std::string> warnings = in.warnings;
  json picture = PictureJson(in, warnings);
  json ladder = json::array();
  for (const Rendition& rung : in.ladder) {
    ladder.push_back({{"name", rung.name},
                      {"width", rung.width},
                      {"height", rung.height},
                      {"bitrate_kbps", rung.bitrate_kbps},
                      {"maxrate_kbps", rung.maxrate_kbps},
                      {"crf", rung.crf},
                      {"profile", rung.codec_profile}});
  }
  json renditions = json::array();
  for (const auto* tracks : {&in.media.video, &in.media.audio}) {
    for (const PackagedTrack& track : *tracks) {
      json rendition = {{"name", track.name},
                        {"codecs", track.codecs},
                        {"segments", track.segments.size()},
                        {"duration_seconds", track.duration_seconds()},
                        {"average_bitrate_bps", track.average_bitrate_bps},
                        {"peak_bitrate_bps", track.peak_bitrate_bps}};
      if (track.kind == TrackKind::kAudio && track.loudness) {
        rendition["loudness"] = LoudnessJson(track.language, *track.loudness);
      }
      if (in.quality.is_object() && in.quality.contains(track.name)) {
        rendition["quality"] = in.quality[track.name];
      }
      renditions.push_back(std::move(rendition));
    }
  }
  json subtitles = json::array();
  for (const PackagedSubtitle& subtitle : in.media.subtitles) {
    subtitles.push_back({{"name", subtitle.name},
                         {"language", subtitle.language},
                         {"label", subtitle.label},
                         {"default", subtitle.is_default},
                         {"forced", subtitle.is_forced},
                         {"cues", subtitle.cue_count},
                         {"segments", subtitle.segments.size()}});
    for (const std::string& warning : subtitle.warnings) {
      warnings.push_back(absl::StrCat("subtitles ", subtitle.name, ": ", warning));
    }
  }
  json report = {{"job",
                  {{"id", in.job.job.job_id},
                   {"key", in.job.job.job_key},
                   {"manifest_id", in.job.job.manifest_id},
                   {"run", in.job.run}}},
                 {"source", in.source},
                 {"picture", picture},
                 {"ladder", ladder},
                 {"renditions", renditions},
                 {"subtitles", subtitles},
                 {"validation", in.validation},
                 {"steps", StepTimings(in.events, in.job.run)},
                 {"warnings", warnings},
                 {"profile", encode::CanonicalProfileText(in.profile)}};
  if (!in.per_title.is_null()) report["per_title"] = in.per_title;
  return report;
}

json ValidationJson(const validate::ValidationReport& report) {
  json findings = json::array();
  for (const validate::Finding& finding : report.findings()) {
    findings.push_back({{"rule", finding.rule},
                        {"severity", validate::SeverityName(finding.severity)},
                        {"where", finding.where},
                        {"message", finding.message}});
  }
  return {{"ok", report.errors() == 0},
          {"errors", report.errors()},
          {"warnings", report.warnings()},
          {"findings", findings}};
}

notify::Notification NotificationFor(const state::JobRecord& job, state::JobState state,
                                     const std::string& error_step, const absl::Status& error,
                                     bool dash) {
  const std::string state_name(state::JobStateName(state));
  const std::string event = absl::StrCat("job.", absl::AsciiStrToLower(state_name));
  const std::string event_id = absl::StrCat(job.job.job_id, "-r", job.run, "-", event);
  json body = {{"event_id", event_id},     {"event", event},
               {"job_id", job.job.job_id}, {"manifest_id", job.job.manifest_id},
               {"state", state_name},      {"run", job.run}};
  if (state == state::JobState::kComplete) {
    const std::filesystem::path folder = job.job.output_dir;
    body["outputs"] = {{"folder", folder.string()},
                       {"hls", (folder / "master.m3u8").string()},
                       {"report", (folder / "report.json").string()}};
    if (dash) body["outputs"]["dash"] = (folder / "manifest.mpd").string();
  } else {
    body["error"] = {{"step", error_step},
                     {"code", absl::StatusCodeToString(error.code())},
                     {"message", std::string(error.message())}};
  }
  return {.event_id = event_id, .body = body.dump()};
}

}  // namespace atp::pipeline
