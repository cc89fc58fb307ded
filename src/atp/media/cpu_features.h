// atp/media/cpu_features.h
//
// FFmpeg's choice of SIMD kernels, corrected where FFmpeg 5.1's CPU detection is out of date.
//
// libswscale's AVX2 horizontal scaler reads its source pixels with gather instructions, which
// are slow on AMD's cores; on a CPU flagged AV_CPU_FLAG_SLOW_GATHER it uses its SSE kernels
// instead. FFmpeg 5.1 does not flag this project's machine, a Zen 5 EPYC (AMD family 0x1A),
// where bicubic scaling of 1080p yuv420p to 720p, the ladder's largest scaling step, took
// 0.46-0.61 s per 240 frames with the gathers and 0.32-0.35 s without; the pictures are the
// same bytes either way (docs/performance.md).
#ifndef ATP_MEDIA_CPU_FEATURES_H_
#define ATP_MEDIA_CPU_FEATURES_H_

#include <string>
#include <string_view>

namespace atp::media {

struct CpuIdentity {
  std::string vendor;  // CPUID's vendor string: "AuthenticAMD", "GenuineIntel"
  int family = 0;      // The base family, plus the extended family when the base is 0xF.
};

// The CPU this runs on, from CPUID; empty off x86.
[[nodiscard]] CpuIdentity IdentifyCpu();

// Whether a CPU of this CPUID vendor string and family (base + extended) has gathers slower
// than the loads they replace: AMD up to family 0x1A (Zen 1 to 5; measured on Zen 5, newer
// families not yet).
[[nodiscard]] bool GathersAreSlow(std::string_view vendor, int family);

// Adds AV_CPU_FLAG_SLOW_GATHER to FFmpeg's CPU flags when GathersAreSlow holds for the CPU
// this runs on and it has AVX2. Call once, at the start of the process, before any FFmpeg
// context exists: libswscale reads the flags more than once while it makes a scaler, and the
// reads must agree. Returns whether the flag is set afterwards.
bool MarkSlowGathers();

}  // namespace atp::media

#endif  // ATP_MEDIA_CPU_FEATURES_H_
