// atp/media/quality_meter.h
//
// How close an encoded rendition stays to its source: PSNR and SSIM, measured in-process by
// libavfilter's psnr and ssim filters over a few short windows of the video, so checking a
// rung costs seconds of decoding rather than a second encode.
#ifndef ATP_MEDIA_QUALITY_METER_H_
#define ATP_MEDIA_QUALITY_METER_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "atp/core/random_access_file.h"

namespace atp::media {

// A span of presentation time, counted from the source video's first frame (the rendition's
// first frame is the same instant: the transcoder counts its frames from there).
struct QualityWindow {
  double start_seconds = 0;
  double duration_seconds = 0;

  bool operator==(const QualityWindow&) const = default;
};

// What psnr reads for pictures that are identical (an MSE of 0 is an infinite PSNR, which
// report.json cannot hold).
inline constexpr double kIdenticalPsnrDb = 100.0;

struct QualityScore {
  // The PSNR of the luma's mean squared error over all compared frames, as ffmpeg's psnr
  // filter sums it up ("PSNR y:"), capped at kIdenticalPsnrDb. Peak is the comparison
  // format's (255 for 8 bits).
  double psnr_y_db = 0;
  // The mean over the compared frames of ssim's luma figure ("SSIM Y:") and of its
  // all-planes figure, the planes weighted by their pixel counts ("All:").
  double ssim_y = 0;
  double ssim_all = 0;
  int64_t frames = 0;  // Rendition frames compared.

  bool operator==(const QualityScore&) const = default;
};

struct QualityOptions {
  // The libavfilter chain the transcoder ran the source's decoded frames through before
  // scaling them for the rungs (encode::VideoConversion::filter_chain: bwdif, fieldmatch and
  // decimate); empty for none. The rendition is compared with the source as filtered, so
  // deinterlacing is not counted as loss and the frame rates agree.
  std::string source_filter_chain;
  // Threads for the source's decoder; the renditions measured together share them out for
  // their decoders and comparison filters.
  int threads = 1;
  // The source time of the rendition's first frame: 0 for a rendition of the whole video;
  // for one of a stretch from the middle (a probe encode), where that stretch starts. The
  // windows are the source's times; the rendition's are shifted by this much.
  double rendition_start_seconds = 0;
};

// Measures the rendition whose fMP4 init segment and media segments are `rendition_parts`
// (init first, then the segments in order, as one fragmented MP4 lays them out; a single
// part may also be a whole MP4) against `source`, on `windows` (in any order, each decoded
// on its own after a seek):
// - Which frames: every rendition frame presented inside a window ([start, start +
//   duration), times counted from each video's first frame) is compared with the source
//   frame (after source_filter_chain) whose presentation time is nearest, the earlier one
//   on a tie; both times are taken to microseconds first. At the rendition's own frame rate
//   (the transcoder places each source frame on the slot nearest its time) that is exactly
//   the frame it encoded. When the rates differ (a field-rate deinterlace, inverse telecine)
//   the filter chain makes the source's frames match the rendition's again; without one
//   (a manifest rate other than the stream's) the nearest frame stands in, and the figures
//   read lower on motion. A filtered source is decoded from a second before each window,
//   so its filters have history.
// - At what size: the source's stored (coded) size. The rendition is scaled up to it with
//   bicubic (libswscale through the scale filter, as the encoder scaled down), so an
//   anamorphic source's rung (square pixels at the display aspect) is squeezed back onto
//   the source's own pixel grid, and the reference is never resampled. This is what
//   `ffmpeg -i rendition -i source -lavfi "[0:v]scale=W:H:flags=bicubic[a];[a][1:v]ssim"`
//   measures (within 0.0001 SSIM and 0.01 dB in the tests).
// - In what format: the rendition's decoded pixel format (yuv420p for every rung atp
//   encodes); the source is converted to it (what the encoder was fed) when it differs.
// - What is read: the source's video from the keyframe before each window; of the
//   rendition, the fragment headers of every segment (to find each one's decode time), the
//   init and first segments (where its times start) and, for each window, the segments
//   around it.
// - Windows: a window reaching past the source's duration is cut at it; one starting at or
//   after it is OutOfRange (an error, not skipped: SampleWindows never makes one).
// Errors: InvalidArgument for no windows, no parts, a window with a negative start or a
// duration that is not positive; for a rendition or source without a video stream; for a
// source libavformat cannot read or whose video does not decode (the delivery's fault, as
// in transcoding). DataLoss, naming the part, for a rendition libavformat cannot read, a
// media segment without a moof and tfdt or that decodes before the one ahead of it, a
// packet that does not decode, and a window where the source has video and the rendition
// none. Read errors keep their code (Unavailable is retried).
[[nodiscard]] absl::StatusOr<QualityScore> MeasureRenditionQuality(
    const RandomAccessFile& source, std::span<const RandomAccessFile* const> rendition_parts,
    std::span<const QualityWindow> windows, const QualityOptions& options = {});

// A rendition's fMP4 init segment and media segments, in order (as MeasureRenditionQuality
// takes them).
using RenditionParts = std::vector<const RandomAccessFile*>;

// MeasureRenditionQuality for each of `renditions`, all on the same windows and options,
// reading the source once: each window's source frames are decoded, filtered and converted
// once for all of them (once for each pixel format the renditions' streams declare), then
// the renditions are compared with them side by side on up to options.threads threads, each
// with its share of them. Each rendition's figures are those MeasureRenditionQuality gives
// it alone. Errors: what concerns the source or the windows (they would fail every
// rendition) fails the whole; a rendition's own error (DataLoss, a stream without video,
// no parts) is its entry's, and the others are still measured.
[[nodiscard]] absl::StatusOr<std::vector<absl::StatusOr<QualityScore>>> MeasureRenditionsQuality(
    const RandomAccessFile& source, std::span<const RenditionParts> renditions,
    std::span<const QualityWindow> windows, const QualityOptions& options = {});

// Up to `count` windows of `window_seconds` spread evenly over `duration_seconds`: the first
// at 0, the last ending at the duration, the others evenly between (3 windows over 60 s:
// 0, 29.5 and 59 s). Fewer when they would overlap: as many as fit whole; a single window
// sits in the middle, and a source shorter than one window gets one window over all of it.
// None for a duration, count or window that is not positive.
[[nodiscard]] std::vector<QualityWindow> SampleWindows(double duration_seconds, int count = 3,
                                                       double window_seconds = 1.0);

}  // namespace atp::media

#endif  // ATP_MEDIA_QUALITY_METER_H_
