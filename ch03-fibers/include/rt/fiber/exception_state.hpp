// rt::fiber exception state: what the C++ runtime knows, per thread, about the exceptions in
// progress, kept per fiber instead.
//
// The runtime keeps two facts per OS thread:
// - the exceptions being handled: the stack of caught exceptions whose catch handlers have
//   not finished. std::current_exception() and `throw;` read its top; leaving a handler pops
//   it and frees the exception once no handler holds it.
// - the exceptions in flight: thrown and not yet caught. std::uncaught_exceptions() counts
//   them (a destructor that runs during unwinding sees at least 1).
// A fiber that parks inside a catch handler, or in a destructor that runs during unwinding,
// leaves its facts in the thread's copy; the next fiber on the thread would read them, and
// change them. So every fiber keeps its own copy, and the scheduler exchanges the copies
// whenever it switches (Scheduler::run, to a fiber and back; suspend_running, from one fiber
// to the next). switch_context does not: it carries what the ABI makes callee-saved, and
// nothing of the C++ runtime (README, "What a switch carries", says why).
//
// Where the facts live depends on the C++ runtime, one file per variant, chosen in CMake:
// - exception_state_itanium.cpp: the Itanium C++ ABI's __cxa_get_globals() (libstdc++,
//   libc++abi; Linux, macOS, MinGW): {caughtExceptions, uncaughtExceptions}.
// - exception_state_msvc.cpp: the Microsoft runtime's per-thread data, through the three
//   accessors vcruntime exports (the current exception, its CONTEXT record, the count of
//   throws in progress). The README's platform notes say what else it keeps per thread.
//
// Contract:
// - A value-initialised ExceptionState is empty: no exception handled, none in flight. A
//   new fiber starts with it, whatever the context that spawned it was handling.
// - ThreadExceptionState belongs to the thread that constructed it: use it on that thread
//   only (not checked: on another thread, exchange() would change the constructing thread's
//   state under its feet). exchange() neither allocates nor throws.
// - Whoever installs a state must put the saved one back before the thread's own code runs
//   again (Scheduler::run does, after every switch back to the thread's stack). A state that
//   is never reinstalled is a leak: the exceptions it holds are never freed.
#pragma once

namespace rt::fiber {

// One context's copy of the runtime's exception facts. Only ThreadExceptionState reads or
// writes it; the fields mean what the runtime in use says they mean.
struct ExceptionState {
  void* handled = nullptr;          // the exceptions being handled (the runtime's list head)
  void* handled_context = nullptr;  // Microsoft: the handled exception's CONTEXT; else unused
  unsigned in_flight = 0;           // thrown, not yet caught: std::uncaught_exceptions()
};

// The calling thread's exception facts inside the C++ runtime. Constructing it asks the
// runtime where they are (a function call, and on first use per thread an allocation inside
// some runtimes); exchange() is then a few loads and stores.
class ThreadExceptionState {
 public:
  ThreadExceptionState() noexcept;  // the calling thread's

  // Copies the thread's facts into `save`, then makes `load` the thread's: from here on
  // std::current_exception(), `throw;` and std::uncaught_exceptions() answer from `load`.
  void exchange(ExceptionState& save, const ExceptionState& load) const noexcept;

 private:
  void* where_[3];  // where the runtime keeps them (exception_state_*.cpp says what each is)
};

}  // namespace rt::fiber
