// atp/pipeline/records_json.h
//
// JSON forms of the records steps hand to later steps (job store artifacts) and that
// report.json prints. Round trips are exact: FromJson(ToJson(x)) == x.
#ifndef ATP_PIPELINE_RECORDS_JSON_H_
#define ATP_PIPELINE_RECORDS_JSON_H_

#include <string>

#include "absl/status/statusor.h"
#include "atp/core/packaged_media.h"
#include "atp/core/source_info.h"
#include "nlohmann/json.hpp"

namespace atp {

void to_json(nlohmann::json& json, const Rational& value);
void from_json(const nlohmann::json& json, Rational& value);
void to_json(nlohmann::json& json, const ProbedAudioStream& value);
void from_json(const nlohmann::json& json, ProbedAudioStream& value);
void to_json(nlohmann::json& json, const SourceInfo& value);
void from_json(const nlohmann::json& json, SourceInfo& value);
void to_json(nlohmann::json& json, const MediaSegment& value);
void from_json(const nlohmann::json& json, MediaSegment& value);
void to_json(nlohmann::json& json, const PackagedTrack& value);
void from_json(const nlohmann::json& json, PackagedTrack& value);
void to_json(nlohmann::json& json, const PackagedMedia& value);
void from_json(const nlohmann::json& json, PackagedMedia& value);

}  // namespace atp

namespace atp::pipeline {

// Parses `text` as T; InvalidArgument (naming `what`) when it is not T's JSON form.
template <typename T>
[[nodiscard]] absl::StatusOr<T> ParseRecord(const std::string& text, std::string_view what) {
  const nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return absl::InvalidArgumentError(std::string(what) + ": not JSON");
  }
  try {
    return json.get<T>();
  } catch (const nlohmann::json::exception& error) {
    return absl::InvalidArgumentError(std::string(what) + ": " + error.what());
  }
}

}  // namespace atp::pipeline

#endif  // ATP_PIPELINE_RECORDS_JSON_H_
