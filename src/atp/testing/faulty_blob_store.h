// atp/testing/faulty_blob_store.h
//
// FaultyBlobStore decorates any BlobStore with the failures a real disk or object store
// has, in the manner of leveldb's fault-injection Env: a disk that fills up, an operation
// that fails a given number of times, writes that store only part of what they were given,
// and slow operations. Without faults it passes everything through unchanged (it passes the
// BlobStore contract suite), counting every operation.
//
// Faults never reach the decorated store: a failed Append, Commit or Publish leaves it as it
// was, and a writer that failed is dropped without Commit, so nothing it wrote becomes
// visible. Thread-safe; readers, writers and Scoped stores share their store's faults and
// counters.
#ifndef ATP_TESTING_FAULTY_BLOB_STORE_H_
#define ATP_TESTING_FAULTY_BLOB_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "atp/storage/blob_store.h"

namespace atp::testing {

class FaultyBlobStore : public storage::BlobStore {
 public:
  // What can be made to fail, and what is counted. kOpen is Open; kRead a reader's ReadAt;
  // kCreate Create; kAppend and kCommit a writer's; kList List; kExists Exists; kDelete
  // Delete and DeletePrefix; kPublish Publish; kLock TryLock.
  enum class Operation {
    kOpen,
    kRead,
    kCreate,
    kAppend,
    kCommit,
    kList,
    kExists,
    kDelete,
    kPublish,
    kLock,
  };
  static constexpr int kOperationCount = 10;

  // Decorates `base`, which must outlive this store and everything it hands out.
  explicit FaultyBlobStore(storage::BlobStore& base);
  // Decorates `base`, owned.
  explicit FaultyBlobStore(std::unique_ptr<storage::BlobStore> base);
  ~FaultyBlobStore() override;

  // A disk of `n` bytes: once Appends of all writers together would pass `n` bytes, that
  // Append stores only what still fits and fails with `status` (say ResourceExhausted "No
  // space left on device"), and so does every later Append and Commit of any writer, until
  // ClearFaults. Bytes of writers that never committed count too, as a disk's do.
  void FailWritesAfterBytes(int64_t n, absl::Status status);

  // The next `times` calls of `op` fail with `status` (say Unavailable "EIO") without
  // reaching the decorated store (an Append stores nothing). Replaces what was set for `op`
  // before; `times` 0 clears it.
  void FailNext(Operation op, int times, absl::Status status);

  // While on, every Append stores only the first half of its bytes and fails with
  // Unavailable "short write": the writer is then dead and its object never visible.
  void ShortWrites(bool enabled);

  // Called before every counted operation (see Operation), before its fault is decided,
  // outside any lock, on the calling thread: it may advance a FakeClock, sleep or block.
  void SetLatency(std::function<void()> hook);

  // Ends every fault set above (the latency hook stays).
  void ClearFaults();

  // How many times `op` was called (failed calls included) since this store was made.
  [[nodiscard]] int64_t calls(Operation op) const;
  // Bytes Appends passed to the decorated store's writers.
  [[nodiscard]] int64_t bytes_appended() const;

  absl::StatusOr<std::unique_ptr<storage::BlobReader>> Open(std::string_view key) override;
  absl::StatusOr<std::unique_ptr<storage::BlobWriter>> Create(std::string_view key) override;
  absl::StatusOr<std::vector<std::string>> List(std::string_view prefix) override;
  absl::Status Delete(std::string_view key) override;
  absl::Status DeletePrefix(std::string_view prefix) override;
  absl::StatusOr<bool> Exists(std::string_view prefix) override;
  absl::Status Publish(std::string_view staged_prefix, std::string_view final_prefix) override;
  absl::StatusOr<std::unique_ptr<storage::PrefixLock>> TryLock(std::string_view prefix) override;
  // A FaultyBlobStore over the decorated store's Scoped(prefix), sharing this one's faults,
  // hook and counters.
  absl::StatusOr<std::unique_ptr<storage::BlobStore>> Scoped(std::string_view prefix) override;
  std::string Describe(std::string_view key) const override;
  absl::StatusOr<std::string> CanonicalPrefix(std::string_view prefix) override;

  // Shared by this store, its Scoped stores, readers and writers.
  class State;

 private:
  FaultyBlobStore(std::unique_ptr<storage::BlobStore> owned, storage::BlobStore* base,
                  std::shared_ptr<State> state);

  std::unique_ptr<storage::BlobStore> owned_;
  storage::BlobStore* base_;
  std::shared_ptr<State> state_;
};

// "kOpen", ... for messages and test names.
[[nodiscard]] const char* OperationName(FaultyBlobStore::Operation op);

}  // namespace atp::testing

#endif  // ATP_TESTING_FAULTY_BLOB_STORE_H_
