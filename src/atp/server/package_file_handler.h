// atp/server/package_file_handler.h
//
// PackageFileHandler: the read-only file server of `atp serve` for published packages. It
// answers GET and HEAD on an httplib::Server with the objects of a BlobStore (the --out store),
// so that a player opens a package straight from atp:
//   without a signing key:  /out/<path>                 e.g. /out/show/s1/e1/j7/master.m3u8
//   with a signing key:     /out/t/<token>/<path>       (signed_urls.h: token and prefix)
// With a key, plain /out/<path> answers 403: every file needs a token that verifies for its
// path (VerifyDeliveryToken). The token sits in the path, so the relative URIs of a playlist
// or MPD resolve below the same /out/t/<token>/ and one token opens a whole package.
//
// What a request gets, checked in this order (errors carry a short JSON body
// {"error":{"code":"<absl code name>","message":"..."}} and Cache-Control: no-store):
//   400 INVALID_ARGUMENT   the raw request path has an empty segment (except a trailing '/'),
//                          a "." or ".." segment, a bad %-escape, or a segment that decodes to
//                          '/', '\' or a control character ("%2F", "%00", "%0A") -- before
//                          the store is touched;
//   403 PERMISSION_DENIED  with a key: no /out/t/<token>/, or a token that is malformed,
//                          tampered, expired or for another prefix (the message says which);
//   404 NOT_FOUND          no file there: missing, a folder (also any path ending in '/'),
//                          a segment starting with '.' (staging folders ".staging-...",
//                          ".atp", dotfiles are never served), a symlink that leads outside
//                          the store, a FIFO or device, a key the store refuses;
//   403 PERMISSION_DENIED  the file exists but may not be read (EACCES);
//   503 UNAVAILABLE / 500  the store failed (transient / otherwise); store messages, which
//                          name absolute paths, are not sent;
//   200                    the whole file;
//   206                    one satisfiable "Range: bytes=a-b" / "a-" / "-n" (b clamped to the
//                          end), with Content-Range "bytes a-b/size";
//   416 OUT_OF_RANGE       an unsatisfiable single range (a at or past the end, "-0", any range
//                          of an empty file), with Content-Range "bytes */size".
// Several ranges, "bytes=-", or a request with If-Range (there are no validators to match)
// get 200 with the whole file. A Range header that httplib itself cannot parse
// ("bytes=5-2", "items=0-1") is answered 416 by httplib before any route runs.
//
// Successful answers carry Accept-Ranges: bytes, a Content-Type by extension (.m3u8
// application/vnd.apple.mpegurl, .mpd application/dash+xml, .m4s video/iso.segment, .mp4
// video/mp4, .m4a audio/mp4, .ts video/mp2t, .vtt text/vtt, .json application/json, else
// application/octet-stream) and Cache-Control: "max-age=31536000, immutable" for media
// (.m4s .mp4 .m4a .ts .vtt; a published package never changes), "no-cache" for the rest
// (playlists, MPDs, report.json).
//
// Files are streamed: the object is opened once (what is sent is what was opened, whatever is
// renamed over its key meanwhile) and read in 64 KiB pieces by position as the socket takes
// them; nothing is read whole into memory, so there is no size cap. A file that shrinks
// while it is sent ends the connection early.
//
// Confinement is the store's (local: openat2 RESOLVE_BENEATH, symlinks followed only while
// they stay inside); the dot-segment rule looks at the request path only, so a symlink inside
// the store that leads into a hidden folder would be followed (atp writes no symlinks).
#ifndef ATP_SERVER_PACKAGE_FILE_HANDLER_H_
#define ATP_SERVER_PACKAGE_FILE_HANDLER_H_

#include <httplib.h>

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "atp/core/clock.h"
#include "atp/storage/blob_store.h"

namespace atp::server {

struct PackageFileOptions {
  // `atp serve --signed-urls KEYFILE`: the key's bytes. Set, files are served only below
  // /out/t/<token>/ with tokens made with this key; unset, below /out/ without a token.
  std::optional<std::string> signing_key;
};

class PackageFileHandler {
 public:
  // A handler serving the objects of `store`, checking token expiry against `clock`.
  // InvalidArgument when `options.signing_key` is set but empty.
  // REQUIRES: `store` and `clock` outlive the handler.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<PackageFileHandler>> Create(
      storage::BlobStore& store, Clock& clock, PackageFileOptions options);

  PackageFileHandler(const PackageFileHandler&) = delete;
  PackageFileHandler& operator=(const PackageFileHandler&) = delete;

  // Installs the GET (and so HEAD) route of every path below /out on `server`; register it
  // before any catch-all route. Safe for the server's worker threads to run at once.
  // REQUIRES: the handler outlives the server's listening (stop the server first).
  void Install(httplib::Server& server) const;

 private:
  PackageFileHandler(storage::BlobStore& store, Clock& clock, PackageFileOptions options);

  void Handle(const httplib::Request& request, httplib::Response& response) const;

  storage::BlobStore& store_;
  Clock& clock_;
  const PackageFileOptions options_;
};

}  // namespace atp::server

#endif  // ATP_SERVER_PACKAGE_FILE_HANDLER_H_
