// `atp transcode MANIFEST [--input-root DIR] --out DIR`: check the delivery, encode the
// ladder once, package HLS and DASH, and publish the package atomically.
#include <chrono>
#include <iostream>
#include <memory>

#include "absl/strings/str_format.h"
#include "atp/app/check_report_format.h"
#include "atp/app/check_runner.h"
#include "atp/app/commands.h"
#include "atp/app/exit_codes.h"
#include "atp/app/progress_line.h"
#include "atp/pipeline/output_layout.h"
#include "atp/pipeline/transcode_and_package.h"
#include "atp/storage/directory_publish.h"

namespace atp::app {
namespace {

struct TranscodeFlags {
  std::filesystem::path manifest;
  std::filesystem::path input_root;
  std::filesystem::path out;
};

void PrintPackage(const PackagedMedia& media, const std::filesystem::path& dir) {
  std::cout << "package     " << dir.string() << "\n";
  for (const auto* tracks : {&media.video, &media.audio}) {
    for (const PackagedTrack& t : *tracks) {
      std::cout << absl::StrFormat(
          "  %-11s %-16s %3d segments  %8.3f s  avg %5d kbps  peak %5d kbps\n", t.name, t.codecs,
          t.segments.size(), t.duration_seconds(), t.average_bitrate_bps / 1000,
          t.peak_bitrate_bps / 1000);
    }
  }
  std::cout << "play        " << (dir / "master.m3u8").string() << "\n";
}

int RunTranscode(const TranscodeFlags& flags, const GlobalOptions& global) {
  absl::StatusOr<CheckRun> run = RunCheckWithProgress(flags.manifest, flags.input_root, global);
  if (!run.ok()) {
    std::cerr << "atp transcode: " << run.status().message() << "\n";
    return kExitOtherError;
  }
  const pipeline::CheckReport& report = run->report;
  const Settings& settings = run->settings;
  if (!report.ok()) {
    std::cout << FormatCheckText(report, settings);
    return CheckExitCode(report);
  }
  const JobSpec& spec = report.manifest->spec;
  const std::string job_id = pipeline::JobIdFromKey(report.job_key);
  const std::filesystem::path final_dir = pipeline::JobOutputDir(flags.out, spec, job_id);
  if (std::filesystem::exists(final_dir)) {
    std::cout << "already published: " << final_dir.string() << " (job " << job_id << ")\n";
    return kExitOk;
  }
  absl::StatusOr<std::filesystem::path> staging = storage::CreateStagingDirectory(final_dir);
  if (!staging.ok()) {
    std::cerr << "atp transcode: " << staging.status().message() << "\n";
    return kExitOtherError;
  }
  const SourceInfo& source = report.mezzanine->source;
  const auto started = std::chrono::steady_clock::now();
  absl::StatusOr<PackagedMedia> media;
  {
    ProgressLine progress("transcode");
    media = pipeline::TranscodeAndPackage({.spec = spec,
                                           .mezzanine = report.mezzanine->file.get(),
                                           .source = source,
                                           .ladder = *report.ladder,
                                           .profile = settings.profile},
                                          *staging, [&](const encode::TranscodeProgress& p) {
                                            progress.UpdateFrames(p.frames_done, p.frames_total,
                                                                  source.frame_rate.ToDouble());
                                            return absl::OkStatus();
                                          });
  }
  absl::Status published = media.status();
  if (published.ok()) published = storage::PublishDirectory(*staging, final_dir);
  if (!published.ok()) {
    std::error_code ignored;
    std::filesystem::remove_all(*staging, ignored);
    std::cerr << "atp transcode: FAILED (" << absl::StatusCodeToString(published.code())
              << "): " << published.message() << "\nnothing was published\n";
    return published.code() == absl::StatusCode::kInvalidArgument ? kExitMezzanineMismatch
                                                                  : kExitOtherError;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << absl::StrFormat("transcoded  %.3f s of media in %.1f s (%.2fx realtime), job %s\n",
                               source.duration_seconds(), seconds,
                               source.duration_seconds() / seconds, job_id);
  PrintPackage(*media, final_dir);
  return kExitOk;
}

}  // namespace

void AddTranscodeCommand(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto flags = std::make_shared<TranscodeFlags>();
  CLI::App* command = app.add_subcommand(
      "transcode", "Check a delivery, encode its ABR ladder once, package HLS + DASH, publish");
  command->add_option("manifest", flags->manifest, "The delivery manifest (XML)")->required();
  command->add_option("--input-root", flags->input_root,
                      "Folder the manifest's FilePaths are relative to (default: the manifest's)");
  command->add_option("--out", flags->out, "Output root")->required();
  command->callback([flags, &global, &exit_code] { exit_code = RunTranscode(*flags, global); });
}

}  // namespace atp::app
