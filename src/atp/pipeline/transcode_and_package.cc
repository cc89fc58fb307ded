#include "atp/pipeline/transcode_and_package.h"

#include <algorithm>
#include <memory>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "atp/core/encoded_media.h"
#include "atp/core/language_codes.h"
#include "atp/core/status_macros.h"
#include "atp/encode/audio_planner.h"
#include "atp/package/cmaf_segmenter.h"
#include "atp/package/codec_string.h"
#include "atp/package/dash_writer.h"
#include "atp/package/hls_writer.h"
#include "atp/package/segment_file_writer.h"

namespace atp::pipeline {
namespace {

std::string Key(std::string_view prefix, std::string_view name) {
  std::string key(prefix);
  if (!key.empty()) key += '/';
  return key.append(name);
}

// A track's objects: `<prefix>/<track>/<name>`, each stored whole (BlobStore::Put).
class TrackObjectWriter : public package::SegmentFileWriter {
 public:
  TrackObjectWriter(storage::BlobStore& store, std::string prefix)
      : store_(store), prefix_(std::move(prefix)) {}

  absl::Status WriteFile(const std::string& name, std::string_view bytes) override {
    return store_.Put(Key(prefix_, name), bytes);
  }

 private:
  storage::BlobStore& store_;
  std::string prefix_;
};

// Routes each output's packets to its own CMAF segmenter, under a prefix named after the
// track.
class SegmentingSink : public encode::PacketSink {
 public:
  // `continues_tracks`: the packets continue tracks an earlier unit began, from segment
  // `first_segment_number` on. `pts_shift` is taken off every packet's times (a standalone
  // unit's tracks start at 0 wherever its frames are).
  SegmentingSink(storage::BlobStore& store, std::string_view prefix,
                 std::vector<PackagedTrack>& tracks, bool continues_tracks,
                 int first_segment_number, int64_t pts_shift)
      : store_(store),
        prefix_(prefix),
        tracks_(tracks),
        continues_tracks_(continues_tracks),
        first_segment_number_(first_segment_number),
        pts_shift_(pts_shift) {}

  absl::Status OpenOutput(size_t output, const EncodedStream& stream) override {
    PackagedTrack& track = tracks_.at(output);
    ATP_ASSIGN_OR_RETURN(track.codecs, package::Rfc6381CodecString(stream));
    if (track.kind == TrackKind::kVideo) track.frame_rate = stream.frame_rate;
    if (outputs_.size() <= output) outputs_.resize(output + 1);
    Output& opened = outputs_[output];
    opened.files = std::make_unique<TrackObjectWriter>(store_, Key(prefix_, track.name));
    ATP_ASSIGN_OR_RETURN(opened.segmenter, package::CmafSegmenter::Create(
                                               stream, *opened.files,
                                               {.language = ContainerLanguageCode(track.language),
                                                .continues_track = continues_tracks_,
                                                .first_segment_number = first_segment_number_}));
    return absl::OkStatus();
  }

  absl::Status WritePacket(size_t output, const EncodedPacket& packet,
                           bool starts_segment) override {
    EncodedPacket shifted = packet;
    shifted.pts -= pts_shift_;
    shifted.dts -= pts_shift_;
    return outputs_.at(output).segmenter->Write(shifted, starts_segment);
  }

  absl::Status FinishAudioOutput(size_t output, const AudioLoudness& loudness) override {
    tracks_.at(output).loudness = loudness;
    return absl::OkStatus();
  }

  // Closes every track's last segment and copies the segment records into the tracks.
  absl::Status Finish() {
    for (size_t i = 0; i < outputs_.size(); ++i) {
      package::CmafSegmenter& segmenter = *outputs_[i].segmenter;
      ATP_RETURN_IF_ERROR(segmenter.Finish());
      tracks_[i].segments = segmenter.segments();
      tracks_[i].timescale = segmenter.timescale();
      tracks_[i].edit_media_time_ticks = segmenter.edit_media_time();
      tracks_[i].presentation_offset_ticks = segmenter.presentation_offset();
    }
    return absl::OkStatus();
  }

 private:
  struct Output {
    std::unique_ptr<TrackObjectWriter> files;  // Outlives the segmenter that writes to it.
    std::unique_ptr<package::CmafSegmenter> segmenter;
  };

  storage::BlobStore& store_;
  std::string prefix_;
  std::vector<PackagedTrack>& tracks_;
  bool continues_tracks_;
  int first_segment_number_;
  int64_t pts_shift_;
  std::vector<Output> outputs_;
};

void MeasureBitrates(PackagedTrack& track) {
  int64_t total_bytes = 0;
  for (const MediaSegment& segment : track.segments) {
    total_bytes += segment.size_bytes;
    // Over the duration the playlist declares (EXTINF, in whole milliseconds), rounded up:
    // BANDWIDTH is then never below the peak a player or validator computes from EXTINF.
    const int64_t millis = (segment.duration_ticks * 1000 + track.timescale / 2) / track.timescale;
    if (millis > 0) {
      track.peak_bitrate_bps =
          std::max(track.peak_bitrate_bps, (segment.size_bytes * 8 * 1000 + millis - 1) / millis);
    }
  }
  const int64_t duration = track.duration_ticks();
  track.average_bitrate_bps = duration > 0 ? total_bytes * 8 * track.timescale / duration : 0;
}

// Pure, as the ladder is: planned again whenever it is needed.
std::vector<AudioRendition> PlannedAudio(const PackageRequest& request) {
  return encode::PlanAudioRenditions(request.profile, request.spec.audio_tracks, request.source);
}

// Every track of the package, video rungs then audio renditions, with what the request says of
// them (no codec facts or segments yet).
std::vector<PackagedTrack> PlannedTracks(const PackageRequest& request) {
  std::vector<PackagedTrack> tracks;
  for (const Rendition& rendition : request.ladder) {
    PackagedTrack track;
    track.kind = TrackKind::kVideo;
    track.name = rendition.name;
    track.width = rendition.width;
    track.height = rendition.height;
    tracks.push_back(std::move(track));
  }
  for (const AudioRendition& audio : PlannedAudio(request)) {
    PackagedTrack track;
    track.kind = TrackKind::kAudio;
    track.name = audio.name;
    track.track_index = audio.track_index;
    track.language = audio.language;
    track.label = audio.label;
    track.is_default = audio.is_default;
    track.channels = audio.channels;
    track.sample_rate_hz = request.profile.audio_sample_rate_hz;
    tracks.push_back(std::move(track));
  }
  return tracks;
}

// Adds `part` (one unit's records of the track) to `whole`, checking they fit together.
absl::Status AppendUnitTrack(const std::string& unit, const PackagedTrack& part,
                             PackagedTrack& whole) {
  if (whole.codecs.empty()) {
    whole.codecs = part.codecs;
    whole.timescale = part.timescale;
    whole.edit_media_time_ticks = part.edit_media_time_ticks;
    whole.presentation_offset_ticks = part.presentation_offset_ticks;
    whole.frame_rate = part.frame_rate;
  } else if (part.codecs != whole.codecs || part.timescale != whole.timescale) {
    return absl::InternalError(absl::StrCat(unit, " encoded ", whole.name, " as ", part.codecs,
                                            " at 1/", part.timescale, " s, earlier units as ",
                                            whole.codecs, " at 1/", whole.timescale, " s"));
  } else if (part.edit_media_time_ticks != whole.edit_media_time_ticks ||
             part.presentation_offset_ticks != whole.presentation_offset_ticks) {
    // The init segment's edit list is the first unit's: a unit whose encoder delays
    // differently would be presented off its frame slots.
    return absl::InternalError(absl::StrCat(
        unit, " encoded ", whole.name, " with a delay of ", part.edit_media_time_ticks,
        " ticks (the edit list's media_time), earlier units with ", whole.edit_media_time_ticks));
  }
  const int64_t end = whole.duration_ticks();
  if (!part.segments.empty() && part.segments.front().start_ticks != end) {
    return absl::InternalError(absl::StrCat(unit, ": ", whole.name, " starts at ",
                                            part.segments.front().start_ticks,
                                            " ticks but earlier units end at ", end));
  }
  whole.segments.insert(whole.segments.end(), part.segments.begin(), part.segments.end());
  whole.frames_repeated += part.frames_repeated;
  whole.frames_dropped += part.frames_dropped;
  if (part.loudness) whole.loudness = part.loudness;
  return absl::OkStatus();
}

// Deletes the objects under `track_prefix` that neither its init segment nor a segment is
// (left by a unit that was stopped).
absl::Status RemoveUnlistedObjects(storage::BlobStore& store, const std::string& track_prefix,
                                   const PackagedTrack& track) {
  const std::vector<std::string> keys_listed = TrackObjectKeys(track_prefix, track);
  const std::set<std::string> listed(keys_listed.begin(), keys_listed.end());
  ATP_ASSIGN_OR_RETURN(const std::vector<std::string> keys, store.List(track_prefix));
  for (const std::string& key : keys) {
    if (!listed.contains(key)) ATP_RETURN_IF_ERROR(store.Delete(key));
  }
  return absl::OkStatus();
}

}  // namespace

Rational OutputFrameRate(const PackageRequest& request) {
  const Rational& planned = request.conversion.frame_rate;
  return planned.num > 0 && planned.den > 0 ? planned : request.source.frame_rate;
}

std::vector<TranscodeUnit> PlanTranscodeUnits(const PackageRequest& request) {
  std::vector<TranscodeUnit> units;
  if (!request.spec.audio_tracks.empty()) {
    units.push_back({.name = "audio", .part = encode::TranscodePart::kAudio});
  }
  std::vector<encode::FrameRange> chunks = {{}};
  const Rational frame_rate = OutputFrameRate(request);
  if (frame_rate.num > 0 && frame_rate.den > 0) {
    chunks = encode::PlanVideoChunks(
        encode::FrameGridFor(request.profile, frame_rate),
        encode::EstimatedFrameCount(request.source.duration_us, frame_rate));
  }
  for (size_t i = 0; i < chunks.size(); ++i) {
    units.push_back({.name = absl::StrFormat("video-%03d", i + 1),
                     .part = encode::TranscodePart::kVideo,
                     .frames = chunks[i]});
  }
  return units;
}

int ParallelChunks(int threads, size_t pending) {
  if (pending == 0) return 0;
  return static_cast<int>(std::min<size_t>({pending, static_cast<size_t>(std::max(threads, 1)),
                                            static_cast<size_t>(kMaxParallelChunks)}));
}

absl::StatusOr<std::vector<PackagedTrack>> EncodeUnit(const PackageRequest& request,
                                                      const TranscodeUnit& unit,
                                                      storage::BlobStore& store,
                                                      std::string_view prefix,
                                                      const encode::TranscodeProgressFn& progress) {
  const TrackKind kind =
      unit.part == encode::TranscodePart::kAudio ? TrackKind::kAudio : TrackKind::kVideo;
  std::vector<PackagedTrack> tracks;
  for (PackagedTrack& track : PlannedTracks(request)) {
    if (track.kind == kind) tracks.push_back(std::move(track));
  }
  const bool continues_tracks = unit.frames.first > 0 && !unit.standalone;
  int first_segment_number = 1;
  if (continues_tracks) {
    const encode::FrameGrid grid = encode::FrameGridFor(request.profile, OutputFrameRate(request));
    first_segment_number = static_cast<int>(unit.frames.first / grid.segment_frames) + 1;
  }
  encode::TranscodePlan plan{.input = request.mezzanine,
                             .ladder = request.ladder,
                             .profile = request.profile,
                             .audio = PlannedAudio(request),
                             .threads = request.threads,
                             .spread_rungs = request.spread_rungs,
                             .part = unit.part,
                             .conversion = request.conversion,
                             .frames = unit.frames};
  // A video packet's times count frames of the output rate from the video's start.
  const int64_t pts_shift = unit.standalone ? unit.frames.first : 0;
  SegmentingSink sink(store, prefix, tracks, continues_tracks, first_segment_number, pts_shift);
  ATP_ASSIGN_OR_RETURN(const encode::TranscodeStats stats, encode::Transcode(plan, sink, progress));
  ATP_RETURN_IF_ERROR(sink.Finish());
  for (PackagedTrack& track : tracks) {
    if (track.kind != TrackKind::kVideo) continue;
    track.frames_repeated = stats.frames_repeated;
    track.frames_dropped = stats.frames_dropped;
  }
  return tracks;
}

std::vector<std::string> TrackObjectKeys(std::string_view track_prefix,
                                         const PackagedTrack& track) {
  std::vector<std::string> keys = {Key(track_prefix, track.init_uri)};
  for (const MediaSegment& segment : track.segments) keys.push_back(Key(track_prefix, segment.uri));
  return keys;
}

absl::StatusOr<std::vector<absl::StatusOr<media::QualityScore>>> MeasureTracksQuality(
    storage::BlobStore& store, std::string_view prefix, std::span<const PackagedTrack> tracks,
    const RandomAccessFile& source, std::span<const media::QualityWindow> windows,
    const media::QualityOptions& options) {
  std::vector<absl::StatusOr<media::QualityScore>> scores(tracks.size(),
                                                          absl::InternalError("not measured"));
  std::vector<std::unique_ptr<storage::BlobReader>> readers;
  std::vector<media::RenditionParts> renditions;
  std::vector<size_t> measured;  // The index in `tracks` of each of `renditions`.
  for (size_t i = 0; i < tracks.size(); ++i) {
    media::RenditionParts parts;
    absl::Status opened;
    for (const std::string& key : TrackObjectKeys(Key(prefix, tracks[i].name), tracks[i])) {
      absl::StatusOr<std::unique_ptr<storage::BlobReader>> reader = store.Open(key);
      if (!reader.ok()) {
        opened = reader.status();
        break;
      }
      readers.push_back(*std::move(reader));
      parts.push_back(readers.back().get());
    }
    if (!opened.ok()) {
      scores[i] = opened;
      continue;
    }
    renditions.push_back(std::move(parts));
    measured.push_back(i);
  }
  if (renditions.empty()) return scores;
  ATP_ASSIGN_OR_RETURN(std::vector<absl::StatusOr<media::QualityScore>> found,
                       media::MeasureRenditionsQuality(source, renditions, windows, options));
  for (size_t j = 0; j < measured.size(); ++j) scores[measured[j]] = std::move(found[j]);
  return scores;
}

absl::StatusOr<PackagedMedia> AssembleMedia(const PackageRequest& request,
                                            const std::vector<std::vector<PackagedTrack>>& units,
                                            storage::BlobStore& store, std::string_view prefix) {
  const std::vector<TranscodeUnit> planned = PlanTranscodeUnits(request);
  PackagedMedia media;
  for (PackagedTrack& track : PlannedTracks(request)) {
    for (size_t i = 0; i < units.size(); ++i) {
      for (const PackagedTrack& part : units[i]) {
        if (part.name != track.name) continue;
        ATP_RETURN_IF_ERROR(AppendUnitTrack(
            i < planned.size() ? planned[i].name : absl::StrCat("unit ", i + 1), part, track));
      }
    }
    if (track.segments.empty()) {
      return absl::InternalError(absl::StrCat("no unit encoded ", track.name));
    }
    ATP_RETURN_IF_ERROR(RemoveUnlistedObjects(store, Key(prefix, track.name), track));
    MeasureBitrates(track);
    (track.kind == TrackKind::kVideo ? media.video : media.audio).push_back(std::move(track));
  }
  return media;
}

absl::Status WritePackageManifests(const PackagedMedia& media, bool enable_dash,
                                   storage::BlobStore& store, std::string_view prefix) {
  for (const auto* tracks : {&media.video, &media.audio}) {
    for (const PackagedTrack& track : *tracks) {
      ATP_RETURN_IF_ERROR(store.Put(Key(prefix, absl::StrCat(track.name, "/playlist.m3u8")),
                                    package::WriteHlsMediaPlaylist(track)));
    }
  }
  for (const PackagedSubtitle& subtitle : media.subtitles) {
    ATP_RETURN_IF_ERROR(store.Put(Key(prefix, absl::StrCat(subtitle.name, "/playlist.m3u8")),
                                  package::WriteHlsSubtitlePlaylist(subtitle)));
  }
  ATP_RETURN_IF_ERROR(
      store.Put(Key(prefix, "master.m3u8"), package::WriteHlsMultivariantPlaylist(media)));
  if (enable_dash) {
    ATP_RETURN_IF_ERROR(store.Put(Key(prefix, "manifest.mpd"), package::WriteDashManifest(media)));
  }
  return absl::OkStatus();
}

}  // namespace atp::pipeline
