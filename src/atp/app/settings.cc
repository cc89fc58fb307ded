#include "atp/app/settings.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "atp/core/status_macros.h"

namespace atp::app {
namespace {

constexpr const char* kVariables[] = {"ENVIRONMENT",
                                      "ENABLE_H265",
                                      "ENABLE_AV1",
                                      "ENABLE_DASH",
                                      "ATP_WEBHOOK_URL",
                                      "ATP_WEBHOOK_SECRET",
                                      notify::kCallbackAllowNetsVariable.data(),
                                      "ATP_TEST_PAUSE_AT_STEP",
                                      "ATP_TEST_PAUSE_MARKER"};

std::string Lookup(const std::map<std::string, std::string>& environment, const char* name) {
  auto it = environment.find(name);
  return it == environment.end() ? std::string() : it->second;
}

}  // namespace

std::map<std::string, std::string> ReadAtpEnvironment() {
  std::map<std::string, std::string> environment;
  for (const char* name : kVariables) {
    if (const char* value = std::getenv(name); value != nullptr) environment[name] = value;
  }
  return environment;
}

absl::StatusOr<Settings> LoadSettings(const std::map<std::string, std::string>& environment,
                                      const std::filesystem::path& profile_file) {
  Settings settings;
  if (auto it = environment.find("ENVIRONMENT"); it != environment.end()) {
    if (it->second != "dev" && it->second != "staging" && it->second != "prod") {
      return absl::InvalidArgumentError(
          absl::StrCat("ENVIRONMENT: expected dev, staging or prod, got '", it->second, "'"));
    }
    settings.environment = it->second;
  }
  if (!profile_file.empty()) {
    std::ifstream in(profile_file, std::ios::binary);
    if (!in) {
      return absl::NotFoundError(
          absl::StrCat("profile file ", profile_file.string(), " cannot be opened"));
    }
    std::stringstream text;
    text << in.rdbuf();
    absl::StatusOr<encode::EncodingProfile> profile =
        encode::ApplyProfileToml(text.str(), settings.profile);
    if (!profile.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(profile_file.string(), ": ", std::string(profile.status().message())));
    }
    settings.profile = *std::move(profile);
  }
  ATP_ASSIGN_OR_RETURN(settings.profile,
                       encode::ApplyEnvironmentSwitches(environment, settings.profile));
  settings.webhook_url = Lookup(environment, "ATP_WEBHOOK_URL");
  settings.webhook_secret = Lookup(environment, "ATP_WEBHOOK_SECRET");
  absl::StatusOr<std::vector<notify::IpNetwork>> allowed =
      notify::ParseIpNetworkList(Lookup(environment, notify::kCallbackAllowNetsVariable.data()));
  if (!allowed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(notify::kCallbackAllowNetsVariable.data(), ": ", allowed.status().message()));
  }
  settings.callback_allowed_networks = *std::move(allowed);
  settings.pause_at_step = Lookup(environment, "ATP_TEST_PAUSE_AT_STEP");
  settings.pause_marker = Lookup(environment, "ATP_TEST_PAUSE_MARKER");
  ATP_RETURN_IF_ERROR(encode::ValidateProfile(settings.profile));
  return settings;
}

}  // namespace atp::app
