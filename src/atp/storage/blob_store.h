// atp/storage/blob_store.h
//
// BlobStore: the storage seam. A BlobStore holds objects (whole byte strings) addressed by
// keys, makes each written object visible all at once, moves a staged prefix into its final
// place at once, and locks a prefix against other processes. Implementations: the local
// directory (local_blob_store.h); an S3-compatible store later. testing/faulty_blob_store.h
// decorates any of them with injected faults. The contract every implementation keeps is
// proved by storage/blob_store_contract_test.cc.
//
// Keys are '/'-separated relative names ("atp-sample/s01/e001/.staging-x/h264_720p/
// seg_00001.m4s"). A key is refused with InvalidArgument when it is empty or absolute, or has
// an empty, "." or ".." segment, a backslash or a NUL byte (ValidateKey). A prefix is a key or
// "" (the whole store); it covers the key itself and every key below it segment by segment:
// "a/b" covers "a/b" and "a/b/c", never "a/bc".
//
// Every error names the key or its place (Describe) and, for a system error, says it in the
// system's words ("...: No space left on device"), with the canonical code of ErrnoToStatus.
// Implementations are safe for concurrent use by many threads; a BlobReader may be read from
// many threads at once, a BlobWriter is used by one thread at a time.
#ifndef ATP_STORAGE_BLOB_STORE_H_
#define ATP_STORAGE_BLOB_STORE_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "atp/core/random_access_file.h"

namespace atp::storage {

// OK when `key` is a key (see above); otherwise InvalidArgument naming the key and the rule.
[[nodiscard]] absl::Status ValidateKey(std::string_view key);
// OK when `prefix` is "" or a key.
[[nodiscard]] absl::Status ValidatePrefix(std::string_view prefix);

// Why Open refused a key that names something it will not read, for callers that report it
// in their own words: attached to Open's status as a payload (WithOpenRefusal), read back with
// OpenRefusalOf, so that nobody parses messages. A status without one (NotFound, a key the
// store refuses, a file it may not read, I/O) is no such refusal.
struct OpenRefusal {
  enum class Reason {
    kOutside,      // PermissionDenied: the key resolves outside the store (a symlink out).
    kNotAnObject,  // FailedPrecondition: a FIFO, device, socket or folder, not an object.
    kSymlinkLoop,  // FailedPrecondition: a symlink loop on the way (or a /proc magic link).
  };
  Reason reason = Reason::kOutside;
  // kNotAnObject: what the key names instead, as FileTypeName says it ("a FIFO",
  // "a directory", ...), or "" when the store cannot tell; "" for the other reasons.
  std::string what;

  bool operator==(const OpenRefusal&) const = default;
};

// `status` (not OK) with `refusal` attached; for implementations.
[[nodiscard]] absl::Status WithOpenRefusal(absl::Status status, const OpenRefusal& refusal);
// The refusal attached to `status`, if any.
[[nodiscard]] std::optional<OpenRefusal> OpenRefusalOf(const absl::Status& status);

// Which version of an object a reader holds. Equal tags mean the same bytes. Local: device,
// inode, size, mtime ns and ctime ns of the file in one string (see FileIdentity); an object
// store: its ETag or VersionId.
struct BlobVersion {
  std::string tag;

  bool operator==(const BlobVersion&) const = default;
};

// An object opened for reading. Reads go to the object as it was opened (locally: the same
// inode, whatever is renamed over its key since); name() is the store's Describe(key).
class BlobReader : public RandomAccessFile {
 public:
  // The version when it was opened; never changes.
  [[nodiscard]] virtual const BlobVersion& version() const = 0;

  // The version of what this reader reads now: version() while the bytes are as opened; a
  // different tag once they may have changed (locally: a file written in place since, or
  // one whose links changed, such as being replaced under its key).
  [[nodiscard]] virtual absl::StatusOr<BlobVersion> CurrentVersion() const = 0;
};

// Writes one object. Nothing is visible under the key until Commit, which makes the whole
// object visible at once, replacing an older one; readers see the old object or the new one,
// never a part. Destroyed without a successful Commit, it leaves nothing: no object, no
// partial file. Once an Append or Commit failed, every later call fails (the first error
// again) and the writer can only be destroyed: create a new one to try again.
class BlobWriter {
 public:
  virtual ~BlobWriter() = default;

  // Adds `bytes` at the end. ResourceExhausted when the disk is full ("No space left on
  // device"), Unavailable on transient I/O, FailedPrecondition after Commit.
  [[nodiscard]] virtual absl::Status Append(std::string_view bytes) = 0;

  // Makes the object visible under its key. Errors as Append (a full disk may show here
  // first); the object stays invisible when it fails.
  [[nodiscard]] virtual absl::Status Commit() = 0;
};

// Held while it lives (see BlobStore::TryLock); destroying it releases the lock.
class PrefixLock {
 public:
  virtual ~PrefixLock() = default;
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;

  // Opens the object `key` for reading, never blocking (a FIFO cannot hang the caller).
  // NotFound when there is none; FailedPrecondition "<place>: not a regular file (a FIFO)"
  // when the key names a FIFO, a device, a socket or a folder (OpenRefusal kNotAnObject);
  // PermissionDenied when the key resolves outside the store, a symlink out (kOutside);
  // FailedPrecondition on a symlink loop (kSymlinkLoop); PermissionDenied without a refusal
  // when it may not be read; Unavailable on transient I/O.
  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<BlobReader>> Open(std::string_view key) = 0;

  // Starts writing the object `key` (see BlobWriter). Errors as Append, and
  // FailedPrecondition when the key cannot hold an object (locally: a segment of it is a
  // file, or the key is a folder).
  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<BlobWriter>> Create(
      std::string_view key) = 0;

  // Create + Append + Commit: `bytes` become visible under `key` all at once.
  [[nodiscard]] absl::Status Put(std::string_view key, std::string_view bytes);

  // Every key under `prefix` (the key itself, if an object, and all below it, recursively),
  // sorted bytewise; empty when there is none. Objects being written are not listed.
  [[nodiscard]] virtual absl::StatusOr<std::vector<std::string>> List(std::string_view prefix) = 0;

  // The prefix whose List shows what Open reaches below `prefix`: where a store's keys have
  // aliases that Open follows and List does not, the prefix with them followed. In a store
  // without aliases (this default) `prefix` itself, once ValidatePrefix passes. Local: Open
  // follows symlinks that stay inside, List none, so this is the folder `prefix` leads to
  // ("b" for "a/link" when a/link is a symlink to "../b"; "" for the root), and errors are
  // as Open's: NotFound when no folder is there (nothing, or a file, FIFO ...), PermissionDenied
  // (kOutside) when it resolves outside the store, FailedPrecondition (kSymlinkLoop) on a
  // loop. Reads no object; nothing outside the store is opened.
  [[nodiscard]] virtual absl::StatusOr<std::string> CanonicalPrefix(std::string_view prefix);

  // Deletes the object `key`; OK when there is none. Objects below `key` stay (locally a
  // folder at `key` is FailedPrecondition "...: Is a directory": use DeletePrefix).
  [[nodiscard]] virtual absl::Status Delete(std::string_view key) = 0;

  // Deletes every key under `prefix` ("" empties the store); OK when there is none.
  [[nodiscard]] virtual absl::Status DeletePrefix(std::string_view prefix) = 0;

  // True when `prefix` is an object or has objects below it.
  [[nodiscard]] virtual absl::StatusOr<bool> Exists(std::string_view prefix) = 0;

  // Makes everything under `staged_prefix` visible under `final_prefix` (keys keep their
  // part below the prefix) and nothing is left under `staged_prefix`. What a writer never
  // committed (its process killed mid-write) is not published. Where the store can,
  // at once: readers see nothing or everything (local: one rename(2) of the folder,
  // renameat2 RENAME_NOREPLACE). A store without renames copies every object and writes
  // "<final_prefix>/.complete" last; readers wait for that marker. AlreadyExists when
  // anything exists under `final_prefix` (locally, even an empty folder): nothing is
  // replaced and the staged objects stay where they are. NotFound when nothing is staged.
  // InvalidArgument when either prefix is "" or one lies under the other.
  [[nodiscard]] virtual absl::Status Publish(std::string_view staged_prefix,
                                             std::string_view final_prefix) = 0;

  // Locks `prefix` without waiting: while the lock lives, no other process (and no other
  // TryLock in this one) gets it. Advisory: it excludes other lockers, not writers that do
  // not lock. A holder that dies releases it. Unavailable "<place> is locked by another
  // process..." when another holds it. Local: flock(2) on the prefix's folder, created if
  // missing (DirectoryLock); deleting that folder while it is locked ends the exclusion.
  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<PrefixLock>> TryLock(
      std::string_view prefix) = 0;

  // A store of the objects under `prefix`, with keys relative to it, whose reads and writes
  // cannot leave it (local: a new root folder descriptor, so a symlink inside that points
  // elsewhere in this store is refused as outside; the folder is created when missing).
  // It stays valid after this store is destroyed.
  [[nodiscard]] virtual absl::StatusOr<std::unique_ptr<BlobStore>> Scoped(
      std::string_view prefix) = 0;

  // Where `key` lives, for messages (local: its absolute path; "" gives the root's).
  [[nodiscard]] virtual std::string Describe(std::string_view key) const = 0;
};

}  // namespace atp::storage

#endif  // ATP_STORAGE_BLOB_STORE_H_
