// rt::fiber::Mutex: a fiber that finds it locked parks, waiters enter in arrival order, and
// unlock hands the mutex over so that no later fiber barges in.
#include "rt/fiber/mutex.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <string>

#include "rt/fiber/scheduler.hpp"

using rt::fiber::Fiber;
using rt::fiber::Mutex;
using rt::fiber::Scheduler;
namespace this_fiber = rt::fiber::this_fiber;

TEST(FiberMutex, ALockedMutexParksTheNextFiberUntilItsOwnerUnlocks) {
  Scheduler scheduler;
  Mutex mutex;
  std::string trace;
  Fiber* holder = nullptr;
  scheduler.spawn({.name = "A"}, [&] {
    mutex.lock();
    trace += "A+ ";
    holder = &this_fiber::current();
    this_fiber::park();  // holds the mutex while parked, as a fiber in a socket call would
    trace += "A- ";
    mutex.unlock();
  });
  scheduler.spawn({.name = "B"}, [&] {
    trace += "B? ";
    mutex.lock();
    trace += "B+ ";
    mutex.unlock();
  });
  scheduler.run();  // A holds it and parks; B parks in lock()
  EXPECT_EQ(trace, "A+ B? ");
  EXPECT_EQ(mutex.waiting(), 1u);
  scheduler.unpark(*holder);
  scheduler.run();
  EXPECT_EQ(trace, "A+ B? A- B+ ");
  EXPECT_EQ(mutex.owner(), nullptr);
}

TEST(FiberMutex, WaitersEnterInTheOrderTheyArrived) {
  Scheduler scheduler;
  Mutex mutex;
  std::string order;
  scheduler.spawn({.name = "holder"}, [&] {
    mutex.lock();
    this_fiber::yield();  // B, C and D queue up meanwhile
    mutex.unlock();
  });
  for (const char* name : {"B", "C", "D"}) {
    scheduler.spawn({.name = name}, [&, name] {
      std::lock_guard lock(mutex);
      order += name;
    });
  }
  scheduler.run();
  EXPECT_EQ(order, "BCD");
}

TEST(FiberMutex, UnlockHandsTheMutexToTheFirstWaiterSoNoLaterFiberBargesIn) {
  Scheduler scheduler;
  Mutex mutex;
  bool retaken = true;
  const Fiber* owner_after_unlock = nullptr;
  Fiber* waiter = nullptr;
  scheduler.spawn({.name = "A"}, [&] {
    mutex.lock();
    this_fiber::yield();  // B queues
    mutex.unlock();
    owner_after_unlock = mutex.owner();
    retaken = mutex.try_lock();  // B has not run yet, but the mutex is already B's
  });
  scheduler.spawn({.name = "B"}, [&] {
    waiter = &this_fiber::current();
    std::lock_guard lock(mutex);
  });
  scheduler.run();
  EXPECT_EQ(owner_after_unlock, waiter);
  EXPECT_FALSE(retaken);
  EXPECT_EQ(mutex.owner(), nullptr);
}

TEST(FiberMutex, TryLockTakesAFreeMutexAndNeverParks) {
  Scheduler scheduler;
  Mutex mutex;
  bool first = false;
  bool second = true;
  scheduler.spawn({}, [&] {
    first = mutex.try_lock();
    second = mutex.try_lock();
    mutex.unlock();
  });
  scheduler.run();
  EXPECT_TRUE(first);
  EXPECT_FALSE(second);
}

// Ten fibers each read a counter, yield inside the critical section, and write it back: with
// the mutex no update is lost (without it, every fiber would read 0).
TEST(FiberMutex, ACriticalSectionThatYieldsIsNotInterleaved) {
  Scheduler scheduler;
  Mutex mutex;
  int counter = 0;
  for (int i = 0; i < 10; ++i) {
    scheduler.spawn({}, [&] {
      std::lock_guard lock(mutex);
      int seen = counter;
      this_fiber::yield();
      counter = seen + 1;
    });
  }
  scheduler.run();
  EXPECT_EQ(counter, 10);
}

TEST(FiberMutexDeathTest, LockingItAgainByItsOwnerStopsTheProcess) {
  EXPECT_DEATH(
      {
        Scheduler scheduler;
        Mutex mutex;
        scheduler.spawn({}, [&] {
          mutex.lock();
          mutex.lock();
        });
        scheduler.run();
      },
      "rt::fiber::Mutex: locked again by the fiber that holds it");
}

TEST(FiberMutexDeathTest, UnlockingByAFiberThatDoesNotHoldItStopsTheProcess) {
  EXPECT_DEATH(
      {
        Scheduler scheduler;
        Mutex mutex;
        scheduler.spawn({}, [&] { mutex.unlock(); });
        scheduler.run();
      },
      "rt::fiber::Mutex: unlocked by a fiber that does not hold it");
}
