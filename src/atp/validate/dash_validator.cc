#include "atp/validate/dash_validator.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <pugixml.hpp>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "atp/core/status_macros.h"
#include "atp/validate/dash_addressing.h"
#include "atp/validate/init_segment.h"
#include "atp/validate/media_segment.h"
#include "atp/validate/subtitle_checks.h"
#include "atp/validate/webvtt_reader.h"

namespace atp::validate {
namespace {

class DashValidator {
 public:
  DashValidator(PackageFiles& files, std::string_view mpd, const ValidateOptions& options,
                ValidationReport& report)
      : files_(files), mpd_(mpd), where_(mpd), options_(options), report_(report) {}

  absl::Status Run() {
    absl::StatusOr<std::string> read = files_.ReadFile("", mpd_, kMaxManifestFileBytes);
    if (IsOverBudget(read.status())) {  // The package is not unreadable; the budget is small.
      AddRefusalFinding(read.status(), where_, report_);
      return absl::OkStatus();
    }
    if (!read.ok()) return read.status();
    const std::string& text = *read;
    folder_ = PackageFiles::FolderOf(PackageFiles::Resolve("", mpd_).value_or(""));
    if (absl::StrContains(absl::AsciiStrToUpper(text), "<!DOCTYPE") ||
        absl::StrContains(absl::AsciiStrToUpper(text), "<!ENTITY")) {
      return absl::InvalidArgumentError(
          absl::StrCat(mpd_, ": has a DTD or entity declarations; refused unparsed"));
    }
    pugi::xml_document document;
    const pugi::xml_parse_result parsed = document.load_buffer(text.data(), text.size());
    if (!parsed) {
      return absl::InvalidArgumentError(
          absl::StrCat(mpd_, ": not well-formed XML: ", parsed.description(), " at byte offset ",
                       parsed.offset));
    }
    pugi::xml_node root = document.document_element();
    if (std::string(root.name()) != "MPD") {
      return absl::InvalidArgumentError(absl::StrCat(mpd_, ": the root is not <MPD>"));
    }
    if (std::string(root.attribute("type").value()) != "static") {
      report_.Add("DASH-STATIC", where_,
                  absl::StrCat("type=\"", root.attribute("type").value(), "\""));
    }
    const double declared = ParseIsoDuration(root.attribute("mediaPresentationDuration").value());
    // Periods follow each other; the media lasts as long as the sum of their longest
    // Representations.
    std::vector<pugi::xml_node> periods;
    for (pugi::xml_node period : root.children("Period")) periods.push_back(period);
    double media_seconds = 0;
    double frame = 0;
    std::vector<std::string> text_languages;  // Of every text AdaptationSet.
    for (size_t p = 0; p < periods.size(); ++p) {
      const double period_seconds = PeriodSeconds(periods, p, declared);
      double longest = 0;
      std::vector<TextTrack> text_tracks;  // WebVTT sidecars, judged once the Period is measured.
      for (pugi::xml_node set : periods[p].children("AdaptationSet")) {
        const std::string content_type = set.attribute("contentType").value();
        const bool audio =
            content_type == "audio" || absl::StartsWith(set.attribute("mimeType").value(), "audio");
        const bool text =
            content_type == "text" || absl::StartsWith(set.attribute("mimeType").value(), "text/");
        const std::string set_where =
            absl::StrCat(where_, " AdaptationSet ", set.attribute("id").value());
        const std::string language = set.attribute("lang").value();
        if ((audio || text) && language.empty()) {
          report_.Add("DASH-LANG", set_where,
                      absl::StrCat(text ? "text" : "audio", " AdaptationSet without @lang"));
        }
        if (text) {
          CheckTextLanguage(language, set_where, text_languages);
          CheckTextSet(root, periods[p], set, text_tracks);
          if (files_.over_budget()) return absl::OkStatus();
          continue;
        }
        for (pugi::xml_node representation : set.children("Representation")) {
          const double seconds =
              CheckRepresentation(root, periods[p], set, representation, period_seconds);
          longest = std::max(longest, seconds);
          if (!audio && frame == 0) frame = frame_seconds_;
          // Nothing more is read; what the MPD says as a whole is not judged on part of it.
          if (files_.over_budget()) return absl::OkStatus();
        }
      }
      media_seconds += longest;
      // Where cues must end by: the Period's end, or what its media measure when that is
      // longer (a wrong duration is DASH-DURATION's, a missing segment DASH-TIMELINE's); else,
      // when neither is known, the source's (one Period).
      double programme = std::max(longest, period_seconds);
      if (programme <= 0 && periods.size() == 1 && options_.source_duration_seconds) {
        programme = *options_.source_duration_seconds;
      }
      CheckTextCues(text_tracks, programme);
    }
    if (options_.subtitle_languages) {
      for (const std::string& language : *options_.subtitle_languages) {
        if (!AmongLanguages(text_languages, language)) {
          report_.Add("SUBS-LANGUAGE", where_,
                      absl::StrCat("the manifest's subtitle language '", language,
                                   "' has no text AdaptationSet"));
        }
      }
    }
    if (declared < 0) {
      report_.Add("DASH-PARSE", where_, "mediaPresentationDuration is missing or not ISO 8601");
    } else if (std::abs(declared - media_seconds) > (frame > 0 ? frame : 0.05) + 1e-6) {
      report_.Add("DASH-DURATION", where_,
                  absl::StrFormat("mediaPresentationDuration %.3f s but the media lasts %.3f s",
                                  declared, media_seconds));
    }
    return absl::OkStatus();
  }

 private:
  // Period p's duration: its @duration, else up to the next Period's @start, else up to the
  // end of the presentation.
  static double PeriodSeconds(const std::vector<pugi::xml_node>& periods, size_t p,
                              double presentation_seconds) {
    auto seconds_of = [](pugi::xml_node period, const char* name) {
      return period.attribute(name) ? ParseIsoDuration(period.attribute(name).value()) : -1.0;
    };
    if (const double duration = seconds_of(periods[p], "duration"); duration >= 0) return duration;
    const double start = std::max(0.0, seconds_of(periods[p], "start"));
    const double end =
        p + 1 < periods.size() ? seconds_of(periods[p + 1], "start") : presentation_seconds;
    return std::max(0.0, end - start);
  }

  absl::StatusOr<std::string> ReadSegment(const std::string& uri,
                                          const std::optional<ByteRange>& range) {
    if (!range) return files_.ReadFile(folder_, uri, kMaxSegmentBytes);
    return files_.ReadRange(folder_, uri, static_cast<uint64_t>(range->first),
                            static_cast<uint64_t>(range->length()), kMaxSegmentBytes);
  }

  // A video Representation's @width, @height and @sar (or its AdaptationSet's), where given,
  // against its init segment's sample entry and pasp.
  void CheckPictureSize(pugi::xml_node representation, pugi::xml_node set,
                        const InitSegmentInfo& init, const std::string& where) {
    auto attribute = [&](const char* name) -> std::string {
      if (representation.attribute(name)) return representation.attribute(name).value();
      return set.attribute(name).value();
    };
    // @width and @height are optional; when given they must be the stream's.
    const std::string declared = absl::StrCat(attribute("width"), "x", attribute("height"));
    const std::string stream = absl::StrCat(init.width, "x", init.height);
    if (declared != "x" && declared != stream) {
      report_.Add("DASH-RESOLUTION", where,
                  absl::StrCat("@width x @height = ", declared, " but the stream is ", stream));
    }
    const std::string sar = attribute("sar");
    const std::string pasp = absl::StrCat(init.pixel_aspect_h, ":", init.pixel_aspect_v);
    if (!sar.empty() && sar != pasp) {
      report_.Add("DASH-RESOLUTION", where,
                  absl::StrCat("@sar=", sar, " but the stream's pixels are ", pasp));
    }
  }

  // DASH-CHANNELS: an audio Representation's AudioChannelConfiguration (its own, else its
  // AdaptationSet's) against its sample entry's channel count. Two schemes are understood:
  // ISO/IEC 23009-1's (the value is the count) and ISO/IEC 23001-8's ChannelConfiguration
  // (an index: 1-6 are 1-6 channels, 7 and 12 are 7.1); others are not judged.
  void CheckChannels(pugi::xml_node representation, pugi::xml_node set, const InitSegmentInfo& init,
                     const std::string& where) {
    pugi::xml_node configuration = representation.child("AudioChannelConfiguration");
    if (!configuration) configuration = set.child("AudioChannelConfiguration");
    if (!configuration || init.channels == 0) return;
    const std::string scheme = configuration.attribute("schemeIdUri").value();
    const std::string value = configuration.attribute("value").value();
    int declared = 0;
    if (scheme == "urn:mpeg:dash:23003:3:audio_channel_configuration:2011") {
      if (!absl::SimpleAtoi(value, &declared)) declared = -1;
    } else if (scheme == "urn:mpeg:mpegB:cicp:ChannelConfiguration") {
      static const std::map<std::string, int> kCicpChannels = {
          {"1", 1}, {"2", 2}, {"3", 3}, {"4", 4}, {"5", 5}, {"6", 6}, {"7", 8}, {"12", 8}};
      const auto found = kCicpChannels.find(value);
      declared = found == kCicpChannels.end() ? -1 : found->second;
    } else {
      return;
    }
    if (declared != init.channels) {
      report_.Add("DASH-CHANNELS", where,
                  absl::StrCat("AudioChannelConfiguration value=\"", value,
                               "\" but the stream has ", init.channels, " channel(s)"));
    }
  }

  // DASH-CODECS: a Representation's @codecs (its own, else its AdaptationSet's) is given and,
  // for an audio or video track whose init segment was read (`init`, else null), is the codec
  // string derived from that init segment, as HLS-CODECS's is.
  void CheckCodecs(pugi::xml_node representation, pugi::xml_node set, const InitSegmentInfo* init,
                   const std::string& where) {
    const std::string declared = representation.attribute("codecs")
                                     ? representation.attribute("codecs").value()
                                     : set.attribute("codecs").value();
    const bool derived = init != nullptr && (init->handler == "vide" || init->handler == "soun");
    if (declared.empty()) {
      report_.Add(
          "DASH-CODECS", where,
          absl::StrCat("no @codecs (nor on its AdaptationSet)",
                       derived ? absl::StrCat("; the init segment says ", init->codecs) : ""));
    } else if (derived && declared != init->codecs) {
      report_.Add(
          "DASH-CODECS", where,
          absl::StrCat("@codecs=\"", declared, "\" but the init segment says ", init->codecs));
    }
  }

  // A WebVTT sidecar's cues, to be judged against the programme.
  struct TextTrack {
    std::string where;  // "manifest.mpd Representation subs_en -> subs_en/subtitles.vtt".
    std::vector<WebVttCue> cues;
  };

  // SUBS-LANGUAGE: a text AdaptationSet's @lang among the manifest's subtitle languages.
  void CheckTextLanguage(const std::string& language, const std::string& where,
                         std::vector<std::string>& text_languages) {
    if (language.empty()) return;  // DASH-LANG.
    text_languages.push_back(language);
    if (options_.subtitle_languages && !AmongLanguages(*options_.subtitle_languages, language)) {
      report_.Add(
          "SUBS-LANGUAGE", where,
          absl::StrCat("@lang=\"", language, "\" is not among the manifest's subtitle languages (",
                       JoinLanguages(*options_.subtitle_languages), ")"));
    }
  }

  // The Representations of a text AdaptationSet: not segments. A WebVTT sidecar (text/vtt, the
  // whole track at its BaseURL) is read and parsed (SUBS-PARSE) and kept in `tracks`; other
  // formats (TTML, WebVTT or IMSC1 in fMP4) and segmented text are not judged.
  void CheckTextSet(pugi::xml_node mpd, pugi::xml_node period, pugi::xml_node set,
                    std::vector<TextTrack>& tracks) {
    for (pugi::xml_node representation : set.children("Representation")) {
      const std::string where =
          absl::StrCat(where_, " Representation ", representation.attribute("id").value());
      std::string mime = representation.attribute("mimeType")
                             ? representation.attribute("mimeType").value()
                             : set.attribute("mimeType").value();
      mime = absl::AsciiStrToLower(absl::StripAsciiWhitespace(mime.substr(0, mime.find(';'))));
      if (mime != "text/vtt") continue;
      bool segmented = false;
      for (pugi::xml_node level : {period, set, representation}) {
        segmented = segmented || level.child("SegmentTemplate") || level.child("SegmentList") ||
                    level.child("SegmentBase");
      }
      if (segmented) continue;
      const std::string base = ResolveBaseUrl({mpd, period, set, representation});
      if (base.empty()) {
        report_.Add("DASH-PARSE", where, "a text/vtt Representation without a BaseURL to read");
        continue;
      }
      const std::string file_where = absl::StrCat(where, " -> ", base);
      std::optional<WebVttDocument> document =
          ReadWebVtt(files_.ReadFile(folder_, base, kMaxWebVttFileBytes), file_where, report_);
      if (files_.over_budget()) return;  // Nothing more is read.
      if (document) tracks.push_back({file_where, std::move(document->cues)});
    }
  }

  // SUBS-COVERAGE: a sidecar's cues end within the programme (`programme_seconds`, when
  // known), to the millisecond.
  void CheckTextCues(const std::vector<TextTrack>& tracks, double programme_seconds) {
    if (programme_seconds <= 0) return;
    for (const TextTrack& track : tracks) {
      CueFindings findings(report_);
      for (const WebVttCue& cue : track.cues) {
        if (cue.end_ms / 1000.0 > programme_seconds + kCueToleranceSeconds) {
          findings.Add(absl::StrCat(track.where, ":", cue.line),
                       absl::StrFormat("%s ends after the programme's end (%.3f s)",
                                       DescribeCue(cue), programme_seconds));
        }
      }
      findings.Finish(track.where);
    }
  }

  // Checks one Representation's segments against the times the MPD gives them; returns its
  // measured seconds.
  double CheckRepresentation(pugi::xml_node mpd, pugi::xml_node period, pugi::xml_node set,
                             pugi::xml_node representation, double period_seconds) {
    const std::string id = representation.attribute("id").value();
    const std::string where = absl::StrCat(where_, " Representation ", id);
    frame_seconds_ = 0;
    absl::StatusOr<RepresentationAddressing> addressing = ResolveAddressing(
        mpd, period, set, representation, period_seconds,
        [this](const std::string& uri, const ByteRange& range) { return ReadSegment(uri, range); });
    if (!addressing.ok()) {
      // SegmentBase reads its sidx while resolving: that read may be refused.
      if (!AddRefusalFinding(addressing.status(), where, report_)) {
        report_.Add("DASH-PARSE", where, std::string(addressing.status().message()));
      }
      CheckCodecs(representation, set, nullptr, where);
      return 0;
    }
    absl::StatusOr<std::string> init_bytes =
        addressing->init_uri.empty()
            ? absl::NotFoundError("the MPD names no initialization segment")
            : ReadSegment(addressing->init_uri, addressing->init_range);
    if (!init_bytes.ok() &&
        AddRefusalFinding(init_bytes.status(), absl::StrCat(where, " -> ", addressing->init_uri),
                          report_) &&
        files_.over_budget()) {
      return 0;
    }
    absl::StatusOr<InitSegmentInfo> init_info =
        init_bytes.ok() ? ParseInitSegment(*init_bytes) : init_bytes.status();
    if (!init_info.ok() && !IsRefusedPath(init_info.status())) {
      report_.Add(
          "FILE-MISSING", absl::StrCat(where, " -> ", addressing->init_uri),
          absl::StrCat("initialization segment: ", std::string(init_info.status().message())));
    }
    if (init_info.ok() && init_info->handler == "vide")
      CheckPictureSize(representation, set, *init_info, where);
    if (init_info.ok() && init_info->handler == "soun")
      CheckChannels(representation, set, *init_info, where);
    CheckCodecs(representation, set, init_info.ok() ? &*init_info : nullptr, where);
    // MPD times are presentation times: decode times shifted by the edit list, converted from
    // the track's timescale to the MPD's.
    const int64_t edit = init_info.ok() ? init_info->edit_media_time : 0;
    const int64_t media_timescale = init_info.ok() ? init_info->timescale : 0;
    const int64_t mpd_timescale = addressing->timescale;
    auto to_mpd = [&](int64_t ticks) {
      return media_timescale == mpd_timescale
                 ? ticks
                 : static_cast<int64_t>(
                       std::llround(static_cast<double>(ticks) * mpd_timescale / media_timescale));
    };
    const int64_t rounding = media_timescale == mpd_timescale ? 0 : 1;

    std::set<std::string> listed;  // Package-relative paths, normalized.
    int64_t peak_bps = 0;
    bool measured_all = media_timescale > 0;  // Bandwidth is judged only when all were measured.
    double seconds = 0;
    for (const AddressedSegment& segment : addressing->segments) {
      const std::string name =
          segment.range
              ? absl::StrCat(segment.uri, " bytes ", segment.range->first, "-", segment.range->last)
              : segment.uri;
      if (absl::StatusOr<std::string> path = PackageFiles::Resolve(folder_, segment.uri);
          path.ok()) {
        listed.insert(*std::move(path));
      }
      absl::StatusOr<std::string> bytes = ReadSegment(segment.uri, segment.range);
      if (!bytes.ok() &&
          AddRefusalFinding(bytes.status(), absl::StrCat(where, " -> ", name), report_)) {
        measured_all = false;
        if (files_.over_budget()) return seconds;  // Nothing more is read.
        continue;
      }
      if (!bytes.ok() || bytes->empty()) {
        report_.Add("DASH-TIMELINE", absl::StrCat(where, " -> ", name),
                    absl::StrCat("listed in the MPD but missing or empty",
                                 bytes.ok() ? "" : absl::StrCat(": ", bytes.status().message())));
        measured_all = false;
        continue;
      }
      absl::StatusOr<std::vector<FragmentInfo>> fragments = ParseMediaSegment(*bytes);
      if (!fragments.ok() || fragments->empty()) {
        report_.Add("FMP4-MALFORMED", absl::StrCat(where, " -> ", name),
                    fragments.ok() ? "no moof" : std::string(fragments.status().message()));
        measured_all = false;
        continue;
      }
      if (media_timescale == 0) continue;  // Without the init segment there is no clock.
      uint64_t duration = 0;
      for (const FragmentInfo& fragment : *fragments) duration += fragment.duration_ticks;
      const FragmentInfo& head = fragments->front();
      // Presentation starts at 0: a first segment reaching before it is cut there.
      const int64_t raw_begin = static_cast<int64_t>(head.base_media_decode_time) +
                                head.first_sample_composition_offset - edit;
      const int64_t end = raw_begin + static_cast<int64_t>(duration);
      const int64_t begin = std::max<int64_t>(raw_begin, 0);
      const int64_t tolerance = addressing->exact_timing ? rounding : segment.duration / 2;
      if (std::abs(to_mpd(begin) - segment.start) > tolerance ||
          (addressing->exact_timing &&
           std::abs(to_mpd(end) - (segment.start + segment.duration)) > tolerance)) {
        report_.Add("DASH-TIMELINE", absl::StrCat(where, " -> ", name),
                    absl::StrCat("the MPD says t=", segment.start, " d=", segment.duration,
                                 addressing->exact_timing ? "" : " (nominal, @duration)",
                                 " at timescale ", mpd_timescale, "; the segment presents ", begin,
                                 " to ", end, " at timescale ", media_timescale, " (tfdt ",
                                 head.base_media_decode_time, ", first composition offset ",
                                 head.first_sample_composition_offset, ", edit ", edit, ")"));
      }
      if (frame_seconds_ == 0 && head.sample_count > 0) {
        frame_seconds_ =
            static_cast<double>(head.duration_ticks) / media_timescale / head.sample_count;
      }
      seconds += static_cast<double>(end - begin) / media_timescale;
      if (duration > 0) {  // Measured on the samples, not on the MPD's claim.
        peak_bps = std::max(peak_bps,
                            static_cast<int64_t>(8.0 * bytes->size() * media_timescale / duration));
      }
    }
    const std::string bandwidth = representation.attribute("bandwidth").value();
    // Only a SegmentTimeline claims to list every segment; @duration addresses what fits the
    // period, and a file past its end is unreachable rather than unlisted.
    if (!addressing->media_template.empty() && addressing->exact_timing) {
      ReportUnlistedFiles(where, addressing->media_template, id, bandwidth, listed);
    }
    int64_t declared = 0;
    if (measured_all && (!absl::SimpleAtoi(bandwidth, &declared) ||
                         std::abs(declared - peak_bps) > peak_bps / 10)) {
      report_.Add("DASH-BANDWIDTH", where,
                  absl::StrCat("@bandwidth=", bandwidth, " but the measured peak is ", peak_bps));
    }
    return seconds;
  }

  // Segment files in the Representation's folder whose names its media template matches but
  // that the MPD does not list. A folder that is refused or missing was reported through its
  // segments.
  void ReportUnlistedFiles(const std::string& where, const std::string& media,
                           const std::string& id, const std::string& bandwidth,
                           const std::set<std::string>& listed) {
    const std::string pattern_uri = ExpandTemplate(media, id, 1, 0, bandwidth);
    absl::StatusOr<std::string> pattern_path = PackageFiles::Resolve(folder_, pattern_uri);
    if (!pattern_path.ok()) return;
    const std::string folder = PackageFiles::FolderOf(*pattern_path);
    absl::StatusOr<std::vector<std::string>> names =
        files_.ListFolder("", folder.empty() ? "." : folder);
    if (!names.ok()) return;
    std::sort(names->begin(), names->end());
    const std::string name_template = media.substr(media.rfind('/') + 1);
    for (const std::string& name : *names) {
      const std::string path = folder.empty() ? name : absl::StrCat(folder, "/", name);
      if (MatchesTemplate(name, name_template, id, bandwidth) && !listed.contains(path)) {
        report_.Add("DASH-TIMELINE", absl::StrCat(where, " -> ", name),
                    "segment file present but not listed in the MPD");
      }
    }
  }

  PackageFiles& files_;
  std::string mpd_;     // Package-relative.
  std::string folder_;  // The MPD's folder, which its URIs are relative to.
  std::string where_;
  ValidateOptions options_;
  ValidationReport& report_;
  double frame_seconds_ = 0;  // Of the Representation last checked.
};

}  // namespace

absl::Status ValidateDashManifest(PackageFiles& files, std::string_view mpd,
                                  const ValidateOptions& options, ValidationReport& report) {
  return DashValidator(files, mpd, options, report).Run();
}

absl::Status ValidateDashManifest(PackageFiles& files, std::string_view mpd,
                                  ValidationReport& report) {
  return ValidateDashManifest(files, mpd, ValidateOptions{}, report);
}

}  // namespace atp::validate
