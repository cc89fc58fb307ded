// atp/notify/address_policy.h
//
// What a URL chosen by an untrusted party (a manifest's CallbackUrl) may reach. atp POSTs to
// such URLs from inside the operator's network, so without a check a partner could make atp
// call its loopback services, the cloud metadata endpoint (169.254.169.254) or private hosts
// (server-side request forgery). AdmitUrl allows http and https only, resolves the host once,
// refuses the URL when any address is not public (unless an allowed network covers it), and
// returns the addresses the request must then be pinned to (see WebhookNotifier).
#ifndef ATP_NOTIFY_ADDRESS_POLICY_H_
#define ATP_NOTIFY_ADDRESS_POLICY_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct sockaddr;

namespace atp::notify {

// The setting that lists the networks partners' callbacks may reach anyway; refusals name it.
inline constexpr std::string_view kCallbackAllowNetsVariable = "ATP_CALLBACK_ALLOW_NETS";

// An IPv4 or IPv6 address. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is held as the IPv4
// address a.b.c.d, so that every check judges it as what it reaches.
class IpAddress {
 public:
  // Parses a.b.c.d or an IPv6 address in any form inet_pton accepts (no brackets, no zone).
  // InvalidArgument otherwise.
  [[nodiscard]] static absl::StatusOr<IpAddress> Parse(std::string_view text);
  // The address of an AF_INET or AF_INET6 socket address of `length` bytes; nullopt for any
  // other family, or when `length` is too short for the family.
  [[nodiscard]] static std::optional<IpAddress> FromSockaddr(const sockaddr& address,
                                                             size_t length);

  [[nodiscard]] bool is_ipv4() const { return ipv4_; }
  // inet_ntop's form: "127.0.0.1", "::1" (a mapped address prints as its IPv4 address).
  [[nodiscard]] std::string ToString() const;

  friend bool operator==(const IpAddress&, const IpAddress&) = default;

 private:
  IpAddress(bool ipv4, const std::array<uint8_t, 16>& bytes) : ipv4_(ipv4), bytes_(bytes) {}

  bool ipv4_ = true;
  std::array<uint8_t, 16> bytes_{};  // Network order; an IPv4 address uses the first 4.

  friend class IpNetwork;
};

// An IP network in CIDR notation: "10.0.0.0/8", "fe80::/10"; a bare address is a /32 or /128.
class IpNetwork {
 public:
  // InvalidArgument (quoting `text`) for anything else, including a prefix length out of range
  // and an address with bits set beyond the prefix ("10.1.2.3/8": say 10.0.0.0/8). An IPv6
  // network inside ::ffff:0:0/96 is held as the IPv4 network it maps ("::ffff:127.0.0.0/104"
  // is 127.0.0.0/8).
  [[nodiscard]] static absl::StatusOr<IpNetwork> Parse(std::string_view text);

  // True when `address` is in this network. IPv4 addresses (mapped ones included) are only in
  // IPv4 networks and IPv6 addresses only in IPv6 networks: "::/0" does not cover 127.0.0.1.
  [[nodiscard]] bool Contains(const IpAddress& address) const;
  // "10.0.0.0/8", "fe80::/10".
  [[nodiscard]] std::string ToString() const;

  friend bool operator==(const IpNetwork&, const IpNetwork&) = default;

 private:
  IpNetwork(IpAddress prefix, int prefix_length) : prefix_(prefix), prefix_length_(prefix_length) {}

  IpAddress prefix_;
  int prefix_length_;
};

// Parses a comma-separated list of networks ("127.0.0.0/8, ::1/128"); blanks around entries
// are ignored and an empty or all-blank text is the empty list. InvalidArgument names the
// first bad entry (an empty one included, as in "10.0.0.0/8,,::1").
[[nodiscard]] absl::StatusOr<std::vector<IpNetwork>> ParseIpNetworkList(std::string_view text);

// Why `address` is not public: "unspecified" (0.0.0.0/8, ::), "loopback" (127.0.0.0/8, ::1),
// "link-local" (169.254.0.0/16, fe80::/10), "private" (10.0.0.0/8, 172.16.0.0/12,
// 192.168.0.0/16, fc00::/7), "CGNAT" (100.64.0.0/10), "multicast" (224.0.0.0/4, ff00::/8) or
// "broadcast" (255.255.255.255). Empty for any other address.
[[nodiscard]] std::string_view NonPublicKind(const IpAddress& address);

// Resolves a host name (or an address literal) to its addresses. Unavailable when the name
// does not resolve (DNS failures may be transient); never returns an empty list.
using HostResolver = std::function<absl::StatusOr<std::vector<IpAddress>>(const std::string& host)>;

// The HostResolver of the system: getaddrinfo, every TCP address, in its order.
[[nodiscard]] absl::StatusOr<std::vector<IpAddress>> ResolveHost(const std::string& host);

struct AddressPolicy {
  // Addresses inside these networks are allowed even when not public (the operator's
  // ATP_CALLBACK_ALLOW_NETS, e.g. a partner reached over a private link).
  std::vector<IpNetwork> allowed_networks;
  // Unset: ResolveHost. Tests give names of their own.
  HostResolver resolve;
};

// A URL that AdmitUrl let through, and where its request must go.
struct AdmittedUrl {
  std::string url;   // Normalized by libcurl's URL parser; request this, not the original.
  std::string host;  // As libcurl connects to it: an ASCII (punycode) name, or "[v6 literal]".
  int port = 0;      // Explicit, or the scheme's default.
  std::vector<IpAddress> addresses;  // What `host` resolved to, every one admitted; not empty.

  // The CURLOPT_RESOLVE entries ("host:port:addr1,[addr6]") that make libcurl connect to
  // `addresses` without a lookup of its own. Empty for an IPv6 literal host, which libcurl
  // never looks up.
  [[nodiscard]] std::vector<std::string> CurlResolveEntries() const;
  // True when a connection to `address` goes where AdmitUrl allowed (one of `addresses`).
  [[nodiscard]] bool Allows(const IpAddress& address) const;
};

// Checks `url` against `policy`: the scheme must be http or https, and every address the host
// resolves to (it is resolved exactly once) must be public or inside an allowed network.
// Returns FailedPrecondition "refused: ..." saying why and how to allow it (retrying cannot
// help), Unavailable (from the resolver) when the host does not resolve.
[[nodiscard]] absl::StatusOr<AdmittedUrl> AdmitUrl(std::string_view url,
                                                   const AddressPolicy& policy);

}  // namespace atp::notify

#endif  // ATP_NOTIFY_ADDRESS_POLICY_H_
