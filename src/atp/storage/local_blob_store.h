// atp/storage/local_blob_store.h
//
// The BlobStore of a local folder: an object is a regular file, its key the file's path
// relative to the folder. The folder is held open (O_PATH), so the store stays on the folder
// it opened whatever is renamed over its path later.
//
// Reads never leave the folder: Open resolves the key with openat2(RESOLVE_BENEATH |
// RESOLVE_NO_MAGICLINKS) beneath it (or checks /proc/self/fd where the kernel lacks
// openat2), following symlinks only while they stay inside, and reads through a PinnedFile;
// CanonicalPrefix resolves a folder the same way, so that List can show what Open reaches
// through a symlinked folder.
// Everything else follows no symlink at all, walking one folder at a time with O_NOFOLLOW:
// a symlink on the way of a write, delete, listing, lock, publish or scope is
// PermissionDenied; a symlink (or FIFO, device, socket) inside a listed folder is not an
// object, so List and Exists do not see it, and Delete/DeletePrefix remove the link itself,
// never what it points to.
//
// A BlobWriter writes "<name>.partial-XXXXXX" (six letters or digits) beside the object,
// created O_EXCL | O_NOFOLLOW, and on Commit fsyncs it and renames it over the object. Such
// names are the store's own: a key whose last segment is one is InvalidArgument, they are
// never listed, and one a crash left behind goes with DeletePrefix. Folders are created as
// objects need them and removed only by DeletePrefix and Publish; an empty folder holds no
// object (Exists is false) but is a name Publish will not replace.
#ifndef ATP_STORAGE_LOCAL_BLOB_STORE_H_
#define ATP_STORAGE_LOCAL_BLOB_STORE_H_

#include <filesystem>
#include <memory>

#include "absl/status/statusor.h"
#include "atp/storage/blob_store.h"
#include "atp/storage/open_beneath.h"

namespace atp::storage {

// Opens the store of the folder `root`, creating it (and its parents) when missing. Describe
// gives absolute paths. Errors creating or opening the folder as ErrnoToStatus maps them.
// `confinement` selects how Open stays beneath the root (tests use kProcFd to cover the
// fallback for kernels without openat2).
[[nodiscard]] absl::StatusOr<std::unique_ptr<BlobStore>> OpenLocalBlobStore(
    const std::filesystem::path& root, Confinement confinement = Confinement::kOpenat2);

}  // namespace atp::storage

#endif  // ATP_STORAGE_LOCAL_BLOB_STORE_H_
