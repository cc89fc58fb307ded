// atp/testing/webhook_receiver.h
//
// A real HTTP server on 127.0.0.1 for webhook tests.
#ifndef ATP_TESTING_WEBHOOK_RECEIVER_H_
#define ATP_TESTING_WEBHOOK_RECEIVER_H_

#include <httplib.h>

#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace atp::testing {

// Answers POST /hook with `statuses` in turn (the last one repeats), keeping every request.
class WebhookReceiver {
 public:
  explicit WebhookReceiver(std::vector<int> statuses = {200});
  ~WebhookReceiver() { Stop(); }

  void Stop();
  [[nodiscard]] std::string url() const;
  [[nodiscard]] std::vector<httplib::Request> requests();

 private:
  std::vector<int> statuses_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<httplib::Request> requests_;
};

}  // namespace atp::testing

#endif  // ATP_TESTING_WEBHOOK_RECEIVER_H_
