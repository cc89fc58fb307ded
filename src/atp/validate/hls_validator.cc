#include "atp/validate/hls_validator.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "atp/core/status_macros.h"
#include "atp/validate/audio_loudness.h"
#include "atp/validate/av_start.h"
#include "atp/validate/init_segment.h"
#include "atp/validate/m3u8_parser.h"
#include "atp/validate/media_segment.h"
#include "atp/validate/subtitle_checks.h"
#include "atp/validate/ts_segment.h"
#include "atp/validate/webvtt_reader.h"

namespace atp::validate {
namespace {

// What the files of one media playlist measure.
struct Rendition {
  std::string uri;  // As the multivariant playlist names it.
  bool readable = false;
  // Every segment was read: only then are its timeline and duration compared with others'
  // (a missing segment is reported once, as itself, not again as misalignment).
  bool complete = true;
  // From the init segment (fMP4) or the first segment (MPEG-TS, which may mux audio in).
  std::vector<std::string> codecs;
  int width = 0;
  int height = 0;
  double pixel_aspect = 1;  // fMP4: from pasp; MPEG-TS: taken as square.
  bool audio_only = false;
  std::vector<double> segment_starts;  // Seconds, from tfdt or the first DTS.
  double duration_seconds = 0;         // From the samples.
  double frame_seconds = 0;            // One sample's duration (video).
  int64_t peak_bps = 0;                // Largest segment bits / its EXTINF.
  int64_t average_bps = 0;
  // Audio, when ValidateOptions::loudness is set: what the whole track decodes to, or why it
  // could not be measured; metered on a thread of its own while the rest is checked (invalid
  // when not metered).
  std::shared_future<absl::StatusOr<LoudnessMeasurement>> loudness;
  int sample_rate_hz = 0;                      // Audio (fMP4).
  int channels = 0;                            // Audio (fMP4): the sample entry's count.
  std::optional<double> start_seconds;         // fMP4: PresentationStartSeconds.
  std::optional<FragmentInfo> first_fragment;  // fMP4: of the playlist's first segment.
};

// The timing one segment's samples measure, in `timescale` ticks.
struct SegmentTiming {
  int64_t start = 0;  // Decode time of the first sample.
  int64_t duration = 0;
  int64_t frame = 0;  // One sample's duration.
  bool starts_with_sync = false;
  int64_t timescale = 1;
  std::optional<FragmentInfo> head;  // fMP4: the first fragment.
  int64_t last_decode = 0;           // fMP4: decode time of the last sample.
};

// How segments of one container are read and which rules their faults break.
struct SegmentFormat {
  const char* malformed_rule;
  const char* continuity_rule;
  // Largest gap or overlap between segments not reported: 0 for fMP4, whose tfdt is exact;
  // below a quarter frame for MPEG-TS, whose 90 kHz DTS round frame times.
  bool rounded_timestamps;
};
constexpr SegmentFormat kFmp4{"FMP4-MALFORMED", "FMP4-TFDT", false};
constexpr SegmentFormat kTransportStream{"TS-MALFORMED", "TS-TIMESTAMPS", true};

absl::StatusOr<SegmentTiming> TimeFmp4Segment(std::string_view bytes, int64_t timescale) {
  ATP_ASSIGN_OR_RETURN(std::vector<FragmentInfo> fragments, ParseMediaSegment(bytes));
  if (fragments.empty()) return absl::InvalidArgumentError("no moof");
  const FragmentInfo& head = fragments.front();
  SegmentTiming timing{.start = static_cast<int64_t>(head.base_media_decode_time),
                       .starts_with_sync = head.first_sample_is_sync,
                       .timescale = timescale,
                       .head = head};
  for (const FragmentInfo& fragment : fragments) timing.duration += fragment.duration_ticks;
  const FragmentInfo& tail = fragments.back();
  timing.last_decode = static_cast<int64_t>(tail.base_media_decode_time + tail.duration_ticks -
                                            tail.last_sample_duration);
  if (head.sample_count > 0) timing.frame = head.duration_ticks / head.sample_count;
  return timing;
}

// The stream whose timing a TS segment is measured by: video when there is any.
const TsStreamInfo& PrimaryStream(const std::vector<TsStreamInfo>& streams) {
  auto video = std::find_if(streams.begin(), streams.end(),
                            [](const TsStreamInfo& stream) { return stream.video; });
  return video != streams.end() ? *video : streams.front();
}

class HlsValidator {
 public:
  HlsValidator(PackageFiles& files, std::string_view master, const ValidateOptions& options)
      : files_(files), master_(master), options_(options) {}

  absl::StatusOr<ValidationReport> Run() {
    absl::StatusOr<std::string> text = files_.ReadFile("", master_, kMaxManifestFileBytes);
    if (IsOverBudget(text.status())) {  // The package is not unreadable; the budget is small.
      AddRefusalFinding(text.status(), master_, report_);
      return std::move(report_);
    }
    if (!text.ok()) return text.status();
    ATP_ASSIGN_OR_RETURN(M3u8Playlist playlist, ParseM3u8(*text));
    if (!playlist.is_multivariant()) {
      return absl::InvalidArgumentError(
          absl::StrCat(master_, ": not a multivariant playlist (no EXT-X-STREAM-INF)"));
    }
    master_folder_ = PackageFiles::FolderOf(PackageFiles::Resolve("", master_).value_or(""));
    CheckAudioMedia(playlist);
    CheckSubtitleMedia(playlist);
    std::vector<const Rendition*> videos;
    for (const M3u8Variant& variant : playlist.variants) {
      const Rendition& video = Measure(variant.uri, /*video=*/true, Where(master_, variant.line));
      if (!video.readable) continue;
      videos.push_back(&video);
      CheckVariant(variant, video);
    }
    CheckAlignment(videos);
    CheckStarts(videos);
    CheckSubtitleRenditions(videos);
    for (const auto& [language, audio] : loudness_to_check_) CheckLoudness(language, *audio);
    return std::move(report_);
  }

 private:
  std::string Where(const std::string& uri, int line = 0) const {
    return line > 0 ? absl::StrCat(uri, ":", line) : uri;
  }

  void CheckAudioMedia(const M3u8Playlist& playlist) {
    std::map<std::string, int> defaults;
    for (const auto& [line, attributes] : playlist.media) {
      auto get = [&](const char* key) {
        auto it = attributes.find(key);
        return it == attributes.end() ? std::string() : it->second;
      };
      if (get("TYPE") != "AUDIO") continue;
      const std::string where = Where(master_, line);
      if (get("LANGUAGE").empty() || get("NAME").empty()) {
        report_.Add("HLS-AUDIO-ATTRIBUTES", where, "audio rendition needs LANGUAGE and NAME");
      }
      if (get("DEFAULT") == "YES" && ++defaults[get("GROUP-ID")] == 2) {
        report_.Add("HLS-AUDIO-DEFAULT", where,
                    absl::StrCat("second DEFAULT=YES in audio group '", get("GROUP-ID"), "'"));
      }
      if (!get("URI").empty()) {
        const Rendition& audio = Measure(get("URI"), /*video=*/false, where);
        audio_[get("GROUP-ID")].push_back(&audio);
        CheckChannels(get("CHANNELS"), audio, where);
        if (loudness_checked_.insert(&audio).second) {
          loudness_to_check_.emplace_back(get("LANGUAGE"), &audio);
        }
      }
    }
  }

  // SUBS-GROUP and SUBS-LANGUAGE: what the multivariant playlist says about subtitles. FORCED
  // is for SUBTITLES only (RFC 8216 4.3.4.1); a variant names a group that exists, and names
  // one when there are subtitles.
  void CheckSubtitleMedia(const M3u8Playlist& playlist) {
    std::set<std::string> groups;
    std::map<std::string, int> defaults;
    std::vector<std::string> languages;
    for (const auto& [line, attributes] : playlist.media) {
      auto get = [&](const char* key) {
        auto it = attributes.find(key);
        return it == attributes.end() ? std::string() : it->second;
      };
      const std::string where = Where(master_, line);
      if (get("TYPE") != "SUBTITLES") {
        if (get("FORCED") == "YES") {
          report_.Add("SUBS-GROUP", where,
                      absl::StrCat("FORCED=YES on TYPE=", get("TYPE"),
                                   ": FORCED is for TYPE=SUBTITLES only (RFC 8216 4.3.4.1)"));
        }
        continue;
      }
      groups.insert(get("GROUP-ID"));
      std::vector<std::string> missing;
      for (const char* key : {"GROUP-ID", "LANGUAGE", "NAME", "URI"}) {
        if (get(key).empty()) missing.push_back(key);
      }
      if (!missing.empty()) {
        report_.Add("SUBS-GROUP", where,
                    absl::StrCat("subtitle rendition without ", absl::StrJoin(missing, ", ")));
      }
      if (get("DEFAULT") == "YES" && ++defaults[get("GROUP-ID")] == 2) {
        report_.Add("SUBS-GROUP", where,
                    absl::StrCat("second DEFAULT=YES in SUBTITLES group '", get("GROUP-ID"), "'"));
      }
      if (!get("URI").empty()) subtitles_.push_back({get("URI"), where});
      if (get("LANGUAGE").empty()) continue;
      languages.push_back(get("LANGUAGE"));
      if (options_.subtitle_languages &&
          !AmongLanguages(*options_.subtitle_languages, get("LANGUAGE"))) {
        report_.Add("SUBS-LANGUAGE", where,
                    absl::StrCat("LANGUAGE=\"", get("LANGUAGE"),
                                 "\" is not among the manifest's subtitle languages (",
                                 JoinLanguages(*options_.subtitle_languages), ")"));
      }
    }
    if (options_.subtitle_languages) {
      for (const std::string& language : *options_.subtitle_languages) {
        if (!AmongLanguages(languages, language)) {
          report_.Add("SUBS-LANGUAGE", master_,
                      absl::StrCat("the manifest's subtitle language '", language,
                                   "' has no SUBTITLES rendition"));
        }
      }
    }
    for (const M3u8Variant& variant : playlist.variants) {
      auto it = variant.attributes.find("SUBTITLES");
      const std::string where = Where(master_, variant.line);
      if (it != variant.attributes.end() && !groups.contains(it->second)) {
        report_.Add("SUBS-GROUP", where,
                    absl::StrCat("SUBTITLES=\"", it->second,
                                 "\" names no TYPE=SUBTITLES group of this playlist"));
      } else if (it == variant.attributes.end() && !groups.empty()) {
        report_.Add("SUBS-GROUP", where,
                    absl::StrCat("no SUBTITLES attribute although the playlist has SUBTITLES "
                                 "group(s) ",
                                 absl::StrJoin(groups, ", "),
                                 ": players of this variant offer no subtitles"));
      }
    }
  }

  // The programme subtitles are held to.
  struct Programme {
    // What the EXTINFs must add up to, within `frame` (and EXTINF's millisecond): the
    // source's duration, else the first complete video variant's (as DURATION).
    std::optional<double> length;
    const char* length_of = "the video";
    double frame = 0.05;  // The video's; 0.05 s when it is not known.
    // Where cues must end by: the video's measured end (what plays), else the source's.
    std::optional<double> end;
  };

  // SUBS-COVERAGE, SUBS-PARSE, SUBS-TIMESTAMP-MAP: each subtitle media playlist and its WebVTT
  // segments, against the programme.
  void CheckSubtitleRenditions(const std::vector<const Rendition*>& videos) {
    const auto reference = std::find_if(videos.begin(), videos.end(),
                                        [](const Rendition* video) { return video->complete; });
    Programme programme;
    if (reference != videos.end()) {
      programme.length = programme.end = (*reference)->duration_seconds;
      if ((*reference)->frame_seconds > 0) programme.frame = (*reference)->frame_seconds;
    }
    if (options_.source_duration_seconds) {
      programme.length = options_.source_duration_seconds;
      programme.length_of = "the source";
      if (!programme.end) programme.end = options_.source_duration_seconds;
    }
    std::set<std::string> checked;
    for (const auto& [uri, where] : subtitles_) {
      if (files_.over_budget()) return;  // Nothing more is read.
      if (checked.insert(uri).second) CheckSubtitleRendition(uri, where, programme);
    }
  }

  void CheckSubtitleRendition(const std::string& uri, const std::string& referenced_at,
                              const Programme& programme) {
    absl::StatusOr<std::string> text = files_.ReadFile(master_folder_, uri, kMaxManifestFileBytes);
    if (!text.ok()) {
      if (!AddRefusalFinding(text.status(), absl::StrCat(referenced_at, " -> ", uri), report_)) {
        report_.Add("FILE-MISSING", uri, std::string(text.status().message()));
      }
      return;
    }
    absl::StatusOr<M3u8Playlist> playlist = ParseM3u8(*text);
    if (!playlist.ok()) {
      report_.Add("HLS-PARSE", uri, std::string(playlist.status().message()));
      return;
    }
    CheckMediaPlaylistTags(uri, *playlist);
    double total = 0;
    for (const M3u8Segment& segment : playlist->segments) total += segment.duration_seconds;
    if (programme.length &&
        std::abs(total - *programme.length) > programme.frame + kCueToleranceSeconds + 1e-6) {
      report_.Add("SUBS-COVERAGE", uri,
                  absl::StrFormat("the EXTINFs add up to %.3f s but %s lasts %.3f s (%.3f s %s)",
                                  total, programme.length_of, *programme.length,
                                  std::abs(total - *programme.length),
                                  total > *programme.length ? "more" : "missing"));
    }
    // Subtitles in fMP4 (WebVTT in ISO BMFF, IMSC1) are not read.
    if (playlist->map) return;
    const double end = programme.end.value_or(total);
    const std::string folder =
        PackageFiles::FolderOf(PackageFiles::Resolve(master_folder_, uri).value_or(""));
    std::map<std::string, int64_t> range_end;
    // The first X-TIMESTAMP-MAP ties its LOCAL time to the start of the video (its MPEGTS);
    // the others must place cues alike.
    std::optional<WebVttTimestampMap> first_map;
    std::string first_map_where;
    // Cues repeat in every segment they span; each is judged against the programme once.
    std::set<std::pair<int64_t, int64_t>> bounded;
    CueFindings cue_findings(report_);
    double window_start = 0;
    for (const M3u8Segment& segment : playlist->segments) {
      const double window_end = window_start + segment.duration_seconds;
      const std::string where = SegmentWhere(uri, segment);
      std::optional<WebVttDocument> document =
          ReadWebVtt(ReadSegment(folder, segment, range_end, kMaxWebVttFileBytes), where, report_);
      if (files_.over_budget()) return;  // Nothing more is read.
      if (document) {
        if (document->timestamp_map_problem) {
          report_.Add("SUBS-TIMESTAMP-MAP",
                      absl::StrCat(where, ":", document->timestamp_map_problem->line),
                      document->timestamp_map_problem->message);
        } else if (!document->timestamp_map) {
          report_.Add("SUBS-TIMESTAMP-MAP", where,
                      "no X-TIMESTAMP-MAP in the header: players cannot place its cues on the "
                      "media's clock");
        } else if (!first_map) {
          first_map = document->timestamp_map;
          first_map_where = where;
        } else if (document->timestamp_map->offset_ticks() != first_map->offset_ticks()) {
          const WebVttTimestampMap& map = *document->timestamp_map;
          report_.Add(
              "SUBS-TIMESTAMP-MAP", absl::StrCat(where, ":", map.line),
              absl::StrFormat("X-TIMESTAMP-MAP=MPEGTS:%d,LOCAL:%s but %s has MPEGTS:%d,LOCAL:%s: "
                              "its cues would jump by %.3f s",
                              map.mpegts, FormatWebVttTime(map.local_ms), first_map_where,
                              first_map->mpegts, FormatWebVttTime(first_map->local_ms),
                              (map.offset_ticks() - first_map->offset_ticks()) / 90000.0));
        }
        const int64_t origin_ms = first_map ? first_map->local_ms : 0;
        for (const WebVttCue& cue : document->cues) {
          const double start = (cue.start_ms - origin_ms) / 1000.0;
          const double stop = (cue.end_ms - origin_ms) / 1000.0;
          const std::string cue_where = absl::StrCat(where, ":", cue.line);
          if (start >= window_end + kCueToleranceSeconds ||
              stop <= window_start - kCueToleranceSeconds) {
            cue_findings.Add(cue_where,
                             absl::StrFormat("%s is not shown during this segment "
                                             "(%.3f s to %.3f s)",
                                             DescribeCue(cue), window_start, window_end));
          }
          if ((start < -kCueToleranceSeconds || stop > end + kCueToleranceSeconds) &&
              bounded.insert({cue.start_ms, cue.end_ms}).second) {
            cue_findings.Add(
                cue_where,
                start < -kCueToleranceSeconds
                    ? absl::StrCat(DescribeCue(cue), " starts before the programme (0 s)")
                    : absl::StrFormat("%s ends after the programme's end (%.3f s)",
                                      DescribeCue(cue), end));
          }
        }
      }
      window_start = window_end;
    }
    cue_findings.Finish(uri);
  }

  // HLS-CHANNELS: the count CHANNELS starts with (RFC 8216 4.4.6.1) against the sample
  // entry's. CHANNELS is optional; an MPEG-TS rendition's count is not measured.
  void CheckChannels(const std::string& declared, const Rendition& audio,
                     const std::string& where) {
    if (declared.empty() || audio.channels == 0) return;
    const std::string count(declared.substr(0, declared.find('/')));
    if (count != std::to_string(audio.channels)) {
      report_.Add("HLS-CHANNELS", where,
                  absl::StrCat("CHANNELS=\"", declared, "\" but ", audio.uri, " has ",
                               audio.channels, " channel(s)"));
    }
  }

  // Waits for `audio`'s metering.
  void CheckLoudness(const std::string& language, const Rendition& audio) {
    if (!options_.loudness || !audio.loudness.valid()) return;
    const absl::StatusOr<LoudnessMeasurement>& measured = audio.loudness.get();
    if (!measured.ok()) {
      report_.Add("AUDIO-LOUDNESS", audio.uri,
                  absl::StrCat("audio ", language, ": cannot be decoded to measure its loudness (",
                               measured.status().message(), ")"));
      return;
    }
    for (std::string& problem : LoudnessProblems(language, *measured, *options_.loudness)) {
      report_.Add("AUDIO-LOUDNESS", audio.uri, std::move(problem));
    }
  }

  // Reads and checks the media playlist `uri` (named at `referenced_at` in the multivariant
  // playlist) and its files once; later calls reuse it.
  const Rendition& Measure(const std::string& uri, bool video, const std::string& referenced_at) {
    auto [it, inserted] = renditions_.try_emplace(uri);
    Rendition& rendition = it->second;
    if (!inserted) return rendition;
    rendition.uri = uri;
    absl::StatusOr<std::string> text = files_.ReadFile(master_folder_, uri, kMaxManifestFileBytes);
    if (!text.ok()) {
      if (!AddRefusalFinding(text.status(), absl::StrCat(referenced_at, " -> ", uri), report_)) {
        report_.Add("FILE-MISSING", uri, std::string(text.status().message()));
      }
      return rendition;
    }
    absl::StatusOr<M3u8Playlist> playlist = ParseM3u8(*text);
    if (!playlist.ok()) {
      report_.Add("HLS-PARSE", uri, std::string(playlist.status().message()));
      return rendition;
    }
    CheckMediaPlaylistTags(uri, *playlist);
    // The media playlist's folder, which its URIs are relative to (it was just read, so `uri`
    // resolves).
    const std::string folder =
        PackageFiles::FolderOf(PackageFiles::Resolve(master_folder_, uri).value_or(""));
    if (!playlist->map) {
      absl::StatusOr<bool> transport_stream = IsTransportStream(uri, folder, *playlist);
      if (!transport_stream.ok()) return rendition;  // Refused; reported.
      if (*transport_stream) {
        MeasureTransportStream(uri, folder, *playlist, rendition);
        return rendition;
      }
    }
    if (!playlist->map || !playlist->map->contains("URI")) {
      report_.Add("INIT-MISSING", uri, "no EXT-X-MAP with a URI");
      return rendition;
    }
    const std::string init_uri = playlist->map->at("URI");
    const M3u8Tag* map_tag = playlist->FindTag("EXT-X-MAP");
    absl::StatusOr<std::string> init_bytes = ReadInitSegment(folder, *playlist->map);
    if (!init_bytes.ok() &&
        AddRefusalFinding(init_bytes.status(),
                          Where(uri, map_tag != nullptr ? map_tag->line : 0) + " -> " + init_uri,
                          report_)) {
      return rendition;
    }
    absl::StatusOr<InitSegmentInfo> init =
        init_bytes.ok() ? ParseInitSegment(*init_bytes) : init_bytes.status();
    if (!init.ok()) {
      report_.Add("INIT-MISSING", Where(uri) + " -> " + init_uri,
                  std::string(init.status().message()));
      return rendition;
    }
    rendition.codecs = {init->codecs};
    rendition.width = init->width;
    rendition.height = init->height;
    rendition.pixel_aspect = static_cast<double>(init->pixel_aspect_h) / init->pixel_aspect_v;
    rendition.audio_only = init->handler == "soun";
    rendition.sample_rate_hz = init->sample_rate_hz;
    rendition.channels = init->channels;
    const int64_t timescale = init->timescale;
    // An audio track to meter is kept whole in memory: the init segment, then each segment.
    const bool meter = !video && options_.loudness.has_value() && rendition.audio_only;
    std::string track_bytes = meter ? *init_bytes : std::string();
    MeasureSegments(
        uri, folder, *playlist, video, kFmp4,
        [&](std::string_view bytes) {
          if (meter) track_bytes.append(bytes);
          return TimeFmp4Segment(bytes, timescale);
        },
        rendition);
    if (rendition.first_fragment) {
      rendition.start_seconds = PresentationStartSeconds(*init, *rendition.first_fragment);
    }
    // A rendition the budget cut short is not measured: nothing is compared with it.
    rendition.readable = !files_.over_budget();
    if (meter && rendition.readable && rendition.complete) {
      // Decoding and metering a whole track is most of the validator's work: it runs beside
      // the reading of the other renditions (deferred, on the caller, if no thread can start),
      // on at most one thread per CPU, each holding its track's bytes until it is metered.
      while (metering_.size() >= std::max(1u, std::thread::hardware_concurrency())) {
        metering_.front().wait();
        metering_.pop_front();
      }
      rendition.loudness =
          std::async(std::launch::async | std::launch::deferred, [bytes = std::move(
                                                                      track_bytes)]() mutable {
            const std::string track = std::move(bytes);
            return MeasureFmp4AudioLoudness(track);
          }).share();
      metering_.push_back(rendition.loudness);
    }
    return rendition;
  }

  // The init segment EXT-X-MAP names: the file, or its BYTERANGE of it.
  absl::StatusOr<std::string> ReadInitSegment(const std::string& folder, const AttributeList& map) {
    const std::string& init_uri = map.at("URI");
    auto range = map.find("BYTERANGE");
    if (range == map.end()) return files_.ReadFile(folder, init_uri, kMaxSegmentBytes);
    int64_t length = 0;
    int64_t offset = 0;
    const size_t at = range->second.find('@');
    if (!absl::SimpleAtoi(range->second.substr(0, at), &length) ||
        (at != std::string::npos && !absl::SimpleAtoi(range->second.substr(at + 1), &offset)) ||
        length < 0 || offset < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("EXT-X-MAP BYTERANGE \"", range->second, "\" is malformed"));
    }
    return files_.ReadRange(folder, init_uri, offset, length, kMaxSegmentBytes);
  }

  // Where a finding about `segment` of the media playlist `uri` is: its EXTINF line and URI.
  std::string SegmentWhere(const std::string& uri, const M3u8Segment& segment) const {
    return Where(uri, segment.line) + " -> " + segment.uri;
  }

  // True when the playlist's first segment reads as MPEG-TS (HLS without EXT-X-MAP). When
  // PackageFiles refuses that segment, reports it and returns the refusal.
  absl::StatusOr<bool> IsTransportStream(const std::string& uri, const std::string& folder,
                                         const M3u8Playlist& playlist) {
    if (playlist.segments.empty()) return false;
    std::map<std::string, int64_t> range_end;
    const M3u8Segment& first = playlist.segments.front();
    absl::StatusOr<std::string> bytes = ReadSegment(folder, first, range_end);
    if (!bytes.ok() && AddRefusalFinding(bytes.status(), SegmentWhere(uri, first), report_)) {
      return bytes.status();
    }
    return bytes.ok() && LooksLikeTransportStream(*bytes);
  }

  // TS segments carry their own codec parameters; the first readable one stands for the
  // rendition's codecs and picture size.
  void MeasureTransportStream(const std::string& uri, const std::string& folder,
                              const M3u8Playlist& playlist, Rendition& rendition) {
    bool described = false;
    auto time_segment = [&](std::string_view bytes) -> absl::StatusOr<SegmentTiming> {
      ATP_ASSIGN_OR_RETURN(std::vector<TsStreamInfo> streams, ParseTsSegment(bytes));
      const TsStreamInfo& primary = PrimaryStream(streams);
      if (!described) {
        described = true;
        for (const TsStreamInfo& stream : streams) rendition.codecs.push_back(stream.codecs);
        rendition.width = primary.width;
        rendition.height = primary.height;
        rendition.audio_only = !primary.video;
      }
      return SegmentTiming{.start = primary.first_dts,
                           .duration = primary.duration,
                           .frame = primary.frame_duration,
                           .starts_with_sync = !primary.video || primary.starts_with_idr,
                           .timescale = kTsTimescale};
    };
    MeasureSegments(uri, folder, playlist, /*video=*/true, kTransportStream, time_segment,
                    rendition);
    rendition.readable = described && !files_.over_budget();
  }

  // A segment's bytes: its file, or its EXT-X-BYTERANGE of it (an omitted offset continues
  // where the previous range of the same URI ended, tracked in `range_end`).
  absl::StatusOr<std::string> ReadSegment(const std::string& folder, const M3u8Segment& segment,
                                          std::map<std::string, int64_t>& range_end,
                                          uint64_t max_bytes = kMaxSegmentBytes) {
    if (!segment.byte_range) return files_.ReadFile(folder, segment.uri, max_bytes);
    const auto [length, offset] = *segment.byte_range;
    const int64_t start = offset >= 0 ? offset : range_end[segment.uri];
    range_end[segment.uri] = start + length;
    return files_.ReadRange(folder, segment.uri, start, length, max_bytes);
  }

  void CheckMediaPlaylistTags(const std::string& uri, const M3u8Playlist& playlist) {
    const M3u8Tag* version = playlist.FindTag("EXT-X-VERSION");
    int number = 0;
    if (version == nullptr || !absl::SimpleAtoi(version->value, &number) ||
        (playlist.map && number < 6)) {
      report_.Add("HLS-VERSION", Where(uri, version ? version->line : 0),
                  absl::StrCat("EXT-X-VERSION is ", version ? version->value : "missing",
                               "; EXT-X-MAP with fMP4 needs 6 or more"));
    }
    const M3u8Tag* type = playlist.FindTag("EXT-X-PLAYLIST-TYPE");
    if (type != nullptr && type->value == "VOD" && playlist.FindTag("EXT-X-ENDLIST") == nullptr) {
      report_.Add("HLS-ENDLIST", uri, "PLAYLIST-TYPE is VOD but EXT-X-ENDLIST is missing");
    }
    const M3u8Tag* target = playlist.FindTag("EXT-X-TARGETDURATION");
    int target_seconds = 0;
    if (target == nullptr || !absl::SimpleAtoi(target->value, &target_seconds)) {
      report_.Add("HLS-TARGETDURATION", uri, "EXT-X-TARGETDURATION is missing or not a number");
      return;
    }
    for (const M3u8Segment& segment : playlist.segments) {
      if (std::lround(segment.duration_seconds) > target_seconds ||
          segment.duration_seconds > target_seconds + 0.5) {
        report_.Add("HLS-TARGETDURATION", Where(uri, segment.line),
                    absl::StrFormat("EXTINF %.3f exceeds EXT-X-TARGETDURATION %d",
                                    segment.duration_seconds, target_seconds));
      }
    }
  }

  void MeasureSegments(
      const std::string& uri, const std::string& folder, const M3u8Playlist& playlist, bool video,
      const SegmentFormat& format,
      const std::function<absl::StatusOr<SegmentTiming>(std::string_view)>& time_segment,
      Rendition& rendition) {
    int64_t expected_start = 0;
    int64_t last_decode = 0;              // Of the previous segment's last sample (fMP4).
    std::optional<int64_t> decode_delay;  // The first fMP4 segment's first composition offset.
    double total_bits = 0;
    double total_extinf = 0;
    bool first = true;
    std::map<std::string, int64_t> range_end;
    for (const M3u8Segment& segment : playlist.segments) {
      const bool playlists_first = &segment == &playlist.segments.front();
      const std::string where = SegmentWhere(uri, segment);
      absl::StatusOr<std::string> bytes = ReadSegment(folder, segment, range_end);
      if (!bytes.ok() && AddRefusalFinding(bytes.status(), where, report_)) {
        rendition.complete = false;
        if (files_.over_budget()) return;  // Nothing more is read.
        first = true;
        continue;
      }
      if (!bytes.ok() || bytes->empty()) {
        report_.Add("FILE-MISSING", where,
                    bytes.ok() ? "segment is empty" : std::string(bytes.status().message()));
        rendition.complete = false;
        first = true;  // Continuity restarts after a hole, which is already reported.
        continue;
      }
      absl::StatusOr<SegmentTiming> timing = time_segment(*bytes);
      if (!timing.ok()) {
        report_.Add(format.malformed_rule, where, std::string(timing.status().message()));
        rendition.complete = false;
        first = true;
        continue;
      }
      const double timescale = static_cast<double>(timing->timescale);
      const int64_t tolerance = format.rounded_timestamps ? timing->frame / 4 : 0;
      if (!first && std::abs(timing->start - expected_start) > tolerance) {
        report_.Add(format.continuity_rule, where,
                    absl::StrCat("starts at decode time ", timing->start,
                                 " but the previous segment ends at ", expected_start,
                                 " (timescale ", timing->timescale, ")"));
      }
      if (video && !timing->starts_with_sync) {
        report_.Add("SEG-SAP", where, "the first sample is not a sync sample (IDR)");
      }
      if (timing->head) {
        if (playlists_first) rendition.first_fragment = timing->head;
        if (!first && timing->start <= last_decode) {
          report_.Add("FMP4-DTS-ORDER", where,
                      absl::StrCat("decodes from ", timing->start,
                                   ", not after the previous segment's last sample (", last_decode,
                                   "; timescale ", timing->timescale, ")"));
        }
        last_decode = timing->last_decode;
        const int64_t offset = timing->head->first_sample_composition_offset;
        if (video && !decode_delay) decode_delay = offset;
        if (video && offset != *decode_delay) {
          report_.Add("FMP4-DECODE-DELAY", where,
                      absl::StrCat("the first sample's composition offset is ", offset,
                                   ", the first segment's ", *decode_delay, " (timescale ",
                                   timing->timescale, ")"));
        }
      }
      if (rendition.frame_seconds == 0 && timing->frame > 0) {
        rendition.frame_seconds = timing->frame / timescale;
      }
      expected_start = timing->start + timing->duration;
      rendition.segment_starts.push_back(timing->start / timescale);
      rendition.duration_seconds += timing->duration / timescale;
      const double bits = 8.0 * bytes->size();
      total_bits += bits;
      total_extinf += segment.duration_seconds;
      if (segment.duration_seconds > 0) {
        rendition.peak_bps =
            std::max(rendition.peak_bps, static_cast<int64_t>(bits / segment.duration_seconds));
      }
      first = false;
    }
    rendition.average_bps = total_extinf > 0 ? static_cast<int64_t>(total_bits / total_extinf) : 0;
  }

  void CheckVariant(const M3u8Variant& variant, const Rendition& video) {
    const std::string where = Where(master_, variant.line);
    auto attribute = [&](const char* key) {
      auto it = variant.attributes.find(key);
      return it == variant.attributes.end() ? std::string() : it->second;
    };
    std::vector<std::string> expected_codecs = video.codecs;
    int64_t audio_peak = 0;
    int64_t audio_average = 0;
    for (const Rendition* audio : audio_[attribute("AUDIO")]) {
      if (!audio->readable) continue;
      audio_peak = std::max(audio_peak, audio->peak_bps);
      audio_average = std::max(audio_average, audio->average_bps);
      for (const std::string& codec : audio->codecs) {
        if (std::find(expected_codecs.begin(), expected_codecs.end(), codec) ==
            expected_codecs.end()) {
          expected_codecs.push_back(codec);
        }
      }
    }
    std::set<std::string> declared;
    for (absl::string_view codec : absl::StrSplit(attribute("CODECS"), ',', absl::SkipEmpty())) {
      declared.insert(std::string(codec));
    }
    if (declared != std::set<std::string>(expected_codecs.begin(), expected_codecs.end())) {
      report_.Add("HLS-CODECS", where,
                  absl::StrCat("CODECS=\"", attribute("CODECS"), "\" but the init segments say ",
                               absl::StrJoin(expected_codecs, ",")));
    }
    const std::string resolution = absl::StrCat(video.width, "x", video.height);
    if (attribute("RESOLUTION") != resolution) {
      report_.Add(
          "HLS-RESOLUTION", where,
          absl::StrCat("RESOLUTION=", attribute("RESOLUTION"), " but the stream is ", resolution));
    }
    // Sample durations give the stream's rate; FRAME-RATE has three decimals (RFC 8216).
    const double measured_fps = video.frame_seconds > 0 ? 1.0 / video.frame_seconds : 0;
    double declared_fps = 0;
    if (attribute("FRAME-RATE").empty()) {
      report_.Add("HLS-FRAME-RATE-MISSING", where,
                  absl::StrFormat("no FRAME-RATE; the stream runs at %.3f fps", measured_fps));
    } else if (!absl::SimpleAtod(attribute("FRAME-RATE"), &declared_fps) ||
               std::abs(declared_fps - measured_fps) > 0.0015) {
      report_.Add("HLS-FRAME-RATE", where,
                  absl::StrFormat("FRAME-RATE=%s but the stream runs at %.3f fps",
                                  attribute("FRAME-RATE"), measured_fps));
    }
    const int64_t peak = video.peak_bps + audio_peak;
    int64_t bandwidth = 0;
    if (!absl::SimpleAtoi(attribute("BANDWIDTH"), &bandwidth) || bandwidth < peak ||
        bandwidth > peak * 11 / 10) {
      report_.Add(
          "HLS-BANDWIDTH", where,
          absl::StrCat("BANDWIDTH=", attribute("BANDWIDTH"), " but the measured peak is ", peak));
    }
    const int64_t average = video.average_bps + audio_average;
    int64_t declared_average = 0;
    if (attribute("AVERAGE-BANDWIDTH").empty()) {
      report_.Add("HLS-AVERAGE-BANDWIDTH-MISSING", where,
                  absl::StrCat("no AVERAGE-BANDWIDTH; measured ", average));
    } else if (!absl::SimpleAtoi(attribute("AVERAGE-BANDWIDTH"), &declared_average) ||
               std::abs(declared_average - average) > average / 10) {
      report_.Add("HLS-AVERAGE-BANDWIDTH", where,
                  absl::StrCat("AVERAGE-BANDWIDTH=", attribute("AVERAGE-BANDWIDTH"),
                               " but the measured average is ", average));
    }
  }

  void CheckAlignment(std::vector<const Rendition*> videos) {
    std::erase_if(videos, [](const Rendition* video) { return !video->complete; });
    if (videos.empty()) return;
    const Rendition& reference = *videos.front();
    const double frame = reference.frame_seconds > 0 ? reference.frame_seconds : 0.05;
    for (const Rendition* video : videos) {
      if (video->segment_starts != reference.segment_starts) {
        size_t i = 0;
        while (i < video->segment_starts.size() && i < reference.segment_starts.size() &&
               std::abs(video->segment_starts[i] - reference.segment_starts[i]) < 1e-6) {
          ++i;
        }
        if (i < video->segment_starts.size() || i < reference.segment_starts.size()) {
          report_.Add(
              "SEG-ALIGN", video->uri,
              absl::StrFormat("segment %d starts differently from %s's", i + 1, reference.uri));
        }
      }
    }
    if (options_.source_display_aspect && *options_.source_display_aspect > 0) {
      const double source = *options_.source_display_aspect;
      for (const Rendition* video : videos) {
        if (video->height == 0) continue;
        const double shown = video->width * video->pixel_aspect / video->height;
        if (std::abs(shown / source - 1) > 0.01) {
          report_.Add("ASPECT", video->uri,
                      absl::StrFormat("the picture is shown %.3f:1 (%dx%d, pixel aspect %.3f) but "
                                      "the source is %.3f:1: it would look %s",
                                      shown, video->width, video->height, video->pixel_aspect,
                                      source, shown > source ? "stretched wide" : "squeezed"));
        }
      }
    }
    std::vector<const Rendition*> all = videos;
    for (const auto& [group, audios] : audio_) {
      for (const Rendition* audio : audios) {
        if (audio->readable && audio->complete) all.push_back(audio);
      }
    }
    const double expected = options_.source_duration_seconds.value_or(reference.duration_seconds);
    for (const Rendition* rendition : all) {
      // Audio frames (1024 samples) may overhang the video by less than one frame of audio.
      const double tolerance = rendition->audio_only ? frame + 0.025 : frame + 1e-6;
      if (std::abs(rendition->duration_seconds - expected) > tolerance) {
        report_.Add("DURATION", rendition->uri,
                    absl::StrFormat("lasts %.3f s but %s lasts %.3f s (%.3f s %s)",
                                    rendition->duration_seconds,
                                    options_.source_duration_seconds ? "the source" : reference.uri,
                                    expected, std::abs(rendition->duration_seconds - expected),
                                    rendition->duration_seconds > expected ? "more" : "missing"));
      }
    }
  }

  // AV-START: every readable fMP4 rendition's presentation start against the first video's.
  // Audio-only variants count as the audio they are.
  void CheckStarts(const std::vector<const Rendition*>& variants) {
    std::vector<const Rendition*> renditions = variants;
    for (const auto& [group, audios] : audio_) {
      renditions.insert(renditions.end(), audios.begin(), audios.end());
    }
    std::vector<TrackStart> starts;
    std::set<const Rendition*> seen;
    for (const Rendition* rendition : renditions) {
      if (!rendition->readable || !rendition->start_seconds || !seen.insert(rendition).second) {
        continue;
      }
      starts.push_back({.where = rendition->uri,
                        .audio = rendition->audio_only,
                        .sample_rate_hz = rendition->sample_rate_hz,
                        .seconds = *rendition->start_seconds});
    }
    CheckAvStart(starts, options_.source_audio_offset_seconds, report_);
  }

  PackageFiles& files_;
  std::string master_;         // Package-relative.
  std::string master_folder_;  // Its folder, which its URIs are relative to.
  ValidateOptions options_;
  ValidationReport report_;
  std::map<std::string, Rendition> renditions_;
  std::map<std::string, std::vector<const Rendition*>> audio_;  // By GROUP-ID.
  // Subtitle renditions: the URI of each TYPE=SUBTITLES EXT-X-MEDIA, and where it is named.
  std::vector<std::pair<std::string, std::string>> subtitles_;
  // Renditions already judged for loudness: one may be named in several groups.
  std::set<const Rendition*> loudness_checked_;
  // The audio renditions to judge for loudness once the rest is checked, with their LANGUAGE.
  std::vector<std::pair<std::string, const Rendition*>> loudness_to_check_;
  // The meterings started and not yet waited for, oldest first.
  std::deque<std::shared_future<absl::StatusOr<LoudnessMeasurement>>> metering_;
};

}  // namespace

absl::StatusOr<ValidationReport> ValidateHlsPackage(PackageFiles& files, std::string_view master,
                                                    const ValidateOptions& options) {
  return HlsValidator(files, master, options).Run();
}

}  // namespace atp::validate
