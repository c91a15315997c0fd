// Asynchronous preemption (Options::async_preempt, src/preempt.cpp): fibers that reach no
// check point are switched out where they stand, with every register they had, and only at
// safe points (interrupted_calls_test.cpp: the system calls the interruptions end early).
// On one worker the starvation test can only end if the interruption works (a starved fiber
// hangs it until ctest's timeout fails it).
#include "async_available.hpp"
#include "rt/sched/runtime.hpp"
#include "runtime_impl.hpp"
#include "worker_counts.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cfenv>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#elif defined(__aarch64__) || defined(_M_ARM64)
#include <arm_neon.h>
#endif
#if defined(_WIN32)
#include <windows.h>
#endif
#if defined(__MINGW32__)
#include <pthread.h>
#endif
#if !defined(_WIN32)
#include <dlfcn.h>
#endif

#include "rt/chan/channel.hpp"
#include "rt/sched/endpoint.hpp"

namespace {

namespace this_fiber = rt::sched::this_fiber;
using rt::sched::Runtime;
using rt::sched::WorkerStats;
using rt::sched::testing::total;

#if defined(RT_CH06_SLOW_TARGET)
constexpr std::uint64_t kPreemptions = 300;  // under qemu or a sanitizer
#else
constexpr std::uint64_t kPreemptions = 2000;
#endif

class AsyncPreemption : public rt::sched::testing::OverWorkerCounts {};

INSTANTIATE_TEST_SUITE_P(Counts, AsyncPreemption, rt::sched::testing::kWorkerCounts,
                         rt::sched::testing::WorkerCountName{});

// One spinner per worker, in a loop with no check point at all (`while (not all done) {}`),
// spawned before 100 others: without an interruption the spinners hold every worker for good.
TEST_P(AsyncPreemption, SpinnersWithoutACheckPointDoNotStarve100Others) {
  SKIP_UNLESS_ASYNC_PREEMPTION();
  constexpr int kOthers = 100;
  Runtime runtime(options());
  std::atomic<int> others_done{0};
  std::vector<rt::sched::JoinHandle> handles;
  for (int i = 0; i < GetParam(); ++i) {
    handles.push_back(runtime.spawn({.name = "spinner"}, [&] {
      while (others_done.load(std::memory_order_relaxed) != kOthers) {
      }
    }));
  }
  for (int i = 0; i < kOthers; ++i) {
    handles.push_back(runtime.spawn({.name = "other"}, [&] { others_done.fetch_add(1); }));
  }
  for (auto& handle : handles) handle.join();
  if (GetParam() == 1) {  // the only way the others ran: the spinner was interrupted
    EXPECT_GE(total(runtime.stats(), &WorkerStats::interrupted), 1u);
  }
}

// Off per runtime: the monitor asks, twenty times, and nothing interrupts the spinner: the
// fiber queued behind it on the one worker has not run when the spinner is let go.
TEST(AsyncPreemptionOff, ASpinnerIsAskedButNeverInterrupted) {
  rt::sched::Options o;
  o.workers = 1;
  o.preempt_after = std::chrono::microseconds(200);
  o.async_preempt = false;
  Runtime runtime(o);
  EXPECT_FALSE(runtime.impl().async_preempt);
  std::atomic<bool> spinning{false}, let_go{false}, other_ran{false};
  bool other_ran_before_the_spinner_ended = true;
  auto spinner = runtime.spawn({.name = "spinner"}, [&] {
    spinning = true;
    while (!let_go.load(std::memory_order_relaxed)) {
    }
    other_ran_before_the_spinner_ended = other_ran.load();
  });
  while (!spinning.load()) std::this_thread::yield();
  auto other = runtime.spawn({.name = "other"}, [&] { other_ran = true; });
  const std::uint64_t asked_before = runtime.impl().preempt_requests.load();
  while (runtime.impl().preempt_requests.load() < asked_before + 20) std::this_thread::yield();
  let_go = true;
  spinner.join();
  other.join();
  EXPECT_FALSE(other_ran_before_the_spinner_ended);
  EXPECT_EQ(total(runtime.stats(), &WorkerStats::interrupted), 0u);
}

// ---- registers ----

// A computation that keeps integer, floating-point and vector values in registers across a
// loop with no call and no check point; its result depends on every step and on the FP
// rounding mode (the control register). Optimised even in a debug build, so that the values
// live in registers rather than on the stack.
struct Result {
  std::uint64_t a = 0, b = 0;
  double f = 0;
  std::array<std::uint64_t, 2> v{};
  std::array<double, 2> w{};
  bool operator==(const Result& other) const {
    return std::memcmp(this, &other, sizeof(Result)) == 0;  // bit for bit
  }
};

#if defined(__GNUC__) && !defined(__clang__)
#define RT_OPTIMISED [[gnu::noinline, gnu::optimize("O2")]]
#else
#define RT_OPTIMISED [[gnu::noinline]]
#endif

RT_OPTIMISED Result compute(std::uint64_t seed, int steps) {
  std::uint64_t a = seed, b = ~seed;
  double f = 1.0 + static_cast<double>(seed % 97);
#if defined(__x86_64__) || defined(_M_X64)
  __m128i v = _mm_set_epi64x(static_cast<long long>(seed), 7);
  __m128d w = _mm_set_pd(1.5, static_cast<double>(seed % 13));
  const __m128d scale = _mm_set1_pd(1.0000001);
#else
  uint64x2_t v = vcombine_u64(vcreate_u64(seed), vcreate_u64(7));
  float64x2_t w = vcombine_f64(vcreate_f64(0x3ff8000000000000ULL), vdup_n_f64(seed % 13));
  const float64x2_t scale = vdupq_n_f64(1.0000001);
#endif
  for (int i = 0; i < steps; ++i) {
    a = a * 6364136223846793005ULL + 1442695040888963407ULL;
    b ^= (a >> 17) + (b << 5);
    f = f * 1.0000001 + static_cast<double>(a & 0xff) / 3.0;  // rounding mode matters
#if defined(__x86_64__) || defined(_M_X64)
    v = _mm_add_epi64(_mm_xor_si128(v, _mm_set1_epi64x(static_cast<long long>(b))), v);
    w = _mm_add_pd(_mm_mul_pd(w, scale), _mm_set1_pd(static_cast<double>(b & 0xf) / 7.0));
#else
    v = vaddq_u64(veorq_u64(v, vdupq_n_u64(b)), v);
    w = vaddq_f64(vmulq_f64(w, scale), vdupq_n_f64(static_cast<double>(b & 0xf) / 7.0));
#endif
  }
  Result result{a, b, f, {}, {}};
  std::memcpy(result.v.data(), &v, sizeof v);
  std::memcpy(result.w.data(), &w, sizeof w);
  return result;
}

// Three fibers on two workers compute, round after round, rounding upwards, until thousands of
// interruptions have switched them out mid-loop (and moved them between the two threads);
// every round's result must equal the same computation done here, uninterrupted.
TEST(AsyncPreemption, RegistersSurviveThousandsOfInterruptionsBitForBit) {
  SKIP_UNLESS_ASYNC_PREEMPTION();
  constexpr int kFibers = 3;
  constexpr int kSteps = 20'000;
  rt::sched::Options o;
  o.workers = 2;
  o.preempt_after = std::chrono::microseconds(100);
  Runtime runtime(o);
  std::array<std::vector<Result>, kFibers> results;
  std::atomic<bool> enough{false};
  std::vector<rt::sched::JoinHandle> handles;
  for (int i = 0; i < kFibers; ++i) {
    handles.push_back(runtime.spawn({.name = "computer"}, [&, i] {
      std::fesetround(FE_UPWARD);
      for (std::uint64_t round = 0; !enough.load(std::memory_order_relaxed); ++round) {
        results[i].push_back(compute(round * kFibers + i, kSteps));
        if (total(this_fiber::runtime().stats(), &WorkerStats::interrupted) >= kPreemptions) {
          enough = true;
        }
      }
      std::fesetround(FE_TONEAREST);
    }));
  }
  for (auto& handle : handles) handle.join();
  EXPECT_GE(total(runtime.stats(), &WorkerStats::interrupted), kPreemptions);
  std::fesetround(FE_UPWARD);
  for (int i = 0; i < kFibers; ++i) {
    for (std::uint64_t round = 0; round < results[i].size(); ++round) {
      ASSERT_TRUE(results[i][round] == compute(round * kFibers + i, kSteps))
          << "fiber " << i << ", round " << round;
    }
  }
  std::fesetround(FE_TONEAREST);
}

// ---- safe points ----

// A function of the C library or the OS, not of the program: no safe point. With MinGW, also
// one the toolchain linked into the executable (winpthreads'), which is not the program's
// own code either (preempt.cpp).
std::vector<std::uintptr_t> library_functions() {
#if defined(_WIN32)
  std::vector<std::uintptr_t> functions{reinterpret_cast<std::uintptr_t>(
      GetProcAddress(GetModuleHandleW(L"kernel32.dll"), "GetCurrentThreadId"))};
#if defined(__MINGW32__)
  functions.push_back(reinterpret_cast<std::uintptr_t>(&pthread_getspecific));
#endif
  return functions;
#else
  return {reinterpret_cast<std::uintptr_t>(dlsym(RTLD_DEFAULT, "pthread_self"))};
#endif
}

// The rule (preempt.hpp: preemptible_at), asked directly by a fiber whose run the test marks
// as asked to end: its own code on its own stack is a safe point; a library's code, another
// stack, the runtime's RT_SCHED_NO_PREEMPT code, a NoPreemption region, a run nobody asked to
// end are not.
TEST(AsyncPreemption, OnlyTheFibersOwnCodeOutsideEveryRegionIsASafePoint) {
  SKIP_UNLESS_ASYNC_PREEMPTION();
  rt::sched::Options o;
  o.workers = 1;
  Runtime runtime(o);
  const int on_the_threads_stack = 0;
  const auto thread_sp = reinterpret_cast<std::uintptr_t>(&on_the_threads_stack);
  const std::uintptr_t own_pc = reinterpret_cast<std::uintptr_t>(&compute);
  const std::vector<std::uintptr_t> library_pcs = library_functions();
  for (const std::uintptr_t pc : library_pcs) ASSERT_NE(pc, 0u);
  rt::sched::Fiber* self = nullptr;
  const auto runtime_pc = reinterpret_cast<std::uintptr_t>(&rt::sched::detail::current_machine);
  std::array<rt::sched::Fiber*, 6> answers{};
  std::vector<rt::sched::Fiber*> library_answers;
  runtime
      .spawn({.name = "asks"},
             [&] {
               self = &this_fiber::current();
               const int on_the_fibers_stack = 0;
               const auto sp = reinterpret_cast<std::uintptr_t>(&on_the_fibers_stack);
               auto& machine = *rt::sched::detail::current_machine();
               auto& worker = *machine.worker;
               const auto asked = [&] { worker.preempt_run.store(worker.runs.load()); };
               using rt::sched::detail::preemptible_at;
               asked();
               answers[0] = preemptible_at(machine, own_pc, sp);
               for (const std::uintptr_t pc : library_pcs) {
                 library_answers.push_back(preemptible_at(machine, pc, sp));
               }
               answers[2] = preemptible_at(machine, own_pc, thread_sp);
               answers[5] = preemptible_at(machine, runtime_pc, sp);
               {
                 const this_fiber::NoPreemption region;
                 asked();
                 answers[3] = preemptible_at(machine, own_pc, sp);
               }
               worker.preempt_run.store(0);  // not this run
               answers[4] = preemptible_at(machine, own_pc, sp);
             })
      .join();
  EXPECT_EQ(answers[0], self) << "the fiber's own code, on its stack";
  for (rt::sched::Fiber* answer : library_answers) EXPECT_EQ(answer, nullptr) << "a library's code";
  EXPECT_EQ(answers[2], nullptr) << "another stack (the switch's, or a thread's)";
  EXPECT_EQ(answers[3], nullptr) << "inside this_fiber::NoPreemption";
  EXPECT_EQ(answers[4], nullptr) << "a run nobody asked to end";
  EXPECT_EQ(answers[5], nullptr) << "the runtime's code that reads which thread it runs on";
}

// The channel is a region: a value it moves (into its storage on a send, out of it on a
// receive) is moved while the fiber's count of regions is raised; the body's count is 0.
struct Probe {
  static inline int most_seen = 0;
  Probe() = default;
  Probe(Probe&&) noexcept { note(); }
  Probe& operator=(Probe&&) noexcept {
    note();
    return *this;
  }
  static void note() { most_seen = std::max(most_seen, this_fiber::current().no_preempt.load()); }
};

TEST(AsyncPreemption, AChannelOperationIsARegionNotPreempted) {
  Runtime runtime;
  int in_body = -1, during_send = -1, during_receive = -1;
  runtime
      .spawn({.name = "probe"},
             [&] {
               rt::chan::Channel<Probe, rt::sched::MnFiber, rt::sched::MnFiber> channel(1);
               in_body = this_fiber::current().no_preempt.load();
               Probe::most_seen = 0;
               ASSERT_EQ(channel.send(Probe{}), rt::chan::Status::ok);
               during_send = Probe::most_seen;
               Probe::most_seen = 0;
               ASSERT_TRUE(channel.receive());
               during_receive = Probe::most_seen;
             })
      .join();
  EXPECT_EQ(in_body, 0);
  EXPECT_GE(during_send, 1);
  EXPECT_GE(during_receive, 1);
}

}  // namespace
