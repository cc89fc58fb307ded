#include "atp/server/job_json.h"

#include "absl/time/time.h"

namespace atp::server {

nlohmann::json JobJson(const state::JobRecord& job) {
  nlohmann::json json = {{"job_id", job.job.job_id},
                         {"job_key", job.job.job_key},
                         {"manifest_id", job.job.manifest_id},
                         {"manifest", job.job.manifest_path},
                         {"output", job.job.output_dir},
                         {"state", state::JobStateName(job.state)},
                         {"run", job.run},
                         {"step", job.step},
                         {"created", absl::FormatTime(job.created_at)},
                         {"updated", absl::FormatTime(job.updated_at)}};
  if (!job.error_code.empty()) {
    json["error"] = {
        {"step", job.error_step}, {"code", job.error_code}, {"message", job.error_message}};
  }
  if (!job.lease.owner.empty()) {
    json["lease"] = {{"owner", job.lease.owner}, {"expires", absl::FormatTime(job.lease_expires)}};
  }
  return json;
}

nlohmann::json JournalJson(const std::vector<state::StepEvent>& events,
                           const std::vector<state::DeliveryAttempt>& deliveries) {
  nlohmann::json list = nlohmann::json::array();
  for (const state::StepEvent& e : events) {
    list.push_back({{"sequence", e.sequence},
                    {"run", e.run},
                    {"step", e.step},
                    {"kind", e.kind},
                    {"attempt", e.attempt},
                    {"outcome", e.outcome},
                    {"message", e.message},
                    {"time", absl::FormatTime(e.time)}});
  }
  nlohmann::json sent = nlohmann::json::array();
  for (const state::DeliveryAttempt& d : deliveries) {
    sent.push_back({{"event_id", d.event_id},
                    {"destination", d.destination},
                    {"attempt", d.attempt},
                    {"http_status", d.http_status},
                    {"delivered", d.delivered},
                    {"error", d.error}});
  }
  return {{"events", list}, {"deliveries", sent}};
}

}  // namespace atp::server
