#include "atp/storage/input_root.h"

#include <algorithm>
#include <system_error>

#include "absl/strings/str_cat.h"

namespace atp::storage {

absl::StatusOr<std::filesystem::path> ResolveInsideRoot(const std::filesystem::path& root,
                                                        std::string_view relative_path) {
  const std::filesystem::path relative(relative_path);
  const std::string relative_text(relative_path);
  if (relative_path.empty()) return absl::InvalidArgumentError("path is empty");
  if (relative.is_absolute()) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", relative_text, "' is absolute; give a path relative to the input root"));
  }
  if (std::any_of(relative.begin(), relative.end(),
                  [](const auto& part) { return part == ".."; })) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", relative_text, "' has a '..' component; it may not leave the input root"));
  }
  std::error_code error;
  const std::filesystem::path canonical_root = std::filesystem::canonical(root, error);
  if (error) {
    return absl::NotFoundError(absl::StrCat("input root '", root.string(), "': ", error.message()));
  }
  const std::filesystem::path resolved =
      std::filesystem::weakly_canonical(canonical_root / relative, error);
  if (error) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", relative_text, "' cannot be resolved: ", error.message()));
  }
  // Compare whole components so "/in2/x" is not taken to be inside "/in".
  auto [root_end, unused] =
      std::mismatch(canonical_root.begin(), canonical_root.end(), resolved.begin(), resolved.end());
  if (root_end != canonical_root.end()) {
    return absl::InvalidArgumentError(absl::StrCat("'", relative_text, "' resolves to '",
                                                   resolved.string(),
                                                   "', outside the input root (a symlink?)"));
  }
  return resolved;
}

}  // namespace atp::storage
