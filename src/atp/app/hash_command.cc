// `atp hash FILE...`: size, MD5 and XXH64 of each file in one read, as a manifest needs them.
#include <iostream>
#include <memory>

#include "absl/strings/str_format.h"
#include "atp/app/commands.h"
#include "atp/app/exit_codes.h"
#include "atp/app/progress_line.h"
#include "atp/storage/file_digest.h"

namespace atp::app {

void AddHashCommand(CLI::App& app, const GlobalOptions& /*global*/, int& exit_code) {
  auto files = std::make_shared<std::vector<std::filesystem::path>>();
  CLI::App* command = app.add_subcommand(
      "hash", "Print size, MD5 and XXH64 of files (one read each), as manifests need them");
  command->add_option("files", *files, "Files to hash")->required();
  command->callback([files, &exit_code] {
    exit_code = kExitOk;
    for (const std::filesystem::path& file : *files) {
      absl::StatusOr<storage::FileDigest> digest;
      {
        ProgressLine progress("hash " + file.filename().string());
        digest = storage::DigestFile(file, [&progress](int64_t done, int64_t total) {
          progress.UpdateBytes(done, total);
          return absl::OkStatus();
        });
      }
      if (!digest.ok()) {
        std::cerr << "atp hash: " << digest.status().message() << "\n";
        exit_code = kExitOtherError;
        continue;
      }
      std::cout << absl::StrFormat("%s  %s  %d  %s\n", digest->md5_hex, digest->xxh64_hex,
                                   digest->size_bytes, file.string());
    }
  });
}

}  // namespace atp::app
