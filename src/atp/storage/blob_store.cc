#include "atp/storage/blob_store.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "atp/core/status_macros.h"

namespace atp::storage {
namespace {

absl::Status BadKey(std::string_view key, std::string_view rule) {
  return absl::InvalidArgumentError(
      absl::StrCat("bad key \"", absl::CEscape(absl::string_view(key.data(), key.size())),
                   "\": ", absl::string_view(rule.data(), rule.size())));
}

}  // namespace

absl::Status ValidateKey(std::string_view key) {
  if (key.empty()) return BadKey(key, "it is empty");
  if (key.front() == '/') return BadKey(key, "it is absolute (keys are relative)");
  if (key.find('\\') != std::string_view::npos) return BadKey(key, "it has a backslash");
  if (key.find('\0') != std::string_view::npos) return BadKey(key, "it has a NUL byte");
  for (absl::string_view segment : absl::StrSplit(absl::string_view(key.data(), key.size()), '/')) {
    if (segment.empty()) return BadKey(key, "it has an empty segment");
    if (segment == "." || segment == "..") {
      return BadKey(key, absl::StrCat("it has a \"", segment, "\" segment"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidatePrefix(std::string_view prefix) {
  return prefix.empty() ? absl::OkStatus() : ValidateKey(prefix);
}

absl::Status BlobStore::Put(std::string_view key, std::string_view bytes) {
  ATP_ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> writer, Create(key));
  ATP_RETURN_IF_ERROR(writer->Append(bytes));
  return writer->Commit();
}

}  // namespace atp::storage
