// atp/manifest/manifest_warnings.h
#ifndef ATP_MANIFEST_MANIFEST_WARNINGS_H_
#define ATP_MANIFEST_MANIFEST_WARNINGS_H_

#include <string>
#include <vector>

#include "atp/core/job_spec.h"

namespace atp::manifest {

// Appends the never-fatal findings of docs/manifest.md ("Warnings") about a valid `spec`:
// no Japanese audio, a duplicate audio language, no subtitles or no default subtitle, a
// source below 720x480 or above 3840x2160, an unusual frame rate or mezzanine codec, content
// under 60 s or over 2 h, a mezzanine under 10000 kbps, season > 50, episode > 500, IsDubbed
// with only Japanese audio, and a SeriesId not found in the mezzanine path.
void AppendContentWarnings(const JobSpec& spec, std::vector<std::string>& warnings);

}  // namespace atp::manifest

#endif  // ATP_MANIFEST_MANIFEST_WARNINGS_H_
