// Sleeping on a memory word: the OS primitive under every modern lock, condition variable
// and std::atomic<T>::wait.
//
//   Linux    futex(FUTEX_WAIT_PRIVATE / FUTEX_WAKE_PRIVATE)     address_wait_linux.cpp
//   Windows  WaitOnAddress / WakeByAddressSingle (Windows 8+)   address_wait_win32.cpp
//   macOS    std::atomic<T>::wait, which libc++ builds on the   address_wait_macos.cpp
//            kernel's ulock calls (private API; not called directly here)
//
// Contract:
// - wait_on_address(word, expected) sleeps only if `word` still holds `expected` when the
//   kernel checks it, atomically with going to sleep: a wake between the caller's last load
//   and the sleep is never lost. It may return spuriously; callers loop on their condition.
// - wake_one / wake_all wake threads sleeping on `word`; waking when no one sleeps is cheap.
// - Memory ordering is the caller's: store the new value with release before waking, and
//   load it with acquire after waking.
// - wait_on_address_until is the same wait with a deadline on the steady clock (chapter 5's
//   receive-with-timeout on a thread). macOS has no public timed address wait before 14.4, so
//   there the timed waits sleep on a condition variable of a small hashed table instead, and
//   wake_one / wake_all wake both kinds of sleeper.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace rt::os {

void wait_on_address(std::atomic<std::uint32_t>& word, std::uint32_t expected);
// Returns false if `deadline` has passed (checked before sleeping and after waking), true
// otherwise: woken, spuriously or not, or the word did not hold `expected`.
bool wait_on_address_until(std::atomic<std::uint32_t>& word, std::uint32_t expected,
                           std::chrono::steady_clock::time_point deadline);
void wake_one(std::atomic<std::uint32_t>& word);
void wake_all(std::atomic<std::uint32_t>& word);

// The OS mechanism behind the three calls above, for printing ("futex", "WaitOnAddress").
const char* address_wait_mechanism();

// Whether this build's std::atomic<T>::wait can be trusted. libstdc++ 12 for MinGW-w64 has
// no native wait on Windows and falls back to its own waiter table, which lost wakeups in
// this repository's tests (a two-thread ping-pong hung within its first 2,000 round trips
// under wine). Demos skip that measurement there and say why.
#if defined(__MINGW32__) && defined(__GLIBCXX__)
inline constexpr bool kStdAtomicWaitIsReliable = false;
#else
inline constexpr bool kStdAtomicWaitIsReliable = true;
#endif

}  // namespace rt::os
