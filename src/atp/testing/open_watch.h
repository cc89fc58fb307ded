// atp/testing/open_watch.h
//
// For tests of confinement in any module: an inotify watch that counts every open and read
// (IN_OPEN | IN_ACCESS) of the files and folders it was given, by any process, from the
// moment it is made. A file outside a package or a store is proven never opened by watching
// it while the code under test runs and finding Events() == 0.
#ifndef ATP_TESTING_OPEN_WATCH_H_
#define ATP_TESTING_OPEN_WATCH_H_

#include <sys/inotify.h>
#include <unistd.h>

#include <filesystem>
#include <vector>

namespace atp::testing {

class OpenWatch {
 public:
  // Watches each of `paths` (a watched folder also reports opens of the files in it).
  explicit OpenWatch(const std::vector<std::filesystem::path>& paths)
      : fd_(inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {
    watching_ = fd_ >= 0;
    for (const std::filesystem::path& path : paths) {
      watching_ = watching_ && inotify_add_watch(fd_, path.c_str(), IN_OPEN | IN_ACCESS) >= 0;
    }
  }
  OpenWatch(const OpenWatch&) = delete;
  OpenWatch& operator=(const OpenWatch&) = delete;
  ~OpenWatch() {
    if (fd_ >= 0) close(fd_);
  }

  // False when inotify or one of the watches could not be set up.
  [[nodiscard]] bool watching() const { return watching_; }

  // The events that arrived since the last call (without waiting for more).
  [[nodiscard]] int Events() {
    alignas(inotify_event) char buffer[16384];
    int events = 0;
    for (ssize_t n; (n = read(fd_, buffer, sizeof(buffer))) > 0;) {
      for (ssize_t at = 0; at < n;) {
        const auto* event = reinterpret_cast<const inotify_event*>(buffer + at);
        ++events;
        at += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      }
    }
    return events;
  }

 private:
  int fd_;
  bool watching_ = false;
};

}  // namespace atp::testing

#endif  // ATP_TESTING_OPEN_WATCH_H_
