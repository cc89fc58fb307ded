// atp/app/key_files.h
//
// Reading the small secret files the URL-signing commands are given.
#ifndef ATP_APP_KEY_FILES_H_
#define ATP_APP_KEY_FILES_H_

#include <filesystem>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace atp::app {

// The bytes of `file`, named by `flag` in the error when it cannot be read (NotFound).
[[nodiscard]] absl::StatusOr<std::string> ReadSmallFile(const std::filesystem::path& file,
                                                        std::string_view flag);

// The HMAC key of signed delivery URLs in `file` (`flag` names it in errors): its bytes
// without trailing whitespace (`openssl rand -hex 32 > key` ends with a newline that is not
// key); InvalidArgument when fewer than 16 bytes are left.
[[nodiscard]] absl::StatusOr<std::string> ReadUrlSigningKey(const std::filesystem::path& file,
                                                            std::string_view flag);

}  // namespace atp::app

#endif  // ATP_APP_KEY_FILES_H_
