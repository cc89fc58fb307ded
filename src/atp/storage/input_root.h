// atp/storage/input_root.h
//
// Deliveries name their files relative to an input root; nothing they name may lie outside it.
#ifndef ATP_STORAGE_INPUT_ROOT_H_
#define ATP_STORAGE_INPUT_ROOT_H_

#include <filesystem>
#include <string_view>

#include "absl/status/statusor.h"

namespace atp::storage {

// Returns the canonical location of `relative_path` inside `root`, with symlinks resolved.
// InvalidArgument when the path is empty, absolute, has a ".." component, or resolves (through
// a symlink) outside the canonical root. NotFound when `root` does not exist. The file itself
// need not exist: opening it reports that.
[[nodiscard]] absl::StatusOr<std::filesystem::path> ResolveInsideRoot(
    const std::filesystem::path& root, std::string_view relative_path);

}  // namespace atp::storage

#endif  // ATP_STORAGE_INPUT_ROOT_H_
