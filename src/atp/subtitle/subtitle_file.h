// atp/subtitle/subtitle_file.h
#ifndef ATP_SUBTITLE_SUBTITLE_FILE_H_
#define ATP_SUBTITLE_SUBTITLE_FILE_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "atp/subtitle/subtitles.h"

namespace atp::subtitle {

struct SubtitleFile {
  Subtitles dialogue;
  // ASS events taken for signs & songs (ConvertAss); empty for the other formats.
  Subtitles signs;
};

// Reads the bytes of a subtitle file in `format`, the manifest's name for it ("WebVTT",
// "SRT", "TTML" or "ASS", which also reads SSA), with the parser of that format.
// InvalidArgument "<file_name>:<line>: ..." from the parser for a malformed file, or naming
// the encoding for a file that is not UTF-8; InvalidArgument for an unknown format.
[[nodiscard]] absl::StatusOr<SubtitleFile> ParseSubtitleFile(std::string_view bytes,
                                                             std::string_view format,
                                                             std::string_view file_name);

}  // namespace atp::subtitle

#endif  // ATP_SUBTITLE_SUBTITLE_FILE_H_
