#include "atp/subtitle/subtitle_file.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "atp/core/status_macros.h"
#include "atp/subtitle/ass_reader.h"
#include "atp/subtitle/srt_parser.h"
#include "atp/subtitle/ttml_parser.h"
#include "atp/subtitle/webvtt_parser.h"

namespace atp::subtitle {

absl::StatusOr<SubtitleFile> ParseSubtitleFile(std::string_view bytes, std::string_view format,
                                               std::string_view file_name) {
  SubtitleFile file;
  if (format == "WebVTT") {
    ATP_ASSIGN_OR_RETURN(file.dialogue, ParseWebVtt(bytes, file_name));
  } else if (format == "SRT") {
    ATP_ASSIGN_OR_RETURN(file.dialogue, ParseSrt(bytes, file_name));
  } else if (format == "TTML") {
    ATP_ASSIGN_OR_RETURN(file.dialogue, ParseTtml(bytes, file_name));
  } else if (format == "ASS") {
    ATP_ASSIGN_OR_RETURN(AssConversion converted,
                         ConvertAss(bytes, file_name, /*split_signs=*/true));
    file.dialogue = std::move(converted.dialogue);
    file.signs = std::move(converted.signs);
  } else {
    return absl::InvalidArgumentError(absl::StrCat(std::string(file_name), ": format '",
                                                   std::string(format),
                                                   "' is not one of WebVTT, SRT, TTML, ASS"));
  }
  return file;
}

}  // namespace atp::subtitle
