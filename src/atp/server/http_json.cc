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

void InstallJsonErrorBodies(httplib::Server& server) {
  server.set_error_handler(httplib::Server::HandlerWithResponse(
      [](const httplib::Request&, httplib::Response& response) {
        if (!response.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        absl::StatusCode code = absl::StatusCode::kInvalidArgument;
        std::string message = "the request is malformed";
        switch (response.status) {
          case 404:
            code = absl::StatusCode::kNotFound;
            message = "no such path (job ids are 16 lower-case hex digits; see docs/api.md)";
            break;
          case 405:
            code = absl::StatusCode::kInvalidArgument;
            message = "this method is not served on this path";
            break;
          case 413:
            code = absl::StatusCode::kResourceExhausted;
            message =
                "the request body is over the limit (1 MiB; a form-encoded one over 8 KiB: send a "
                "manifest as Content-Type: application/xml)";
            break;
          case 414:
            code = absl::StatusCode::kInvalidArgument;
            message = "the URL is too long";
            break;
          case 431:
            code = absl::StatusCode::kInvalidArgument;
            message = "the request headers are too large";
            break;
          default:
            if (response.status >= 500) {
              code = absl::StatusCode::kInternal;
              message = "the server failed to answer";
            }
            break;
        }
        SetJsonError(response, response.status, code, message);
        return httplib::Server::HandlerResponse::Handled;
      }));
}

}  // namespace atp::server
