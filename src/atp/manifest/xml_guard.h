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
// the five predefined ones and numeric character references; each of these alone, the first
// found. Then InvalidArgument, listing every one (up to 20, then a line saying more follow),
// when it holds a character XML 1.0 does not allow (outside Char: #x9 | #xA | #xD |
// [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]), raw or as a character reference in
// text or an attribute value, or a malformed character reference (&#X41;, &#;, &#65 ...).
// Each line names the field path of the element the character is in, as ParseManifest names
// fields ("Mezzanine/FilePath: character reference &#0; is not allowed in XML 1.0"), or the
// line outside every field ("manifest: line 2: character U+0001 in a comment is not allowed in
// XML 1.0"). Does not judge well-formedness: that is the XML parser's.
[[nodiscard]] absl::Status GuardManifestBytes(std::string_view xml);

}  // namespace atp::manifest

#endif  // ATP_MANIFEST_XML_GUARD_H_
