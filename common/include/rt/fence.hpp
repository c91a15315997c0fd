// The store-load fence: "my store above is visible to everyone before my load below".
//
// Every lost-wakeup-free protocol in this repository (chapter 4's loop inbox, chapter 5's
// waiters) has the same shape, Dekker's: one side stores A then loads B, the other stores B
// then loads A, and at least one of them must see the other's store. Release and acquire do
// not give that (each load may still read the old value); a seq_cst fence between the store
// and the load on both sides does. On x86-64 it is one locked instruction (or mfence), on
// ARM64 a `dmb ish`.
//
// ThreadSanitizer does not model fences, and GCC refuses to compile them silently under it
// (-Wtsan). There the fence is a seq_cst read-modify-write of one shared atomic: TSan models
// that as synchronisation between every pair of threads that run it, which is stronger than
// a fence, so it can hide a missing fence (the model checker guards against that: the
// chapter's spin model) but never reports a race that is not there.
#pragma once

#include <atomic>

#if defined(__SANITIZE_THREAD__)
#define RT_FENCE_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RT_FENCE_UNDER_TSAN 1
#endif
#endif

namespace rt {

inline void store_load_fence() noexcept {
#if defined(RT_FENCE_UNDER_TSAN)
  static std::atomic<unsigned> tsan_fence_word{0};
  tsan_fence_word.fetch_add(0, std::memory_order_seq_cst);
#else
  std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
}

}  // namespace rt
