#include "atp/pipeline/transcode_and_package.h"

#include <fstream>
#include <map>
#include <memory>

#include "absl/strings/str_cat.h"
#include "atp/core/language_codes.h"
#include "atp/core/status_macros.h"
#include "atp/package/cmaf_segmenter.h"
#include "atp/package/codec_string.h"
#include "atp/package/dash_writer.h"
#include "atp/package/hls_writer.h"

namespace atp::pipeline {
namespace {

absl::Status WriteText(const std::filesystem::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) return absl::UnavailableError(absl::StrCat("cannot write ", file.string()));
  return absl::OkStatus();
}

// Routes each output's packets to its own CMAF segmenter, in a folder named after the track.
class SegmentingSink : public encode::PacketSink {
 public:
  SegmentingSink(const std::filesystem::path& dir, std::vector<PackagedTrack>& tracks)
      : dir_(dir), tracks_(tracks) {}

  absl::Status OpenOutput(size_t output, const AVCodecContext& encoder) override {
    PackagedTrack& track = tracks_.at(output);
    ATP_ASSIGN_OR_RETURN(track.codecs, package::Rfc6381CodecString(encoder));
    if (track.kind == TrackKind::kVideo) {
      track.frame_rate = {encoder.framerate.num, encoder.framerate.den};
    }
    const std::filesystem::path folder = dir_ / track.name;
    std::error_code error;
    std::filesystem::create_directories(folder, error);
    if (error) return absl::UnavailableError(absl::StrCat("cannot create ", folder.string()));
    ATP_ASSIGN_OR_RETURN(
        std::unique_ptr<package::CmafSegmenter> segmenter,
        package::CmafSegmenter::Create(encoder, folder, ContainerLanguageCode(track.language)));
    if (segmenters_.size() <= output) segmenters_.resize(output + 1);
    segmenters_[output] = std::move(segmenter);
    return absl::OkStatus();
  }

  absl::Status WritePacket(size_t output, AVPacket& packet, bool starts_segment) override {
    return segmenters_.at(output)->Write(packet, starts_segment);
  }

  // Closes every track's last segment and copies the segment records into the tracks.
  absl::Status Finish() {
    for (size_t i = 0; i < segmenters_.size(); ++i) {
      ATP_RETURN_IF_ERROR(segmenters_[i]->Finish());
      tracks_[i].segments = segmenters_[i]->segments();
      tracks_[i].timescale = segmenters_[i]->timescale();
    }
    return absl::OkStatus();
  }

 private:
  std::filesystem::path dir_;
  std::vector<PackagedTrack>& tracks_;
  std::vector<std::unique_ptr<package::CmafSegmenter>> segmenters_;
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

}  // namespace

absl::StatusOr<PackagedMedia> TranscodeRenditions(const PackageRequest& request,
                                                  const std::filesystem::path& dir,
                                                  const encode::TranscodeProgressFn& progress) {
  std::vector<PackagedTrack> tracks;
  for (const Rendition& rendition : request.ladder) {
    PackagedTrack track;
    track.kind = TrackKind::kVideo;
    track.name = rendition.name;
    track.width = rendition.width;
    track.height = rendition.height;
    tracks.push_back(std::move(track));
  }
  std::map<std::string, int> language_uses;
  for (const AudioTrackSpec& audio : request.spec.audio_tracks) {
    PackagedTrack track;
    track.kind = TrackKind::kAudio;
    const int use = ++language_uses[audio.language];
    track.name = absl::StrCat("audio_", audio.language, use > 1 ? absl::StrCat("_", use) : "");
    track.language = audio.language;
    track.label = audio.label;
    track.is_default = audio.is_default;
    track.channels = request.profile.audio_channels;
    track.sample_rate_hz = request.profile.audio_sample_rate_hz;
    tracks.push_back(std::move(track));
  }

  encode::TranscodePlan plan{request.mezzanine, request.ladder, request.profile,
                             request.spec.audio_tracks, request.threads};
  SegmentingSink sink(dir, tracks);
  ATP_RETURN_IF_ERROR(encode::Transcode(plan, sink, progress));
  ATP_RETURN_IF_ERROR(sink.Finish());

  PackagedMedia media;
  for (PackagedTrack& track : tracks) {
    MeasureBitrates(track);
    (track.kind == TrackKind::kVideo ? media.video : media.audio).push_back(track);
  }
  return media;
}

absl::Status WritePackageManifests(const PackagedMedia& media, bool enable_dash,
                                   const std::filesystem::path& dir) {
  for (const auto* tracks : {&media.video, &media.audio}) {
    for (const PackagedTrack& track : *tracks) {
      ATP_RETURN_IF_ERROR(
          WriteText(dir / track.name / "playlist.m3u8", package::WriteHlsMediaPlaylist(track)));
    }
  }
  ATP_RETURN_IF_ERROR(WriteText(dir / "master.m3u8", package::WriteHlsMultivariantPlaylist(media)));
  if (enable_dash) {
    ATP_RETURN_IF_ERROR(WriteText(dir / "manifest.mpd", package::WriteDashManifest(media)));
  }
  return absl::OkStatus();
}

absl::StatusOr<PackagedMedia> TranscodeAndPackage(const PackageRequest& request,
                                                  const std::filesystem::path& dir,
                                                  const encode::TranscodeProgressFn& progress) {
  ATP_ASSIGN_OR_RETURN(PackagedMedia media, TranscodeRenditions(request, dir, progress));
  ATP_RETURN_IF_ERROR(WritePackageManifests(media, request.profile.enable_dash, dir));
  return media;
}

}  // namespace atp::pipeline
