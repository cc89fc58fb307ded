#include "atp/manifest/manifest_writer.h"

#include <charconv>
#include <pugixml.hpp>
#include <sstream>

namespace atp::manifest {
namespace {

std::string ShortestDecimal(double value) {
  char buffer[64];
  auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, end);
}

void Add(pugi::xml_node parent, const char* name, const std::string& value) {
  parent.append_child(name).text() = value.c_str();
}
void AddIfSet(pugi::xml_node parent, const char* name, const std::string& value) {
  if (!value.empty()) Add(parent, name, value);
}
void Add(pugi::xml_node parent, const char* name, int64_t value) {
  Add(parent, name, std::to_string(value));
}
void AddIfTrue(pugi::xml_node parent, const char* name, bool value) {
  if (value) Add(parent, name, "true");
}

}  // namespace

std::string FormatManifest(const JobSpec& spec) {
  pugi::xml_document document;
  pugi::xml_node declaration = document.append_child(pugi::node_declaration);
  declaration.append_attribute("version") = "1.0";
  declaration.append_attribute("encoding") = "UTF-8";
  pugi::xml_node root = document.append_child("AnimeTranscodeManifest");
  root.append_attribute("version") = spec.manifest_version.c_str();
  Add(root, "ManifestId", spec.manifest_id);

  const EpisodeSpec& episode = spec.episode;
  pugi::xml_node e = root.append_child("Episode");
  Add(e, "SeriesId", episode.series_id);
  Add(e, "SeriesTitle", episode.series_title);
  AddIfSet(e, "SeriesTitleJa", episode.series_title_ja);
  Add(e, "SeasonNumber", episode.season_number);
  Add(e, "EpisodeNumber", episode.episode_number);
  Add(e, "EpisodeTitle", episode.episode_title);
  AddIfSet(e, "EpisodeTitleJa", episode.episode_title_ja);
  AddIfSet(e, "EpisodeDescription", episode.description);
  Add(e, "DurationSeconds", ShortestDecimal(episode.duration_seconds));
  AddIfSet(e, "ReleaseDate", episode.release_date);
  Add(e, "ContentRating", episode.content_rating);
  AddIfTrue(e, "IsSimulcast", episode.is_simulcast);
  AddIfTrue(e, "IsDubbed", episode.is_dubbed);

  const MezzanineSpec& mezzanine = spec.mezzanine;
  pugi::xml_node m = root.append_child("Mezzanine");
  Add(m, "FilePath", mezzanine.file_path);
  Add(m, "ChecksumMD5", mezzanine.checksum_md5);
  AddIfSet(m, "ChecksumXXHash", mezzanine.checksum_xxh64);
  Add(m, "FileSizeBytes", mezzanine.file_size_bytes);
  Add(m, "DurationSeconds", ShortestDecimal(mezzanine.duration_seconds));
  Add(m, "VideoCodec", mezzanine.video_codec);
  Add(m, "AudioCodec", mezzanine.audio_codec);
  Add(m, "ResolutionWidth", mezzanine.width);
  Add(m, "ResolutionHeight", mezzanine.height);
  Add(m, "FrameRate", ShortestDecimal(mezzanine.frame_rate));
  Add(m, "BitrateKbps", mezzanine.bitrate_kbps);
  AddIfSet(m, "ColorSpace", mezzanine.color_space);
  if (mezzanine.bit_depth) Add(m, "BitDepth", *mezzanine.bit_depth);

  pugi::xml_node audio = root.append_child("AudioTracks");
  for (const AudioTrackSpec& track : spec.audio_tracks) {
    pugi::xml_node t = audio.append_child("AudioTrack");
    Add(t, "Language", track.language);
    Add(t, "Label", track.label);
    AddIfTrue(t, "IsDefault", track.is_default);
    Add(t, "Channels", track.channels);
    Add(t, "TrackIndex", track.track_index);
  }
  if (!spec.subtitle_tracks.empty()) {
    pugi::xml_node subtitles = root.append_child("SubtitleTracks");
    for (const SubtitleTrackSpec& track : spec.subtitle_tracks) {
      pugi::xml_node t = subtitles.append_child("SubtitleTrack");
      Add(t, "Language", track.language);
      Add(t, "Label", track.label);
      Add(t, "FilePath", track.file_path);
      AddIfTrue(t, "IsDefault", track.is_default);
      AddIfTrue(t, "IsForced", track.is_forced);
      Add(t, "Format", track.format);
    }
  }
  Add(root, "Priority", spec.priority);
  AddIfSet(root, "CallbackUrl", spec.callback_url);

  std::ostringstream out;
  document.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
  return out.str();
}

}  // namespace atp::manifest
