// atp/media/sample_writer.h
//
// Generated mezzanines for demos, tests and benchmarks: the kind of file a studio delivers.
#ifndef ATP_MEDIA_SAMPLE_WRITER_H_
#define ATP_MEDIA_SAMPLE_WRITER_H_

#include <filesystem>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "atp/core/source_info.h"

namespace atp::media {

enum class SampleCodec {
  kProRes,  // .mov: ProRes 422 HQ (yuv422p10le), 24-bit PCM audio.
  kH264,    // .mp4: high-bitrate H.264 (yuv420p, IDR every 2 s), AAC-LC 192 kbps audio.
};

struct SampleOptions {
  double duration_seconds = 10;
  int width = 1920;
  int height = 1080;
  Rational frame_rate{24000, 1001};
  std::vector<std::string> audio_languages{"ja", "en"};  // One stream each, tagged.
  SampleCodec codec = SampleCodec::kProRes;
};

// InvalidArgument when WriteSampleMezzanine cannot write `options`: odd or out-of-range sizes
// (64x64 to 7680x4320; ProRes 4:2:2 and H.264 4:2:0 need even ones), duration outside
// (0, 7200] s, frame rate outside (0, 240], more than 8 languages or one without an ISO 639-2
// mapping. Checks only the options: touches no file.
[[nodiscard]] absl::Status ValidateSampleOptions(const SampleOptions& options);

// Writes an anime-like mezzanine (SamplePainter pictures; per audio stream i a 48 kHz stereo
// tone of 440·(1 + i/4) Hz that pauses for the last 0.2 s of every second) with exactly
// round(duration × fps) frames and duration × 48000 audio samples. Writes "<file>.partial"
// and renames it, so `file` never holds half a sample. Options that ValidateSampleOptions
// refuses are refused the same way, before anything is written.
[[nodiscard]] absl::Status WriteSampleMezzanine(const SampleOptions& options,
                                                const std::filesystem::path& file);

}  // namespace atp::media

#endif  // ATP_MEDIA_SAMPLE_WRITER_H_
