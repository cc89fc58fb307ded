#include "atp/server/package_file_handler.h"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "atp/server/http_json.h"
#include "atp/server/signed_urls.h"

namespace atp::server {
namespace {

constexpr absl::string_view kMount = "out";
constexpr absl::string_view kTokenSegment = "t";
constexpr size_t kChunkBytes = 64 * 1024;
constexpr char kImmutable[] = "max-age=31536000, immutable";

struct FileKind {
  absl::string_view extension;
  absl::string_view content_type;
  bool immutable;  // Media: cached for a year. Otherwise "no-cache".
};

constexpr FileKind kKinds[] = {
    {".m3u8", "application/vnd.apple.mpegurl", false},
    {".mpd", "application/dash+xml", false},
    {".json", "application/json", false},
    {".m4s", "video/iso.segment", true},
    {".mp4", "video/mp4", true},
    {".m4a", "audio/mp4", true},
    {".ts", "video/mp2t", true},
    {".vtt", "text/vtt", true},
};
constexpr FileKind kOtherKind = {"", "application/octet-stream", false};

const FileKind& KindOf(absl::string_view file_name) {
  for (const FileKind& kind : kKinds) {
    if (absl::EndsWithIgnoreCase(file_name, kind.extension)) return kind;
  }
  return kOtherKind;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The request path, from the raw request target, one segment at a time.
struct RequestPath {
  std::vector<std::string> segments;  // Each %-decoded once.
  bool trailing_slash = false;        // The target ended in '/': a folder was asked for.
};

// Splits the raw target (httplib's Request::target: what the request line says, before
// httplib decodes it) at its '/'s and only then decodes each segment, so that "%2F" is seen
// for what it is. InvalidArgument for an empty segment (other than after a trailing '/'), "."
// or "..", a bad %-escape, or a segment holding '/', '\' or a control character (NUL, CR,
// LF, ...) once decoded.
absl::StatusOr<RequestPath> SplitTarget(absl::string_view target) {
  target = target.substr(0, target.find('?'));
  if (!absl::StartsWith(target, "/")) {
    return absl::InvalidArgumentError("request path does not start with '/'");
  }
  target.remove_prefix(1);
  RequestPath path;
  if (absl::EndsWith(target, "/")) {
    path.trailing_slash = true;
    target.remove_suffix(1);
  }
  size_t begin = 0;
  while (begin <= target.size()) {
    size_t end = target.find('/', begin);
    if (end == absl::string_view::npos) end = target.size();
    const absl::string_view raw = target.substr(begin, end - begin);
    begin = end + 1;
    if (raw.empty()) return absl::InvalidArgumentError("request path has an empty segment");
    std::string segment;
    segment.reserve(raw.size());
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '%') {
        segment.push_back(raw[i]);
        continue;
      }
      if (i + 2 >= raw.size() || HexValue(raw[i + 1]) < 0 || HexValue(raw[i + 2]) < 0) {
        return absl::InvalidArgumentError("request path has a bad %-escape");
      }
      segment.push_back(static_cast<char>(HexValue(raw[i + 1]) * 16 + HexValue(raw[i + 2])));
      i += 2;
    }
    if (std::any_of(segment.begin(), segment.end(),
                    [](char c) { return c == '/' || c == '\\' || absl::ascii_iscntrl(c); })) {
      return absl::InvalidArgumentError(
          "request path has a segment with an encoded '/', a '\\' or a control character");
    }
    if (segment == "." || segment == "..") {
      return absl::InvalidArgumentError("request path has a '.' or '..' segment");
    }
    path.segments.push_back(std::move(segment));
  }
  return path;
}

enum class RangeKind { kWhole, kPart, kUnsatisfiable };

struct ResolvedRange {
  RangeKind kind = RangeKind::kWhole;
  int64_t first = 0;  // kPart: the first and last byte sent, inclusive.
  int64_t last = 0;
};

bool AllDigits(absl::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return absl::ascii_isdigit(c); });
}

// What to send of a file of `size` bytes for the request's Range header (RFC 9110 14.2):
// one satisfiable range is a part, its end clamped to the file; anything this server does not
// answer with a part (no header, several ranges, If-Range, a header it cannot read) is the
// whole file.
ResolvedRange ResolveRange(const httplib::Request& request, int64_t size) {
  if (!request.has_header("Range") || request.has_header("If-Range")) return {};
  const std::string header = request.get_header_value("Range");
  absl::string_view spec = absl::StripAsciiWhitespace(header);
  if (!absl::ConsumePrefix(&spec, "bytes=") || absl::StrContains(spec, ',')) return {};
  const size_t dash = spec.find('-');
  if (dash == absl::string_view::npos) return {};
  const absl::string_view first_text = absl::StripAsciiWhitespace(spec.substr(0, dash));
  const absl::string_view last_text = absl::StripAsciiWhitespace(spec.substr(dash + 1));
  if (!AllDigits(first_text) || !AllDigits(last_text)) return {};
  if (first_text.empty() && last_text.empty()) return {};
  if (first_text.empty()) {  // "-n": the last n bytes.
    int64_t suffix = 0;
    if (!absl::SimpleAtoi(last_text, &suffix)) suffix = size;  // More digits than int64.
    if (suffix == 0 || size == 0) return {.kind = RangeKind::kUnsatisfiable};
    return {.kind = RangeKind::kPart, .first = size - std::min(suffix, size), .last = size - 1};
  }
  int64_t first = 0;
  if (!absl::SimpleAtoi(first_text, &first) || first >= size) {
    return {.kind = RangeKind::kUnsatisfiable};
  }
  int64_t last = size - 1;
  if (!last_text.empty()) {
    int64_t asked = 0;
    if (absl::SimpleAtoi(last_text, &asked)) {
      if (asked < first) return {};  // Invalid: ignored (httplib answers it 416 itself).
      last = std::min(asked, last);
    }
  }
  return {.kind = RangeKind::kPart, .first = first, .last = last};
}

// Answers a failed BlobStore::Open or BlobReader::Size of `path`. The store's own message
// names absolute paths, so it is not sent.
void SetStoreError(httplib::Response& response, const absl::Status& status,
                   absl::string_view path) {
  if (absl::IsNotFound(status) || absl::IsInvalidArgument(status) ||
      absl::IsFailedPrecondition(status) || storage::OpenRefusalOf(status).has_value()) {
    // Missing, refused key, folder, FIFO, symlink loop, symlink out of the store.
    SetJsonError(response, 404, absl::StatusCode::kNotFound, absl::StrCat("no such file: ", path));
  } else if (absl::IsPermissionDenied(status)) {
    SetJsonError(response, 403, absl::StatusCode::kPermissionDenied,
                 absl::StrCat("file may not be read: ", path));
  } else if (absl::IsUnavailable(status)) {
    SetJsonError(response, 503, absl::StatusCode::kUnavailable,
                 absl::StrCat("store unavailable reading ", path, "; try again"));
  } else {
    SetJsonError(response, 500, absl::StatusCode::kInternal,
                 absl::StrCat("store failed reading ", path));
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<PackageFileHandler>> PackageFileHandler::Create(
    storage::BlobStore& store, Clock& clock, PackageFileOptions options) {
  if (options.signing_key.has_value() && options.signing_key->empty()) {
    return absl::InvalidArgumentError("the signing key of signed delivery URLs is empty");
  }
  return std::unique_ptr<PackageFileHandler>(
      new PackageFileHandler(store, clock, std::move(options)));
}

PackageFileHandler::PackageFileHandler(storage::BlobStore& store, Clock& clock,
                                       PackageFileOptions options)
    : store_(store), clock_(clock), options_(std::move(options)) {}

void PackageFileHandler::Install(httplib::Server& server) const {
  // [\s\S]: a decoded "%0A" must reach Handle (and its 400), not fall through as no route.
  server.Get(absl::StrCat("/", std::string(kMount), R"((/[\s\S]*)?)"),
             [this](const httplib::Request& request, httplib::Response& response) {
               Handle(request, response);
             });
}

void PackageFileHandler::Handle(const httplib::Request& request,
                                httplib::Response& response) const {
  // httplib 0.11 applies request.ranges to every answer after the handler returns (it
  // would cut a JSON error body into a "part", and it does not clamp a range's end to the
  // file), so this handler resolves Range itself and takes the parsed ranges away. The
  // Request is a non-const local of httplib's Server::process_request: writing it is defined.
  const_cast<httplib::Request&>(request).ranges.clear();

  absl::StatusOr<RequestPath> path = SplitTarget(request.target);
  if (!path.ok()) {
    SetJsonError(response, 400, absl::StatusCode::kInvalidArgument, path.status().message());
    return;
  }
  std::vector<std::string>& segments = path->segments;
  if (segments.empty() || segments.front() != kMount) {
    SetJsonError(response, 404, absl::StatusCode::kNotFound, "no such file");
    return;
  }
  segments.erase(segments.begin());

  if (options_.signing_key.has_value()) {
    if (segments.size() < 2 || segments[0] != kTokenSegment) {
      SetJsonError(response, 403, absl::StatusCode::kPermissionDenied,
                   "a delivery token is required: /out/t/<token>/<path>");
      return;
    }
    const std::string token = std::move(segments[1]);
    segments.erase(segments.begin(), segments.begin() + 2);
    const absl::StatusOr<std::string> prefix = VerifyDeliveryToken(
        *options_.signing_key, token, absl::StrJoin(segments, "/"), clock_.Now());
    if (!prefix.ok()) {
      const bool denied = absl::IsPermissionDenied(prefix.status());
      SetJsonError(response, denied ? 403 : 500, prefix.status().code(), prefix.status().message());
      return;
    }
  }

  const std::string key = absl::StrJoin(segments, "/");
  if (segments.empty() || path->trailing_slash) {
    SetJsonError(response, 404, absl::StatusCode::kNotFound,
                 absl::StrCat("not a file (folders are not listed): ", key, "/"));
    return;
  }
  for (const std::string& segment : segments) {
    if (segment.front() == '.') {  // .staging-..., .atp, dotfiles: as if missing.
      SetJsonError(response, 404, absl::StatusCode::kNotFound, absl::StrCat("no such file: ", key));
      return;
    }
  }

  absl::StatusOr<std::unique_ptr<storage::BlobReader>> opened = store_.Open(key);
  if (!opened.ok()) {
    SetStoreError(response, opened.status(), key);
    return;
  }
  std::shared_ptr<const storage::BlobReader> reader = std::move(*opened);
  const absl::StatusOr<int64_t> size = reader->Size();
  if (!size.ok()) {
    SetStoreError(response, size.status(), key);
    return;
  }

  const ResolvedRange range = ResolveRange(request, *size);
  if (range.kind == RangeKind::kUnsatisfiable) {
    response.set_header("Content-Range", absl::StrCat("bytes */", *size));
    response.set_header("Accept-Ranges", "bytes");
    SetJsonError(response, 416, absl::StatusCode::kOutOfRange,
                 absl::StrCat("range not satisfiable: ", key, " has ", *size, " bytes"));
    return;
  }
  const FileKind& kind = KindOf(segments.back());
  response.set_header("Accept-Ranges", "bytes");
  response.set_header("Cache-Control", kind.immutable ? kImmutable : "no-cache");
  int64_t first = 0;
  int64_t length = *size;
  if (range.kind == RangeKind::kPart) {
    response.status = 206;
    response.set_header("Content-Range",
                        absl::StrCat("bytes ", range.first, "-", range.last, "/", *size));
    first = range.first;
    length = range.last - range.first + 1;
  } else {
    response.status = 200;
  }
  const std::string content_type(kind.content_type);
  if (length == 0) {  // httplib sends Content-Length: 0 for an answer without content.
    response.set_header("Content-Type", content_type);
    return;
  }
  // httplib asks for [offset, offset + length) of the answer, in order, until all is sent;
  // each call sends up to kChunkBytes. A read error or an early end (the file shrank) stops
  // the answer: httplib closes the connection.
  auto buffer = std::make_shared<std::string>();
  response.set_content_provider(
      static_cast<size_t>(length), content_type,
      [reader, buffer, first](size_t offset, size_t wanted, httplib::DataSink& sink) {
        buffer->resize(std::min(wanted, kChunkBytes));
        const absl::StatusOr<size_t> read =
            reader->ReadAt(first + static_cast<int64_t>(offset), buffer->data(), buffer->size());
        if (!read.ok() || *read == 0) return false;
        return sink.write(buffer->data(), *read);
      });
}

}  // namespace atp::server
