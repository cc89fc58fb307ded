#include "atp/storage/file_digest.h"

#include <openssl/evp.h>
#include <xxhash.h>

#include <array>
#include <memory>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "atp/core/status_macros.h"
#include "atp/storage/pinned_file.h"

namespace atp::storage {
namespace {

// 1 MiB reads keep the syscall count low while staying inside L2 for both hash passes.
constexpr size_t kChunkBytes = 1 << 20;

struct EvpContextDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
struct XxhStateDeleter {
  void operator()(XXH64_state_t* state) const { XXH64_freeState(state); }
};

std::string HexOf(const unsigned char* bytes, size_t size) {
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(bytes), size));
}

// Incremental MD5 + XXH64 over a byte stream.
class TwinHasher {
 public:
  TwinHasher() : md5_(EVP_MD_CTX_new()), xxh_(XXH64_createState()) {
    EVP_DigestInit_ex(md5_.get(), EVP_md5(), nullptr);
    XXH64_reset(xxh_.get(), 0);
  }

  void Update(const void* data, size_t size) {
    EVP_DigestUpdate(md5_.get(), data, size);
    XXH64_update(xxh_.get(), data, size);
    size_bytes_ += static_cast<int64_t>(size);
  }

  FileDigest Finish() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md5{};
    unsigned int md5_size = 0;
    EVP_DigestFinal_ex(md5_.get(), md5.data(), &md5_size);
    XXH64_canonical_t xxh;
    XXH64_canonicalFromHash(&xxh, XXH64_digest(xxh_.get()));
    return FileDigest{size_bytes_, HexOf(md5.data(), md5_size), HexOf(xxh.digest, sizeof xxh)};
  }

 private:
  std::unique_ptr<EVP_MD_CTX, EvpContextDeleter> md5_;
  std::unique_ptr<XXH64_state_t, XxhStateDeleter> xxh_;
  int64_t size_bytes_ = 0;
};

}  // namespace

absl::StatusOr<FileDigest> DigestFile(const RandomAccessFile& file,
                                      const DigestProgress& progress) {
  ATP_ASSIGN_OR_RETURN(const int64_t total, file.Size());
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
