// atp/manifest/field_reader.h
//
// Reads the typed child elements of one manifest element, recording every problem (and
// unknown child) instead of stopping at the first. Internal to the manifest module.
#ifndef ATP_MANIFEST_FIELD_READER_H_
#define ATP_MANIFEST_FIELD_READER_H_

#include <cstdint>
#include <optional>
#include <pugixml.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace atp::manifest {

struct Problems {
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
};

// A repeated element read as a list: each item's field path carries its 1-based index among
// the list's items, "AudioTracks/AudioTrack[2]".
struct ListField {
  const char* list;  // The list element, a child of the root: "AudioTracks".
  const char* item;  // Its repeated child: "AudioTrack".
};
inline constexpr ListField kAudioTrackList{"AudioTracks", "AudioTrack"};
inline constexpr ListField kSubtitleTrackList{"SubtitleTracks", "SubtitleTrack"};

// The field path, as messages name it, of child element `name` of the element at
// `parent_path` ("" for the root) that is the `index`-th (1-based) child so named:
// "Episode/SeriesId", "AudioTracks/AudioTrack[2]". Only the items of kAudioTrackList and
// kSubtitleTrackList carry the index.
[[nodiscard]] std::string ChildFieldPath(std::string_view parent_path, std::string_view name,
                                         size_t index);

class FieldReader {
 public:
  // Reads children of `element`, whose field path is `path` ("" for the root).
  FieldReader(pugi::xml_node element, std::string path, Problems& problems);
  // Warns about every child element that no read asked for.
  ~FieldReader();

  // The trimmed text of child `name`; nullopt (and an error when `required`) if absent.
  // A child given twice is an error.
  std::optional<std::string> Text(const char* name, bool required);

  // Text of 1..max_length characters (min_length 0 allows empty optional text).
  void String(const char* name, bool required, size_t min_length, size_t max_length,
              std::string& out);
  // Text whose every byte satisfies `allowed`, described by `charset` in messages.
  void Token(const char* name, bool required, size_t max_length, bool (*allowed)(char),
             const char* charset, std::string& out);
  void Integer(const char* name, bool required, int64_t min, int64_t max, int64_t& out);
  void Integer(const char* name, bool required, int min, int max, int& out);
  void Integer(const char* name, bool required, int min, int max, std::optional<int>& out);
  // A plain decimal number (digits, one '.', optional sign); `out` must end > min and <= max.
  void Decimal(const char* name, bool required, double exclusive_min, double max, double& out);
  void Boolean(const char* name, bool& out);
  void Enum(const char* name, bool required, const std::vector<std::string>& allowed,
            std::string& out);
  void Hex(const char* name, bool required, size_t digits, std::string& out);
  void RelativePath(const char* name, std::string& out);
  void Date(const char* name, std::string& out);
  void Url(const char* name, std::string& out);

  // Marks `name` as known without reading it (child elements read by another reader).
  void Expect(const char* name) { known_.insert(name); }

  // Adds an error about this element's field `name`.
  void Error(const std::string& name, const std::string& message);
  [[nodiscard]] std::string PathOf(const std::string& name) const;

 private:
  pugi::xml_node element_;
  std::string path_;
  Problems& problems_;
  std::set<std::string> known_;
};

// "  text \n" → "text".
[[nodiscard]] std::string Trim(const char* text);

// Number of Unicode code points in UTF-8 `text`.
[[nodiscard]] size_t CharacterCount(const std::string& text);

}  // namespace atp::manifest

#endif  // ATP_MANIFEST_FIELD_READER_H_
