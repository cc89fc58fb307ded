#include "atp/app/flag_parsing.h"

#include <cmath>
#include <numeric>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace atp::app {

absl::StatusOr<Rational> ParseFrameRate(const std::string& text) {
  const absl::Status invalid = absl::InvalidArgumentError(absl::StrCat(
      "frame rate '", text, "': expected a number like 23.976, 25 or 24000/1001, at most 240"));
  std::vector<std::string> parts = absl::StrSplit(text, '/');
  Rational rate;
  if (parts.size() == 2) {
    if (!absl::SimpleAtoi(parts[0], &rate.num) || !absl::SimpleAtoi(parts[1], &rate.den) ||
        rate.den <= 0) {
      return invalid;
    }
  } else {
    double value = 0;
    if (parts.size() != 1 || !absl::SimpleAtod(text, &value) || !std::isfinite(value)) {
      return invalid;
    }
    const double ntsc = value * 1.001;
    if (std::abs(ntsc - std::round(ntsc)) < 0.002 && std::abs(value - std::round(value)) > 0.01) {
      rate = {static_cast<int64_t>(std::lround(ntsc)) * 1000, 1001};
    } else {
      rate = {static_cast<int64_t>(std::lround(value * 1000)), 1000};
      const int64_t divisor = std::gcd(rate.num, rate.den);
      if (divisor > 1) rate = {rate.num / divisor, rate.den / divisor};
    }
  }
  if (rate.num <= 0 || rate.ToDouble() > 240) return invalid;
  return rate;
}

absl::StatusOr<std::pair<int, int>> ParseFrameSize(const std::string& text) {
  std::vector<std::string> parts = absl::StrSplit(text, 'x');
  std::pair<int, int> size;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &size.first) ||
      !absl::SimpleAtoi(parts[1], &size.second) || size.first <= 0 || size.second <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("size '", text, "': expected WIDTHxHEIGHT, e.g. 1920x1080"));
  }
  return size;
}

absl::StatusOr<std::vector<std::string>> ParseLanguageList(const std::string& text) {
  std::vector<std::string> languages = absl::StrSplit(text, ',');
  for (const std::string& language : languages) {
    if (language.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("languages '", text, "': expected a comma-separated list like ja,en"));
    }
  }
  return languages;
}

}  // namespace atp::app
