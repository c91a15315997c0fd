// The rules of fibers locked to a thread (locked.hpp), each a checked error: the process stops
// with a message naming the fiber (and, for the channel form, the channel's mode).
#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <thread>

#include "rt/chan/channel.hpp"
#include "rt/sched/endpoint.hpp"
#include "rt/sched/locked.hpp"
#include "rt/sched/runtime.hpp"

namespace {

namespace this_fiber = rt::sched::this_fiber;
using rt::sched::MnFiber;
using rt::sched::Runtime;
using rt::sched::ThreadLocker;
using Buffered = rt::chan::Channel<int, MnFiber, MnFiber>;
using Unbuffered = rt::chan::Channel<int, MnFiber, MnFiber, rt::chan::Rendezvous>;

// The rules, each a checked error (the process stops with a message).
TEST(LockedMisuse, LockToReceiverThreadOnAClosedChannelStopsTheProcess) {
  EXPECT_DEATH(
      {
        Runtime runtime({.workers = 1});
        Buffered requests(1);
        requests.close();
        runtime.spawn({.name = "late"}, [&] { rt::sched::lock_to_receiver_thread(requests); })
            .join();
      },
      "lock_to_receiver_thread: the channel is closed; the fiber: \"late\"");
}

TEST(LockedMisuse, LockToReceiverThreadFromALockedFiberStopsTheProcess) {
  EXPECT_DEATH(
      {
        Runtime runtime({.workers = 1});
        Buffered requests(1);
        runtime
            .spawn({.name = "locked"},
                   [&] {
                     this_fiber::lock_os_thread();
                     rt::sched::lock_to_receiver_thread(requests);
                   })
            .join();
      },
      "lock_to_receiver_thread: the fiber is locked to a thread already: \"locked\"");
}

TEST(LockedMisuse, LockToReceiverThreadOfAnUnlockedReceiverStopsTheProcess) {
  EXPECT_DEATH(
      {
        Runtime runtime({.workers = 2});
        Buffered requests(1);
        auto receiver = runtime.spawn({.name = "free"}, [&] { (void)requests.receive(); });
        runtime.spawn({.name = "joiner"}, [&] { rt::sched::lock_to_receiver_thread(requests); })
            .join();
      },
      "lock_to_receiver_thread: the fiber receiving on the channel is not locked to a thread; "
      "the fiber: \"joiner\"");
}

TEST(LockedMisuse, LockingALockedFiberOntoAThreadStopsTheProcess) {
  EXPECT_DEATH(
      {
        Runtime runtime({.workers = 1});
        ThreadLocker blessed(runtime);
        runtime
            .spawn({.name = "twice"},
                   [&] {
                     this_fiber::lock_os_thread();
                     blessed.lock();
                   })
            .join();
      },
      "ThreadLocker::lock: the fiber is locked to a thread already: \"twice\"");
}

TEST(LockedMisuse, CurrentOnAFiberThatIsNotLockedStopsTheProcess) {
  EXPECT_DEATH(
      {
        Runtime runtime({.workers = 1});
        runtime.spawn({.name = "free"}, [] { ThreadLocker::current(); }).join();
      },
      "ThreadLocker::current: the fiber is not locked to a thread: \"free\"");
}

// A handle to the thread of a fiber that locked it 1:1 and then unlocked.
ThreadLocker handle_of_an_unlocked_thread(Runtime& runtime) {
  std::optional<ThreadLocker> was;
  runtime
      .spawn({.name = "first"},
             [&] {
               this_fiber::lock_os_thread();
               was = ThreadLocker::current();
               this_fiber::unlock_os_thread();
             })
      .join();
  return *was;
}

TEST(LockedMisuse, LockingOntoAThreadWhoseFibersAllUnlockedStopsTheProcess) {
  EXPECT_DEATH(
      {
        Runtime runtime({.workers = 1});
        const ThreadLocker was = handle_of_an_unlocked_thread(runtime);
        runtime.spawn({.name = "late"}, [&] { was.lock(); }).join();
      },
      "ThreadLocker::lock: the thread locks no fiber any more \\(its fibers unlocked\\); the "
      "fiber: \"late\"");
}

// A handle names a 1:1 thread for one lock: after its fiber unlocked, another fiber's 1:1 lock
// of the same thread is not the one it named ("that thread runs nothing else" would break).
TEST(LockedMisuse, AHandleFromAnEarlierOneToOneLockIsRefused) {
  EXPECT_DEATH(
      {
        Runtime runtime({.workers = 1});
        const ThreadLocker was = handle_of_an_unlocked_thread(runtime);
        Unbuffered go;
        std::atomic<bool> relocked{false};
        auto second = runtime.spawn({.name = "second"}, [&] {
          this_fiber::lock_os_thread();  // one worker: the thread "first" was locked to
          relocked = true;
          (void)go.receive();
          this_fiber::unlock_os_thread();
        });
        while (!relocked.load()) std::this_thread::yield();
        runtime.spawn({.name = "late"}, [&] { was.lock(); }).join();
        runtime.spawn({.name = "release"}, [&] { (void)go.send(1); }).join();  // not reached
        second.join();
      },
      "ThreadLocker::lock: the thread locks no fiber any more \\(its fibers unlocked\\); the "
      "fiber: \"late\"");
}

TEST(LockedMisuse, LockingOntoAnotherRuntimesThreadStopsTheProcess) {
  EXPECT_DEATH(
      {
        Runtime one({.workers = 1});
        Runtime two({.workers = 1});
        ThreadLocker theirs(two);
        one.spawn({.name = "stranger"}, [&] { theirs.lock(); }).join();
      },
      "ThreadLocker::lock: the thread belongs to another runtime; the fiber: \"stranger\"");
}

}  // namespace
