#include "atp/server/signed_urls.h"

#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "atp/testing/status_matchers.h"
#include "atp/testing/subprocess.h"
#include "atp/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace atp::server {
namespace {

using ::atp::testing::RunCommand;
using ::atp::testing::StatusIs;
using ::testing::AllOf;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kKeyPairId[] = "K2JCJMDEHXQW5F";
const absl::Time kNow = absl::FromUnixSeconds(1767200000);      // 2025-12-31 16:53:20 UTC
const absl::Time kExpires = absl::FromUnixSeconds(1767290400);  // 2026-01-01 18:00:00 UTC

std::string Shell(const std::filesystem::path& path) {
  return absl::StrCat("'", path.string(), "'");
}

// The query parameters of `url` (everything after its first '?'), by name.
std::map<std::string, std::string> QueryParameters(const std::string& url) {
  std::map<std::string, std::string> parameters;
  const size_t question = url.find('?');
  if (question == std::string::npos) return parameters;
  for (absl::string_view parameter : absl::StrSplit(url.substr(question + 1), '&')) {
    const std::pair<std::string, std::string> pair =
        absl::StrSplit(parameter, absl::MaxSplits('=', 1));
    parameters[pair.first] = pair.second;
  }
  return parameters;
}

// A key pair made by the openssl CLI, shared by the CloudFront tests; every check of a
// signature is made by the CLI too, never by the code under test.
class CloudFrontTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = std::make_unique<atp::testing::TempDir>();
    const std::string d = Shell(dir_->path());
    const std::string script = absl::StrCat(
        "cd ", d,
        " && openssl genrsa -out key.pem 2048 && openssl rsa -in key.pem -pubout -out pub.pem",
        " && openssl rsa -in key.pem -traditional -out key_pkcs1.pem",
        " && openssl rsa -in key.pem -aes128 -passout pass:secret -out key_encrypted.pem",
        " && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out key_ec.pem");
    setup_ = RunCommand(absl::StrCat("(", script, ") 2>&1"));
    private_pem_ = atp::testing::ReadFile(dir_->path() / "key.pem");
    pkcs1_pem_ = atp::testing::ReadFile(dir_->path() / "key_pkcs1.pem");
    public_pem_ = atp::testing::ReadFile(dir_->path() / "pub.pem");
    encrypted_pem_ = atp::testing::ReadFile(dir_->path() / "key_encrypted.pem");
    ec_pem_ = atp::testing::ReadFile(dir_->path() / "key_ec.pem");
  }
  static void TearDownTestSuite() { dir_.reset(); }

  void SetUp() override {
    ASSERT_EQ(setup_.exit_code, 0) << setup_.output;
    ASSERT_THAT(private_pem_, HasSubstr("-----BEGIN PRIVATE KEY-----"));
    ASSERT_THAT(pkcs1_pem_, HasSubstr("-----BEGIN RSA PRIVATE KEY-----"));
    ASSERT_THAT(public_pem_, HasSubstr("-----BEGIN PUBLIC KEY-----"));
  }

  // Decodes `encoded` (CloudFront's base64: '-' '_' '~' for '+' '=' '/') with the CLI.
  static std::string DecodeWithCli(const std::string& encoded) {
    dir_->WriteFile("encoded.txt", encoded);
    const atp::testing::CommandResult result = RunCommand(absl::StrCat(
        "cd ", Shell(dir_->path()), " && tr -- '-_~' '+=/' < encoded.txt | openssl base64 -d -A"));
    EXPECT_EQ(result.exit_code, 0);
    return result.output;
  }

  // What `openssl dgst -sha1 -verify pub.pem` prints for `policy` and the CloudFront-encoded
  // `signature`.
  static std::string VerifyWithCli(const std::string& policy, const std::string& signature) {
    dir_->WriteFile("policy.json", policy);
    dir_->WriteFile("sig.txt", signature);
    return RunCommand(
               absl::StrCat("cd ", Shell(dir_->path()),
                            " && tr -- '-_~' '+=/' < sig.txt | openssl base64 -d -A > sig.bin",
                            " && openssl dgst -sha1 -verify pub.pem -signature sig.bin",
                            " policy.json 2>&1"))
        .output;
  }

  static std::string CannedPolicy(const std::string& resource, const std::string& expires) {
    return absl::StrCat(R"({"Statement":[{"Resource":")", resource,
                        R"(","Condition":{"DateLessThan":{"AWS:EpochTime":)", expires, "}}}]}");
  }

  static inline std::unique_ptr<atp::testing::TempDir> dir_;
  static inline atp::testing::CommandResult setup_;
  static inline std::string private_pem_, pkcs1_pem_, public_pem_, encrypted_pem_, ec_pem_;
};

TEST_F(CloudFrontTest, CannedUrlVerifiesWithOpenssl) {
  const std::string url = "https://d111111abcdef8.cloudfront.net/show/s1/e1/master.m3u8";
  ASSERT_OK_AND_ASSIGN(const std::string signed_url,
                       CloudFrontCannedUrl(url, kKeyPairId, private_pem_, kExpires, kNow));
  EXPECT_THAT(signed_url, AllOf(StartsWith(url + "?Expires=1767290400&Signature="),
                                EndsWith("&Key-Pair-Id=K2JCJMDEHXQW5F")));
  std::map<std::string, std::string> query = QueryParameters(signed_url);
  ASSERT_EQ(query.size(), 3u) << signed_url;
  EXPECT_THAT(query["Signature"], MatchesRegex("[A-Za-z0-9~_-]+"));
  EXPECT_EQ(query["Signature"].size(), 344u);  // 256 bytes of RSA-2048 in base64.

  // CloudFront rebuilds the policy from the URL and Expires, then checks the signature.
  EXPECT_THAT(VerifyWithCli(CannedPolicy(url, query["Expires"]), query["Signature"]),
              HasSubstr("Verified OK"));

  // RSA PKCS#1 v1.5 is deterministic: the same key in PKCS#1 PEM signs the same.
  ASSERT_OK_AND_ASSIGN(const std::string from_pkcs1,
                       CloudFrontCannedUrl(url, kKeyPairId, pkcs1_pem_, kExpires, kNow));
  EXPECT_EQ(from_pkcs1, signed_url);
}

TEST_F(CloudFrontTest, CannedUrlWithAQueryAppendsWithAmpersandAndSignsTheQuery) {
  const std::string url = "https://cdn.example.com/show/master.m3u8?color=red&size=medium";
  ASSERT_OK_AND_ASSIGN(
      const std::string signed_url,
      CloudFrontCannedUrl(url, kKeyPairId, private_pem_, kExpires + absl::Milliseconds(999), kNow));
  EXPECT_THAT(signed_url, StartsWith(url + "&Expires=1767290400&Signature="));
  const std::map<std::string, std::string> query = QueryParameters(signed_url);
  EXPECT_THAT(VerifyWithCli(CannedPolicy(url, "1767290400"), query.at("Signature")),
              HasSubstr("Verified OK"));
}

TEST_F(CloudFrontTest, TamperedSignatureOrPolicyFailsVerification) {
  const std::string url = "http://d111111abcdef8.cloudfront.net/a/b.mp4";
  ASSERT_OK_AND_ASSIGN(const std::string signed_url,
                       CloudFrontCannedUrl(url, kKeyPairId, private_pem_, kExpires, kNow));
  const std::map<std::string, std::string> query = QueryParameters(signed_url);
  const std::string signature = query.at("Signature");
  ASSERT_THAT(VerifyWithCli(CannedPolicy(url, "1767290400"), signature), HasSubstr("Verified OK"));

  std::string tampered = signature;
  tampered[100] = tampered[100] == 'A' ? 'B' : 'A';
  EXPECT_THAT(VerifyWithCli(CannedPolicy(url, "1767290400"), tampered),
              AllOf(HasSubstr("Verification failure"), Not(HasSubstr("Verified OK"))));
  EXPECT_THAT(VerifyWithCli(CannedPolicy(url, "1767290401"), signature),
              AllOf(HasSubstr("Verification failure"), Not(HasSubstr("Verified OK"))));
  EXPECT_THAT(VerifyWithCli(CannedPolicy(url + "x", "1767290400"), signature),
              Not(HasSubstr("Verified OK")));
}

TEST_F(CloudFrontTest, CustomPolicyUrlCarriesThePolicyAndVerifiesWithOpenssl) {
  ASSERT_OK_AND_ASSIGN(const std::string policy,
                       CloudFrontCustomPolicy("https://d111111abcdef8.cloudfront.net/show/s1/*",
                                              {.date_less_than = kExpires,
                                               .date_greater_than = kNow - absl::Minutes(5),
                                               .source_ip_cidr = "192.0.2.0/24"},
                                              kNow));
  EXPECT_EQ(policy,
            R"({"Statement":[{"Resource":"https://d111111abcdef8.cloudfront.net/show/s1/*",)"
            R"("Condition":{"DateLessThan":{"AWS:EpochTime":1767290400},)"
            R"("DateGreaterThan":{"AWS:EpochTime":1767199700},)"
            R"("IpAddress":{"AWS:SourceIp":"192.0.2.0/24"}}}]})");

  const std::string url = "https://d111111abcdef8.cloudfront.net/show/s1/master.m3u8";
  ASSERT_OK_AND_ASSIGN(const std::string signed_url,
                       CloudFrontCustomPolicyUrl(url, policy, kKeyPairId, private_pem_));
  EXPECT_THAT(signed_url, AllOf(StartsWith(url + "?Policy="), HasSubstr("&Signature="),
                                EndsWith("&Key-Pair-Id=K2JCJMDEHXQW5F")));
  const std::map<std::string, std::string> query = QueryParameters(signed_url);
  ASSERT_EQ(query.size(), 3u) << signed_url;
  EXPECT_THAT(query.at("Policy"), MatchesRegex("[A-Za-z0-9~_-]+"));

  // CloudFront reads the policy from the URL, then checks the signature over it.
  const std::string carried = DecodeWithCli(query.at("Policy"));
  EXPECT_EQ(carried, policy);
  EXPECT_THAT(VerifyWithCli(carried, query.at("Signature")), HasSubstr("Verified OK"));

  std::string wider = carried;
  wider.replace(wider.find("/24"), 3, "/16");
  EXPECT_THAT(VerifyWithCli(wider, query.at("Signature")),
              AllOf(HasSubstr("Verification failure"), Not(HasSubstr("Verified OK"))));
  std::string tampered = query.at("Signature");
  tampered[7] = tampered[7] == 'z' ? 'y' : 'z';
  EXPECT_THAT(VerifyWithCli(carried, tampered), Not(HasSubstr("Verified OK")));
}

TEST_F(CloudFrontTest, CustomPolicyUrlAppendsToAnExistingQuery) {
  ASSERT_OK_AND_ASSIGN(const std::string policy,
                       CloudFrontCustomPolicy("http://*", {.date_less_than = kExpires}, kNow));
  ASSERT_OK_AND_ASSIGN(const std::string signed_url,
                       CloudFrontCustomPolicyUrl("http://cdn.example.com/a.mpd?v=2", policy,
                                                 kKeyPairId, pkcs1_pem_));
  EXPECT_THAT(signed_url, StartsWith("http://cdn.example.com/a.mpd?v=2&Policy="));
  const std::map<std::string, std::string> query = QueryParameters(signed_url);
  EXPECT_EQ(DecodeWithCli(query.at("Policy")), policy);
  EXPECT_THAT(VerifyWithCli(policy, query.at("Signature")), HasSubstr("Verified OK"));
}

TEST(CloudFrontCustomPolicy, WritesOnlyTheConditionsThatAreSet) {
  const auto expect_policy = [](const std::string& resource,
                                const CloudFrontPolicyConditions& conditions,
                                const std::string& expected) {
    ASSERT_OK_AND_ASSIGN(const std::string policy,
                         CloudFrontCustomPolicy(resource, conditions, kNow));
    EXPECT_EQ(policy, expected);
    EXPECT_EQ(policy.find_first_of(" \t\r\n"), std::string::npos);
  };
  CloudFrontPolicyConditions conditions;
  conditions.date_less_than = kExpires;
  expect_policy("https://cdn.example.com/a.m3u8", conditions,
                R"({"Statement":[{"Resource":"https://cdn.example.com/a.m3u8","Condition":)"
                R"({"DateLessThan":{"AWS:EpochTime":1767290400}}}]})");
  conditions.date_less_than = kExpires + absl::Milliseconds(500);
  conditions.source_ip_cidr = "192.0.2.10/32";
  expect_policy("*", conditions,
                R"({"Statement":[{"Resource":"*","Condition":)"
                R"({"DateLessThan":{"AWS:EpochTime":1767290400},)"
                R"("IpAddress":{"AWS:SourceIp":"192.0.2.10/32"}}}]})");
  conditions.source_ip_cidr.reset();
  conditions.date_greater_than = absl::FromUnixSeconds(1357034400);
  expect_policy("http://cdn.example.com/*game_?.zip*", conditions,
                R"({"Statement":[{"Resource":"http://cdn.example.com/*game_?.zip*","Condition":)"
                R"({"DateLessThan":{"AWS:EpochTime":1767290400},)"
                R"("DateGreaterThan":{"AWS:EpochTime":1357034400}}}]})");
}

TEST(CloudFrontCustomPolicy, RefusesWhatCloudFrontWouldNotTake) {
  const CloudFrontPolicyConditions until{.date_less_than = kExpires};
  for (const std::string resource :
       {"", "ftp://cdn.example.com/a", "cdn.example.com/a", "https://cdn.example.com/a b",
        "https://cdn.example.com/\"},{", "https://cdn.example.com/a\\b",
        "https://cdn.example.com/\xc3\xa9"}) {
    EXPECT_THAT(CloudFrontCustomPolicy(resource, until, kNow),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << resource;
  }
  EXPECT_THAT(CloudFrontCustomPolicy("http://*", {.date_less_than = kNow}, kNow),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not after now")));
  EXPECT_THAT(CloudFrontCustomPolicy("http://*", {.date_less_than = kNow - absl::Hours(1)}, kNow),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not after now")));
  EXPECT_THAT(CloudFrontCustomPolicy("http://*",
                                     {.date_less_than = absl::FromUnixSeconds(2147483648)}, kNow),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("2147483647")));
  EXPECT_THAT(CloudFrontCustomPolicy(
                  "http://*", {.date_less_than = kExpires, .date_greater_than = kExpires}, kNow),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("never open")));
  for (const std::string cidr :
       {"", "192.0.2.0", "192.0.2.0/", "192.0.2.0/33", "192.0.2.0/-1", "192.0.2.0/+8",
        "192.0.2.0/ 8", "192.0.2.0/008", "300.0.2.0/8", "192.0.2/24", "192.0.2.0.1/24",
        "2001:db8::/32", "::1/128", "192.0.2.0/24\"}", "192.0.2.0/24/1"}) {
    EXPECT_THAT(CloudFrontCustomPolicy("http://*",
                                       {.date_less_than = kExpires, .source_ip_cidr = cidr}, kNow),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("IPv4 CIDR")))
        << cidr;
  }
  for (const std::string cidr : {"0.0.0.0/0", "10.0.0.0/8", "203.0.113.7/32"}) {
    EXPECT_OK(CloudFrontCustomPolicy("http://*",
                                     {.date_less_than = kExpires, .source_ip_cidr = cidr}, kNow))
        << cidr;
  }
}

TEST_F(CloudFrontTest, RefusesAKeyThatIsNotAPemRsaPrivateKey) {
  const std::string url = "https://cdn.example.com/a.m3u8";
  for (const std::string& key : {std::string(), std::string("garbage"), public_pem_, ec_pem_,
                                 encrypted_pem_, private_pem_.substr(0, private_pem_.size() / 2)}) {
    EXPECT_THAT(
        CloudFrontCannedUrl(url, kKeyPairId, key, kExpires, kNow),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a PEM RSA private key")))
        << key;
    EXPECT_THAT(
        CloudFrontCustomPolicyUrl(url, "{}", kKeyPairId, key),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a PEM RSA private key")));
  }
}

TEST_F(CloudFrontTest, RefusesAnExpiryThatIsNotInTheFuture) {
  const std::string url = "https://cdn.example.com/a.m3u8";
  for (const absl::Time expires : {kNow, kNow - absl::Seconds(1), absl::UnixEpoch()}) {
    EXPECT_THAT(CloudFrontCannedUrl(url, kKeyPairId, private_pem_, expires, kNow),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not after now")));
  }
  EXPECT_THAT(
      CloudFrontCannedUrl(url, kKeyPairId, private_pem_, absl::FromUnixSeconds(2147483648), kNow),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("2147483647")));
  EXPECT_OK(CloudFrontCannedUrl(url, kKeyPairId, private_pem_, kNow + absl::Seconds(1), kNow));
}

TEST_F(CloudFrontTest, RefusesUrlsThatAreNotHttpOrThatCollideWithTheSignature) {
  for (const std::string url : {"",
                                "ftp://cdn.example.com/a",
                                "cdn.example.com/a",
                                "/out/a.m3u8",
                                "HTTPS://cdn.example.com/a",
                                "file:///etc/passwd",
                                "https://",
                                "https:///a",
                                "https://?a=1",
                                "https://cdn.example.com/a#t=1",
                                "https://cdn.example.com/a?",
                                "https://cdn.example.com/a?x=1&",
                                "https://cdn.example.com/a b",
                                "https://cdn.example.com/\"a",
                                "https://cdn.example.com/a\nb",
                                "https://cdn.example.com/a?Expires=1",
                                "https://cdn.example.com/a?x=1&Signature",
                                "https://cdn.example.com/a?Key-Pair-Id=K",
                                "https://cdn.example.com/a?Policy=x",
                                "https://cdn.example.com/a?Hash-Algorithm=SHA256"}) {
    EXPECT_THAT(CloudFrontCannedUrl(url, kKeyPairId, private_pem_, kExpires, kNow),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << url;
    EXPECT_THAT(CloudFrontCustomPolicyUrl(url, "{}", kKeyPairId, private_pem_),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << url;
  }
  EXPECT_THAT(
      CloudFrontCannedUrl("ftp://cdn.example.com/a", kKeyPairId, private_pem_, kExpires, kNow),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not an http:// or https://")));
  // A parameter whose name only contains a reserved one is the sender's own.
  EXPECT_OK(CloudFrontCannedUrl("https://cdn.example.com/a?MyExpires=1", kKeyPairId, private_pem_,
                                kExpires, kNow));
}

TEST_F(CloudFrontTest, RefusesABadKeyPairIdOrPolicy) {
  const std::string url = "https://cdn.example.com/a.m3u8";
  for (const std::string id : {"", "K2JC JMDE", "K2&x=1", "K\xc3\xa9"}) {
    EXPECT_THAT(CloudFrontCannedUrl(url, id, private_pem_, kExpires, kNow),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("key pair id")))
        << id;
  }
  EXPECT_THAT(CloudFrontCustomPolicyUrl(url, "", kKeyPairId, private_pem_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty")));
  EXPECT_THAT(CloudFrontCustomPolicyUrl(url, "{\n \"Statement\": []}", kKeyPairId, private_pem_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("whitespace")));
}

// ---- Delivery tokens ----

constexpr char kKey[] = "0123456789abcdef0123456789abcdef";
constexpr char kPrefix[] = "show/s1/e1/j7";

std::string Flip(std::string token, size_t index) {
  token[index] = token[index] == 'A' ? 'B' : 'A';
  return token;
}

TEST(DeliveryToken, FormatMatchesTheOpensslCli) {
  const std::string token = MakeDeliveryToken(kKey, kPrefix, kExpires + absl::Milliseconds(700));
  // base64url without padding, computed by the CLI from the documented payload.
  const std::string to_base64url = " | openssl base64 -A | tr '+/' '-_' | tr -d '='";
  const atp::testing::CommandResult payload =
      RunCommand(absl::StrCat("printf '%s' '1767290400:show/s1/e1/j7'", to_base64url));
  const atp::testing::CommandResult mac = RunCommand(absl::StrCat(
      "printf '%s' '1767290400:show/s1/e1/j7' | openssl dgst -sha256 -mac HMAC -macopt key:", kKey,
      " -binary", to_base64url));
  ASSERT_EQ(payload.exit_code, 0);
  ASSERT_EQ(mac.exit_code, 0);
  EXPECT_EQ(token, absl::StrCat(payload.output, ".", mac.output));
  EXPECT_EQ(mac.output.size(), 43u);
  EXPECT_THAT(token, MatchesRegex("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{43}"));
}

TEST(DeliveryToken, OpensEveryFileUnderItsPrefixUntilItExpires) {
  const std::string token = MakeDeliveryToken(kKey, kPrefix, kExpires);
  for (const std::string path :
       {"show/s1/e1/j7", "show/s1/e1/j7/master.m3u8", "show/s1/e1/j7/720p/seg_00001.m4s",
        "show/s1/e1/j7/..data", "show/s1/e1/j7/a..b/c"}) {
    ASSERT_OK_AND_ASSIGN(const std::string prefix, VerifyDeliveryToken(kKey, token, path, kNow));
    EXPECT_EQ(prefix, kPrefix) << path;
    EXPECT_OK(VerifyDeliveryToken(kKey, token, path, kExpires - absl::Seconds(1)));
  }
}

TEST(DeliveryToken, ExpiresAtItsExpiry) {
  const std::string token = MakeDeliveryToken(kKey, kPrefix, kExpires);
  for (const absl::Time now :
       {kExpires, kExpires + absl::Nanoseconds(1), kExpires + absl::Hours(24)}) {
    EXPECT_THAT(
        VerifyDeliveryToken(kKey, token, "show/s1/e1/j7/master.m3u8", now),
        StatusIs(absl::StatusCode::kPermissionDenied, StartsWith("delivery token expired")));
  }
}

TEST(DeliveryToken, OneChangedCharacterInEitherHalfIsTampering) {
  const std::string token = MakeDeliveryToken(kKey, kPrefix, kExpires);
  const size_t dot = token.find('.');
  for (const size_t index : {size_t{0}, size_t{3}, dot - 2, dot + 1, dot + 5, token.size() - 2}) {
    EXPECT_THAT(
        VerifyDeliveryToken(kKey, Flip(token, index), "show/s1/e1/j7/master.m3u8", kNow),
        StatusIs(absl::StatusCode::kPermissionDenied, StartsWith("delivery token is tampered")))
        << index;
  }
  EXPECT_THAT(
      VerifyDeliveryToken("another key", token, "show/s1/e1/j7/master.m3u8", kNow),
      StatusIs(absl::StatusCode::kPermissionDenied, StartsWith("delivery token is tampered")));
  // Another prefix or expiry with the MAC of the first.
  const std::string mac = token.substr(dot);
  for (const std::string& other : {MakeDeliveryToken(kKey, "show", kExpires),
                                   MakeDeliveryToken(kKey, kPrefix, kExpires + absl::Hours(1))}) {
    EXPECT_THAT(
        VerifyDeliveryToken(kKey, other.substr(0, other.find('.')) + mac,
                            "show/s1/e1/j7/master.m3u8", kNow),
        StatusIs(absl::StatusCode::kPermissionDenied, StartsWith("delivery token is tampered")));
  }
  // The last character of each half has bits no byte uses: another value there is not canonical.
  for (const size_t index : {dot - 1, token.size() - 1}) {
    std::string changed = token;
    changed[index] = changed[index] == 'A' ? 'B' : static_cast<char>(changed[index] ^ 1);
    EXPECT_THAT(VerifyDeliveryToken(kKey, changed, "show/s1/e1/j7/master.m3u8", kNow),
                StatusIs(absl::StatusCode::kPermissionDenied))
        << index;
  }
}

TEST(DeliveryToken, PrefixCoversWholeSegmentsOnly) {
  const std::string token = MakeDeliveryToken(kKey, "a/b", kExpires);
  EXPECT_OK(VerifyDeliveryToken(kKey, token, "a/b", kNow));
  EXPECT_OK(VerifyDeliveryToken(kKey, token, "a/b/x", kNow));
  for (const std::string path : {"a/bc", "a/bc/x", "a", "b/a/b", "A/b/x", "a/b\xc3\xa9", "x"}) {
    EXPECT_THAT(VerifyDeliveryToken(kKey, token, path, kNow),
                StatusIs(absl::StatusCode::kPermissionDenied,
                         StartsWith("requested path is outside the token's prefix")))
        << path;
  }
  EXPECT_THAT(VerifyDeliveryToken(kKey, MakeDeliveryToken(kKey, kPrefix, kExpires),
                                  "show/s2/e1/j7/master.m3u8", kNow),
              StatusIs(absl::StatusCode::kPermissionDenied,
                       StartsWith("requested path is outside the token's prefix")));
}

TEST(DeliveryToken, RefusesDotSegmentsAndEmptySegments) {
  const std::string token = MakeDeliveryToken(kKey, "a/b", kExpires);
  for (const std::string path :
       {"a/b/../c", "a/b/..", "../a/b/x", "a/b/./x", "a/b/x/../../../etc", ".."}) {
    EXPECT_THAT(VerifyDeliveryToken(kKey, token, path, kNow),
                StatusIs(absl::StatusCode::kPermissionDenied,
                         StartsWith("requested path has a '.' or '..' segment")))
        << path;
  }
  for (const std::string& path : {std::string(), std::string("/a/b/x"), std::string("a/b//x"),
                                  std::string("a/b/"), std::string("a/b/x\0y", 7)}) {
    EXPECT_THAT(VerifyDeliveryToken(kKey, token, path, kNow),
                StatusIs(absl::StatusCode::kPermissionDenied,
                         StartsWith("requested path has an empty segment")))
        << path;
  }
}

TEST(DeliveryToken, GarbageIsMalformedAndNeverCrashes) {
  const std::string good = MakeDeliveryToken(kKey, kPrefix, kExpires);
  for (const std::string& token :
       {std::string(), std::string("."), std::string(".."), std::string("abc"), std::string("abc."),
        std::string(".abc"), std::string("a.b.c"), std::string("!!!.???"), std::string("====.===="),
        std::string("YQ==.YQ=="), std::string("YQ.YQ"), std::string(5000, 'A'),
        std::string(2000, 'A') + "." + std::string(2200, 'A'), good + "=", good + ".", "." + good,
        good.substr(0, good.size() - 1), std::string("a\0b.c", 5),
        good.substr(0, good.find('.')) + "." + std::string(43, '/')}) {
    EXPECT_THAT(
        VerifyDeliveryToken(kKey, token, "show/s1/e1/j7/master.m3u8", kNow),
        StatusIs(absl::StatusCode::kPermissionDenied, StartsWith("delivery token is malformed")))
        << token;
  }
  // Every single byte, and random strings and mutations: never OK, never a crash.
  for (int byte = 0; byte < 256; ++byte) {
    EXPECT_THAT(VerifyDeliveryToken(kKey, std::string(1, static_cast<char>(byte)), "a", kNow),
                StatusIs(absl::StatusCode::kPermissionDenied));
  }
  std::mt19937 random(20261201);
  constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/:%\0\xff";
  const std::string alphabet(kAlphabet, sizeof(kAlphabet) - 1);
  for (int i = 0; i < 2000; ++i) {
    std::string token;
    if (i % 2 == 0) {
      const size_t length = random() % 120;
      for (size_t j = 0; j < length; ++j) token += alphabet[random() % alphabet.size()];
    } else {
      token = good;
      const int edits = 1 + random() % 3;
      for (int e = 0; e < edits; ++e) {
        const size_t at = random() % (token.size() + 1);
        switch (random() % 3) {
          case 0:
            if (at < token.size()) token[at] = alphabet[random() % alphabet.size()];
            break;
          case 1:
            token.insert(at, 1, alphabet[random() % alphabet.size()]);
            break;
          default:
            if (at < token.size()) token.erase(at, 1);
        }
      }
      if (token == good) continue;
    }
    EXPECT_THAT(VerifyDeliveryToken(kKey, token, "show/s1/e1/j7/master.m3u8", kNow),
                StatusIs(absl::StatusCode::kPermissionDenied))
        << token;
  }
}

TEST(DeliveryToken, ASignedTokenWithABadPrefixIsMalformed) {
  for (const std::string prefix : {"", "/a", "a/", "a//b", "../a", "a/./b"}) {
    EXPECT_THAT(
        VerifyDeliveryToken(kKey, MakeDeliveryToken(kKey, prefix, kExpires), "a/b", kNow),
        StatusIs(absl::StatusCode::kPermissionDenied, StartsWith("delivery token is malformed")))
        << prefix;
  }
}

TEST(DeliveryToken, VerifyingWithoutAKeyIsAConfigurationError) {
  EXPECT_THAT(VerifyDeliveryToken("", MakeDeliveryToken(kKey, kPrefix, kExpires), kPrefix, kNow),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(SignedDeliveryPath, PutsTheTokenBeforeThePrefix) {
  ASSERT_OK_AND_ASSIGN(const std::string path, SignedDeliveryPath(kKey, kPrefix, kExpires));
  const std::string token = MakeDeliveryToken(kKey, kPrefix, kExpires);
  EXPECT_EQ(path, absl::StrCat("/out/t/", token, "/show/s1/e1/j7/"));

  // What a server sees for a file the master playlist names relatively.
  const std::string request = path + "720p/seg_00001.m4s";
  const std::vector<std::string> parts = absl::StrSplit(request, absl::MaxSplits('/', 4));
  ASSERT_EQ(parts.size(), 5u);
  EXPECT_EQ(parts[3], token);
  ASSERT_OK_AND_ASSIGN(const std::string prefix,
                       VerifyDeliveryToken(kKey, parts[3], parts[4], kNow));
  EXPECT_EQ(prefix, kPrefix);
}

TEST(SignedDeliveryPath, PercentEncodesThePrefix) {
  ASSERT_OK_AND_ASSIGN(const std::string path,
                       SignedDeliveryPath(kKey, "My Show/s1?/e#1/caf\xc3\xa9", kExpires));
  EXPECT_THAT(path, EndsWith("/My%20Show/s1%3F/e%231/caf%C3%A9/"));
  // The token holds the prefix as given; the server verifies the decoded path.
  const std::string token = path.substr(7, path.find('/', 7) - 7);
  EXPECT_OK(VerifyDeliveryToken(kKey, token, "My Show/s1?/e#1/caf\xc3\xa9/master.m3u8", kNow));
}

TEST(SignedDeliveryPath, RefusesAnEmptyKeyOrABadPrefix) {
  EXPECT_THAT(SignedDeliveryPath("", kPrefix, kExpires),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("key")));
  for (const std::string& prefix :
       {std::string(), std::string("/a"), std::string("a/"), std::string("a//b"),
        std::string("a/../b"), std::string("."), std::string("a\0b", 3)}) {
    EXPECT_THAT(SignedDeliveryPath(kKey, prefix, kExpires),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a relative path")))
        << prefix;
  }
}

}  // namespace
}  // namespace atp::server
