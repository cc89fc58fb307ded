// `atp sign-url`: CloudFront signed URLs (canned or custom policy), and the HMAC token paths
// under which `atp serve --signed-urls` will serve a package.
#include <iostream>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "atp/app/commands.h"
#include "atp/app/exit_codes.h"
#include "atp/app/key_files.h"
#include "atp/core/status_macros.h"
#include "atp/server/signed_urls.h"

namespace atp::app {
namespace {

struct SignUrlFlags {
  std::string url;
  std::string key_pair_id;
  std::filesystem::path private_key;
  std::filesystem::path policy;
  std::string expires;
  bool hmac = false;
  std::filesystem::path key_file;
  std::string prefix;
};

// "2027-01-31T00:00:00Z" (RFC 3339) or "+6h", "+90m", "+3600s" (from `now`).
absl::StatusOr<absl::Time> ParseExpiry(const std::string& text, absl::Time now) {
  if (text.starts_with("+")) {
    absl::Duration duration;
    if (absl::ParseDuration(text.substr(1), &duration) && duration > absl::ZeroDuration()) {
      return now + duration;
    }
  } else {
    absl::Time time;
    std::string error;
    if (absl::ParseTime(absl::RFC3339_full, text, &time, &error)) return time;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--expires '", text,
                   "': expected an RFC 3339 time (2027-01-31T00:00:00Z) or a duration from now "
                   "(+6h, +90m, +3600s)"));
}

absl::StatusOr<std::string> SignedUrl(const SignUrlFlags& flags) {
  const absl::Time now = absl::Now();
  ATP_ASSIGN_OR_RETURN(const absl::Time expires, ParseExpiry(flags.expires, now));
  if (flags.hmac) {
    ATP_ASSIGN_OR_RETURN(const std::string key, ReadUrlSigningKey(flags.key_file, "--key-file"));
    if (expires <= now) return absl::InvalidArgumentError("--expires is not in the future");
    ATP_ASSIGN_OR_RETURN(const std::string path,
                         server::SignedDeliveryPath(key, flags.prefix, expires));
    return flags.url.empty() ? path : absl::StrCat(flags.url, path);
  }
  ATP_ASSIGN_OR_RETURN(const std::string private_key,
                       ReadSmallFile(flags.private_key, "--private-key"));
  if (flags.policy.empty()) {
    return server::CloudFrontCannedUrl(flags.url, flags.key_pair_id, private_key, expires, now);
  }
  ATP_ASSIGN_OR_RETURN(std::string policy, ReadSmallFile(flags.policy, "--policy"));
  absl::StripTrailingAsciiWhitespace(&policy);
  return server::CloudFrontCustomPolicyUrl(flags.url, policy, flags.key_pair_id, private_key);
}

}  // namespace

void AddSignUrlCommand(CLI::App& app, const GlobalOptions& /*global*/, int& exit_code) {
  auto flags = std::make_shared<SignUrlFlags>();
  CLI::App* command = app.add_subcommand(
      "sign-url",
      "Sign a delivery URL: CloudFront (canned, or custom with --policy), or with --hmac the "
      "token path atp serve --signed-urls accepts");
  command->add_option("url", flags->url,
                      "CloudFront: the URL to sign; --hmac: an optional base (http://host:8080) "
                      "put before the path");
  command->add_option("--key-pair-id", flags->key_pair_id, "CloudFront key pair (or key) id");
  command->add_option("--private-key", flags->private_key, "CloudFront: PEM RSA private key");
  command->add_option("--policy", flags->policy,
                      "CloudFront: a custom policy JSON file (else a canned policy)");
  command
      ->add_option("--expires", flags->expires,
                   "When access ends: RFC 3339 (2027-01-31T00:00:00Z) or +6h, +90m, +3600s")
      ->required();
  command->add_flag("--hmac", flags->hmac, "Make an HMAC-SHA256 token path instead");
  command->add_option("--key-file", flags->key_file, "--hmac: the shared secret's file");
  command->add_option("--prefix", flags->prefix,
                      "--hmac: the package path the token opens (series/s01/e001/<job>)");
  command->callback([flags, &exit_code] {
    std::string missing;
    if (flags->hmac) {
      if (flags->key_file.empty()) missing = "--key-file";
      if (flags->prefix.empty()) missing = "--prefix";
      if (!flags->policy.empty()) missing = "no --policy with --hmac";
    } else {
      if (flags->url.empty()) missing = "the URL";
      if (flags->key_pair_id.empty()) missing = "--key-pair-id";
      if (flags->private_key.empty()) missing = "--private-key";
    }
    if (!missing.empty()) {
      std::cerr << "atp sign-url: needs " << missing << " (atp sign-url --help)\n";
      exit_code = kExitOtherError;
      return;
    }
    const absl::StatusOr<std::string> url = SignedUrl(*flags);
    if (!url.ok()) {
      std::cerr << "atp sign-url: " << url.status().message() << "\n";
      exit_code = kExitOtherError;
      return;
    }
    std::cout << *url << "\n";
    exit_code = kExitOk;
  });
}

}  // namespace atp::app
