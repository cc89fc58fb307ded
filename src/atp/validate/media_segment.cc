#include "atp/validate/media_segment.h"

#include "absl/strings/str_cat.h"
#include "atp/core/status_macros.h"
#include "atp/validate/byte_reader.h"
#include "atp/validate/mp4_box.h"

namespace atp::validate {
namespace {

// ISO/IEC 14496-12 8.8.7 and 8.8.8 flag bits.
constexpr uint32_t kTfhdBaseDataOffset = 0x1;
constexpr uint32_t kTfhdSampleDescriptionIndex = 0x2;
constexpr uint32_t kTfhdDefaultDuration = 0x8;
constexpr uint32_t kTfhdDefaultSize = 0x10;
constexpr uint32_t kTfhdDefaultFlags = 0x20;
constexpr uint32_t kTrunDataOffset = 0x1;
constexpr uint32_t kTrunFirstSampleFlags = 0x4;
constexpr uint32_t kTrunDuration = 0x100;
constexpr uint32_t kTrunSize = 0x200;
constexpr uint32_t kTrunFlags = 0x400;
constexpr uint32_t kTrunCompositionOffset = 0x800;
// sample_flags: sample_is_non_sync_sample.
constexpr uint32_t kNonSyncSample = 0x10000;

absl::Status Malformed(const Mp4Box& box, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("media segment: '", box.type, "' at offset ",
                                                 box.offset, ": ", std::string(what)));
}

absl::StatusOr<const Mp4Box*> Child(const std::vector<Mp4Box>& children, const Mp4Box& parent,
                                    std::string_view type) {
  const Mp4Box* box = FindBox(children, type);
  if (box == nullptr) return Malformed(parent, absl::StrCat("has no '", std::string(type), "'"));
  return box;
}

struct TrackDefaults {
  bool has_duration = false, has_size = false, has_flags = false;
  uint32_t duration = 0, size = 0, flags = 0;
};

}  // namespace

absl::StatusOr<std::vector<FragmentInfo>> ParseMediaSegment(std::string_view bytes) {
  ATP_ASSIGN_OR_RETURN(std::vector<Mp4Box> top, ParseBoxes(bytes));
  std::vector<FragmentInfo> fragments;
  for (const Mp4Box& moof : top) {
    if (moof.type != "moof") continue;
    FragmentInfo fragment;
    fragment.offset = moof.offset;
    ATP_ASSIGN_OR_RETURN(std::vector<Mp4Box> moof_children, ParseChildren(moof));
    ATP_ASSIGN_OR_RETURN(const Mp4Box* mfhd, Child(moof_children, moof, "mfhd"));
    ByteReader mfhd_reader(mfhd->payload);
    mfhd_reader.U32();
    fragment.sequence_number = mfhd_reader.U32();
    if (!mfhd_reader.ok()) return Malformed(*mfhd, "truncated");

    ATP_ASSIGN_OR_RETURN(const Mp4Box* traf, Child(moof_children, moof, "traf"));
    ATP_ASSIGN_OR_RETURN(std::vector<Mp4Box> traf_children, ParseChildren(*traf));
    ATP_ASSIGN_OR_RETURN(const Mp4Box* tfhd, Child(traf_children, *traf, "tfhd"));
    ByteReader tfhd_reader(tfhd->payload);
    const uint32_t tfhd_flags = tfhd_reader.U32() & 0xffffff;
    fragment.track_id = tfhd_reader.U32();
    TrackDefaults defaults;
    if (tfhd_flags & kTfhdBaseDataOffset) tfhd_reader.U64();
    if (tfhd_flags & kTfhdSampleDescriptionIndex) tfhd_reader.U32();
    if ((defaults.has_duration = tfhd_flags & kTfhdDefaultDuration))
      defaults.duration = tfhd_reader.U32();
    if ((defaults.has_size = tfhd_flags & kTfhdDefaultSize)) defaults.size = tfhd_reader.U32();
    if ((defaults.has_flags = tfhd_flags & kTfhdDefaultFlags)) defaults.flags = tfhd_reader.U32();
    if (!tfhd_reader.ok()) return Malformed(*tfhd, "truncated");

    ATP_ASSIGN_OR_RETURN(const Mp4Box* tfdt, Child(traf_children, *traf, "tfdt"));
    ByteReader tfdt_reader(tfdt->payload);
    const uint8_t tfdt_version = tfdt_reader.U8();
    tfdt_reader.U24();
    fragment.base_media_decode_time = tfdt_version == 1 ? tfdt_reader.U64() : tfdt_reader.U32();
    if (!tfdt_reader.ok()) return Malformed(*tfdt, "truncated");

    bool first_sample = true;
    int64_t decode_offset = 0;  // Of the next sample, from base_media_decode_time.
    for (const Mp4Box& trun : traf_children) {
      if (trun.type != "trun") continue;
      ByteReader reader(trun.payload);
      const uint32_t version_and_flags = reader.U32();
      const uint32_t flags = version_and_flags & 0xffffff;
      const bool signed_offsets = (version_and_flags >> 24) == 1;
      const uint32_t count = reader.U32();
      if (flags & kTrunDataOffset) reader.U32();
      const bool has_first_flags = flags & kTrunFirstSampleFlags;
      const uint32_t first_flags = has_first_flags ? reader.U32() : 0;
      const uint64_t per_sample =
          4 * (((flags & kTrunDuration) != 0) + ((flags & kTrunSize) != 0) +
               ((flags & kTrunFlags) != 0) + ((flags & kTrunCompositionOffset) != 0));
      if (!reader.ok() || per_sample * count > reader.remaining()) {
        return Malformed(trun, absl::StrCat("sample table of ", count, " samples is truncated"));
      }
      if (!(flags & kTrunDuration) && !defaults.has_duration) {
        return Malformed(trun, "sample durations are neither in the trun nor defaulted in tfhd");
      }
      if (!(flags & kTrunSize) && !defaults.has_size) {
        return Malformed(trun, "sample sizes are neither in the trun nor defaulted in tfhd");
      }
      for (uint32_t i = 0; i < count; ++i) {
        const uint32_t duration = (flags & kTrunDuration) ? reader.U32() : defaults.duration;
        fragment.duration_ticks += duration;
        fragment.last_sample_duration = duration;
        fragment.sample_bytes += (flags & kTrunSize) ? reader.U32() : defaults.size;
        uint32_t sample_flags = (flags & kTrunFlags) ? reader.U32() : defaults.flags;
        const uint32_t composition = (flags & kTrunCompositionOffset) ? reader.U32() : 0;
        const int64_t offset =
            signed_offsets ? static_cast<int32_t>(composition) : int64_t{composition};
        if (first_sample || decode_offset + offset < fragment.earliest_composition_offset) {
          fragment.earliest_composition_offset = decode_offset + offset;
        }
        decode_offset += duration;
        if (i == 0 && has_first_flags) sample_flags = first_flags;
        if (first_sample) {
          fragment.first_sample_composition_offset = offset;
          const bool known = has_first_flags || (flags & kTrunFlags) || defaults.has_flags;
          fragment.first_sample_is_sync = known && !(sample_flags & kNonSyncSample);
          first_sample = false;
        }
      }
      fragment.sample_count += count;
    }
    if (first_sample) return Malformed(*traf, "has no 'trun' with samples");
    fragments.push_back(fragment);
  }
  return fragments;
}

}  // namespace atp::validate
