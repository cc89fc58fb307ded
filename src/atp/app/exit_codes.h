// atp/app/exit_codes.h
//
// Process exit codes, documented in the README ("Exit codes").
#ifndef ATP_APP_EXIT_CODES_H_
#define ATP_APP_EXIT_CODES_H_

namespace atp::app {

inline constexpr int kExitOk = 0;
inline constexpr int kExitOtherError = 1;         // Bad flags, I/O errors, bugs.
inline constexpr int kExitInvalidManifest = 2;    // Ingest failed (also a bad profile file).
inline constexpr int kExitMezzanineMismatch = 3;  // Verify failed.
inline constexpr int kExitValidationFailed = 4;   // `atp run`: the output failed the check.

}  // namespace atp::app

#endif  // ATP_APP_EXIT_CODES_H_
