// atp/encode/encoding_profile.h
//
// EncodingProfile: every setting that decides what an encode produces. Defaults follow
// DESIGN.md; a TOML profile file and the environment switches override them.
#ifndef ATP_ENCODE_ENCODING_PROFILE_H_
#define ATP_ENCODE_ENCODING_PROFILE_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace atp::encode {

struct RungFigure {
  int height = 0;
  int bitrate_kbps = 0;

  bool operator==(const RungFigure&) const = default;
};

struct VideoCodecSettings {
  std::vector<RungFigure> rungs;  // Highest first.
  int crf = 0;                    // 0-51 (x264, x265); 0-63 (SVT-AV1).
  // x264/x265 preset names; SVT-AV1's number, 0 (slowest) to 13 (fastest), as text.
  std::string preset;
  std::string tune;  // Empty for none. SVT-AV1: "0" (visual quality) or "1" (PSNR).

  bool operator==(const VideoCodecSettings&) const = default;
};

struct EncodingProfile {
  // Bumped whenever the meaning of a setting changes; part of the job key.
  std::string version = "1";
  VideoCodecSettings h264{{{1080, 6000}, {720, 3500}, {480, 1800}, {360, 800}},
                          /*crf=*/21,
                          /*preset=*/"veryfast",
                          /*tune=*/"animation"};
  VideoCodecSettings h265{{{1080, 4500}, {720, 2500}}, /*crf=*/24, /*preset=*/"fast", ""};
  bool enable_h265 = false;
  // SVT-AV1 (libsvtav1) rungs at about two thirds of H.265's bit rates. Preset 10 because of
  // the 2-core machines atp runs on: at 1080p it takes about twice x264 "veryfast"'s CPU
  // (still well under x265 "fast"), while preset 8 takes about six times and would make AV1
  // the slowest rung by far (docs/profile.md has the measurement). CRF 35 (of 63) is SVT-AV1's
  // middle of the road for streaming; maxrate_factor caps the rate on hard scenes.
  VideoCodecSettings av1{{{1080, 3000}, {720, 1800}, {480, 900}}, /*crf=*/35, /*preset=*/"10", ""};
  // Off by default; a profile that leaves it off has the job key it had before AV1 existed
  // (CanonicalProfileText).
  bool enable_av1 = false;
  bool enable_dash = true;
  double maxrate_factor = 1.5;  // maxrate = factor × rung figure.
  double bufsize_factor = 2.0;  // VBV buffer = factor × rung figure.
  double keyframe_interval_seconds = 2.0;
  double segment_seconds = 6.0;  // A whole multiple of the keyframe interval.
  // Video is encoded in chunks of this many seconds (a whole multiple of segment_seconds),
  // each from a fresh encoder starting on a segment boundary: the unit of resumption.
  double chunk_seconds = 60.0;
  // Threads of the decoder and of each rung's encoder; 0: as many as the process's CPUs
  // (EncoderThreads). How fast, not what: not part of the job key, nor of the profile a job
  // stores (ProfileToml), so a job is the same job on any machine. (x264's frame threads can
  // change its bits slightly, never the ladder, the timing or the rate caps.)
  int threads = 0;
  // Deinterlacing: "auto" (when the source's stream or idet says it is interlaced), "on"
  // (every source) or "off".
  std::string deinterlace = "auto";
  // "frame": one progressive frame per interlaced frame; "field": one per field (twice the
  // frame rate, for sports-like motion).
  std::string deinterlace_rate = "frame";
  // "fixed": the H.264 rungs as configured. "auto" (per-title, atp run and atp serve): probe
  // encodes on sampled seconds choose each H.264 rung's CRF, the highest whose SSIM stays
  // within kPerTitleSsimTolerance of the configured CRF's, and drop a rung that is no better
  // than the one below it (pipeline/per_title_ladder.h).
  std::string ladder = "fixed";
  // An interlaced 29.97 fps source is taken for telecined film and inverse telecined to
  // 23.976 fps (fieldmatch + decimate) rather than deinterlaced.
  bool inverse_telecine = false;
  int audio_bitrate_kbps = 128;
  int audio_sample_rate_hz = 48000;
  int audio_channels = 2;
  // A second rendition in 5.1 (AAC-LC, 6 channels) of every audio track whose source has
  // 5.1 or more (7.1 is downmixed to 5.1), beside the audio.channels one.
  bool audio_surround = false;
  int audio_surround_bitrate_kbps = 320;
  // Loudness normalization of every audio track (docs/profile.md): a LoudnessStandard name.
  // Setting it in a profile sets the two figures below to the standard's; the profile's own
  // audio.loudness_target and audio.true_peak_ceiling then override them. "off" measures and
  // reports loudness but changes nothing (the figures are then not used).
  std::string audio_loudness = "atsc";
  double audio_loudness_target = -24.0;   // Integrated loudness, LUFS (= LKFS).
  double audio_true_peak_ceiling = -2.0;  // dBTP.
  // ASS events styled as signs and songs (or positioned without a speaker) go to a forced
  // "Signs & Songs" subtitle rendition of their language rather than among the dialogue.
  bool subtitle_split_signs = true;

  bool operator==(const EncodingProfile&) const = default;
};

// A named loudness recommendation: the integrated loudness a programme is normalized to and
// the true peak it may not exceed.
struct LoudnessStandard {
  std::string_view name;
  double target_lufs = 0;
  double ceiling_dbtp = 0;
};

// "atsc" (ATSC A/85: -24 LKFS, -2 dBTP), "ebu" (EBU R128: -23 LUFS, -1 dBTP) and "streaming"
// (-16 LUFS, -1 dBTP); nullptr for any other name ("off" included).
[[nodiscard]] const LoudnessStandard* FindLoudnessStandard(std::string_view name);

// True when `profile` normalizes audio loudness (audio.loudness is not "off").
[[nodiscard]] bool NormalizesLoudness(const EncodingProfile& profile);

// Overlays the TOML document `toml_text` on `base` (see docs/profile.md for the keys).
// InvalidArgument names the key and the rule for a syntax error, an unknown key, a value
// of the wrong type or an invalid result.
[[nodiscard]] absl::StatusOr<EncodingProfile> ApplyProfileToml(std::string_view toml_text,
                                                               EncodingProfile base);

// Every setting of `profile` as a TOML document that ApplyProfileToml reads back into an
// equal profile, whatever the defaults of the atp that reads it: what a job stores so that
// a retry or a resume encodes with the profile the job was made with.
[[nodiscard]] std::string ProfileToml(const EncodingProfile& profile);

// The thread count to encode with: `flag` (--threads) when positive, else profile.threads
// when positive, else the CPUs this process may run on (at least 1).
[[nodiscard]] int EncoderThreads(int flag, const EncodingProfile& profile);

// Applies the environment switches ENABLE_H265, ENABLE_AV1 and ENABLE_DASH found in `environment`
// (name → value; absent names change nothing). Booleans: true/yes/1, false/no/0/empty.
[[nodiscard]] absl::StatusOr<EncodingProfile> ApplyEnvironmentSwitches(
    const std::map<std::string, std::string>& environment, EncodingProfile base);

// OK when every setting is usable; otherwise InvalidArgument listing each broken rule.
[[nodiscard]] absl::Status ValidateProfile(const EncodingProfile& profile);

// A stable text form of every setting, one "key=value" per line in a fixed order; equal
// profiles give equal text. The job key hashes it (docs/job-key.md). The av1.* settings and
// enable_av1 appear only when AV1 is enabled, so that a profile without AV1 keeps the text
// (and the job keys) it had before atp could encode AV1.
[[nodiscard]] std::string CanonicalProfileText(const EncodingProfile& profile);

}  // namespace atp::encode

#endif  // ATP_ENCODE_ENCODING_PROFILE_H_
