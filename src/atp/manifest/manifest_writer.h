// atp/manifest/manifest_writer.h
#ifndef ATP_MANIFEST_MANIFEST_WRITER_H_
#define ATP_MANIFEST_MANIFEST_WRITER_H_

#include <string>

#include "atp/core/job_spec.h"

namespace atp::manifest {

// The manifest XML for `spec`, optional fields only when set. For any spec ParseManifest
// accepts, ParseManifest(FormatManifest(spec))->spec == spec (decimals are written in their
// shortest exact form).
[[nodiscard]] std::string FormatManifest(const JobSpec& spec);

}  // namespace atp::manifest

#endif  // ATP_MANIFEST_MANIFEST_WRITER_H_
