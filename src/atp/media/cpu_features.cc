#include "atp/media/cpu_features.h"

#include <cstring>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

extern "C" {
#include <libavutil/cpu.h>
}

namespace atp::media {

// CPUID leaf 0's vendor string and leaf 1's family.
CpuIdentity IdentifyCpu() {
  CpuIdentity identity;
#if defined(__x86_64__) || defined(__i386__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (__get_cpuid(0, &eax, &ebx, &ecx, &edx) == 0) return identity;
  char vendor[12];
  std::memcpy(vendor, &ebx, 4);
  std::memcpy(vendor + 4, &edx, 4);
  std::memcpy(vendor + 8, &ecx, 4);
  identity.vendor.assign(vendor, sizeof(vendor));
  if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0) return identity;
  const int base_family = static_cast<int>((eax >> 8) & 0xF);
  const int extended_family = static_cast<int>((eax >> 20) & 0xFF);
  identity.family = base_family == 0xF ? base_family + extended_family : base_family;
#endif
  return identity;
}

bool GathersAreSlow(std::string_view vendor, int family) {
  return vendor == "AuthenticAMD" && family <= 0x1A;
}

bool MarkSlowGathers() {
  const int flags = av_get_cpu_flags();
  if ((flags & AV_CPU_FLAG_SLOW_GATHER) != 0) return true;
  const CpuIdentity cpu = IdentifyCpu();
  if ((flags & AV_CPU_FLAG_AVX2) == 0 || !GathersAreSlow(cpu.vendor, cpu.family)) return false;
  av_force_cpu_flags(flags | AV_CPU_FLAG_SLOW_GATHER);
  return true;
}

}  // namespace atp::media
