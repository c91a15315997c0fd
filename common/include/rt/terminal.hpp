// The console: is a stream a terminal, and has the user pressed Ctrl-C.
#pragma once

#include <cstdio>

namespace rt {

bool is_terminal(std::FILE* file);

// Installs a Ctrl-C handler (SIGINT on Unix, a console control handler on Windows) that
// only records the request; long-running demos poll interrupted() and stop cleanly, printing
// what they measured so far. A second Ctrl-C while the first is being honoured ends the
// process at once, the usual escape hatch. Idempotent.
void install_interrupt_handler();

// True once Ctrl-C was pressed after install_interrupt_handler().
bool interrupted();

// Clears the request (tests, and programs that handle one Ctrl-C and go on).
void clear_interrupt();

// A hook the Ctrl-C handler calls right after it recorded the request, so that a program
// asleep in an event queue hears about Ctrl-C at once instead of polling interrupted()
// (rt::net::Loop wakes its Poller with it). Where `notify` runs, and so what it may do:
// - Unix: inside the SIGINT handler, on whichever thread the signal interrupted: it must be
//   async-signal-safe (no locks, no allocation, no stdio; write() to a descriptor is fine).
//   The handler saves and restores errno around it.
// - Windows: on the thread the console creates for its control handler: any thread-safe
//   call is fine.
// It runs only for the first Ctrl-C (the second one ends the process, as before).
struct InterruptNotifier {
  void (*notify)(void* context) noexcept = nullptr;
  void* context = nullptr;
};
// Registers `notifier` (which must stay alive until it is replaced by nullptr), or removes
// the registered one with nullptr. One per process: registering while another is registered
// returns false and changes nothing. The handler reads the pointer with one lock-free atomic
// load, so it sees either the old notifier or the new one, never half of one.
bool set_interrupt_notifier(const InterruptNotifier* notifier);

}  // namespace rt
