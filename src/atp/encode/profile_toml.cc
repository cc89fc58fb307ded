// The TOML reader and writer for EncodingProfile (ApplyProfileToml, ProfileToml).
#include <toml++/toml.h>

#include <functional>
#include <map>
#include <optional>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "atp/encode/encoding_profile.h"

namespace atp::encode {
namespace {

// Reads one TOML value into a setting; returns an error text, or empty when it was read.
using Setter = std::function<std::string(const toml::node&)>;
using SetterTable = std::map<std::string, Setter>;

std::string TypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    default:
      return "a date or time";
  }
}

Setter IntSetter(int& field) {
  return [&field](const toml::node& node) -> std::string {
    std::optional<int64_t> value = node.value_exact<int64_t>();
    if (!value || *value < INT32_MIN || *value > INT32_MAX) {
      return "expected an integer, got " + TypeName(node);
    }
    field = static_cast<int>(*value);
    return "";
  };
}

Setter NumberSetter(double& field) {
  return [&field](const toml::node& node) -> std::string {
    std::optional<double> value = node.value<double>();
    if (!value || node.is_boolean()) return "expected a number, got " + TypeName(node);
    field = *value;
    return "";
  };
}

Setter OptionalNumberSetter(std::optional<double>& field) {
  return [&field](const toml::node& node) -> std::string {
    double value = 0;
    if (std::string error = NumberSetter(value)(node); !error.empty()) return error;
    field = value;
    return "";
  };
}

Setter BoolSetter(bool& field) {
  return [&field](const toml::node& node) -> std::string {
    std::optional<bool> value = node.value_exact<bool>();
    if (!value) return "expected true or false, got " + TypeName(node);
    field = *value;
    return "";
  };
}

Setter StringSetter(std::string& field) {
  return [&field](const toml::node& node) -> std::string {
    std::optional<std::string> value = node.value_exact<std::string>();
    if (!value) return "expected a string, got " + TypeName(node);
    field = *value;
    return "";
  };
}

// `rungs = [{ height = 1080, bitrate_kbps = 6000 }, ...]`: replaces the whole list.
Setter RungsSetter(std::vector<RungFigure>& field) {
  return [&field](const toml::node& node) -> std::string {
    const toml::array* array = node.as_array();
    if (array == nullptr) return "expected an array of { height, bitrate_kbps }";
    std::vector<RungFigure> rungs;
    for (const toml::node& element : *array) {
      const toml::table* table = element.as_table();
      std::optional<int64_t> height =
          table ? (*table)["height"].value_exact<int64_t>() : std::nullopt;
      std::optional<int64_t> bitrate =
          table ? (*table)["bitrate_kbps"].value_exact<int64_t>() : std::nullopt;
      if (!height || !bitrate || table->size() != 2) {
        return absl::StrCat("rung ", rungs.size() + 1,
                            ": expected exactly { height = <int>, bitrate_kbps = <int> }");
      }
      rungs.push_back({static_cast<int>(*height), static_cast<int>(*bitrate)});
    }
    field = std::move(rungs);
    return "";
  };
}

// A string, or an integer kept as its decimal text (SVT-AV1's `preset = 10`).
Setter StringOrIntegerSetter(std::string& field) {
  return [&field](const toml::node& node) -> std::string {
    if (std::optional<int64_t> number = node.value_exact<int64_t>()) {
      field = std::to_string(*number);
      return "";
    }
    std::optional<std::string> value = node.value_exact<std::string>();
    if (!value) return "expected a string or an integer, got " + TypeName(node);
    field = *value;
    return "";
  };
}

SetterTable Av1Setters(VideoCodecSettings& settings) {
  return {{"rungs", RungsSetter(settings.rungs)},
          {"crf", IntSetter(settings.crf)},
          {"preset", StringOrIntegerSetter(settings.preset)},
          {"tune", StringOrIntegerSetter(settings.tune)}};
}

SetterTable CodecSetters(VideoCodecSettings& settings) {
  return {{"rungs", RungsSetter(settings.rungs)},
          {"crf", IntSetter(settings.crf)},
          {"preset", StringSetter(settings.preset)},
          {"tune", StringSetter(settings.tune)}};
}

void ApplyTable(const toml::table& table, const std::string& prefix, const SetterTable& setters,
                std::vector<std::string>& problems) {
  for (const auto& [key, node] : table) {
    const std::string name(key.str());
    const std::string path = prefix.empty() ? name : prefix + "." + name;
    auto setter = setters.find(name);
    if (setter == setters.end()) {
      problems.push_back(path + ": unknown key");
      continue;
    }
    if (std::string error = setter->second(node); !error.empty()) {
      problems.push_back(path + ": " + error);
    }
  }
}

}  // namespace

absl::StatusOr<EncodingProfile> ApplyProfileToml(std::string_view toml_text, EncodingProfile base) {
  toml::table document;
  try {
    document = toml::parse(toml_text);
  } catch (const toml::parse_error& error) {
    return absl::InvalidArgumentError(absl::StrCat("profile line ", error.source().begin.line,
                                                   ", column ", error.source().begin.column, ": ",
                                                   std::string(error.description())));
  }
  std::vector<std::string> problems;
  // A loudness standard sets both figures, whichever order the keys come in; figures the
  // document gives override it.
  bool standard_chosen = false;
  std::optional<double> loudness_target;
  std::optional<double> true_peak_ceiling;
  std::map<std::string, SetterTable> sections = {
      {"h264", CodecSetters(base.h264)},
      {"h265", CodecSetters(base.h265)},
      {"av1", Av1Setters(base.av1)},
      {"video",
       {{"maxrate_factor", NumberSetter(base.maxrate_factor)},
        {"bufsize_factor", NumberSetter(base.bufsize_factor)},
        {"keyframe_interval_seconds", NumberSetter(base.keyframe_interval_seconds)},
        {"segment_seconds", NumberSetter(base.segment_seconds)},
        {"chunk_seconds", NumberSetter(base.chunk_seconds)},
        {"threads", IntSetter(base.threads)},
        {"deinterlace", StringSetter(base.deinterlace)},
        {"deinterlace_rate", StringSetter(base.deinterlace_rate)},
        {"ladder", StringSetter(base.ladder)},
        {"inverse_telecine", BoolSetter(base.inverse_telecine)}}},
      {"audio",
       {{"bitrate_kbps", IntSetter(base.audio_bitrate_kbps)},
        {"sample_rate_hz", IntSetter(base.audio_sample_rate_hz)},
        {"channels", IntSetter(base.audio_channels)},
        {"surround", BoolSetter(base.audio_surround)},
        {"surround_bitrate_kbps", IntSetter(base.audio_surround_bitrate_kbps)},
        {"loudness",
         [&](const toml::node& node) {
           standard_chosen = true;
           return StringSetter(base.audio_loudness)(node);
         }},
        {"loudness_target", OptionalNumberSetter(loudness_target)},
        {"true_peak_ceiling", OptionalNumberSetter(true_peak_ceiling)}}},
      {"subtitles", {{"split_signs", BoolSetter(base.subtitle_split_signs)}}},
  };
  SetterTable top_level = {{"version", StringSetter(base.version)},
                           {"enable_h265", BoolSetter(base.enable_h265)},
                           {"enable_av1", BoolSetter(base.enable_av1)},
                           {"enable_dash", BoolSetter(base.enable_dash)}};
  for (auto& [name, setters] : sections) {
    top_level[name] = [&, name = name](const toml::node& node) -> std::string {
      const toml::table* table = node.as_table();
      if (table == nullptr) return "expected a table [" + name + "]";
      ApplyTable(*table, name, sections.at(name), problems);
      return "";
    };
  }
  ApplyTable(document, "", top_level, problems);
  if (!problems.empty()) return absl::InvalidArgumentError(absl::StrJoin(problems, "\n"));
  if (const LoudnessStandard* standard = FindLoudnessStandard(base.audio_loudness);
      standard_chosen && standard != nullptr) {
    base.audio_loudness_target = standard->target_lufs;
    base.audio_true_peak_ceiling = standard->ceiling_dbtp;
  }
  if (loudness_target) base.audio_loudness_target = *loudness_target;
  if (true_peak_ceiling) base.audio_true_peak_ceiling = *true_peak_ceiling;
  if (absl::Status valid = ValidateProfile(base); !valid.ok()) return valid;
  return base;
}

std::string ProfileToml(const EncodingProfile& profile) {
  auto codec = [](const VideoCodecSettings& settings) {
    toml::array rungs;
    for (const RungFigure& rung : settings.rungs) {
      rungs.push_back(toml::table{{"height", rung.height}, {"bitrate_kbps", rung.bitrate_kbps}});
    }
    return toml::table{{"rungs", rungs},
                       {"crf", settings.crf},
                       {"preset", settings.preset},
                       {"tune", settings.tune}};
  };
  toml::table document{
      {"version", profile.version},
      {"enable_h265", profile.enable_h265},
      {"enable_av1", profile.enable_av1},
      {"enable_dash", profile.enable_dash},
      {"h264", codec(profile.h264)},
      {"h265", codec(profile.h265)},
      {"av1", codec(profile.av1)},
      {"video", toml::table{{"maxrate_factor", profile.maxrate_factor},
                            {"bufsize_factor", profile.bufsize_factor},
                            {"keyframe_interval_seconds", profile.keyframe_interval_seconds},
                            {"segment_seconds", profile.segment_seconds},
                            {"chunk_seconds", profile.chunk_seconds},
                            {"deinterlace", profile.deinterlace},
                            {"deinterlace_rate", profile.deinterlace_rate},
                            {"inverse_telecine", profile.inverse_telecine}}},
      {"audio", toml::table{{"bitrate_kbps", profile.audio_bitrate_kbps},
                            {"sample_rate_hz", profile.audio_sample_rate_hz},
                            {"channels", profile.audio_channels},
                            {"surround", profile.audio_surround},
                            {"surround_bitrate_kbps", profile.audio_surround_bitrate_kbps},
                            {"loudness", profile.audio_loudness},
                            {"loudness_target", profile.audio_loudness_target},
                            {"true_peak_ceiling", profile.audio_true_peak_ceiling}}},
      {"subtitles", toml::table{{"split_signs", profile.subtitle_split_signs}}},
  };
  document["video"].as_table()->insert("ladder", profile.ladder);
  std::ostringstream text;
  text << document << "\n";
  return text.str();
}

}  // namespace atp::encode
