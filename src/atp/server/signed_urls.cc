#include "atp/server/signed_urls.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "atp/core/status_macros.h"

namespace atp::server {
namespace {

// Debian's abseil has its own string_view type.
absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// For error messages: `s` with non-printable bytes escaped, at most 200 bytes of it.
std::string Quoted(std::string_view s) {
  constexpr size_t kMax = 200;
  std::string out = absl::StrCat("\"", absl::CHexEscape(Absl(s.substr(0, kMax))), "\"");
  if (s.size() > kMax) out += "...";
  return out;
}

// ---- CloudFront ----

// CloudFront's epoch times are 32-bit (CloudFront Developer Guide, canned policy, Expires).
constexpr int64_t kMaxCloudFrontEpoch = 2147483647;

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

// Declines every passphrase: without it, OpenSSL would ask for one on the terminal.
int NoPassphrase(char*, int, int, void*) { return 0; }

absl::StatusOr<Pkey> ReadRsaPrivateKey(std::string_view pem) {
  const absl::Status refused = absl::InvalidArgumentError(
      "CloudFront private key: not a PEM RSA private key (PKCS#1 or PKCS#8, unencrypted)");
  if (pem.empty() || pem.size() > INT_MAX) return refused;
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return absl::InternalError("BIO_new_mem_buf failed");
  Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  ERR_clear_error();
  if (key == nullptr || EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA) return refused;
  return key;
}

// RSA PKCS#1 v1.5 signature of SHA-1(data).
absl::StatusOr<std::string> SignSha1(EVP_PKEY* key, std::string_view data) {
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  size_t length = 0;
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  if (ctx == nullptr || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha1(), nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length, bytes, data.size()) != 1) {
    ERR_clear_error();
    return absl::InternalError("OpenSSL could not start an RSA-SHA1 signature");
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length, bytes,
                     data.size()) != 1) {
    ERR_clear_error();
    return absl::InternalError("OpenSSL could not make an RSA-SHA1 signature");
  }
  signature.resize(length);
  return signature;
}

// Base64 (RFC 2045 alphabet, padded) with CloudFront's substitution: + -> -, = -> _, / -> ~.
std::string CloudFrontBase64(std::string_view data) {
  std::string out = absl::Base64Escape(Absl(data));
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '=') c = '_';
    if (c == '/') c = '~';
  }
  return out;
}

// True for a byte that may stand in a URL (and in a JSON string) as it is: printable ASCII
// other than space, '"' and '\\'.
bool IsUrlByte(char c) { return c > ' ' && c < 0x7f && c != '"' && c != '\\'; }

absl::Status CheckUrlBytes(std::string_view what, std::string_view url) {
  for (char c : url) {
    if (!IsUrlByte(c)) {
      return absl::InvalidArgumentError(
          absl::StrCat(std::string(what), " ", Quoted(url),
                       " has a character that must be percent-encoded (space, '\"', '\\', "
                       "control or non-ASCII)"));
    }
  }
  return absl::OkStatus();
}

// The URL a CloudFront signature is appended to.
absl::Status CheckCloudFrontUrl(std::string_view url) {
  ATP_RETURN_IF_ERROR(CheckUrlBytes("URL", url));
  std::string_view rest;
  if (absl::StartsWith(Absl(url), "https://")) {
    rest = url.substr(8);
  } else if (absl::StartsWith(Absl(url), "http://")) {
    rest = url.substr(7);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("URL ", Quoted(url), " is not an http:// or https:// URL"));
  }
  if (rest.empty() || rest.front() == '/' || rest.front() == '?') {
    return absl::InvalidArgumentError(absl::StrCat("URL ", Quoted(url), " has no host"));
  }
  if (url.find('#') != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("URL ", Quoted(url), " has a fragment ('#'); sign the URL without it"));
  }
  if (url.back() == '?' || url.back() == '&') {
    return absl::InvalidArgumentError(
        absl::StrCat("URL ", Quoted(url), " ends in '?' or '&'; drop the empty parameter"));
  }
  const size_t question = url.find('?');
  if (question != std::string_view::npos) {
    for (absl::string_view parameter : absl::StrSplit(Absl(url.substr(question + 1)), '&')) {
      const absl::string_view name = parameter.substr(0, parameter.find('='));
      for (absl::string_view reserved :
           {"Expires", "Policy", "Signature", "Key-Pair-Id", "Hash-Algorithm"}) {
        if (name == reserved) {
          return absl::InvalidArgumentError(
              absl::StrCat("URL ", Quoted(url), " already has a query parameter named ", reserved,
                           ", which CloudFront reserves for the signature"));
        }
      }
    }
  }
  return absl::OkStatus();
}

absl::Status CheckKeyPairId(std::string_view id) {
  if (id.empty() ||
      !std::all_of(id.begin(), id.end(), [](char c) { return absl::ascii_isalnum(c); })) {
    return absl::InvalidArgumentError(absl::StrCat(
        "CloudFront key pair id ", Quoted(id), " is not a public key id such as K2JCJMDEHXQW5F"));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> CloudFrontEpoch(std::string_view what, absl::Time time) {
  const int64_t seconds = absl::ToUnixSeconds(time);
  if (seconds < 0 || seconds > kMaxCloudFrontEpoch) {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(what), " ", absl::FormatTime(time),
                     " is outside CloudFront's epoch times (0 to 2147483647, 2038-01-19)"));
  }
  return seconds;
}

absl::Status CheckExpiry(absl::Time expires, absl::Time now) {
  if (expires <= now) {
    return absl::InvalidArgumentError(absl::StrCat(
        "expiry ", absl::FormatTime(expires), " is not after now (", absl::FormatTime(now), ")"));
  }
  return absl::OkStatus();
}

// "a.b.c.d/n": four decimal octets (inet_pton's strict dotted quad) and a prefix length 0..32.
absl::Status CheckIpv4Cidr(std::string_view cidr) {
  const absl::Status refused = absl::InvalidArgumentError(
      absl::StrCat("IpAddress ", Quoted(cidr),
                   " is not an IPv4 CIDR such as 192.0.2.0/24 (a single address is /32; "
                   "CloudFront policies take no IPv6)"));
  const size_t slash = cidr.find('/');
  if (slash == std::string_view::npos) return refused;
  const std::string address(cidr.substr(0, slash));
  const std::string_view length = cidr.substr(slash + 1);
  in_addr parsed;
  int bits = -1;
  if (inet_pton(AF_INET, address.c_str(), &parsed) != 1 || length.empty() || length.size() > 2 ||
      !std::all_of(length.begin(), length.end(), [](char c) { return absl::ascii_isdigit(c); }) ||
      !absl::SimpleAtoi(Absl(length), &bits) || bits > 32) {
    return refused;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> SignedCloudFrontUrl(std::string_view url, std::string_view policy,
                                                std::string_view first_parameter,
                                                std::string_view key_pair_id,
                                                std::string_view private_key_pem) {
  ATP_RETURN_IF_ERROR(CheckCloudFrontUrl(url));
  ATP_RETURN_IF_ERROR(CheckKeyPairId(key_pair_id));
  ATP_ASSIGN_OR_RETURN(const Pkey key, ReadRsaPrivateKey(private_key_pem));
  ATP_ASSIGN_OR_RETURN(const std::string signature, SignSha1(key.get(), policy));
  const char separator = url.find('?') == std::string_view::npos ? '?' : '&';
  return absl::StrCat(std::string(url), std::string(1, separator), std::string(first_parameter),
                      "&Signature=", CloudFrontBase64(signature),
                      "&Key-Pair-Id=", std::string(key_pair_id));
}

// ---- Delivery tokens ----

constexpr size_t kMaxTokenSize = 4096;
constexpr size_t kMacSize = 32;  // SHA-256.

std::string Base64Url(std::string_view data) { return absl::WebSafeBase64Escape(Absl(data)); }

// Decodes unpadded base64url; only the canonical encoding (the one Base64Url makes) is accepted,
// so one payload has one token.
bool DecodeBase64Url(std::string_view text, std::string* out) {
  return !text.empty() && absl::WebSafeBase64Unescape(Absl(text), out) && Base64Url(*out) == text;
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

// A relative path: segments split by '/', none empty, "." or "..", no NUL byte.
bool IsRelativePath(std::string_view path) {
  if (path.empty() || path.find('\0') != std::string_view::npos) return false;
  for (absl::string_view segment : absl::StrSplit(Absl(path), '/')) {
    if (segment.empty() || segment == "." || segment == "..") return false;
  }
  return true;
}

bool IsUnreserved(char c) {
  return absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

// Percent-encodes every byte of `path` but the unreserved ones and '/'.
std::string PercentEncodePath(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : path) {
    if (IsUnreserved(c) || c == '/') {
      out += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
  return out;
}

absl::Status Malformed(std::string_view why) {
  return absl::PermissionDeniedError(
      absl::StrCat("delivery token is malformed: ", std::string(why)));
}

}  // namespace

absl::StatusOr<std::string> CloudFrontCustomPolicy(std::string_view resource,
                                                   const CloudFrontPolicyConditions& conditions,
                                                   absl::Time now) {
  ATP_RETURN_IF_ERROR(CheckUrlBytes("Resource", resource));
  if (!absl::StartsWith(Absl(resource), "http://") &&
      !absl::StartsWith(Absl(resource), "https://") && !absl::StartsWith(Absl(resource), "*")) {
    return absl::InvalidArgumentError(
        absl::StrCat("Resource ", Quoted(resource), " does not begin with http://, https:// or *"));
  }
  ATP_RETURN_IF_ERROR(CheckExpiry(conditions.date_less_than, now));
  ATP_ASSIGN_OR_RETURN(const int64_t less_than,
                       CloudFrontEpoch("DateLessThan", conditions.date_less_than));
  std::string condition = absl::StrCat("\"DateLessThan\":{\"AWS:EpochTime\":", less_than, "}");
  if (conditions.date_greater_than.has_value()) {
    ATP_ASSIGN_OR_RETURN(const int64_t greater_than,
                         CloudFrontEpoch("DateGreaterThan", *conditions.date_greater_than));
    if (greater_than >= less_than) {
      return absl::InvalidArgumentError(absl::StrCat("DateGreaterThan ", greater_than,
                                                     " is not before DateLessThan ", less_than,
                                                     ": the URL would never open"));
    }
    absl::StrAppend(&condition, ",\"DateGreaterThan\":{\"AWS:EpochTime\":", greater_than, "}");
  }
  if (conditions.source_ip_cidr.has_value()) {
    ATP_RETURN_IF_ERROR(CheckIpv4Cidr(*conditions.source_ip_cidr));
    absl::StrAppend(&condition, ",\"IpAddress\":{\"AWS:SourceIp\":\"", *conditions.source_ip_cidr,
                    "\"}");
  }
  return absl::StrCat("{\"Statement\":[{\"Resource\":\"", std::string(resource),
                      "\",\"Condition\":{", condition, "}}]}");
}

absl::StatusOr<std::string> CloudFrontCannedUrl(std::string_view url, std::string_view key_pair_id,
                                                std::string_view private_key_pem,
                                                absl::Time expires, absl::Time now) {
  ATP_RETURN_IF_ERROR(CheckCloudFrontUrl(url));
  ATP_RETURN_IF_ERROR(CheckExpiry(expires, now));
  ATP_ASSIGN_OR_RETURN(const int64_t seconds, CloudFrontEpoch("expiry", expires));
  const std::string policy =
      absl::StrCat("{\"Statement\":[{\"Resource\":\"", std::string(url),
                   "\",\"Condition\":{\"DateLessThan\":{\"AWS:EpochTime\":", seconds, "}}}]}");
  return SignedCloudFrontUrl(url, policy, absl::StrCat("Expires=", seconds), key_pair_id,
                             private_key_pem);
}

absl::StatusOr<std::string> CloudFrontCustomPolicyUrl(std::string_view url,
                                                      std::string_view policy_json,
                                                      std::string_view key_pair_id,
                                                      std::string_view private_key_pem) {
  if (policy_json.empty()) return absl::InvalidArgumentError("CloudFront policy is empty");
  if (policy_json.find_first_of(" \t\r\n\f\v") != std::string_view::npos) {
    return absl::InvalidArgumentError(
        "CloudFront policy has whitespace; CloudFront signs the policy with all of it removed");
  }
  return SignedCloudFrontUrl(url, policy_json,
                             absl::StrCat("Policy=", CloudFrontBase64(policy_json)), key_pair_id,
                             private_key_pem);
}

std::string MakeDeliveryToken(std::string_view key, std::string_view path_prefix,
                              absl::Time expires) {
  const std::string payload =
      absl::StrCat(absl::ToUnixSeconds(expires), ":", std::string(path_prefix));
  return absl::StrCat(Base64Url(payload), ".", Base64Url(HmacSha256(key, payload)));
}

absl::StatusOr<std::string> VerifyDeliveryToken(std::string_view key, std::string_view token,
                                                std::string_view requested_path, absl::Time now) {
  if (key.empty()) {
    return absl::FailedPreconditionError("no key to check delivery tokens with (empty key)");
  }
  if (token.size() > kMaxTokenSize) return Malformed("longer than 4096 characters");
  const size_t dot = token.find('.');
  if (dot == std::string_view::npos) return Malformed("no '.' between payload and MAC");
  std::string payload;
  std::string mac;
  if (!DecodeBase64Url(token.substr(0, dot), &payload)) {
    return Malformed("the payload is not canonical unpadded base64url");
  }
  if (!DecodeBase64Url(token.substr(dot + 1), &mac)) {
    return Malformed("the MAC is not canonical unpadded base64url");
  }
  if (mac.size() != kMacSize) return Malformed("the MAC is not 32 bytes");

  const std::string expected = HmacSha256(key, payload);
  if (expected.size() != kMacSize || CRYPTO_memcmp(expected.data(), mac.data(), kMacSize) != 0) {
    return absl::PermissionDeniedError(
        "delivery token is tampered: its MAC does not match (changed, or made with another key)");
  }

  // The payload is ours from here on.
  const size_t colon = payload.find(':');
  int64_t expires_s = 0;
  if (colon == std::string::npos || colon == 0 ||
      !std::all_of(payload.begin(), payload.begin() + colon,
                   [](char c) { return absl::ascii_isdigit(c); }) ||
      !absl::SimpleAtoi(absl::string_view(payload.data(), colon), &expires_s)) {
    return Malformed("the payload is not <expiry seconds>:<prefix>");
  }
  const std::string prefix = payload.substr(colon + 1);
  if (!IsRelativePath(prefix)) return Malformed("the prefix is not a relative path");

  const absl::Time expires = absl::FromUnixSeconds(expires_s);
  if (now >= expires) {
    return absl::PermissionDeniedError(absl::StrCat("delivery token expired at ",
                                                    absl::FormatTime(expires), " (now ",
                                                    absl::FormatTime(now), ")"));
  }
  for (absl::string_view segment : absl::StrSplit(Absl(requested_path), '/')) {
    if (segment == "." || segment == "..") {
      return absl::PermissionDeniedError(
          absl::StrCat("requested path has a '.' or '..' segment: ", Quoted(requested_path)));
    }
  }
  if (!IsRelativePath(requested_path)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "requested path has an empty segment or a NUL byte: ", Quoted(requested_path)));
  }
  const bool covered =
      requested_path == prefix ||
      (requested_path.size() > prefix.size() && requested_path.substr(0, prefix.size()) == prefix &&
       requested_path[prefix.size()] == '/');
  if (!covered) {
    return absl::PermissionDeniedError(
        absl::StrCat("requested path is outside the token's prefix: ", Quoted(requested_path),
                     " is not under ", Quoted(prefix)));
  }
  return prefix;
}

absl::StatusOr<std::string> SignedDeliveryPath(std::string_view key, std::string_view path_prefix,
                                               absl::Time expires) {
  if (key.empty()) return absl::InvalidArgumentError("delivery token key is empty");
  if (!IsRelativePath(path_prefix)) {
    return absl::InvalidArgumentError(
        absl::StrCat("path prefix ", Quoted(path_prefix),
                     " is not a relative path (segments split by '/', none empty, '.' or '..')"));
  }
  return absl::StrCat("/out/t/", MakeDeliveryToken(key, path_prefix, expires), "/",
                      PercentEncodePath(path_prefix), "/");
}

}  // namespace atp::server
