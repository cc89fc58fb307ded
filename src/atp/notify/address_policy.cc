#include "atp/notify/address_policy.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace atp::notify {
namespace {

using Bytes = std::array<uint8_t, 16>;

// Debian's abseil has its own string_view.
absl::string_view AsAbsl(std::string_view text) { return {text.data(), text.size()}; }

// An address as inet_pton reads it, before IPv4-mapped addresses are unmapped.
struct RawAddress {
  bool ipv4;
  Bytes bytes{};
};

std::optional<RawAddress> ParseRaw(std::string_view text) {
  if (text.empty() || text.find('\0') != std::string_view::npos) return std::nullopt;
  const std::string nul_terminated(text);
  RawAddress raw{.ipv4 = true};
  if (inet_pton(AF_INET, nul_terminated.c_str(), raw.bytes.data()) == 1) return raw;
  raw.ipv4 = false;
  if (inet_pton(AF_INET6, nul_terminated.c_str(), raw.bytes.data()) == 1) return raw;
  return std::nullopt;
}

// True for ::ffff:a.b.c.d.
bool IsMappedIpv4(const Bytes& v6) {
  return std::all_of(v6.begin(), v6.begin() + 10, [](uint8_t b) { return b == 0; }) &&
         v6[10] == 0xff && v6[11] == 0xff;
}

// The IPv4 address carried in the last 4 bytes of `v6`, in the first 4 of the result.
Bytes Unmapped(const Bytes& v6) {
  Bytes v4{};
  std::copy(v6.begin() + 12, v6.end(), v4.begin());
  return v4;
}

// True when the first `bits` bits of `a` and `b` are equal.
bool SamePrefix(const Bytes& a, const Bytes& b, int bits) {
  const int whole = bits / 8;
  if (!std::equal(a.begin(), a.begin() + whole, b.begin())) return false;
  const int rest = bits % 8;
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

// `bytes` with every bit after the first `bits` cleared.
Bytes Masked(const Bytes& bytes, int bits) {
  Bytes masked{};
  for (int i = 0; i < 16; ++i) {
    const int keep = std::clamp(bits - 8 * i, 0, 8);
    masked[i] = static_cast<uint8_t>(bytes[i] & (0xff << (8 - keep)));
  }
  return masked;
}

absl::Status NotANetwork(std::string_view text, std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("'", AsAbsl(text), "' is not an IP network (", AsAbsl(why),
                   "; expected an address or address/prefix-length such as 10.0.0.0/8 or "
                   "fd00::/8)"));
}

struct NonPublicNetwork {
  IpNetwork network;
  std::string_view kind;
};

const std::vector<NonPublicNetwork>& NonPublicNetworks() {
  static const auto* const networks = [] {
    auto* table = new std::vector<NonPublicNetwork>;
    for (const auto& [cidr, kind] : std::initializer_list<std::pair<const char*, const char*>>{
             {"0.0.0.0/8", "unspecified"},
             {"::/128", "unspecified"},
             {"127.0.0.0/8", "loopback"},
             {"::1/128", "loopback"},
             {"169.254.0.0/16", "link-local"},
             {"fe80::/10", "link-local"},
             {"10.0.0.0/8", "private"},
             {"172.16.0.0/12", "private"},
             {"192.168.0.0/16", "private"},
             {"fc00::/7", "private"},
             {"100.64.0.0/10", "CGNAT"},
             {"224.0.0.0/4", "multicast"},
             {"ff00::/8", "multicast"},
             {"255.255.255.255/32", "broadcast"}}) {
      table->push_back({IpNetwork::Parse(cidr).value(), kind});
    }
    return table;
  }();
  return *networks;
}

struct CurlUrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};

// One part of a parsed URL, or the error libcurl gives for it.
absl::StatusOr<std::string> UrlPart(CURLU* url, CURLUPart part, unsigned int flags) {
  char* value = nullptr;
  const CURLUcode code = curl_url_get(url, part, &value, flags);
  if (code != CURLUE_OK) return absl::InvalidArgumentError(curl_url_strerror(code));
  std::string copy(value);
  curl_free(value);
  return copy;
}

absl::Status Refused(std::string_view why) {
  return absl::FailedPreconditionError(absl::StrCat("refused: ", AsAbsl(why)));
}

}  // namespace

absl::StatusOr<IpAddress> IpAddress::Parse(std::string_view text) {
  const std::optional<RawAddress> raw = ParseRaw(text);
  if (!raw.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat("'", AsAbsl(text), "' is not an IP address"));
  }
  if (!raw->ipv4 && IsMappedIpv4(raw->bytes)) return IpAddress(true, Unmapped(raw->bytes));
  return IpAddress(raw->ipv4, raw->bytes);
}

std::optional<IpAddress> IpAddress::FromSockaddr(const sockaddr& address, size_t length) {
  Bytes bytes{};
  if (address.sa_family == AF_INET && length >= sizeof(sockaddr_in)) {
    sockaddr_in v4;
    std::memcpy(&v4, &address, sizeof(v4));
    std::memcpy(bytes.data(), &v4.sin_addr, 4);
    return IpAddress(true, bytes);
  }
  if (address.sa_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
    sockaddr_in6 v6;
    std::memcpy(&v6, &address, sizeof(v6));
    std::memcpy(bytes.data(), &v6.sin6_addr, 16);
    if (IsMappedIpv4(bytes)) return IpAddress(true, Unmapped(bytes));
    return IpAddress(false, bytes);
  }
  return std::nullopt;
}

std::string IpAddress::ToString() const {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(ipv4_ ? AF_INET : AF_INET6, bytes_.data(), text, sizeof(text));
  return text;
}

absl::StatusOr<IpNetwork> IpNetwork::Parse(std::string_view text) {
  const size_t slash = text.find('/');
  const std::string_view address_text = text.substr(0, slash);
  const std::optional<RawAddress> raw = ParseRaw(address_text);
  if (!raw.has_value()) return NotANetwork(text, "not an IPv4 or IPv6 address");
  const int max_length = raw->ipv4 ? 32 : 128;
  int length = max_length;
  if (slash != std::string_view::npos) {
    const std::string_view length_text = text.substr(slash + 1);
    if (length_text.empty() || length_text.size() > 3 ||
        !std::all_of(length_text.begin(), length_text.end(),
                     [](char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); }) ||
        !absl::SimpleAtoi(AsAbsl(length_text), &length) || length > max_length) {
      return NotANetwork(text, absl::StrCat("the prefix length must be 0-", max_length));
    }
  }
  if (Masked(raw->bytes, length) != raw->bytes) {
    IpNetwork network(IpAddress(raw->ipv4, Masked(raw->bytes, length)), length);
    return NotANetwork(text, absl::StrCat("bits are set beyond the /", length,
                                          " prefix; the network is ", network.ToString()));
  }
  if (!raw->ipv4 && length >= 96 && IsMappedIpv4(raw->bytes)) {
    return IpNetwork(IpAddress(true, Unmapped(raw->bytes)), length - 96);
  }
  return IpNetwork(IpAddress(raw->ipv4, raw->bytes), length);
}

bool IpNetwork::Contains(const IpAddress& address) const {
  return address.ipv4_ == prefix_.ipv4_ &&
         SamePrefix(address.bytes_, prefix_.bytes_, prefix_length_);
}

std::string IpNetwork::ToString() const {
  return absl::StrCat(prefix_.ToString(), "/", prefix_length_);
}

absl::StatusOr<std::vector<IpNetwork>> ParseIpNetworkList(std::string_view text) {
  std::vector<IpNetwork> networks;
  if (absl::StripAsciiWhitespace(AsAbsl(text)).empty()) return networks;
  int number = 0;
  for (absl::string_view entry : absl::StrSplit(AsAbsl(text), ',')) {
    ++number;
    entry = absl::StripAsciiWhitespace(entry);
    if (entry.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("entry ", number, " is empty"));
    }
    absl::StatusOr<IpNetwork> network =
        IpNetwork::Parse(std::string_view(entry.data(), entry.size()));
    if (!network.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("entry ", number, ": ", network.status().message()));
    }
    networks.push_back(*network);
  }
  return networks;
}

std::string_view NonPublicKind(const IpAddress& address) {
  for (const NonPublicNetwork& entry : NonPublicNetworks()) {
    if (entry.network.Contains(address)) return entry.kind;
  }
  return {};
}

absl::StatusOr<std::vector<IpAddress>> ResolveHost(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* raw_results = nullptr;
  const int code = getaddrinfo(host.c_str(), nullptr, &hints, &raw_results);
  if (code != 0) {
    const std::string why = code == EAI_SYSTEM ? std::strerror(errno) : gai_strerror(code);
    return absl::UnavailableError(absl::StrCat("cannot resolve '", host, "': ", why));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> results(raw_results, &freeaddrinfo);
  std::vector<IpAddress> addresses;
  for (const addrinfo* entry = results.get(); entry != nullptr; entry = entry->ai_next) {
    if (entry->ai_addr == nullptr) continue;
    const std::optional<IpAddress> address =
        IpAddress::FromSockaddr(*entry->ai_addr, entry->ai_addrlen);
    if (address.has_value() &&
        std::find(addresses.begin(), addresses.end(), *address) == addresses.end()) {
      addresses.push_back(*address);
    }
  }
  if (addresses.empty()) {
    return absl::UnavailableError(absl::StrCat("'", host, "' has no IPv4 or IPv6 address"));
  }
  return addresses;
}

std::vector<std::string> AdmittedUrl::CurlResolveEntries() const {
  if (host.empty() || host.front() == '[') return {};
  std::vector<std::string> pinned;
  for (const IpAddress& address : addresses) {
    pinned.push_back(address.is_ipv4() ? address.ToString()
                                       : absl::StrCat("[", address.ToString(), "]"));
  }
  return {absl::StrCat(host, ":", port, ":", absl::StrJoin(pinned, ","))};
}

bool AdmittedUrl::Allows(const IpAddress& address) const {
  return std::find(addresses.begin(), addresses.end(), address) != addresses.end();
}

absl::StatusOr<AdmittedUrl> AdmitUrl(std::string_view url, const AddressPolicy& policy) {
  std::unique_ptr<CURLU, CurlUrlDeleter> parsed(curl_url());
  if (parsed == nullptr) return absl::ResourceExhaustedError("curl_url failed");
  if (url.find('\0') != std::string_view::npos) {
    return Refused("callback URL contains a NUL character");
  }
  if (const CURLUcode code = curl_url_set(parsed.get(), CURLUPART_URL, std::string(url).c_str(), 0);
      code != CURLUE_OK) {
    return Refused(absl::StrCat("callback URL cannot be parsed (", curl_url_strerror(code), ")"));
  }
  absl::StatusOr<std::string> scheme = UrlPart(parsed.get(), CURLUPART_SCHEME, 0);
  if (!scheme.ok()) {
    return Refused(absl::StrCat("callback URL has no scheme (", scheme.status().message(), ")"));
  }
  if (*scheme != "http" && *scheme != "https") {
    return Refused(
        absl::StrCat("callback URL scheme '", *scheme, "' is not allowed (only http and https)"));
  }
  AdmittedUrl admitted;
  absl::StatusOr<std::string> host = UrlPart(parsed.get(), CURLUPART_HOST, CURLU_PUNYCODE);
  if (!host.ok() || host->empty()) {
    return Refused(absl::StrCat("callback URL has no usable host (",
                                host.ok() ? "empty" : host.status().message(), ")"));
  }
  admitted.host = *std::move(host);
  absl::StatusOr<std::string> port = UrlPart(parsed.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
  if (!port.ok() || !absl::SimpleAtoi(*port, &admitted.port)) {
    return Refused("callback URL has no usable port");
  }
  absl::StatusOr<std::string> normalized = UrlPart(parsed.get(), CURLUPART_URL, 0);
  if (!normalized.ok()) {
    return Refused(
        absl::StrCat("callback URL cannot be parsed (", normalized.status().message(), ")"));
  }
  admitted.url = *std::move(normalized);

  // An address literal is its own resolution (libcurl does not look it up either).
  std::string_view bare_host = admitted.host;
  if (bare_host.size() >= 2 && bare_host.front() == '[' && bare_host.back() == ']') {
    bare_host = bare_host.substr(1, bare_host.size() - 2);
  }
  if (absl::StatusOr<IpAddress> literal = IpAddress::Parse(bare_host); literal.ok()) {
    admitted.addresses = {*literal};
  } else {
    absl::StatusOr<std::vector<IpAddress>> resolved =
        policy.resolve ? policy.resolve(admitted.host) : ResolveHost(admitted.host);
    if (!resolved.ok()) {
      return absl::Status(
          resolved.status().code(),
          absl::StrCat("callback host '", admitted.host, "': ", resolved.status().message()));
    }
    if (resolved->empty()) {
      return absl::UnavailableError(
          absl::StrCat("callback host '", admitted.host, "' resolves to no address"));
    }
    admitted.addresses = *std::move(resolved);
  }

  for (const IpAddress& address : admitted.addresses) {
    const std::string_view kind = NonPublicKind(address);
    if (kind.empty()) continue;
    const bool allowed =
        std::any_of(policy.allowed_networks.begin(), policy.allowed_networks.end(),
                    [&](const IpNetwork& network) { return network.Contains(address); });
    if (allowed) continue;
    return Refused(absl::StrCat("callback host '", admitted.host, "' resolves to ",
                                address.ToString(), " (", AsAbsl(kind), "); allow it with ",
                                AsAbsl(kCallbackAllowNetsVariable), " (e.g. ", address.ToString(),
                                address.is_ipv4() ? "/32" : "/128", ")"));
  }
  return admitted;
}

}  // namespace atp::notify
