#include "atp/server/http_json.h"

#include <string>

namespace atp::server {

void SetJsonBody(httplib::Response& response, int http_status, const nlohmann::json& body) {
  response.status = http_status;
  response.set_header("Cache-Control", "no-store");
  response.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                       "application/json");
}

void SetJsonError(httplib::Response& response, int http_status, absl::StatusCode code,
                  absl::string_view message) {
  SetJsonBody(
      response, http_status,
      {{"error", {{"code", absl::StatusCodeToString(code)}, {"message", std::string(message)}}}});
}

}  // namespace atp::server
