// atp/server/signed_urls.h
//
// Signed delivery URLs: time-limited links to a published package.
//
// CloudFront (for packages served through an Amazon CloudFront distribution), as the CloudFront
// Developer Guide specifies ("Create a signed URL using a canned policy" / "... a custom
// policy"):
//   - the policy statement is JSON with no whitespace at all;
//   - Signature = RSA (PKCS#1 v1.5) over the SHA-1 digest of the policy bytes, base64 (RFC 2045
//     alphabet, with padding), then '+' -> '-', '=' -> '_', '/' -> '~';
//   - canned:  <url>?Expires=<unix s>&Signature=<sig>&Key-Pair-Id=<id>, and the policy, which
//     the URL does not carry, is exactly
//       {"Statement":[{"Resource":"<url>","Condition":{"DateLessThan":{"AWS:EpochTime":<s>}}}]}
//     with <url> the URL as given (its own query included);
//   - custom:  <url>?Policy=<policy, base64 with the same substitution>&Signature=<sig>
//              &Key-Pair-Id=<id>;
//   - '&' instead of '?' when the URL already has a query string.
// The key is the PEM private key (PKCS#1 "RSA PRIVATE KEY" or PKCS#8 "PRIVATE KEY", not
// encrypted) whose public key is in the distribution's trusted key group; the key pair id is
// that public key's id in CloudFront.
//
// Delivery tokens (for `atp serve`, which checks them itself): one token opens every file under
// a path prefix until it expires. It sits in the path, not the query, so that the relative URIs
// inside HLS playlists and DASH MPDs inherit it:
//   /out/t/<token>/<prefix>/master.m3u8  ->  /out/t/<token>/<prefix>/720p/seg_00001.m4s
// Token format (all ASCII, no padding anywhere):
//   payload = <expiry as decimal Unix seconds> ":" <prefix>       e.g. "1767290400:show/s1/e1/j7"
//   token   = base64url(payload) "." base64url(HMAC-SHA256(key, payload))
// where base64url is RFC 4648 section 5 (alphabet A-Z a-z 0-9 '-' '_') without '=' padding, and
// the HMAC is over the payload bytes exactly as encoded. The MAC half is always 43 characters.
// The token is valid while now < expiry. <prefix> is a relative path: '/'-separated segments, none
// empty, none "." or "..", no leading or trailing '/'. It covers the files whose path (below
// /out/t/<token>/) is the prefix itself or starts with the prefix followed by '/': "a/b" covers
// "a/b" and "a/b/x", never "a/bc".
#ifndef ATP_SERVER_SIGNED_URLS_H_
#define ATP_SERVER_SIGNED_URLS_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace atp::server {

// ---- CloudFront ----

// What a custom policy allows, besides its Resource.
struct CloudFrontPolicyConditions {
  absl::Time date_less_than;                    // Required: access ends (DateLessThan).
  std::optional<absl::Time> date_greater_than;  // Access begins (DateGreaterThan).
  std::optional<std::string> source_ip_cidr;    // IpAddress: one IPv4 CIDR, "192.0.2.0/24".
};

// The custom policy statement, whitespace-free:
//   {"Statement":[{"Resource":"<resource>","Condition":{"DateLessThan":{"AWS:EpochTime":<s>},
//   "DateGreaterThan":{"AWS:EpochTime":<s>},"IpAddress":{"AWS:SourceIp":"<cidr>"}}}]}
// (without the line break; the optional members only when set). `resource` begins with
// "http://", "https://" or "*" and may hold the wildcards '*' and '?'. Times are whole Unix
// seconds (rounded down). Returns InvalidArgument for another resource, a resource with a
// character that must be escaped in a URL ('"', '\\', space, control, non-ASCII), a
// date_less_than not after `now` or past 2147483647 (CloudFront's 32-bit epoch time), a
// date_greater_than not before date_less_than, or a source IP that is not an IPv4 CIDR
// "a.b.c.d/n" (CloudFront takes no IPv6 in a policy).
[[nodiscard]] absl::StatusOr<std::string> CloudFrontCustomPolicy(
    std::string_view resource, const CloudFrontPolicyConditions& conditions, absl::Time now);

// `url` signed with a canned policy that expires at `expires` (whole Unix seconds, rounded
// down). Returns InvalidArgument when `private_key_pem` is not a PEM RSA private key, `expires`
// is not after `now` or past 2147483647, `key_pair_id` is empty or not alphanumeric, or `url` is
// not an absolute http(s) URL with a host, has a fragment, ends in '?' or '&', has a character
// that must be escaped, or already has a query parameter named Expires, Policy, Signature,
// Key-Pair-Id or Hash-Algorithm. Internal if OpenSSL fails to sign.
[[nodiscard]] absl::StatusOr<std::string> CloudFrontCannedUrl(std::string_view url,
                                                              std::string_view key_pair_id,
                                                              std::string_view private_key_pem,
                                                              absl::Time expires, absl::Time now);

// `url` signed with `policy_json` (from CloudFrontCustomPolicy, or any whitespace-free policy
// whose Resource matches `url`; this function does not read the policy). Returns
// InvalidArgument for the key, key pair id and URL as CloudFrontCannedUrl, or an empty policy or
// one with whitespace in it; Internal if OpenSSL fails to sign.
[[nodiscard]] absl::StatusOr<std::string> CloudFrontCustomPolicyUrl(
    std::string_view url, std::string_view policy_json, std::string_view key_pair_id,
    std::string_view private_key_pem);

// ---- Delivery tokens (format above) ----

// The token for `path_prefix` until `expires` (whole Unix seconds, rounded down).
// REQUIRES: `key` is not empty (use 32 random bytes); `path_prefix` is a relative path as
// described above (SignedDeliveryPath checks both; a token with a bad prefix never verifies).
[[nodiscard]] std::string MakeDeliveryToken(std::string_view key, std::string_view path_prefix,
                                            absl::Time expires);

// Checks `token` for a request of `requested_path`: the request's path below /out/t/<token>/,
// percent-decoded once, without a leading '/' (e.g. "show/s1/e1/j7/720p/seg_00001.m4s").
// Returns the token's prefix when the token was made with `key`, has not expired at `now`, and
// covers `requested_path`. Otherwise PermissionDenied, with a message that starts with
//   "delivery token is malformed"  (not two base64url halves, a MAC that is not 32 bytes, a
//                                   non-canonical encoding, an unreadable payload, > 4096 chars)
//   "delivery token is tampered"   (the MAC does not match: changed, or another key)
//   "delivery token expired"       (now >= expiry)
//   "requested path has a '.' or '..' segment"
//   "requested path has an empty segment or a NUL byte"  (also: an empty path, a leading '/')
//   "requested path is outside the token's prefix"
// checked in that order; the MAC is compared in constant time (CRYPTO_memcmp) before anything
// in the payload is read. FailedPrecondition when `key` is empty.
[[nodiscard]] absl::StatusOr<std::string> VerifyDeliveryToken(std::string_view key,
                                                              std::string_view token,
                                                              std::string_view requested_path,
                                                              absl::Time now);

// "/out/t/<token>/<prefix>/", each prefix segment percent-encoded (all but A-Z a-z 0-9 - . _ ~),
// so a player opens "<that>master.m3u8". Returns InvalidArgument when `key` is empty or
// `path_prefix` is not a relative path as described above.
[[nodiscard]] absl::StatusOr<std::string> SignedDeliveryPath(std::string_view key,
                                                             std::string_view path_prefix,
                                                             absl::Time expires);

}  // namespace atp::server

#endif  // ATP_SERVER_SIGNED_URLS_H_
