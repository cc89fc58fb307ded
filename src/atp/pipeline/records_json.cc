#include "atp/pipeline/records_json.h"

namespace atp {

using nlohmann::json;

void to_json(json& j, const Rational& v) { j = json{{"num", v.num}, {"den", v.den}}; }
void from_json(const json& j, Rational& v) {
  j.at("num").get_to(v.num);
  j.at("den").get_to(v.den);
}

void to_json(json& j, const ProbedAudioStream& v) {
  j = json{{"stream_index", v.stream_index}, {"codec_name", v.codec_name},
           {"channels", v.channels},         {"sample_rate_hz", v.sample_rate_hz},
           {"language", v.language}};
}
void from_json(const json& j, ProbedAudioStream& v) {
  j.at("stream_index").get_to(v.stream_index);
  j.at("codec_name").get_to(v.codec_name);
  j.at("channels").get_to(v.channels);
  j.at("sample_rate_hz").get_to(v.sample_rate_hz);
  j.at("language").get_to(v.language);
}

void to_json(json& j, const SourceInfo& v) {
  j = json{{"format_name", v.format_name},
           {"duration_us", v.duration_us},
           {"bit_rate_bps", v.bit_rate_bps},
           {"video_codec_name", v.video_codec_name},
           {"video_codec_profile", v.video_codec_profile},
           {"pixel_format", v.pixel_format},
           {"width", v.width},
           {"height", v.height},
           {"frame_rate", v.frame_rate},
           {"audio_streams", v.audio_streams}};
}
void from_json(const json& j, SourceInfo& v) {
  j.at("format_name").get_to(v.format_name);
  j.at("duration_us").get_to(v.duration_us);
  j.at("bit_rate_bps").get_to(v.bit_rate_bps);
  j.at("video_codec_name").get_to(v.video_codec_name);
  j.at("video_codec_profile").get_to(v.video_codec_profile);
  j.at("pixel_format").get_to(v.pixel_format);
  j.at("width").get_to(v.width);
  j.at("height").get_to(v.height);
  j.at("frame_rate").get_to(v.frame_rate);
  j.at("audio_streams").get_to(v.audio_streams);
}

void to_json(json& j, const MediaSegment& v) {
  j = json{{"uri", v.uri},
           {"start_ticks", v.start_ticks},
           {"duration_ticks", v.duration_ticks},
           {"size_bytes", v.size_bytes}};
}
void from_json(const json& j, MediaSegment& v) {
  j.at("uri").get_to(v.uri);
  j.at("start_ticks").get_to(v.start_ticks);
  j.at("duration_ticks").get_to(v.duration_ticks);
  j.at("size_bytes").get_to(v.size_bytes);
}

void to_json(json& j, const PackagedTrack& v) {
  j = json{{"kind", v.kind == TrackKind::kVideo ? "video" : "audio"},
           {"name", v.name},
           {"codecs", v.codecs},
           {"init_uri", v.init_uri},
           {"timescale", v.timescale},
           {"segments", v.segments},
           {"peak_bitrate_bps", v.peak_bitrate_bps},
           {"average_bitrate_bps", v.average_bitrate_bps},
           {"width", v.width},
           {"height", v.height},
           {"frame_rate", v.frame_rate},
           {"language", v.language},
           {"label", v.label},
           {"is_default", v.is_default},
           {"channels", v.channels},
           {"sample_rate_hz", v.sample_rate_hz}};
}
void from_json(const json& j, PackagedTrack& v) {
  v.kind = j.at("kind").get<std::string>() == "video" ? TrackKind::kVideo : TrackKind::kAudio;
  j.at("name").get_to(v.name);
  j.at("codecs").get_to(v.codecs);
  j.at("init_uri").get_to(v.init_uri);
  j.at("timescale").get_to(v.timescale);
  j.at("segments").get_to(v.segments);
  j.at("peak_bitrate_bps").get_to(v.peak_bitrate_bps);
  j.at("average_bitrate_bps").get_to(v.average_bitrate_bps);
  j.at("width").get_to(v.width);
  j.at("height").get_to(v.height);
  j.at("frame_rate").get_to(v.frame_rate);
  j.at("language").get_to(v.language);
  j.at("label").get_to(v.label);
  j.at("is_default").get_to(v.is_default);
  j.at("channels").get_to(v.channels);
  j.at("sample_rate_hz").get_to(v.sample_rate_hz);
}

void to_json(json& j, const PackagedMedia& v) {
  j = json{{"video", v.video}, {"audio", v.audio}};
}
void from_json(const json& j, PackagedMedia& v) {
  j.at("video").get_to(v.video);
  j.at("audio").get_to(v.audio);
}

}  // namespace atp
