// atp/package/segment_file_writer.h
//
// Where a segmenter's files go. Packaging decides what the files hold; whoever implements
// this decides where and how they are stored (a folder through storage/, memory in tests).
#ifndef ATP_PACKAGE_SEGMENT_FILE_WRITER_H_
#define ATP_PACKAGE_SEGMENT_FILE_WRITER_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace atp::package {

// Stores the files of one track.
class SegmentFileWriter {
 public:
  virtual ~SegmentFileWriter() = default;

  // Stores `bytes` as the track's file `name` ("init.mp4", "seg_00001.m4s": a name relative
  // to the track, without '/'), replacing a file of that name. Errors keep their canonical
  // code (ENOSPC: ResourceExhausted, "No space left on device") and name the file.
  virtual absl::Status WriteFile(const std::string& name, std::string_view bytes) = 0;
};

}  // namespace atp::package

#endif  // ATP_PACKAGE_SEGMENT_FILE_WRITER_H_
