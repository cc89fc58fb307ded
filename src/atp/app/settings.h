// atp/app/settings.h
//
// The only place atp reads its environment: the encoding profile (defaults, then a TOML
// file, then the ENABLE_H265 / ENABLE_AV1 / ENABLE_DASH switches), the ENVIRONMENT label, and
// where notifications may go.
#ifndef ATP_APP_SETTINGS_H_
#define ATP_APP_SETTINGS_H_

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "atp/encode/encoding_profile.h"
#include "atp/notify/address_policy.h"

namespace atp::app {

struct Settings {
  std::string environment = "dev";  // ENVIRONMENT: dev, staging or prod; labels reports.
  encode::EncodingProfile profile;
  // Notifications of every job outcome (besides the manifest's CallbackUrl), signed with the
  // secret (ATP_WEBHOOK_URL, ATP_WEBHOOK_SECRET).
  std::string webhook_url;
  std::string webhook_secret;
  // Networks a manifest's CallbackUrl may reach although they are not public (loopback,
  // private, link-local, ...; see notify/address_policy.h), from ATP_CALLBACK_ALLOW_NETS:
  // comma-separated CIDRs such as "10.20.0.0/16, fd00:1::/64". Empty: public addresses only.
  std::vector<notify::IpNetwork> callback_allowed_networks;
  // Test only: `atp run` stops before starting this step (ATP_TEST_PAUSE_AT_STEP), transcode
  // unit ("transcode/video-002") or after the first per-title probe ("plan/per-title"), after
  // creating the file ATP_TEST_PAUSE_MARKER, and waits to be killed (test_pause.h).
  std::string pause_at_step;
  std::string pause_marker;
};

// Reads the variables atp uses from the process environment.
[[nodiscard]] std::map<std::string, std::string> ReadAtpEnvironment();

// Builds the settings from `environment` (see ReadAtpEnvironment) and, when not empty, the
// TOML profile file `profile_file`. InvalidArgument names the file, variable or key at fault.
[[nodiscard]] absl::StatusOr<Settings> LoadSettings(
    const std::map<std::string, std::string>& environment,
    const std::filesystem::path& profile_file);

}  // namespace atp::app

#endif  // ATP_APP_SETTINGS_H_
