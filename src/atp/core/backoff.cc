#include "atp/core/backoff.h"

#include <algorithm>
#include <cmath>
#include <mutex>

#include "absl/random/random.h"

namespace atp {

absl::Duration BackoffDelay(const BackoffPolicy& policy, int next_attempt, double unit_random) {
  const int exponent = std::max(0, next_attempt - 2);
  const double growth = std::pow(policy.multiplier, std::min(exponent, 60));
  const double jitter = 1.0 + policy.jitter * (2.0 * unit_random - 1.0);
  const absl::Duration delay = policy.initial * (growth * jitter);
  return std::min(delay, policy.max);
}

double UnitRandom() {
  static std::mutex mutex;
  static absl::BitGen* generator = new absl::BitGen();
  std::lock_guard lock(mutex);
  return absl::Uniform(*generator, 0.0, 1.0);
}

}  // namespace atp
