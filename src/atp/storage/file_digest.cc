#include "atp/storage/file_digest.h"

#include <openssl/evp.h>
#include <xxhash.h>

#include <array>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "atp/core/status_macros.h"
#include "atp/storage/pinned_file.h"

namespace atp::storage {
namespace {

// 1 MiB reads keep the syscall count low and the lock hand-offs between threads rare.
constexpr size_t kChunkBytes = 1 << 20;

// MD5 is several times slower than reading from the page cache plus XXH64, so a larger file
// is read and XXH64-hashed on the calling thread while MD5 runs on a thread of its own,
// through a ring of this many chunks. (Measured on 2 cores: 2 to 8 slots of 256 KiB to 4 MiB
// ran alike, as did XXH64 on a third thread; MD5 alone sets the pace.)
constexpr int kRingSlots = 4;

// Smaller files are digested on the calling thread: a thread would not pay for itself.
constexpr int64_t kMinPipelinedBytes = 2 * kChunkBytes;

struct EvpContextDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
struct XxhStateDeleter {
  void operator()(XXH64_state_t* state) const { XXH64_freeState(state); }
};

std::string HexOf(const unsigned char* bytes, size_t size) {
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(bytes), size));
}

// Incremental MD5.
class Md5Hasher {
 public:
  Md5Hasher() : context_(EVP_MD_CTX_new()) {
    EVP_DigestInit_ex(context_.get(), EVP_md5(), nullptr);
  }

  void Update(const void* data, size_t size) { EVP_DigestUpdate(context_.get(), data, size); }

  // 32 lower-case hex digits.
  std::string FinishHex() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md5{};
    unsigned int md5_size = 0;
    EVP_DigestFinal_ex(context_.get(), md5.data(), &md5_size);
    return HexOf(md5.data(), md5_size);
  }

 private:
  std::unique_ptr<EVP_MD_CTX, EvpContextDeleter> context_;
};

// Incremental XXH64 with seed 0.
class Xxh64Hasher {
 public:
  Xxh64Hasher() : state_(XXH64_createState()) { XXH64_reset(state_.get(), 0); }

  void Update(const void* data, size_t size) { XXH64_update(state_.get(), data, size); }

  // 16 lower-case hex digits of the canonical (big-endian) form.
  std::string FinishHex() {
    XXH64_canonical_t canonical;
    XXH64_canonicalFromHash(&canonical, XXH64_digest(state_.get()));
    return HexOf(canonical.digest, sizeof canonical);
  }

 private:
  std::unique_ptr<XXH64_state_t, XxhStateDeleter> state_;
};

// Incremental MD5 + XXH64 over a byte stream, on the calling thread.
class TwinHasher {
 public:
  void Update(const void* data, size_t size) {
    md5_.Update(data, size);
    xxh64_.Update(data, size);
    size_bytes_ += static_cast<int64_t>(size);
  }

  FileDigest Finish() { return FileDigest{size_bytes_, md5_.FinishHex(), xxh64_.FinishHex()}; }

 private:
  Md5Hasher md5_;
  Xxh64Hasher xxh64_;
  int64_t size_bytes_ = 0;
};

// An MD5 thread fed chunk by chunk through a ring of kRingSlots buffers by one producer (the
// calling thread): the producer fills NextBuffer() and Publish()es it; the MD5 thread hashes
// published chunks in order; a slot is handed out again only after MD5 has consumed it.
// Destroying the pipeline before Finish() stops the thread after the chunk it is hashing.
class Md5Pipeline {
 public:
  // Starts the MD5 thread; nullptr if the system cannot start one.
  static std::unique_ptr<Md5Pipeline> Start() {
    auto pipeline = std::unique_ptr<Md5Pipeline>(new Md5Pipeline());
    try {
      pipeline->thread_ = std::thread([raw = pipeline.get()] { raw->Run(); });
    } catch (const std::system_error&) {
      return nullptr;
    }
    return pipeline;
  }

  ~Md5Pipeline() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      cancelled_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }

  Md5Pipeline(const Md5Pipeline&) = delete;
  Md5Pipeline& operator=(const Md5Pipeline&) = delete;

  // Waits until a slot is free and returns its kChunkBytes buffer, which the producer owns
  // until it calls Publish.
  char* NextBuffer() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return published_ - consumed_ < kRingSlots; });
    return slots_[published_ % kRingSlots].data();
  }

  // Hands the first `size` bytes of the buffer from NextBuffer to the MD5 thread.
  void Publish(size_t size) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      sizes_[published_ % kRingSlots] = size;
      ++published_;
    }
    changed_.notify_all();
  }

  // Waits until MD5 has consumed every published chunk and returns its 32 hex digits. Call
  // once; the pipeline can then only be destroyed.
  std::string Finish() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      closed_ = true;
    }
    changed_.notify_all();
    thread_.join();
    return md5_.FinishHex();
  }

 private:
  Md5Pipeline() {
    for (std::vector<char>& slot : slots_) slot.resize(kChunkBytes);
  }

  // The MD5 thread.
  void Run() {
    for (;;) {
      const char* data = nullptr;
      size_t size = 0;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [this] { return cancelled_ || closed_ || consumed_ < published_; });
        if (cancelled_ || consumed_ == published_) return;  // Stopped, or closed and drained.
        data = slots_[consumed_ % kRingSlots].data();
        size = sizes_[consumed_ % kRingSlots];
      }
      md5_.Update(data, size);  // The producer does not touch this slot until consumed_ moves.
      {
        std::lock_guard<std::mutex> lock(mutex_);
        ++consumed_;
      }
      changed_.notify_all();
    }
  }

  std::mutex mutex_;
  std::condition_variable changed_;         // Any of the guarded fields below changed.
  int64_t published_ = 0;                   // Chunks handed to MD5; guarded by mutex_.
  int64_t consumed_ = 0;                    // Chunks MD5 has hashed; guarded by mutex_.
  bool closed_ = false;                     // No more chunks will be published; guarded by mutex_.
  bool cancelled_ = false;                  // Stop without draining; guarded by mutex_.
  std::array<size_t, kRingSlots> sizes_{};  // Guarded by mutex_.
  // Chunk n lives in slots_[n % kRingSlots]: written by the producer between NextBuffer and
  // Publish, then read by the MD5 thread until consumed_ passes n.
  std::array<std::vector<char>, kRingSlots> slots_;
  Md5Hasher md5_;  // The MD5 thread's until Finish joins it.
  std::thread thread_;
};

absl::StatusOr<FileDigest> DigestOnThisThread(const RandomAccessFile& file, int64_t total,
                                              const DigestProgress& progress) {
  TwinHasher hasher;
  std::vector<char> buffer(kChunkBytes);
  int64_t done = 0;
  for (;;) {
    ATP_ASSIGN_OR_RETURN(const size_t got, file.ReadAt(done, buffer.data(), buffer.size()));
    if (got == 0) break;
    hasher.Update(buffer.data(), got);
    done += static_cast<int64_t>(got);
    if (progress) ATP_RETURN_IF_ERROR(progress(done, total));
  }
  return hasher.Finish();
}

}  // namespace

absl::StatusOr<FileDigest> DigestFile(const RandomAccessFile& file,
                                      const DigestProgress& progress) {
  ATP_ASSIGN_OR_RETURN(const int64_t total, file.Size());
  std::unique_ptr<Md5Pipeline> md5 = total >= kMinPipelinedBytes ? Md5Pipeline::Start() : nullptr;
  if (md5 == nullptr) return DigestOnThisThread(file, total, progress);
  // Every return below destroys `md5`, which stops and joins its thread.
  Xxh64Hasher xxh64;
  int64_t done = 0;
  for (;;) {
    char* buffer = md5->NextBuffer();
    ATP_ASSIGN_OR_RETURN(const size_t got, file.ReadAt(done, buffer, kChunkBytes));
    if (got == 0) break;
    xxh64.Update(buffer, got);
    md5->Publish(got);
    done += static_cast<int64_t>(got);
    if (progress) ATP_RETURN_IF_ERROR(progress(done, total));
  }
  return FileDigest{done, md5->Finish(), xxh64.FinishHex()};
}

absl::StatusOr<FileDigest> DigestFile(const std::filesystem::path& file,
                                      const DigestProgress& progress) {
  ATP_ASSIGN_OR_RETURN(std::unique_ptr<PinnedFile> pinned, PinnedFile::Open(file));
  return DigestFile(*pinned, progress);
}

FileDigest DigestBytes(std::string_view bytes) {
  TwinHasher hasher;
  hasher.Update(bytes.data(), bytes.size());
  return hasher.Finish();
}

std::string Sha256Hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest.data(), &size, EVP_sha256(), nullptr);
  return HexOf(digest.data(), size);
}

}  // namespace atp::storage
