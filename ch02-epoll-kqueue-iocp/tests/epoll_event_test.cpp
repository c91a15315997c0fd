// The struct epoll_event pitfall (poller_epoll.cpp): the kernel ABI packs it on x86-64 and
// not on ARM64, so its size and the offset of the 64-bit token differ between the two.
// A program that declares its own copy of the struct, or sends it between machines, must
// match the kernel's layout on each; copying the token by value works on both.
#include <sys/epoll.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstddef>

#include "rt/platform.hpp"
#include "rt/poll/poller.hpp"

namespace {
// x86-64: { u32 events; u64 data } packed -> 4 + 8 = 12 bytes, data at offset 4 (unaligned).
// ARM64:  natural alignment           -> 4 + 4 padding + 8 = 16 bytes, data at offset 8.
#if defined(RT_ARCH_X86_64)
constexpr std::size_t kKernelSize = 12;
constexpr std::size_t kDataOffset = 4;
#else
constexpr std::size_t kKernelSize = 16;
constexpr std::size_t kDataOffset = 8;
#endif
}  // namespace

TEST(EpollEvent, LayoutIsTheKernelsForThisArchitecture) {
  EXPECT_EQ(sizeof(epoll_event), kKernelSize) << rt::kArchName;
  EXPECT_EQ(offsetof(epoll_event, data), kDataOffset) << rt::kArchName;
}

TEST(EpollEvent, ATokenSurvivesTheKernelRoundTripInEveryBit) {
  // Straight through the kernel, without the Poller: an array of events as epoll_wait
  // writes it, read back by value.
  int epoll = ::epoll_create1(EPOLL_CLOEXEC);
  ASSERT_GE(epoll, 0);
  int pipe_ends[2];
  ASSERT_EQ(::pipe(pipe_ends), 0);
  const std::uint64_t token = 0xfedc'ba98'7654'3210ull;
  epoll_event in{};
  in.events = EPOLLIN;
  in.data.u64 = token;
  ASSERT_EQ(::epoll_ctl(epoll, EPOLL_CTL_ADD, pipe_ends[0], &in), 0);
  ASSERT_EQ(::write(pipe_ends[1], "x", 1), 1);
  epoll_event out[2] = {};
  ASSERT_EQ(::epoll_wait(epoll, out, 2, 10'000), 1);
  std::uint64_t seen = out[0].data.u64;  // by value: fine even when unaligned
  EXPECT_EQ(seen, token);
  ::close(pipe_ends[0]);
  ::close(pipe_ends[1]);
  ::close(epoll);
}
