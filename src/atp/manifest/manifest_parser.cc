#include "atp/manifest/manifest_parser.h"

#include <cmath>
#include <map>
#include <pugixml.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "atp/core/status_macros.h"
#include "atp/manifest/field_reader.h"
#include "atp/manifest/manifest_warnings.h"
#include "atp/manifest/xml_guard.h"

namespace atp::manifest {
namespace {

constexpr char kRoot[] = "AnimeTranscodeManifest";

bool IsIdChar(char c) { return absl::ascii_isalnum(c) || c == '_' || c == '-'; }
bool IsSeriesIdChar(char c) { return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-'; }

const std::vector<std::string> kContentRatings = {"TV-Y",  "TV-Y7", "TV-G",
                                                  "TV-PG", "TV-14", "TV-MA"};
const std::vector<std::string> kAudioLanguages = {"ja", "en", "es", "pt", "fr",
                                                  "de", "ko", "zh", "it", "ru"};
const std::vector<std::string> kSubtitleLanguages = {
    "en", "es-419", "es-ES", "pt-BR",   "pt-PT",   "fr", "de",
    "it", "ar",     "ru",    "zh-Hans", "zh-Hant", "ko"};
const std::vector<std::string> kSubtitleFormats = {"WebVTT", "SRT", "TTML", "ASS"};

void ReadEpisode(pugi::xml_node element, Problems& problems, EpisodeSpec& episode) {
  FieldReader fields(element, "Episode", problems);
  fields.Token("SeriesId", true, 50, IsSeriesIdChar, "[a-z0-9-]", episode.series_id);
  fields.String("SeriesTitle", true, 1, 200, episode.series_title);
  fields.String("SeriesTitleJa", false, 0, 200, episode.series_title_ja);
  fields.Integer("SeasonNumber", true, 1, 100, episode.season_number);
  fields.Integer("EpisodeNumber", true, 1, 9999, episode.episode_number);
  fields.String("EpisodeTitle", true, 1, 300, episode.episode_title);
  fields.String("EpisodeTitleJa", false, 0, 300, episode.episode_title_ja);
  fields.String("EpisodeDescription", false, 0, 2000, episode.description);
  fields.Decimal("DurationSeconds", true, 0, 1e7, episode.duration_seconds);
  fields.Date("ReleaseDate", episode.release_date);
  fields.Enum("ContentRating", false, kContentRatings, episode.content_rating);
  fields.Boolean("IsSimulcast", episode.is_simulcast);
  fields.Boolean("IsDubbed", episode.is_dubbed);
}

void ReadMezzanine(pugi::xml_node element, Problems& problems, MezzanineSpec& mezzanine) {
  FieldReader fields(element, "Mezzanine", problems);
  fields.RelativePath("FilePath", mezzanine.file_path);
  fields.Hex("ChecksumMD5", true, 32, mezzanine.checksum_md5);
  fields.Hex("ChecksumXXHash", false, 16, mezzanine.checksum_xxh64);
  fields.Integer("FileSizeBytes", true, int64_t{1}, INT64_MAX, mezzanine.file_size_bytes);
  fields.Decimal("DurationSeconds", true, 0, 1e7, mezzanine.duration_seconds);
  fields.String("VideoCodec", true, 1, 50, mezzanine.video_codec);
  fields.String("AudioCodec", true, 1, 50, mezzanine.audio_codec);
  fields.Integer("ResolutionWidth", true, kMinResolutionWidth, kMaxResolutionWidth,
                 mezzanine.width);
  fields.Integer("ResolutionHeight", true, kMinResolutionHeight, kMaxResolutionHeight,
                 mezzanine.height);
  fields.Decimal("FrameRate", true, 0, 120, mezzanine.frame_rate);
  fields.Integer("BitrateKbps", true, int64_t{1}, INT64_MAX, mezzanine.bitrate_kbps);
  fields.String("ColorSpace", false, 0, 100, mezzanine.color_space);
  fields.Integer("BitDepth", false, 8, 16, mezzanine.bit_depth);
}

// Reads the `field.item` children of the root's `field.list` child with `read`.
template <typename T, typename ReadItem>
std::vector<T> ReadList(pugi::xml_node root, ListField field, Problems& problems, ReadItem read) {
  pugi::xml_node list = root.child(field.list);
  FieldReader container(list, field.list, problems);
  container.Expect(field.item);
  std::vector<T> items;
  for (pugi::xml_node child : list.children(field.item)) {
    T value;
    read(FieldReader(child, ChildFieldPath(field.list, field.item, items.size() + 1), problems),
         value);
    items.push_back(std::move(value));
  }
  return items;
}

void CheckAudioTracks(const std::vector<AudioTrackSpec>& tracks, Problems& problems) {
  if (tracks.empty()) {
    problems.errors.push_back("AudioTracks: at least one AudioTrack is required");
    return;
  }
  int defaults = 0;
  std::map<int, size_t> index_owner;
  for (size_t i = 0; i < tracks.size(); ++i) {
    defaults += tracks[i].is_default ? 1 : 0;
    auto [owner, inserted] = index_owner.emplace(tracks[i].track_index, i);
    if (!inserted) {
      problems.errors.push_back(absl::StrCat("AudioTracks/AudioTrack[", i + 1,
                                             "]/TrackIndex: ", tracks[i].track_index,
                                             " is already used by AudioTrack[", owner->second + 1,
                                             "]; give each track its own TrackIndex (default 1)"));
    }
  }
  if (defaults != 1) {
    problems.errors.push_back(absl::StrCat(
        "AudioTracks: exactly one AudioTrack must have IsDefault=true, got ", defaults));
  }
}

void CheckSubtitleTracks(const std::vector<SubtitleTrackSpec>& tracks, Problems& problems) {
  int defaults = 0;
  for (const SubtitleTrackSpec& track : tracks) defaults += track.is_default ? 1 : 0;
  if (defaults > 1) {
    problems.errors.push_back(absl::StrCat(
        "SubtitleTracks: at most one SubtitleTrack may have IsDefault=true, got ", defaults));
  }
}

}  // namespace

absl::StatusOr<ParsedManifest> ParseManifest(std::string_view xml) {
  ATP_RETURN_IF_ERROR(GuardManifestBytes(xml));
  pugi::xml_document document;
  const pugi::xml_parse_result parsed =
      document.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!parsed) {
    return absl::InvalidArgumentError(
        absl::StrCat("manifest: not well-formed XML: ", parsed.description(), " at byte offset ",
                     parsed.offset));
  }
  pugi::xml_node root = document.document_element();
  if (std::string(root.name()) != kRoot) {
    return absl::InvalidArgumentError(absl::StrCat(
        "manifest: the root element must be <", kRoot,
        "> (optionally with a default namespace, no prefix), got <", root.name(), ">"));
  }

  ParsedManifest result;
  JobSpec& spec = result.spec;
  Problems problems;
  if (pugi::xml_attribute version = root.attribute("version")) {
    spec.manifest_version = Trim(version.value());
  }
  {
    FieldReader fields(root, "", problems);
    fields.Token("ManifestId", true, 100, IsIdChar, "[A-Za-z0-9_-]", spec.manifest_id);
    fields.Integer("Priority", false, 0, 10, spec.priority);
    fields.Url("CallbackUrl", spec.callback_url);
    for (const char* section :
         {"Episode", "Mezzanine", kAudioTrackList.list, kSubtitleTrackList.list}) {
      fields.Expect(section);
      if (root.child(section) && root.child(section).next_sibling(section)) {
        fields.Error(section, "appears more than once; give it once");
      }
    }
    if (pugi::xml_node episode = root.child("Episode")) {
      ReadEpisode(episode, problems, spec.episode);
    } else {
      fields.Error("Episode", "is required but missing");
    }
    if (pugi::xml_node mezzanine = root.child("Mezzanine")) {
      ReadMezzanine(mezzanine, problems, spec.mezzanine);
    } else {
      fields.Error("Mezzanine", "is required but missing");
    }
  }
  spec.audio_tracks = ReadList<AudioTrackSpec>(
      root, kAudioTrackList, problems, [](FieldReader&& fields, AudioTrackSpec& track) {
        fields.Enum("Language", true, kAudioLanguages, track.language);
        fields.String("Label", true, 1, 100, track.label);
        fields.Boolean("IsDefault", track.is_default);
        fields.Integer("Channels", false, 1, 8, track.channels);
        fields.Integer("TrackIndex", false, 1, 64, track.track_index);
      });
  spec.subtitle_tracks = ReadList<SubtitleTrackSpec>(
      root, kSubtitleTrackList, problems, [](FieldReader&& fields, SubtitleTrackSpec& track) {
        fields.Enum("Language", true, kSubtitleLanguages, track.language);
        fields.String("Label", true, 1, 100, track.label);
        fields.RelativePath("FilePath", track.file_path);
        fields.Boolean("IsDefault", track.is_default);
        fields.Boolean("IsForced", track.is_forced);
        fields.Enum("Format", false, kSubtitleFormats, track.format);
      });
  CheckAudioTracks(spec.audio_tracks, problems);
  CheckSubtitleTracks(spec.subtitle_tracks, problems);
  if (spec.episode.duration_seconds > 0 && spec.mezzanine.duration_seconds > 0 &&
      std::abs(spec.episode.duration_seconds - spec.mezzanine.duration_seconds) > 1.0) {
    problems.errors.push_back(
        absl::StrCat("Episode/DurationSeconds: ", spec.episode.duration_seconds,
                     " differs from Mezzanine/DurationSeconds ", spec.mezzanine.duration_seconds,
                     " by more than 1.0 s; make them agree"));
  }
  if (!problems.errors.empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(problems.errors, "\n"));
  }
  result.warnings = std::move(problems.warnings);
  AppendContentWarnings(spec, result.warnings);
  return result;
}

}  // namespace atp::manifest
