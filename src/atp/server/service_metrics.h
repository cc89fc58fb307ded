// atp/server/service_metrics.h
//
// ServiceMetrics: the Prometheus metrics of `atp serve`, in a registry of its own (no global
// registry), and the GET /metrics route that exposes them in the text format 0.0.4.
//
//   atp_jobs{state}                        gauge: jobs in the job store per state
//   atp_queue_depth                        gauge: jobs waiting for a worker
//   atp_workers_busy                       gauge: workers running a job
//   atp_step_duration_seconds{step}        histogram: how long step attempts took
//   atp_step_attempts_total{step,outcome}  counter: ended step attempts, "OK" or a code name
//   atp_step_retries_total{step,code}      counter: step attempts retried after code `code`
//   atp_encode_frames_per_second           gauge: the most recent transcode's rate
//   atp_read_bytes_total                   counter: mezzanine bytes read (hashed or decoded)
//   atp_written_bytes_total                counter: published package bytes
//   atp_notification_failures_total{destination}  counter: failed notification deliveries
//   atp_lease_expiries_total               counter: jobs taken over from a dead lease holder
//   atp_jobs_submitted_total{source,result}       counter: submissions, new or existing job
//
// Series without labels, the four job states, the three notification destinations and the
// four submission kinds are exposed (at 0) from the start, so that rate() and absent() see
// them before their first event; series labelled by step appear with their first event.
// Every method is safe for concurrent use.
#ifndef ATP_SERVER_SERVICE_METRICS_H_
#define ATP_SERVER_SERVICE_METRICS_H_

#include <httplib.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace atp::server {

// The Content-Type of GET /metrics: Prometheus' text exposition format 0.0.4.
inline constexpr char kMetricsContentType[] = "text/plain; version=0.0.4; charset=utf-8";

class ServiceMetrics {
 public:
  ServiceMetrics();
  ServiceMetrics(const ServiceMetrics&) = delete;
  ServiceMetrics& operator=(const ServiceMetrics&) = delete;

  // Sets atp_jobs{state} from `counts` (state name -> jobs, e.g. "RUNNING" -> 2), as read from
  // the job store before a scrape. States absent from `counts`, RUNNING, COMPLETE, FAILED and
  // CANCELLED and any state set before, are set to 0.
  void SetJobsByState(const std::map<std::string, int64_t>& counts);
  // Sets atp_queue_depth: the jobs waiting for a worker.
  void SetQueueDepth(int64_t jobs_waiting);
  // Sets atp_workers_busy: the workers running a job.
  void SetRunningWorkers(int64_t n);

  // A step attempt ended after `seconds` with `outcome` ("OK", or the absl::StatusCode name of
  // its error such as "UNAVAILABLE"): observes atp_step_duration_seconds{step} and counts
  // atp_step_attempts_total{step,outcome}.
  void ObserveStep(std::string_view step, std::string_view outcome, double seconds);
  // A step attempt that ended with code `code` ("UNAVAILABLE") is retried: counts
  // atp_step_retries_total{step,code}.
  void CountRetry(std::string_view step, std::string_view code);

  // Sets atp_encode_frames_per_second: the encode rate of the most recent transcode.
  void SetEncodeFramesPerSecond(double fps);
  // Adds to atp_read_bytes_total (mezzanine bytes hashed or decoded). Negative adds nothing.
  void AddBytesRead(int64_t bytes);
  // Adds to atp_written_bytes_total (published package bytes). Negative adds nothing.
  void AddBytesWritten(int64_t bytes);

  // A notification could not be delivered to a destination of `destination_kind` ("webhook",
  // "callback" or "log"): counts atp_notification_failures_total{destination}.
  void CountNotificationFailure(std::string_view destination_kind);
  // A job was taken over from a dead or expired lease holder: counts atp_lease_expiries_total.
  void CountLeaseExpiry();
  // A delivery was submitted from `source` ("api" or "inbox"); `created` when it made a new
  // job, false when it got an existing one back: counts
  // atp_jobs_submitted_total{source,result="created"|"existing"}.
  void CountJobSubmitted(std::string_view source, bool created);

  // Every metric in Prometheus' text exposition format 0.0.4 (kMetricsContentType).
  [[nodiscard]] std::string Scrape() const;

 private:
  prometheus::Registry registry_;
  prometheus::Family<prometheus::Gauge>& jobs_;
  prometheus::Gauge& queue_depth_;
  prometheus::Gauge& workers_busy_;
  prometheus::Family<prometheus::Histogram>& step_duration_seconds_;
  prometheus::Family<prometheus::Counter>& step_attempts_;
  prometheus::Family<prometheus::Counter>& step_retries_;
  prometheus::Gauge& encode_frames_per_second_;
  prometheus::Counter& read_bytes_;
  prometheus::Counter& written_bytes_;
  prometheus::Family<prometheus::Counter>& notification_failures_;
  prometheus::Counter& lease_expiries_;
  prometheus::Family<prometheus::Counter>& jobs_submitted_;

  std::mutex jobs_mutex_;                                    // Makes each SetJobsByState whole.
  std::map<std::string, prometheus::Gauge*> jobs_by_state_;  // Guarded by jobs_mutex_.
};

// Answers GET /metrics on `server` with metrics.Scrape() as kMetricsContentType, after calling
// `before_scrape` (when set; e.g. to refresh SetJobsByState from the job store). `metrics` and
// `before_scrape` must outlive the server's listening; `before_scrape` may be called from
// several threads at once.
void InstallMetricsRoute(httplib::Server& server, ServiceMetrics& metrics,
                         std::function<void()> before_scrape);

}  // namespace atp::server

#endif  // ATP_SERVER_SERVICE_METRICS_H_
