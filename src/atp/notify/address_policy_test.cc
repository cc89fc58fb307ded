// Address parsing, network containment, and the admission of partner URLs with a resolver
// that knows a few names (no network).
#include "atp/notify/address_policy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <map>

#include "absl/strings/str_cat.h"
#include "atp/testing/status_matchers.h"
#include "gtest/gtest.h"

namespace atp::notify {
namespace {

using ::atp::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

IpAddress Ip(std::string_view text) { return IpAddress::Parse(text).value(); }
IpNetwork Net(std::string_view text) { return IpNetwork::Parse(text).value(); }

TEST(IpAddress, ParsesBothFamiliesAndJudgesMappedIpv6AsIpv4) {
  struct Case {
    std::string text;
    bool ipv4;
    std::string printed;
  };
  for (const Case& c : std::vector<Case>{{"127.0.0.1", true, "127.0.0.1"},
                                         {"::1", false, "::1"},
                                         {"2001:DB8:0::1", false, "2001:db8::1"},
                                         {"::ffff:127.0.0.1", true, "127.0.0.1"},
                                         {"::ffff:7f00:1", true, "127.0.0.1"},
                                         {"::ffff:a9fe:a9fe", true, "169.254.169.254"}}) {
    ASSERT_OK_AND_ASSIGN(IpAddress address, IpAddress::Parse(c.text));
    EXPECT_EQ(address.is_ipv4(), c.ipv4) << c.text;
    EXPECT_EQ(address.ToString(), c.printed) << c.text;
  }
  for (const char* bad : {"", "localhost", "127.1", "1.2.3.4.5", "[::1]", "fe80::1%eth0",
                          " 127.0.0.1", "2130706433"}) {
    EXPECT_THAT(IpAddress::Parse(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

TEST(IpAddress, FromSockaddrUnmapsAndChecksTheLength) {
  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  ASSERT_EQ(inet_pton(AF_INET6, "::ffff:10.0.0.1", &v6.sin6_addr), 1);
  std::optional<IpAddress> address =
      IpAddress::FromSockaddr(*reinterpret_cast<const sockaddr*>(&v6), sizeof(v6));
  ASSERT_TRUE(address.has_value());
  EXPECT_EQ(*address, Ip("10.0.0.1"));
  EXPECT_FALSE(IpAddress::FromSockaddr(*reinterpret_cast<const sockaddr*>(&v6), sizeof(sockaddr_in))
                   .has_value());
  sockaddr generic{};
  generic.sa_family = AF_UNIX;
  EXPECT_FALSE(IpAddress::FromSockaddr(generic, sizeof(generic)).has_value());
}

TEST(IpNetwork, ParsesCidrAndBareAddresses) {
  struct Case {
    std::string text;
    std::string printed;
  };
  for (const Case& c : std::vector<Case>{{"127.0.0.0/8", "127.0.0.0/8"},
                                         {"10.1.2.3", "10.1.2.3/32"},
                                         {"0.0.0.0/0", "0.0.0.0/0"},
                                         {"fe80::/10", "fe80::/10"},
                                         {"FC00::/7", "fc00::/7"},
                                         {"::1", "::1/128"},
                                         {"::/0", "::/0"},
                                         {"::ffff:127.0.0.0/104", "127.0.0.0/8"},
                                         {"::ffff:10.1.2.3", "10.1.2.3/32"},
                                         {"::ffff:0:0/96", "0.0.0.0/0"}}) {
    ASSERT_OK_AND_ASSIGN(IpNetwork network, IpNetwork::Parse(c.text));
    EXPECT_EQ(network.ToString(), c.printed) << c.text;
  }
}

TEST(IpNetwork, RefusesWhatIsNotANetworkQuotingIt) {
  for (const char* bad :
       {"", "/8", "localhost", "10.0.0", "010.0.0.1", "10.0.0.0/", "10.0.0.0/33", "::/129",
        "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/8a", "10.0.0.0/0008", "1.2.3.4/8/9",
        "fe80::1%eth0/128", " 10.0.0.0/8", "10.0.0.0/8 ", "[::1]/128"}) {
    EXPECT_THAT(IpNetwork::Parse(bad), StatusIs(absl::StatusCode::kInvalidArgument,
                                                HasSubstr(absl::StrCat("'", bad, "'"))))
        << bad;
  }
  EXPECT_THAT(IpNetwork::Parse("10.1.2.3/8"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("beyond the /8 prefix"), HasSubstr("10.0.0.0/8"))));
  EXPECT_THAT(IpNetwork::Parse("fe80::1/10"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("fe80::/10")));
}

TEST(IpNetwork, Contains) {
  struct Case {
    std::string network;
    std::string address;
    bool contained;
  };
  for (const Case& c : std::vector<Case>{
           {"127.0.0.0/8", "127.0.0.1", true},
           {"127.0.0.0/8", "127.255.255.255", true},
           {"127.0.0.0/8", "128.0.0.0", false},
           {"127.0.0.0/8", "126.255.255.255", false},
           {"172.16.0.0/12", "172.31.255.255", true},
           {"172.16.0.0/12", "172.32.0.0", false},
           {"172.16.0.0/12", "172.15.255.255", false},
           {"100.64.0.0/10", "100.127.255.255", true},
           {"100.64.0.0/10", "100.128.0.0", false},
           {"10.1.2.3", "10.1.2.3", true},
           {"10.1.2.3", "10.1.2.4", false},
           {"0.0.0.0/0", "8.8.8.8", true},
           {"0.0.0.0/0", "::1", false},
           {"fe80::/10", "fe80::1", true},
           {"fe80::/10", "febf:ffff::1", true},
           {"fe80::/10", "fec0::1", false},
           {"::1/128", "::1", true},
           {"::1/128", "::2", false},
           {"::/0", "2001:db8::1", true},
           // An IPv4-mapped IPv6 address is judged as the IPv4 address it carries.
           {"127.0.0.0/8", "::ffff:127.0.0.1", true},
           {"10.0.0.0/8", "::ffff:a00:1", true},
           {"::ffff:127.0.0.0/104", "127.0.0.1", true},
           {"::ffff:0:0/96", "1.2.3.4", true},
           {"::/0", "::ffff:127.0.0.1", false},
           {"::/0", "127.0.0.1", false},
       }) {
    EXPECT_EQ(Net(c.network).Contains(Ip(c.address)), c.contained)
        << c.network << " contains " << c.address;
  }
}

TEST(ParseIpNetworkList, ParsesCommaSeparatedEntriesAndNamesTheBadOne) {
  ASSERT_OK_AND_ASSIGN(std::vector<IpNetwork> networks,
                       ParseIpNetworkList(" 127.0.0.0/8 ,::1/128,10.1.2.3"));
  EXPECT_THAT(networks, ElementsAre(Net("127.0.0.0/8"), Net("::1/128"), Net("10.1.2.3/32")));
  for (const char* empty : {"", "  "}) {
    ASSERT_OK_AND_ASSIGN(networks, ParseIpNetworkList(empty));
    EXPECT_TRUE(networks.empty());
  }
  EXPECT_THAT(ParseIpNetworkList("10.0.0.0/8, nonsense, ::1"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("entry 2"), HasSubstr("'nonsense'"))));
  EXPECT_THAT(ParseIpNetworkList("10.0.0.0/8,192.168.1.1/16"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("entry 2"), HasSubstr("'192.168.1.1/16'"),
                             HasSubstr("192.168.0.0/16"))));
  EXPECT_THAT(ParseIpNetworkList("10.0.0.0/8,,::1"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("entry 2 is empty")));
  EXPECT_THAT(ParseIpNetworkList("10.0.0.0/8,"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("entry 2 is empty")));
}

TEST(NonPublicKind, NamesEveryRangeAPartnerMayNotReach) {
  struct Case {
    std::string address;
    std::string kind;  // Empty: public.
  };
  for (const Case& c : std::vector<Case>{{"0.0.0.0", "unspecified"},
                                         {"0.1.2.3", "unspecified"},
                                         {"::", "unspecified"},
                                         {"127.0.0.1", "loopback"},
                                         {"127.255.0.1", "loopback"},
                                         {"::1", "loopback"},
                                         {"::ffff:127.0.0.1", "loopback"},
                                         {"169.254.169.254", "link-local"},
                                         {"::ffff:169.254.169.254", "link-local"},
                                         {"fe80::1", "link-local"},
                                         {"10.0.0.1", "private"},
                                         {"172.16.0.1", "private"},
                                         {"172.31.255.255", "private"},
                                         {"192.168.1.1", "private"},
                                         {"fc00::1", "private"},
                                         {"fd12:3456::1", "private"},
                                         {"100.64.0.1", "CGNAT"},
                                         {"100.127.255.254", "CGNAT"},
                                         {"224.0.0.1", "multicast"},
                                         {"239.255.255.250", "multicast"},
                                         {"ff02::1", "multicast"},
                                         {"255.255.255.255", "broadcast"},
                                         {"8.8.8.8", ""},
                                         {"93.184.216.34", ""},
                                         {"172.32.0.1", ""},
                                         {"100.128.0.1", ""},
                                         {"192.169.0.1", ""},
                                         {"1.0.0.0", ""},
                                         {"2606:4700:4700::1111", ""},
                                         {"::ffff:8.8.8.8", ""}}) {
    EXPECT_EQ(NonPublicKind(Ip(c.address)), c.kind) << c.address;
  }
}

// A resolver that knows a few names and counts its calls.
struct FakeResolver {
  std::map<std::string, std::vector<std::string>> names = {
      {"partner.example", {"93.184.216.34", "2606:2800:220:1::1"}},
      {"metadata.example", {"169.254.169.254"}},
      {"mixed.example", {"93.184.216.34", "10.0.0.5"}},
      {"mapped.example", {"::ffff:192.168.0.1"}},
      {"lan.example", {"fd00::7"}}};
  int calls = 0;

  AddressPolicy Policy(std::string_view allowed = "") {
    return {.allowed_networks = ParseIpNetworkList(allowed).value(),
            .resolve = [this](const std::string& host) -> absl::StatusOr<std::vector<IpAddress>> {
              ++calls;
              auto it = names.find(host);
              if (it == names.end()) {
                return absl::UnavailableError("cannot resolve '" + host + "': unknown");
              }
              std::vector<IpAddress> addresses;
              for (const std::string& text : it->second) addresses.push_back(Ip(text));
              return addresses;
            }};
  }
};

TEST(AdmitUrl, AdmitsAPublicHostAndPinsEveryAddressItResolvedTo) {
  FakeResolver resolver;
  ASSERT_OK_AND_ASSIGN(AdmittedUrl admitted,
                       AdmitUrl("https://partner.example/hook?x=1", resolver.Policy()));
  EXPECT_EQ(resolver.calls, 1);
  EXPECT_EQ(admitted.url, "https://partner.example/hook?x=1");
  EXPECT_EQ(admitted.host, "partner.example");
  EXPECT_EQ(admitted.port, 443);
  EXPECT_THAT(admitted.addresses, ElementsAre(Ip("93.184.216.34"), Ip("2606:2800:220:1::1")));
  EXPECT_THAT(admitted.CurlResolveEntries(),
              ElementsAre("partner.example:443:93.184.216.34,[2606:2800:220:1::1]"));
  EXPECT_TRUE(admitted.Allows(Ip("93.184.216.34")));
  EXPECT_FALSE(admitted.Allows(Ip("127.0.0.1")));

  ASSERT_OK_AND_ASSIGN(admitted, AdmitUrl("http://partner.example:8080/", resolver.Policy()));
  EXPECT_EQ(admitted.port, 8080);
}

TEST(AdmitUrl, RefusesNonPublicAddressesUnlessAllowed) {
  struct Case {
    std::string url;
    std::string allowed;
    std::string refusal;  // Empty: admitted.
  };
  for (const Case& c : std::vector<Case>{
           {"http://metadata.example/latest/meta-data/", "",
            "refused: callback host 'metadata.example' resolves to 169.254.169.254 "
            "(link-local); allow it with ATP_CALLBACK_ALLOW_NETS (e.g. 169.254.169.254/32)"},
           {"http://metadata.example/", "169.254.169.254", ""},
           // One bad address is enough, wherever it is in the answer.
           {"http://mixed.example/", "", "resolves to 10.0.0.5 (private)"},
           {"http://mixed.example/", "10.0.0.0/8", ""},
           {"http://mixed.example/", "10.0.0.0/30", "resolves to 10.0.0.5 (private)"},
           {"http://mapped.example/", "", "resolves to 192.168.0.1 (private)"},
           {"http://mapped.example/", "192.168.0.0/16", ""},
           {"http://lan.example/", "",
            "resolves to fd00::7 (private); allow it with "
            "ATP_CALLBACK_ALLOW_NETS (e.g. fd00::7/128)"},
           {"http://lan.example/", "fd00::/8", ""},
           {"http://user:pw@metadata.example/", "", "(link-local)"},
           // Address literals, in every spelling libcurl would connect to.
           {"http://169.254.169.254/", "", "'169.254.169.254' resolves to 169.254.169.254"},
           {"http://127.0.0.1:8080/", "", "127.0.0.1 (loopback)"},
           {"http://2130706433/", "", "127.0.0.1 (loopback)"},
           {"http://0x7f.1/", "", "127.0.0.1 (loopback)"},
           {"http://[::1]:8080/", "", "'[::1]' resolves to ::1 (loopback)"},
           {"http://[::1]:8080/", "::1/128", ""},
           {"http://[::ffff:127.0.0.1]/", "", "127.0.0.1 (loopback)"},
           {"http://[::ffff:127.0.0.1]/", "::/0", "127.0.0.1 (loopback)"},
           {"http://[::ffff:127.0.0.1]/", "127.0.0.0/8", ""},
           {"http://[fe80::1%25eth0]/", "", "fe80::1 (link-local)"},
           {"http://0.0.0.0/", "", "(unspecified)"},
           {"http://[::]/", "", "(unspecified)"},
           {"http://100.64.1.1/", "", "(CGNAT)"},
           {"http://224.0.0.251/", "", "(multicast)"},
           {"http://255.255.255.255/", "", "(broadcast)"},
           {"http://172.20.0.1/", "", "(private)"},
           {"http://8.8.8.8/", "", ""}}) {
    FakeResolver resolver;
    const absl::StatusOr<AdmittedUrl> admitted = AdmitUrl(c.url, resolver.Policy(c.allowed));
    if (c.refusal.empty()) {
      EXPECT_OK(admitted) << c.url << " with " << c.allowed;
    } else {
      EXPECT_THAT(admitted, StatusIs(absl::StatusCode::kFailedPrecondition,
                                     AllOf(HasSubstr("refused: "), HasSubstr(c.refusal))))
          << c.url << " with " << c.allowed;
    }
    EXPECT_LE(resolver.calls, 1) << c.url;
  }
}

TEST(AdmitUrl, AnIpv6LiteralNeedsNoPinAndIsNotLookedUp) {
  FakeResolver resolver;
  ASSERT_OK_AND_ASSIGN(AdmittedUrl admitted,
                       AdmitUrl("http://[2606:4700:4700::1111]:8443/x", resolver.Policy()));
  EXPECT_EQ(resolver.calls, 0);
  EXPECT_EQ(admitted.host, "[2606:4700:4700::1111]");
  EXPECT_THAT(admitted.addresses, ElementsAre(Ip("2606:4700:4700::1111")));
  EXPECT_TRUE(admitted.CurlResolveEntries().empty());
}

TEST(AdmitUrl, RefusesEveryOtherSchemeWithoutALookup) {
  for (const char* url :
       {"ftp://partner.example/hook", "file:///etc/passwd", "gopher://partner.example/",
        "dict://partner.example:11211/", "ldap://partner.example/", "smtp://partner.example/"}) {
    FakeResolver resolver;
    EXPECT_THAT(AdmitUrl(url, resolver.Policy("0.0.0.0/0,::/0")),
                StatusIs(absl::StatusCode::kFailedPrecondition,
                         AllOf(HasSubstr("refused: callback URL scheme"),
                               HasSubstr("only http and https"))))
        << url;
    EXPECT_EQ(resolver.calls, 0) << url;
  }
  FakeResolver resolver;
  for (const char* url : {"partner.example/hook", "http://", "", "http://partner.example:99999/"}) {
    EXPECT_THAT(AdmitUrl(url, resolver.Policy()),
                StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("refused: ")))
        << url;
  }
  EXPECT_EQ(resolver.calls, 0);
}

TEST(AdmitUrl, AHostThatDoesNotResolveIsUnavailable) {
  FakeResolver resolver;
  EXPECT_THAT(AdmitUrl("https://down.example/hook", resolver.Policy()),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("callback host 'down.example'")));
}

TEST(ResolveHost, ResolvesLiteralsAndLocalNames) {
  ASSERT_OK_AND_ASSIGN(std::vector<IpAddress> addresses, ResolveHost("127.0.0.1"));
  EXPECT_THAT(addresses, ElementsAre(Ip("127.0.0.1")));
  ASSERT_OK_AND_ASSIGN(addresses, ResolveHost("localhost"));
  ASSERT_FALSE(addresses.empty());
  for (const IpAddress& address : addresses) EXPECT_EQ(NonPublicKind(address), "loopback");
  // .invalid never resolves (RFC 6761).
  EXPECT_THAT(ResolveHost("atp-test.invalid"),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("'atp-test.invalid'")));
}

}  // namespace
}  // namespace atp::notify
