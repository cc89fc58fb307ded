// atp/manifest/xml_guard.h
//
// The checks made on manifest bytes before any XML parser sees them.
#ifndef ATP_MANIFEST_XML_GUARD_H_
#define ATP_MANIFEST_XML_GUARD_H_

#include <cstdint>
#include <string_view>

#include "absl/status/status.h"

namespace atp::manifest {

// InvalidArgument when a manifest of `size_bytes` is over kMaxManifestBytes.
[[nodiscard]] absl::Status CheckManifestSize(uint64_t size_bytes);

// InvalidArgument when `xml` is over kMaxManifestBytes, is not UTF-8 (a UTF-16 byte order
// mark, a NUL byte, an invalid sequence, or an XML declaration naming another encoding),
// holds a DTD or entity declaration (<!DOCTYPE, <!ENTITY), or refers to an entity other than
// the five predefined ones and numeric character references.
[[nodiscard]] absl::Status GuardManifestBytes(std::string_view xml);

}  // namespace atp::manifest

#endif  // ATP_MANIFEST_XML_GUARD_H_
