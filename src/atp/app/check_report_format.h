// atp/app/check_report_format.h
//
// What `atp check` prints: a readable summary, or JSON for machines.
#ifndef ATP_APP_CHECK_REPORT_FORMAT_H_
#define ATP_APP_CHECK_REPORT_FORMAT_H_

#include <string>

#include "atp/app/settings.h"
#include "atp/pipeline/check_delivery.h"
#include "nlohmann/json.hpp"

namespace atp::app {

[[nodiscard]] std::string FormatCheckText(const pipeline::CheckReport& report,
                                          const Settings& settings);

// Keys: ok, failed_step, error {code, problems[]}, manifest_id, warnings[], mezzanine {...},
// source {...}, ladder[], job_key, environment. Absent steps leave their keys out.
[[nodiscard]] nlohmann::json FormatCheckJson(const pipeline::CheckReport& report,
                                             const Settings& settings);

}  // namespace atp::app

#endif  // ATP_APP_CHECK_REPORT_FORMAT_H_
