// `atp status [JOB]`, `atp jobs`, `atp events JOB`, `atp cancel JOB`: what the job database
// says, for people (text) and scripts (--json).
#include <algorithm>
#include <iostream>
#include <map>
#include <memory>

#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "atp/app/commands.h"
#include "atp/app/exit_codes.h"
#include "atp/app/job_store_flags.h"
#include "atp/core/clock.h"
#include "atp/pipeline/job_runner.h"
#include "atp/pipeline/media_job_steps.h"
#include "atp/server/job_json.h"
#include "nlohmann/json.hpp"

namespace atp::app {
namespace {

struct JobFlags {
  JobStoreFlags store;
  std::string job_id;
  bool json = false;
  int limit = 50;
};

std::string LocalTime(absl::Time time) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%E3S", time, absl::LocalTimeZone());
}

void PrintJob(const state::JobRecord& job) {
  std::cout << absl::StrFormat(
      "job       %s\nmanifest  %s (%s)\nstate     %s (run %d, step %s)\noutput    %s\n"
      "created   %s\nupdated   %s\n",
      job.job.job_id, job.job.manifest_id, job.job.manifest_path, state::JobStateName(job.state),
      job.run, job.step, job.job.output_dir, LocalTime(job.created_at), LocalTime(job.updated_at));
  if (!job.error_code.empty()) {
    std::cout << absl::StrFormat("error     %s at %s: %s\n", job.error_code, job.error_step,
                                 job.error_message);
  }
  if (!job.lease.owner.empty() && job.state == state::JobState::kRunning) {
    std::cout << "lease     " << job.lease.owner << " until " << LocalTime(job.lease_expires)
              << "\n";
  }
}

// Runs `body` with the opened store; reports an unopenable one.
int WithStore(const JobFlags& flags, const char* command,
              const std::function<int(state::JobStore&)>& body) {
  absl::StatusOr<std::unique_ptr<state::JobStore>> store = flags.store.Open();
  if (!store.ok()) {
    std::cerr << "atp " << command << ": " << store.status().message() << "\n";
    return kExitOtherError;
  }
  return body(**store);
}

int ListJobs(const JobFlags& flags, state::JobStore& store) {
  absl::StatusOr<std::vector<state::JobRecord>> jobs = store.List(flags.limit);
  if (!jobs.ok()) {
    std::cerr << "atp jobs: " << jobs.status().message() << "\n";
    return kExitOtherError;
  }
  if (flags.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const state::JobRecord& job : *jobs) list.push_back(server::JobJson(job));
    std::cout << list.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << absl::StrFormat("%-16s  %-9s  %-3s  %-19s  %-19s  %s\n", "JOB", "STATE", "RUN",
                               "STEP", "UPDATED", "MANIFEST");
  for (const state::JobRecord& job : *jobs) {
    std::cout << absl::StrFormat("%-16s  %-9s  %3d  %-19s  %-19s  %s\n", job.job.job_id,
                                 state::JobStateName(job.state), job.run, job.step,
                                 LocalTime(job.updated_at).substr(0, 19), job.job.manifest_id);
  }
  return kExitOk;
}

int ShowStatus(const JobFlags& flags, state::JobStore& store) {
  if (flags.job_id.empty()) return ListJobs(flags, store);
  absl::StatusOr<state::JobRecord> job = store.Get(flags.job_id);
  if (!job.ok()) {
    std::cerr << "atp status: " << job.status().message() << "\n";
    return kExitOtherError;
  }
  // The check step's picture quality, once measured in this run.
  const absl::StatusOr<nlohmann::json> quality =
      pipeline::ReadRenditionQuality(store, flags.job_id);
  if (flags.json) {
    nlohmann::json body = server::JobJson(*job);
    if (quality.ok()) body["quality"] = *quality;
    std::cout << body.dump(2) << "\n";
    return kExitOk;
  }
  PrintJob(*job);
  if (quality.ok()) {
    for (const auto& [rendition, score] : quality->items()) {
      if (score.contains("error")) {
        std::cout << absl::StrFormat("quality     %-12s not measured: %s\n", rendition,
                                     score["error"].get<std::string>());
      } else {
        std::cout << absl::StrFormat("quality     %-12s SSIM %.4f  PSNR %.2f dB\n", rendition,
                                     score.value("ssim_y", 0.0), score.value("psnr_y_db", 0.0));
      }
    }
  }
  return kExitOk;
}

// The journal as a timeline: each step's attempts with start time and duration, then the
// notification deliveries.
int ShowEvents(const JobFlags& flags, state::JobStore& store) {
  absl::StatusOr<std::vector<state::StepEvent>> events = store.Events(flags.job_id);
  absl::StatusOr<std::vector<state::DeliveryAttempt>> deliveries =
      events.ok() ? store.Deliveries(flags.job_id) : events.status();
  if (!deliveries.ok()) {
    std::cerr << "atp events: " << deliveries.status().message() << "\n";
    return kExitOtherError;
  }
  if (flags.json) {
    std::cout << server::JournalJson(*events, *deliveries).dump(2) << "\n";
    return kExitOk;
  }
  // One row per attempt of a step (or transcode unit), in the order they started.
  struct Row {
    const state::StepEvent* start = nullptr;
    const state::StepEvent* end = nullptr;
  };
  std::vector<Row> rows;
  std::map<std::string, size_t> open;  // run/step/attempt → its row.
  size_t step_width = 0;
  for (const state::StepEvent& e : *events) {
    const std::string key = absl::StrFormat("%d/%s/%d", e.run, e.step, e.attempt);
    step_width = std::max(step_width, e.step.size());
    if (e.kind == "start") {
      open[key] = rows.size();
      rows.push_back({.start = &e});
    } else if (auto row = open.find(key); row != open.end()) {
      rows[row->second].end = &e;
      open.erase(row);
    } else {
      rows.push_back({.end = &e});
    }
  }
  for (const Row& row : rows) {
    const state::StepEvent& first = row.start != nullptr ? *row.start : *row.end;
    std::cout << absl::StrFormat("run %d  %-23s  %-*s  attempt %d  ", first.run,
                                 LocalTime(first.time), static_cast<int>(step_width), first.step,
                                 first.attempt);
    if (row.end == nullptr) {
      std::cout << "not finished\n";
      continue;
    }
    const double seconds =
        row.start == nullptr ? 0 : absl::ToDoubleSeconds(row.end->time - row.start->time);
    std::cout << absl::StrFormat("%8.3f s  %s%s%s\n", seconds, row.end->outcome,
                                 row.end->message.empty() ? "" : ": ", row.end->message);
  }
  for (const state::DeliveryAttempt& d : *deliveries) {
    std::cout << absl::StrFormat("notify %s  %s  attempt %d  %s%s\n", d.event_id, d.destination,
                                 d.attempt, d.delivered ? "delivered" : "failed",
                                 d.http_status > 0
                                     ? absl::StrFormat(" (HTTP %d)", d.http_status)
                                     : std::string(d.error.empty() ? "" : ": ") + d.error);
  }
  return kExitOk;
}

int CancelJob(const JobFlags& flags, state::JobStore& store) {
  absl::StatusOr<state::JobRecord> job =
      pipeline::CancelJob(store, flags.job_id, RealClock().Now());
  if (!job.ok()) {
    std::cerr << "atp cancel: " << job.status().message() << "\n";
    return kExitOtherError;
  }
  std::cout << "job " << flags.job_id << ": "
            << (job->state == state::JobState::kCancelled
                    ? "CANCELLED"
                    : "cancel requested; its worker stops at its next check")
            << "\n";
  return kExitOk;
}

CLI::App* AddJobSubcommand(CLI::App& app, const char* name, const char* help,
                           std::shared_ptr<JobFlags> flags, bool job_required) {
  CLI::App* command = app.add_subcommand(name, help);
  CLI::Option* job = command->add_option("job", flags->job_id, "Job id");
  if (job_required) job->required();
  flags->store.AddTo(*command);
  return command;
}

}  // namespace

void AddJobCommands(CLI::App& app, const GlobalOptions& /*global*/, int& exit_code) {
  auto status = std::make_shared<JobFlags>();
  AddJobSubcommand(app, "status", "A job's state (all jobs without JOB)", status, false)
      ->callback([status, &exit_code] {
        exit_code = WithStore(*status, "status",
                              [&](state::JobStore& store) { return ShowStatus(*status, store); });
      })
      ->add_flag("--json", status->json, "Print JSON");

  auto jobs = std::make_shared<JobFlags>();
  CLI::App* jobs_command = app.add_subcommand("jobs", "Recent jobs, newest first");
  jobs->store.AddTo(*jobs_command);
  jobs_command->add_flag("--json", jobs->json, "Print JSON");
  jobs_command->add_option("--limit", jobs->limit, "At most this many (default 50)");
  jobs_command->callback([jobs, &exit_code] {
    exit_code =
        WithStore(*jobs, "jobs", [&](state::JobStore& store) { return ListJobs(*jobs, store); });
  });

  auto events = std::make_shared<JobFlags>();
  AddJobSubcommand(app, "events", "A job's step timeline and notification attempts", events, true)
      ->callback([events, &exit_code] {
        exit_code = WithStore(*events, "events",
                              [&](state::JobStore& store) { return ShowEvents(*events, store); });
      })
      ->add_flag("--json", events->json, "Print JSON");

  auto cancel = std::make_shared<JobFlags>();
  AddJobSubcommand(app, "cancel", "Cancel a RUNNING job", cancel, true)
      ->callback([cancel, &exit_code] {
        exit_code = WithStore(*cancel, "cancel",
                              [&](state::JobStore& store) { return CancelJob(*cancel, store); });
      });
}

}  // namespace atp::app
