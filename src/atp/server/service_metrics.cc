#include "atp/server/service_metrics.h"

#include <prometheus/text_serializer.h>

#include <utility>

namespace atp::server {
namespace {

// The job states of state::JobState, exposed at 0 until set.
constexpr const char* kJobStates[] = {"RUNNING", "COMPLETE", "FAILED", "CANCELLED"};
constexpr const char* kNotificationDestinations[] = {"webhook", "callback", "log"};
constexpr const char* kSubmissionSources[] = {"api", "inbox"};

// Upper bounds of atp_step_duration_seconds: 0.01 s doubling 23 times to 83886.08 s (23.3 h),
// so that a reserve of milliseconds and a transcode of 12 hours each land in a bucket at most
// twice as wide as its value. (Doubling 0.01 is exact, so each bound prints as it reads.)
const prometheus::Histogram::BucketBoundaries& StepDurationBuckets() {
  static const prometheus::Histogram::BucketBoundaries* const kBuckets = [] {
    auto* buckets = new prometheus::Histogram::BucketBoundaries;
    for (double bound = 0.01; buckets->size() < 24; bound *= 2) buckets->push_back(bound);
    return buckets;
  }();
  return *kBuckets;
}

std::string Text(std::string_view text) { return std::string(text); }

}  // namespace

ServiceMetrics::ServiceMetrics()
    : jobs_(prometheus::BuildGauge()
                .Name("atp_jobs")
                .Help("Jobs in the job store, by state (RUNNING, COMPLETE, FAILED, CANCELLED), "
                      "as of the scrape.")
                .Register(registry_)),
      queue_depth_(prometheus::BuildGauge()
                       .Name("atp_queue_depth")
                       .Help("Jobs submitted and waiting for a worker.")
                       .Register(registry_)
                       .Add({})),
      workers_busy_(prometheus::BuildGauge()
                        .Name("atp_workers_busy")
                        .Help("Workers running a job now.")
                        .Register(registry_)
                        .Add({})),
      step_duration_seconds_(prometheus::BuildHistogram()
                                 .Name("atp_step_duration_seconds")
                                 .Help("Wall-clock seconds a step attempt took, by step, "
                                       "whatever its outcome.")
                                 .Register(registry_)),
      step_attempts_(prometheus::BuildCounter()
                         .Name("atp_step_attempts_total")
                         .Help("Step attempts that ended, by step and outcome (OK, or the "
                               "status code name of the error, e.g. UNAVAILABLE).")
                         .Register(registry_)),
      step_retries_(prometheus::BuildCounter()
                        .Name("atp_step_retries_total")
                        .Help("Step attempts retried, by step and the status code of the "
                              "attempt that failed.")
                        .Register(registry_)),
      encode_frames_per_second_(prometheus::BuildGauge()
                                    .Name("atp_encode_frames_per_second")
                                    .Help("Frames per second encoded by the most recent "
                                          "transcode (0 before the first).")
                                    .Register(registry_)
                                    .Add({})),
      read_bytes_(prometheus::BuildCounter()
                      .Name("atp_read_bytes_total")
                      .Help("Mezzanine bytes read, to hash them at verify or to decode them.")
                      .Register(registry_)
                      .Add({})),
      written_bytes_(prometheus::BuildCounter()
                         .Name("atp_written_bytes_total")
                         .Help("Bytes of the packages published.")
                         .Register(registry_)
                         .Add({})),
      notification_failures_(prometheus::BuildCounter()
                                 .Name("atp_notification_failures_total")
                                 .Help("Notifications that could not be delivered, by kind of "
                                       "destination (webhook, callback, log).")
                                 .Register(registry_)),
      lease_expiries_(prometheus::BuildCounter()
                          .Name("atp_lease_expiries_total")
                          .Help("Jobs taken over from a lease holder that died or whose lease "
                                "expired.")
                          .Register(registry_)
                          .Add({})),
      jobs_submitted_(prometheus::BuildCounter()
                          .Name("atp_jobs_submitted_total")
                          .Help("Deliveries submitted, by source (api, inbox) and result "
                                "(created: a new job; existing: the job of the same delivery).")
                          .Register(registry_)) {
  for (const char* state : kJobStates) jobs_by_state_[state] = &jobs_.Add({{"state", state}});
  for (const char* destination : kNotificationDestinations) {
    notification_failures_.Add({{"destination", destination}});
  }
  for (const char* source : kSubmissionSources) {
    for (const char* result : {"created", "existing"}) {
      jobs_submitted_.Add({{"source", source}, {"result", result}});
    }
  }
}

void ServiceMetrics::SetJobsByState(const std::map<std::string, int64_t>& counts) {
  std::lock_guard<std::mutex> lock(jobs_mutex_);
  for (const auto& [state, count] : counts) {
    auto [it, inserted] = jobs_by_state_.try_emplace(state, nullptr);
    if (inserted) it->second = &jobs_.Add({{"state", state}});
  }
  for (const auto& [state, gauge] : jobs_by_state_) {
    const auto count = counts.find(state);
    gauge->Set(count == counts.end() ? 0.0 : static_cast<double>(count->second));
  }
}

void ServiceMetrics::SetQueueDepth(int64_t jobs_waiting) {
  queue_depth_.Set(static_cast<double>(jobs_waiting));
}

void ServiceMetrics::SetRunningWorkers(int64_t n) { workers_busy_.Set(static_cast<double>(n)); }

void ServiceMetrics::ObserveStep(std::string_view step, std::string_view outcome, double seconds) {
  step_duration_seconds_.Add({{"step", Text(step)}}, StepDurationBuckets()).Observe(seconds);
  step_attempts_.Add({{"step", Text(step)}, {"outcome", Text(outcome)}}).Increment();
}

void ServiceMetrics::CountRetry(std::string_view step, std::string_view code) {
  step_retries_.Add({{"step", Text(step)}, {"code", Text(code)}}).Increment();
}

void ServiceMetrics::SetEncodeFramesPerSecond(double fps) { encode_frames_per_second_.Set(fps); }

void ServiceMetrics::AddBytesRead(int64_t bytes) {
  if (bytes > 0) read_bytes_.Increment(static_cast<double>(bytes));
}

void ServiceMetrics::AddBytesWritten(int64_t bytes) {
  if (bytes > 0) written_bytes_.Increment(static_cast<double>(bytes));
}

void ServiceMetrics::CountNotificationFailure(std::string_view destination_kind) {
  notification_failures_.Add({{"destination", Text(destination_kind)}}).Increment();
}

void ServiceMetrics::CountLeaseExpiry() { lease_expiries_.Increment(); }

void ServiceMetrics::CountJobSubmitted(std::string_view source, bool created) {
  jobs_submitted_.Add({{"source", Text(source)}, {"result", created ? "created" : "existing"}})
      .Increment();
}

std::string ServiceMetrics::Scrape() const {
  return prometheus::TextSerializer().Serialize(registry_.Collect());
}

void InstallMetricsRoute(httplib::Server& server, ServiceMetrics& metrics,
                         std::function<void()> before_scrape) {
  server.Get("/metrics", [&metrics, before_scrape = std::move(before_scrape)](
                             const httplib::Request&, httplib::Response& response) {
    if (before_scrape) before_scrape();
    response.set_header("Cache-Control", "no-store");
    response.set_content(metrics.Scrape(), kMetricsContentType);
  });
}

}  // namespace atp::server
