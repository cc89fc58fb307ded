// atp/server/http_json.h
//
// JSON answers of atp's HTTP endpoints: a body, or an error
// {"error":{"code":"<absl code name>","message":"..."}}.
#ifndef ATP_SERVER_HTTP_JSON_H_
#define ATP_SERVER_HTTP_JSON_H_

#include <httplib.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace atp::server {

// Sets `body` as the answer (application/json, Cache-Control: no-store), status `http_status`.
void SetJsonBody(httplib::Response& response, int http_status, const nlohmann::json& body);

// Sets the error answer. Sets Cache-Control and Content-Type (httplib adds a header again when
// set twice), so a caller sets neither itself. Bytes that are not UTF-8 are replaced.
void SetJsonError(httplib::Response& response, int http_status, absl::StatusCode code,
                  absl::string_view message);

// Gives every error answer that has no body (httplib's own 400, 404, 413, 414, ...) a JSON
// one with the status's code and a message saying what was wrong.
void InstallJsonErrorBodies(httplib::Server& server);

}  // namespace atp::server

#endif  // ATP_SERVER_HTTP_JSON_H_
