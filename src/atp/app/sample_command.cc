// `atp sample --out DIR [--duration 10] [--size 1920x1080] [--fps 23.976] [--audio ja,en]
//             [--codec prores|h264]`
#include <iostream>
#include <memory>

#include "atp/app/commands.h"
#include "atp/app/exit_codes.h"
#include "atp/app/flag_parsing.h"
#include "atp/core/status_macros.h"
#include "atp/pipeline/sample_delivery.h"

namespace atp::app {
namespace {

struct SampleFlags {
  std::filesystem::path out;
  double duration_seconds = 10;
  std::string size = "1920x1080";
  std::string fps = "23.976";
  std::string audio = "ja,en";
  std::string codec = "prores";
  std::string series_id = "atp-sample";
};

absl::Status RunSample(const SampleFlags& flags) {
  pipeline::SampleDeliveryOptions options;
  options.series_id = flags.series_id;
  options.media.duration_seconds = flags.duration_seconds;
  options.media.codec =
      flags.codec == "h264" ? media::SampleCodec::kH264 : media::SampleCodec::kProRes;
  ATP_ASSIGN_OR_RETURN(std::tie(options.media.width, options.media.height),
                       ParseFrameSize(flags.size));
  ATP_ASSIGN_OR_RETURN(options.media.frame_rate, ParseFrameRate(flags.fps));
  ATP_ASSIGN_OR_RETURN(options.media.audio_languages, ParseLanguageList(flags.audio));
  ATP_RETURN_IF_ERROR(pipeline::CheckSampleDeliveryOptions(options));
  std::cerr << "atp sample: writing " << flags.duration_seconds << " s of " << flags.size << " "
            << flags.codec << " to " << flags.out.string() << "\n";
  ATP_ASSIGN_OR_RETURN(pipeline::SampleDelivery delivery,
                       pipeline::CreateSampleDelivery(options, flags.out));
  std::cout << "mezzanine  " << delivery.mezzanine_file.string() << "\n"
            << "manifest   " << delivery.manifest_file.string() << "\n"
            << "next       atp check " << delivery.manifest_file.string() << "\n";
  return absl::OkStatus();
}

}  // namespace

void AddSampleCommand(CLI::App& app, const GlobalOptions& /*global*/, int& exit_code) {
  auto flags = std::make_shared<SampleFlags>();
  CLI::App* command = app.add_subcommand(
      "sample", "Generate an anime-like mezzanine and a matching delivery manifest");
  command->add_option("--out", flags->out, "Folder to write the delivery into")->required();
  command->add_option("--duration", flags->duration_seconds, "Seconds of content")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 7200.0));
  command->add_option("--size", flags->size, "WIDTHxHEIGHT")->capture_default_str();
  command->add_option("--fps", flags->fps, "Frame rate: 23.976, 25, 24000/1001 ...")
      ->capture_default_str();
  command->add_option("--audio", flags->audio, "Audio languages, one stream each")
      ->capture_default_str();
  command->add_option("--codec", flags->codec, "prores (ProRes 422 HQ + PCM in .mov) or h264")
      ->capture_default_str()
      ->check(CLI::IsMember({"prores", "h264"}));
  command->add_option("--series-id", flags->series_id, "Episode/SeriesId of the manifest")
      ->capture_default_str();
  command->callback([flags, &exit_code] {
    absl::Status status = RunSample(*flags);
    if (!status.ok()) std::cerr << "atp sample: " << status << "\n";
    exit_code = status.ok() ? kExitOk : kExitOtherError;
  });
}

}  // namespace atp::app
