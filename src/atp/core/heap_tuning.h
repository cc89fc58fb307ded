// atp/core/heap_tuning.h
//
// How the process's memory is laid out for encoding: many encoders opened and closed in turn.
//
// The transcode step opens the ladder's encoders afresh for every video chunk, and every chunk
// has its own decoder with its own picture pools: buffers of megabytes at 1080p, allocated and
// freed again once per chunk. With glibc's and the kernel's defaults each such buffer costs its
// pages anew every time:
//
//  - glibc serves a large block by mmap and returns it with munmap when freed (above its
//    mmap threshold, 128 KiB at first), and gives the freed top of the heap back to the kernel
//    (above its trim threshold), so the next chunk's buffers fault every page in again;
//  - libx264 asks for transparent huge pages (madvise MADV_HUGEPAGE) for its large buffers, and
//    with Debian's THP setting ("madvise", defrag "madvise") the kernel then compacts memory to
//    find, and zeroes, a 2 MiB page at the first touch of each: per chunk again.
//
// RetainFreedHeapMemory makes large blocks come from the heap and keeps what is freed there
// for the next allocation, and turns transparent huge pages off for this process. The cost is
// resident memory: what one chunk freed stays mapped for the next (docs/performance.md has
// both sides, measured).
#ifndef ATP_CORE_HEAP_TUNING_H_
#define ATP_CORE_HEAP_TUNING_H_

#include <cstddef>

#include "absl/status/status.h"

namespace atp {

// Blocks up to this size come from the heap instead of a mapping of their own: above the
// largest picture buffer (a 4K 16-bit 4:4:4 frame is 48 MiB; 1080p ones are a few MiB) and
// glibc's own ceiling for its self-adjusting threshold on 64-bit (32 MiB).
inline constexpr std::size_t kHeapMmapThreshold = 32u << 20;
// Free memory at the top of a heap is kept up to this size instead of being returned.
inline constexpr std::size_t kHeapTrimThreshold = 1u << 30;
// Each time a heap grows, it grows by this much more than asked (fewer, larger extensions).
inline constexpr std::size_t kHeapTopPad = 64u << 20;

// Applies the thresholds above with mallopt, limits glibc to one arena per usable CPU (its
// default is eight per CPU: memory one thread freed is then less often where the next thread
// allocates), and turns transparent huge pages off for this process and its children (prctl
// PR_SET_THP_DISABLE). Call at the start of main, before any other thread exists (glibc reads
// the thresholds unlocked). Returns the first setting that was refused; the process works
// either way, only slower.
absl::Status RetainFreedHeapMemory();

}  // namespace atp

#endif  // ATP_CORE_HEAP_TUNING_H_
