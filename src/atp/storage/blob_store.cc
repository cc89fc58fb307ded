#include "atp/storage/blob_store.h"

#include "absl/strings/cord.h"
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

// The payload of an OpenRefusal: its reason's name, then ':' and `what` when there is one
// (one line, as absl::Status::ToString shows payloads).
constexpr char kOpenRefusalTypeUrl[] = "type.atp/atp.storage.OpenRefusal";
constexpr std::string_view kOutsideName = "outside";
constexpr std::string_view kNotAnObjectName = "not-an-object";
constexpr std::string_view kSymlinkLoopName = "symlink-loop";

}  // namespace

absl::Status WithOpenRefusal(absl::Status status, const OpenRefusal& refusal) {
  std::string_view name = kOutsideName;
  if (refusal.reason == OpenRefusal::Reason::kNotAnObject) name = kNotAnObjectName;
  if (refusal.reason == OpenRefusal::Reason::kSymlinkLoop) name = kSymlinkLoopName;
  std::string payload(name);
  if (!refusal.what.empty()) absl::StrAppend(&payload, ":", refusal.what);
  status.SetPayload(kOpenRefusalTypeUrl, absl::Cord(payload));
  return status;
}

std::optional<OpenRefusal> OpenRefusalOf(const absl::Status& status) {
  const auto payload = status.GetPayload(kOpenRefusalTypeUrl);
  if (!payload.has_value()) return std::nullopt;
  const std::string text(*payload);
  const size_t colon = text.find(':');
  const std::string_view name = std::string_view(text).substr(0, colon);
  OpenRefusal refusal;
  if (name == kOutsideName) {
    refusal.reason = OpenRefusal::Reason::kOutside;
  } else if (name == kNotAnObjectName) {
    refusal.reason = OpenRefusal::Reason::kNotAnObject;
  } else if (name == kSymlinkLoopName) {
    refusal.reason = OpenRefusal::Reason::kSymlinkLoop;
  } else {
    return std::nullopt;
  }
  if (colon != std::string::npos) refusal.what = text.substr(colon + 1);
  return refusal;
}

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

absl::StatusOr<std::string> BlobStore::CanonicalPrefix(std::string_view prefix) {
  ATP_RETURN_IF_ERROR(ValidatePrefix(prefix));
  return std::string(prefix);
}

absl::Status BlobStore::Put(std::string_view key, std::string_view bytes) {
  ATP_ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> writer, Create(key));
  ATP_RETURN_IF_ERROR(writer->Append(bytes));
  return writer->Commit();
}

}  // namespace atp::storage
