// `atp validate DIR [--source FILE] [--loudness-target LUFS [--true-peak-ceiling DBTP]] [--json]
// [--strict] [--max-bytes N]`: checks the package in DIR (DIR/master.m3u8 and DIR/manifest.mpd,
// whichever exist) with the independent validator, reading nothing outside DIR and at most N
// bytes from it; with a loudness target, every audio rendition is decoded and held to it. Exit 0
// when no rule fails (warnings fail only with --strict), 1 when one does, 2 when the package cannot
// be read.
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <optional>

#include "absl/strings/str_format.h"
#include "atp/app/commands.h"
#include "atp/media/probe.h"
#include "atp/storage/pinned_file.h"
#include "atp/validate/package_files.h"
#include "atp/validate/package_validator.h"
#include "nlohmann/json.hpp"

namespace atp::app {
namespace {

constexpr int kExitRuleFailed = 1;
constexpr int kExitUnreadable = 2;

struct ValidateFlags {
  std::filesystem::path dir;
  std::filesystem::path source;
  bool json = false;
  bool strict = false;
  int64_t max_bytes = validate::kDefaultMaxPackageBytes;  // Signed, so "-5" is refused.
  std::optional<double> loudness_target;
  double true_peak_ceiling = -2;  // ATSC A/85's, the profile's default.
};

// The rendition a finding is about: its location up to the first ':' or ' -> '.
std::string RenditionOf(const std::string& where) {
  return where.substr(0, std::min(where.find(':'), where.find(" -> ")));
}

int RunValidate(const ValidateFlags& flags) {
  validate::ValidateOptions options;
  options.max_total_bytes = static_cast<uint64_t>(flags.max_bytes);
  if (flags.loudness_target) {
    options.loudness = validate::LoudnessTarget{.target_lufs = *flags.loudness_target,
                                                .ceiling_dbtp = flags.true_peak_ceiling};
  }
  if (!flags.source.empty()) {
    absl::StatusOr<std::unique_ptr<storage::PinnedFile>> file =
        storage::PinnedFile::Open(flags.source);
    absl::StatusOr<SourceInfo> source = file.ok() ? media::ProbeMedia(**file) : file.status();
    if (!source.ok()) {
      std::cerr << "atp validate: --source: " << source.status().message() << "\n";
      return kExitUnreadable;
    }
    options.source_duration_seconds = source->duration_seconds();
    options.source_display_aspect = source->display_aspect();
    if (!source->audio_streams.empty()) {
      options.source_audio_offset_seconds = source->audio_offset_seconds();
    }
  }
  absl::StatusOr<validate::ValidationReport> report = validate::ValidatePackage(flags.dir, options);
  if (!report.ok()) {
    std::cerr << "atp validate: cannot read the package: " << report.status().message() << "\n";
    return kExitUnreadable;
  }
  const bool failed = report->errors() > 0 || (flags.strict && report->warnings() > 0);
  if (flags.json) {
    nlohmann::json findings = nlohmann::json::array();
    for (const validate::Finding& f : report->findings()) {
      findings.push_back({{"rule", f.rule},
                          {"severity", validate::SeverityName(f.severity)},
                          {"where", f.where},
                          {"message", f.message}});
    }
    std::cout << nlohmann::json{{"ok", !failed},
                                {"errors", report->errors()},
                                {"warnings", report->warnings()},
                                {"findings", findings}}
                     .dump(2)
              << "\n";
  } else {
    std::map<std::string, std::vector<const validate::Finding*>> by_rendition;
    for (const validate::Finding& f : report->findings()) {
      by_rendition[RenditionOf(f.where)].push_back(&f);
    }
    for (const auto& [rendition, findings] : by_rendition) {
      std::cout << rendition << "\n";
      for (const validate::Finding* f : findings) {
        std::cout << absl::StrFormat("  %-7s %-29s %s: %s\n", validate::SeverityName(f->severity),
                                     f->rule, f->where, f->message);
      }
    }
    std::cout << absl::StrFormat("atp validate: %s, %d error(s), %d warning(s)\n",
                                 failed ? "FAILED" : "OK", report->errors(), report->warnings());
  }
  return failed ? kExitRuleFailed : 0;
}

}  // namespace

void AddValidateCommand(CLI::App& app, const GlobalOptions& /*global*/, int& exit_code) {
  auto flags = std::make_shared<ValidateFlags>();
  CLI::App* command = app.add_subcommand(
      "validate",
      "Check an HLS and/or DASH package (DIR/master.m3u8, DIR/manifest.mpd) against the rule "
      "table (docs/validate.md)");
  command->add_option("dir", flags->dir, "Package folder")->required();
  command->add_option("--source", flags->source,
                      "Source file whose duration renditions must match");
  command
      ->add_option("--loudness-target", flags->loudness_target,
                   "Decode every audio rendition and require its integrated loudness within "
                   "1 LU of this (LUFS) and its true peak at most the ceiling + 0.5 dB")
      ->check(CLI::Range(-70.0, 0.0));
  command
      ->add_option("--true-peak-ceiling", flags->true_peak_ceiling,
                   "The true peak ceiling (dBTP) of --loudness-target (default -2)")
      ->check(CLI::Range(-20.0, 0.0));
  command->add_flag("--json", flags->json, "Print the findings as JSON");
  command->add_flag("--strict", flags->strict, "Fail on warnings too");
  command
      ->add_option("--max-bytes", flags->max_bytes,
                   "Bytes read from the package at most, all files together (default 64 GiB); "
                   "past it the rest is left unread and PKG-BUDGET fails")
      ->check(CLI::Range(int64_t{1}, std::numeric_limits<int64_t>::max()));
  command->callback([flags, &exit_code] {
    // The validator reports faults as findings and statuses; anything else that escapes is a
    // package it could not read, never a crash.
    try {
      exit_code = RunValidate(*flags);
    } catch (const std::exception& error) {
      std::cerr << "atp validate: cannot read the package: " << error.what() << "\n";
      exit_code = kExitUnreadable;
    }
  });
}

}  // namespace atp::app
