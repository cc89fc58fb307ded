#include "atp/testing/webhook_receiver.h"

#include <algorithm>

namespace atp::testing {

WebhookReceiver::WebhookReceiver(std::vector<int> statuses) : statuses_(std::move(statuses)) {
  server_.Post("/hook", [this](const httplib::Request& request, httplib::Response& response) {
    std::lock_guard lock(mutex_);
    requests_.push_back(request);
    response.status = statuses_[std::min(requests_.size(), statuses_.size()) - 1];
  });
  port_ = server_.bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  while (!server_.is_running()) std::this_thread::yield();
}

void WebhookReceiver::Stop() {
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

std::string WebhookReceiver::url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/hook";
}

std::vector<httplib::Request> WebhookReceiver::requests() {
  std::lock_guard lock(mutex_);
  return requests_;
}

}  // namespace atp::testing
