// atp/encode/zeroed_allocations.h
#ifndef ATP_ENCODE_ZEROED_ALLOCATIONS_H_
#define ATP_ENCODE_ZEROED_ALLOCATIONS_H_

namespace atp::encode {

// Makes later heap allocations of the process start zeroed, as the memory of a fresh process
// does: those malloc and memalign serve from the heap (glibc's per-thread cache of small
// blocks, up to about 1 KiB, is left as it is; frame buffers and packets are far larger);
// false where the C library cannot. An encode reads memory nobody wrote (most likely inside
// libx264 0.164's frame buffers): measured on rungs of 426x240 and 320x180, whose packets, in
// an encode after others in the same process, took what earlier encodes left in the reused
// memory and came out a few bytes different (from a fresh process, whose memory the kernel
// zeroes, they never did). Zeroed memory makes an encode depend on its input alone, whatever
// ran before it in the process. It costs a memset of each allocation and of each block freed
// (glibc's M_PERTURB): per encoder and per demuxed packet, not per pixel (frame buffers are
// pooled). Call it once, before threads start.
bool ZeroNewAllocations();

}  // namespace atp::encode

#endif  // ATP_ENCODE_ZEROED_ALLOCATIONS_H_
