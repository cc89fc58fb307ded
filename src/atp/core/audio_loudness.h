// atp/core/audio_loudness.h
//
// Records of an audio track's loudness (ITU-R BS.1770-4, EBU R128 / Tech 3342) as atp measured
// it, and of the normalization applied to it: what the audio unit hands to report.json.
#ifndef ATP_CORE_AUDIO_LOUDNESS_H_
#define ATP_CORE_AUDIO_LOUDNESS_H_

#include <optional>
#include <string>

namespace atp {

struct LoudnessMeasurement {
  // Integrated (gated) loudness in LUFS (= LKFS); nullopt for silence: every 400 ms block is
  // below the absolute gate of -70 LUFS.
  std::optional<double> integrated_lufs;
  double range_lu = 0;  // Loudness range (LRA), in LU.
  // The highest true peak (4x oversampled) over all channels, in dBTP; nullopt for digital
  // silence (all samples zero).
  std::optional<double> true_peak_dbtp;

  bool operator==(const LoudnessMeasurement&) const = default;
};

struct AudioLoudness {
  std::string standard;     // The profile's audio.loudness: "atsc", "ebu", "streaming", "off".
  double target_lufs = 0;   // Integrated loudness aimed at (unused when "off").
  double ceiling_dbtp = 0;  // True peak the limiter holds the output to (unused when "off").
  // The decoded track, downmixed and resampled to the output's channels and rate.
  LoudnessMeasurement before;
  // The constant gain applied: target - before.integrated; 0 when "off" or silent.
  double gain_db = 0;
  // The signal handed to the AAC encoder: after the gain and the true-peak limiter. When the
  // limiter is left out (the gained peak stays under its limit), the true peak is before's
  // plus the gain, which it equals exactly, not measured a second time.
  LoudnessMeasurement after;

  bool operator==(const AudioLoudness&) const = default;
};

}  // namespace atp

#endif  // ATP_CORE_AUDIO_LOUDNESS_H_
