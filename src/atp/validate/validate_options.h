// atp/validate/validate_options.h
//
// What the validator is told about the package it checks, beyond the package itself.
#ifndef ATP_VALIDATE_VALIDATE_OPTIONS_H_
#define ATP_VALIDATE_VALIDATE_OPTIONS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "atp/validate/audio_loudness.h"
#include "atp/validate/package_files.h"

namespace atp::validate {

struct ValidateOptions {
  // When set, every rendition's duration must match it within one frame.
  std::optional<double> source_duration_seconds;
  // When set, every video rendition's display aspect (width × pixel aspect / height) must
  // match it within 1%: the source's width × SAR / height.
  std::optional<double> source_display_aspect;
  // When set, the source's audio start minus its video start (SourceInfo): every audio
  // rendition must start that long after the video, within one AAC frame (AV-START);
  // otherwise together with it.
  std::optional<double> source_audio_offset_seconds;
  // Bytes read from the whole package (playlists, MPD, segments; a range counts its length).
  // Past it nothing more is read: one PKG-BUDGET finding, and the findings made until then.
  uint64_t max_total_bytes = kDefaultMaxPackageBytes;
  // When set, every fMP4 audio rendition is decoded and metered (MeasureFmp4AudioLoudness)
  // and held to it: an AUDIO-LOUDNESS finding per problem (LoudnessProblems).
  std::optional<LoudnessTarget> loudness;
  // When set, the manifest's subtitle languages (BCP 47), in order: every subtitle
  // rendition's language (HLS LANGUAGE, DASH text @lang) must be among them and each of them
  // must have a rendition, compared case-insensitively (SUBS-LANGUAGE).
  std::optional<std::vector<std::string>> subtitle_languages;
};

}  // namespace atp::validate

#endif  // ATP_VALIDATE_VALIDATE_OPTIONS_H_
