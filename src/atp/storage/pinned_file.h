// atp/storage/pinned_file.h
//
// A local file held open from the moment it is verified: reads go to the same inode whatever
// later happens to its path (renamed over, deleted), and its identity tells whether its bytes
// may have changed since. It is the local BlobStore's BlobReader (local_blob_store.h).
#ifndef ATP_STORAGE_PINNED_FILE_H_
#define ATP_STORAGE_PINNED_FILE_H_

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "atp/storage/blob_store.h"

namespace atp::storage {

// Which inode a file is and when its data or metadata last changed. Equal identities mean its
// bytes have not been written since: a write moves mtime and ctime, and setting mtime back
// (touch -d) moves ctime, which no caller can set. (Some changes that leave the bytes alone
// move ctime too, such as renaming another file over it: a caller then reads it again.)
struct FileIdentity {
  uint64_t device = 0;
  uint64_t inode = 0;
  int64_t size_bytes = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;

  bool operator==(const FileIdentity&) const = default;
};

// What differs between two identities, for messages: "inode 12 -> 34, size 10 -> 11 bytes".
[[nodiscard]] std::string DescribeIdentityChange(const FileIdentity& before,
                                                 const FileIdentity& after);

// The BlobVersion of a local file: "<device>:<inode>:<size>:<mtime ns>:<ctime ns>", so equal
// versions are equal identities.
[[nodiscard]] BlobVersion VersionOf(const FileIdentity& identity);

class PinnedFile : public BlobReader {
 public:
  // Opens `path` for reading without ever blocking (a FIFO or a device cannot hang the
  // caller) and keeps it only if it is a regular file. NotFound when it does not exist,
  // FailedPrecondition "<path>: not a regular file (a FIFO)" for anything else (with the
  // OpenRefusal kNotAnObject, `what` "a FIFO"), PermissionDenied when it cannot be read.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<PinnedFile>> Open(
      const std::filesystem::path& path);

  // Takes `fd` (open for reading, perhaps O_NONBLOCK, or an O_PATH descriptor) and keeps it
  // if it is a regular file, named `name` in messages; closes it otherwise, and on error.
  // FailedPrecondition "<name>: not a regular file (a FIFO)" as Open.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<PinnedFile>> Adopt(int fd, std::string name);

  ~PinnedFile() override;
  PinnedFile(const PinnedFile&) = delete;
  PinnedFile& operator=(const PinnedFile&) = delete;

  // The identity when it was opened.
  [[nodiscard]] const FileIdentity& identity() const { return identity_; }
  // The identity of the open inode now (fstat): differs from identity() once it was written.
  [[nodiscard]] absl::StatusOr<FileIdentity> CurrentIdentity() const;

  // identity() and CurrentIdentity() as BlobVersions (VersionOf).
  [[nodiscard]] const BlobVersion& version() const override { return version_; }
  [[nodiscard]] absl::StatusOr<BlobVersion> CurrentVersion() const override;

  [[nodiscard]] const std::string& name() const override { return name_; }
  [[nodiscard]] absl::StatusOr<int64_t> Size() const override;
  [[nodiscard]] absl::StatusOr<size_t> ReadAt(int64_t offset, char* buffer,
                                              size_t size) const override;

 private:
  PinnedFile(int fd, std::string name, FileIdentity identity)
      : fd_(fd), name_(std::move(name)), identity_(identity), version_(VersionOf(identity)) {}

  int fd_;
  std::string name_;
  FileIdentity identity_;
  BlobVersion version_;
};

}  // namespace atp::storage

#endif  // ATP_STORAGE_PINNED_FILE_H_
