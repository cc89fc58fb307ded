#include "atp/core/language_codes.h"

#include <map>

namespace atp {

std::string ContainerLanguageCode(const std::string& iso639_1) {
  static const auto* codes = new std::map<std::string, std::string>{
      {"ja", "jpn"}, {"en", "eng"}, {"es", "spa"}, {"pt", "por"}, {"fr", "fra"},
      {"de", "deu"}, {"ko", "kor"}, {"zh", "zho"}, {"it", "ita"}, {"ru", "rus"}};
  auto it = codes->find(iso639_1);
  return it == codes->end() ? "" : it->second;
}

}  // namespace atp
