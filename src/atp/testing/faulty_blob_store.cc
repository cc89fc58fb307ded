#include "atp/testing/faulty_blob_store.h"

#include <algorithm>
#include <array>
#include <mutex>
#include <utility>

#include "absl/strings/str_cat.h"
#include "atp/core/status_macros.h"

namespace atp::testing {

using storage::BlobReader;
using storage::BlobStore;
using storage::BlobVersion;
using storage::BlobWriter;
using storage::PrefixLock;
using Operation = FaultyBlobStore::Operation;

class FaultyBlobStore::State {
 public:
  // Runs the latency hook, counts `op` and says whether it fails now (the status to fail
  // with) or goes ahead (OK).
  absl::Status Begin(Operation op) {
    std::function<void()> hook;
    {
      std::lock_guard lock(mutex_);
      hook = latency_;
    }
    if (hook) hook();
    std::lock_guard lock(mutex_);
    const int index = static_cast<int>(op);
    ++calls_[index];
    Fault& fault = fail_next_[index];
    if (fault.times > 0) {
      --fault.times;
      return fault.status;
    }
    if ((op == Operation::kAppend || op == Operation::kCommit) && disk_full_) return disk_status_;
    return absl::OkStatus();
  }

  // How many of `size` bytes an Append that went ahead may store, and the status it then
  // returns (OK when it stores them all).
  std::pair<size_t, absl::Status> Room(size_t size) {
    std::lock_guard lock(mutex_);
    if (short_writes_) {
      const size_t half = size / 2;
      return {half, absl::UnavailableError(
                        absl::StrCat("short write: stored ", half, " of ", size, " bytes"))};
    }
    if (disk_bytes_ < 0) return {size, absl::OkStatus()};
    const int64_t free = std::max<int64_t>(0, disk_bytes_ - disk_used_);
    if (static_cast<int64_t>(size) <= free) {
      disk_used_ += static_cast<int64_t>(size);
      return {size, absl::OkStatus()};
    }
    disk_used_ += free;
    disk_full_ = true;
    return {static_cast<size_t>(free), disk_status_};
  }

  void Appended(size_t size) {
    std::lock_guard lock(mutex_);
    bytes_appended_ += static_cast<int64_t>(size);
  }

  void FailWritesAfterBytes(int64_t n, absl::Status status) {
    std::lock_guard lock(mutex_);
    disk_bytes_ = n;
    disk_used_ = 0;
    disk_full_ = false;
    disk_status_ = std::move(status);
  }

  void FailNext(Operation op, int times, absl::Status status) {
    std::lock_guard lock(mutex_);
    fail_next_[static_cast<int>(op)] = {times, std::move(status)};
  }

  void ShortWrites(bool enabled) {
    std::lock_guard lock(mutex_);
    short_writes_ = enabled;
  }

  void SetLatency(std::function<void()> hook) {
    std::lock_guard lock(mutex_);
    latency_ = std::move(hook);
  }

  void ClearFaults() {
    std::lock_guard lock(mutex_);
    disk_bytes_ = -1;
    disk_full_ = false;
    short_writes_ = false;
    fail_next_ = {};
  }

  int64_t calls(Operation op) const {
    std::lock_guard lock(mutex_);
    return calls_[static_cast<int>(op)];
  }

  int64_t bytes_appended() const {
    std::lock_guard lock(mutex_);
    return bytes_appended_;
  }

 private:
  struct Fault {
    int times = 0;
    absl::Status status;
  };

  mutable std::mutex mutex_;
  std::function<void()> latency_;
  std::array<int64_t, kOperationCount> calls_{};
  std::array<Fault, kOperationCount> fail_next_{};
  int64_t disk_bytes_ = -1;  // No limit.
  int64_t disk_used_ = 0;
  bool disk_full_ = false;
  absl::Status disk_status_;
  bool short_writes_ = false;
  int64_t bytes_appended_ = 0;
};

namespace {

class FaultyReader final : public BlobReader {
 public:
  FaultyReader(std::unique_ptr<BlobReader> base, std::shared_ptr<FaultyBlobStore::State> state)
      : base_(std::move(base)), state_(std::move(state)) {}

  const std::string& name() const override { return base_->name(); }
  absl::StatusOr<int64_t> Size() const override { return base_->Size(); }
  absl::StatusOr<size_t> ReadAt(int64_t offset, char* buffer, size_t size) const override {
    ATP_RETURN_IF_ERROR(state_->Begin(Operation::kRead));
    return base_->ReadAt(offset, buffer, size);
  }
  const BlobVersion& version() const override { return base_->version(); }
  absl::StatusOr<BlobVersion> CurrentVersion() const override { return base_->CurrentVersion(); }

 private:
  std::unique_ptr<BlobReader> base_;
  std::shared_ptr<FaultyBlobStore::State> state_;
};

class FaultyWriter final : public BlobWriter {
 public:
  FaultyWriter(std::unique_ptr<BlobWriter> base, std::shared_ptr<FaultyBlobStore::State> state)
      : base_(std::move(base)), state_(std::move(state)) {}

  absl::Status Append(std::string_view bytes) override {
    if (!failure_.ok()) return failure_;
    if (absl::Status now = state_->Begin(Operation::kAppend); !now.ok()) return Fail(now);
    auto [room, status] = state_->Room(bytes.size());
    if (room > 0) {
      if (absl::Status appended = base_->Append(bytes.substr(0, room)); !appended.ok()) {
        return Fail(appended);
      }
      state_->Appended(room);
    }
    if (!status.ok()) return Fail(status);
    return absl::OkStatus();
  }

  absl::Status Commit() override {
    if (!failure_.ok()) return failure_;
    if (absl::Status now = state_->Begin(Operation::kCommit); !now.ok()) return Fail(now);
    return base_->Commit();
  }

 private:
  // Drops the decorated writer uncommitted (nothing becomes visible) and answers every later
  // call with `status`.
  absl::Status Fail(absl::Status status) {
    base_.reset();
    failure_ = status;
    return status;
  }

  std::unique_ptr<BlobWriter> base_;
  std::shared_ptr<FaultyBlobStore::State> state_;
  absl::Status failure_;
};

}  // namespace

FaultyBlobStore::FaultyBlobStore(BlobStore& base)
    : FaultyBlobStore(nullptr, &base, std::make_shared<State>()) {}

FaultyBlobStore::FaultyBlobStore(std::unique_ptr<BlobStore> base)
    : FaultyBlobStore(std::move(base), nullptr, std::make_shared<State>()) {}

FaultyBlobStore::FaultyBlobStore(std::unique_ptr<BlobStore> owned, BlobStore* base,
                                 std::shared_ptr<State> state)
    : owned_(std::move(owned)),
      base_(owned_ != nullptr ? owned_.get() : base),
      state_(std::move(state)) {}

FaultyBlobStore::~FaultyBlobStore() = default;

void FaultyBlobStore::FailWritesAfterBytes(int64_t n, absl::Status status) {
  state_->FailWritesAfterBytes(n, std::move(status));
}
void FaultyBlobStore::FailNext(Operation op, int times, absl::Status status) {
  state_->FailNext(op, times, std::move(status));
}
void FaultyBlobStore::ShortWrites(bool enabled) { state_->ShortWrites(enabled); }
void FaultyBlobStore::SetLatency(std::function<void()> hook) {
  state_->SetLatency(std::move(hook));
}
void FaultyBlobStore::ClearFaults() { state_->ClearFaults(); }
int64_t FaultyBlobStore::calls(Operation op) const { return state_->calls(op); }
int64_t FaultyBlobStore::bytes_appended() const { return state_->bytes_appended(); }

absl::StatusOr<std::unique_ptr<BlobReader>> FaultyBlobStore::Open(std::string_view key) {
  ATP_RETURN_IF_ERROR(state_->Begin(Operation::kOpen));
  ATP_ASSIGN_OR_RETURN(std::unique_ptr<BlobReader> reader, base_->Open(key));
  return std::unique_ptr<BlobReader>(std::make_unique<FaultyReader>(std::move(reader), state_));
}

absl::StatusOr<std::unique_ptr<BlobWriter>> FaultyBlobStore::Create(std::string_view key) {
  ATP_RETURN_IF_ERROR(state_->Begin(Operation::kCreate));
  ATP_ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> writer, base_->Create(key));
  return std::unique_ptr<BlobWriter>(std::make_unique<FaultyWriter>(std::move(writer), state_));
}

absl::StatusOr<std::vector<std::string>> FaultyBlobStore::List(std::string_view prefix) {
  ATP_RETURN_IF_ERROR(state_->Begin(Operation::kList));
  return base_->List(prefix);
}

absl::Status FaultyBlobStore::Delete(std::string_view key) {
  ATP_RETURN_IF_ERROR(state_->Begin(Operation::kDelete));
  return base_->Delete(key);
}

absl::Status FaultyBlobStore::DeletePrefix(std::string_view prefix) {
  ATP_RETURN_IF_ERROR(state_->Begin(Operation::kDelete));
  return base_->DeletePrefix(prefix);
}

absl::StatusOr<bool> FaultyBlobStore::Exists(std::string_view prefix) {
  ATP_RETURN_IF_ERROR(state_->Begin(Operation::kExists));
  return base_->Exists(prefix);
}

absl::Status FaultyBlobStore::Publish(std::string_view staged_prefix,
                                      std::string_view final_prefix) {
  ATP_RETURN_IF_ERROR(state_->Begin(Operation::kPublish));
  return base_->Publish(staged_prefix, final_prefix);
}

absl::StatusOr<std::unique_ptr<PrefixLock>> FaultyBlobStore::TryLock(std::string_view prefix) {
  ATP_RETURN_IF_ERROR(state_->Begin(Operation::kLock));
  return base_->TryLock(prefix);
}

absl::StatusOr<std::unique_ptr<BlobStore>> FaultyBlobStore::Scoped(std::string_view prefix) {
  ATP_ASSIGN_OR_RETURN(std::unique_ptr<BlobStore> scoped, base_->Scoped(prefix));
  return std::unique_ptr<BlobStore>(new FaultyBlobStore(std::move(scoped), nullptr, state_));
}

std::string FaultyBlobStore::Describe(std::string_view key) const { return base_->Describe(key); }

absl::StatusOr<std::string> FaultyBlobStore::CanonicalPrefix(std::string_view prefix) {
  return base_->CanonicalPrefix(prefix);
}

const char* OperationName(Operation op) {
  switch (op) {
    case Operation::kOpen:
      return "kOpen";
    case Operation::kRead:
      return "kRead";
    case Operation::kCreate:
      return "kCreate";
    case Operation::kAppend:
      return "kAppend";
    case Operation::kCommit:
      return "kCommit";
    case Operation::kList:
      return "kList";
    case Operation::kExists:
      return "kExists";
    case Operation::kDelete:
      return "kDelete";
    case Operation::kPublish:
      return "kPublish";
    case Operation::kLock:
      return "kLock";
  }
  return "unknown";
}

}  // namespace atp::testing
