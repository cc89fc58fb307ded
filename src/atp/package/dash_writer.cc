#include "atp/package/dash_writer.h"

#include <algorithm>
#include <cmath>
#include <pugixml.hpp>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace atp::package {
namespace {

std::string IsoDuration(double seconds) { return absl::StrFormat("PT%.3fS", seconds); }

std::string CodecFamily(const std::string& codecs) { return codecs.substr(0, codecs.find('.')); }

void AddSegmentTemplate(pugi::xml_node representation, const PackagedTrack& track) {
  pugi::xml_node segment_template = representation.append_child("SegmentTemplate");
  segment_template.append_attribute("timescale") = static_cast<long long>(track.timescale);
  segment_template.append_attribute("initialization") =
      absl::StrCat(track.name, "/", track.init_uri).c_str();
  segment_template.append_attribute("media") =
      absl::StrCat(track.name, "/seg_$Number%05d$.m4s").c_str();
  segment_template.append_attribute("startNumber") = 1;
  pugi::xml_node timeline = segment_template.append_child("SegmentTimeline");
  // S@t and @d are presentation times: decode times less the edit list's offset, the part
  // before 0 (audio priming) cut, as players see the segments after the init segment's edit.
  int64_t expected_start = -1;
  pugi::xml_node run;
  int repeat = 0;
  int64_t run_duration = 0;
  for (const MediaSegment& segment : track.segments) {
    const int64_t end =
        segment.start_ticks + segment.duration_ticks - track.presentation_offset_ticks;
    const int64_t start =
        std::max<int64_t>(0, segment.start_ticks - track.presentation_offset_ticks);
    const int64_t duration = end - start;
    const bool contiguous = start == expected_start;
    if (run && contiguous && duration == run_duration) {
      ++repeat;
      if (pugi::xml_attribute r = run.attribute("r")) {
        r = repeat;
      } else {
        run.append_attribute("r") = repeat;
      }
    } else {
      run = timeline.append_child("S");
      if (!contiguous) run.append_attribute("t") = static_cast<long long>(start);
      run.append_attribute("d") = static_cast<long long>(duration);
      run_duration = duration;
      repeat = 0;
    }
    expected_start = end;
  }
}

void AddVideoAdaptationSet(pugi::xml_node period, int id,
                           const std::vector<const PackagedTrack*>& tracks) {
  pugi::xml_node set = period.append_child("AdaptationSet");
  set.append_attribute("id") = id;
  set.append_attribute("contentType") = "video";
  set.append_attribute("mimeType") = "video/mp4";
  set.append_attribute("segmentAlignment") = "true";
  set.append_attribute("startWithSAP") = 1;
  int max_width = 0;
  int max_height = 0;
  for (const PackagedTrack* track : tracks) {
    max_width = std::max(max_width, track->width);
    max_height = std::max(max_height, track->height);
  }
  set.append_attribute("maxWidth") = max_width;
  set.append_attribute("maxHeight") = max_height;
  for (const PackagedTrack* track : tracks) {
    pugi::xml_node representation = set.append_child("Representation");
    representation.append_attribute("id") = track->name.c_str();
    representation.append_attribute("codecs") = track->codecs.c_str();
    representation.append_attribute("bandwidth") = static_cast<long long>(track->peak_bitrate_bps);
    representation.append_attribute("width") = track->width;
    representation.append_attribute("height") = track->height;
    representation.append_attribute("frameRate") =
        absl::StrCat(track->frame_rate.num, "/", track->frame_rate.den).c_str();
    representation.append_attribute("sar") = "1:1";
    AddSegmentTemplate(representation, *track);
  }
}

void AddAudioAdaptationSet(pugi::xml_node period, int id, const PackagedTrack& track) {
  pugi::xml_node set = period.append_child("AdaptationSet");
  set.append_attribute("id") = id;
  set.append_attribute("contentType") = "audio";
  set.append_attribute("mimeType") = "audio/mp4";
  set.append_attribute("lang") = track.language.c_str();
  set.append_attribute("segmentAlignment") = "true";
  set.append_attribute("startWithSAP") = 1;
  set.append_child("Label").text() = track.label.c_str();
  pugi::xml_node role = set.append_child("Role");
  role.append_attribute("schemeIdUri") = "urn:mpeg:dash:role:2011";
  role.append_attribute("value") = track.is_default ? "main" : "alternate";
  pugi::xml_node representation = set.append_child("Representation");
  representation.append_attribute("id") = track.name.c_str();
  representation.append_attribute("codecs") = track.codecs.c_str();
  representation.append_attribute("bandwidth") = static_cast<long long>(track.peak_bitrate_bps);
  representation.append_attribute("audioSamplingRate") = track.sample_rate_hz;
  pugi::xml_node channels = representation.append_child("AudioChannelConfiguration");
  channels.append_attribute("schemeIdUri") =
      "urn:mpeg:dash:23003:3:audio_channel_configuration:2011";
  channels.append_attribute("value") = track.channels;
  AddSegmentTemplate(representation, track);
}

// A sidecar WebVTT file per subtitle rendition (mimeType text/vtt, the whole track at its
// BaseURL), Role "subtitle" or, for signs & songs, "forced-subtitle".
void AddTextAdaptationSet(pugi::xml_node period, int id, const PackagedSubtitle& subtitle,
                          double presentation_seconds) {
  pugi::xml_node set = period.append_child("AdaptationSet");
  set.append_attribute("id") = id;
  set.append_attribute("contentType") = "text";
  set.append_attribute("mimeType") = "text/vtt";
  set.append_attribute("lang") = subtitle.language.c_str();
  set.append_child("Label").text() = subtitle.label.c_str();
  pugi::xml_node role = set.append_child("Role");
  role.append_attribute("schemeIdUri") = "urn:mpeg:dash:role:2011";
  role.append_attribute("value") = subtitle.is_forced ? "forced-subtitle" : "subtitle";
  pugi::xml_node representation = set.append_child("Representation");
  representation.append_attribute("id") = subtitle.name.c_str();
  const int64_t bits = subtitle.sidecar_size_bytes * 8;
  representation.append_attribute("bandwidth") = static_cast<long long>(
      presentation_seconds > 0
          ? std::max<int64_t>(1, std::llround(std::ceil(bits / presentation_seconds)))
          : 1);
  representation.append_child("BaseURL").text() =
      absl::StrCat(subtitle.name, "/", subtitle.sidecar_uri).c_str();
}

}  // namespace

std::string WriteDashManifest(const PackagedMedia& media) {
  double duration_seconds = 0;
  double longest_segment_seconds = 0;
  for (const auto* tracks : {&media.video, &media.audio}) {
    for (const PackagedTrack& track : *tracks) {
      duration_seconds = std::max(duration_seconds, track.presented_seconds());
      for (const MediaSegment& segment : track.segments) {
        longest_segment_seconds = std::max(
            longest_segment_seconds, static_cast<double>(segment.duration_ticks) / track.timescale);
      }
    }
  }
  pugi::xml_document document;
  pugi::xml_node declaration = document.append_child(pugi::node_declaration);
  declaration.append_attribute("version") = "1.0";
  declaration.append_attribute("encoding") = "UTF-8";
  pugi::xml_node mpd = document.append_child("MPD");
  mpd.append_attribute("xmlns") = "urn:mpeg:dash:schema:mpd:2011";
  mpd.append_attribute("profiles") =
      "urn:mpeg:dash:profile:isoff-live:2011,urn:mpeg:dash:profile:cmaf:2019";
  mpd.append_attribute("type") = "static";
  mpd.append_attribute("mediaPresentationDuration") = IsoDuration(duration_seconds).c_str();
  mpd.append_attribute("minBufferTime") =
      absl::StrCat("PT", std::max<int64_t>(1, std::llround(std::ceil(longest_segment_seconds))),
                   "S")
          .c_str();
  pugi::xml_node period = mpd.append_child("Period");
  period.append_attribute("id") = "0";
  period.append_attribute("start") = "PT0S";

  // Video tracks grouped by codec family (avc1, hvc1), in order of first appearance.
  std::vector<std::pair<std::string, std::vector<const PackagedTrack*>>> video_sets;
  for (const PackagedTrack& track : media.video) {
    const std::string family = CodecFamily(track.codecs);
    auto set = std::find_if(video_sets.begin(), video_sets.end(),
                            [&](const auto& entry) { return entry.first == family; });
    if (set == video_sets.end()) set = video_sets.insert(video_sets.end(), {family, {}});
    set->second.push_back(&track);
  }
  int id = 0;
  for (const auto& [family, tracks] : video_sets) AddVideoAdaptationSet(period, id++, tracks);
  for (const PackagedTrack& track : media.audio) AddAudioAdaptationSet(period, id++, track);
  for (const PackagedSubtitle& subtitle : media.subtitles) {
    AddTextAdaptationSet(period, id++, subtitle, duration_seconds);
  }

  std::ostringstream out;
  document.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
  return out.str();
}

}  // namespace atp::package
