// atp/core/language_codes.h
#ifndef ATP_CORE_LANGUAGE_CODES_H_
#define ATP_CORE_LANGUAGE_CODES_H_

#include <string>

namespace atp {

// The ISO 639-2/T code containers use for a manifest's ISO 639-1 audio language
// ("ja" → "jpn"); empty for a language outside the manifest's list.
[[nodiscard]] std::string ContainerLanguageCode(const std::string& iso639_1);

}  // namespace atp

#endif  // ATP_CORE_LANGUAGE_CODES_H_
