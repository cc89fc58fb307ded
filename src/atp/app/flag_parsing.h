// atp/app/flag_parsing.h
//
// Parsers for command-line values that are more than a number.
#ifndef ATP_APP_FLAG_PARSING_H_
#define ATP_APP_FLAG_PARSING_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "atp/core/source_info.h"

namespace atp::app {

// "24", "25", "12.5", "24000/1001". The NTSC rates 23.976, 29.97, 47.952, 59.94 and 119.88
// map to their exact x/1001 form. InvalidArgument for anything not positive or above 240.
[[nodiscard]] absl::StatusOr<Rational> ParseFrameRate(const std::string& text);

// "1920x1080" → {1920, 1080}. InvalidArgument unless both are positive integers.
[[nodiscard]] absl::StatusOr<std::pair<int, int>> ParseFrameSize(const std::string& text);

// "ja,en" → {"ja", "en"}; empty items are refused.
[[nodiscard]] absl::StatusOr<std::vector<std::string>> ParseLanguageList(const std::string& text);

}  // namespace atp::app

#endif  // ATP_APP_FLAG_PARSING_H_
