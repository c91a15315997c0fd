// The console: is a stream a terminal, and has the user pressed Ctrl-C.
#pragma once

#include <cstdio>

namespace rt {

bool is_terminal(std::FILE* file);

// Installs a handler for the requests to stop that only records the request; long-running
// demos poll interrupted() and stop cleanly, printing what they measured so far. The
// requests, all treated as Ctrl-C is:
// - Unix: SIGINT (Ctrl-C), SIGTERM (kill, systemd, Docker, Kubernetes) and SIGHUP (the
//   terminal went away).
// - Windows: the console's Ctrl-C and Ctrl-Break, and its close, logoff and shutdown events.
//   For those three Windows ends the process as soon as the handler returns (or after about
//   5 s, 20 s at shutdown), so the handler does not return: the program gets that long to
//   stop, and its exit ends the handler's thread with it.
// A second request while the first is being honoured ends the process at once, as the
// signal would have (on Windows: the default handler), the usual escape hatch. Idempotent.
void install_interrupt_handler();

// True once a request to stop arrived after install_interrupt_handler().
bool interrupted();

// Unix: ignores SIGPIPE, so that writing to a pipe whose reader has gone (`serve | head -2`)
// fails with EPIPE, which rt::Output ignores, instead of killing the process: a failing
// output must not change how a program stops. Sockets never raise it here (chapter 2
// sends with MSG_NOSIGNAL or SO_NOSIGPIPE). Windows has no SIGPIPE: nothing to do.
void ignore_broken_pipe();

// Clears the request (tests, and programs that handle one Ctrl-C and go on).
void clear_interrupt();

// A hook the stop handler calls right after it recorded the request, so that a program
// asleep in an event queue hears about Ctrl-C at once instead of polling interrupted()
// (rt::net::Loop wakes its Poller with it). Where `notify` runs, and so what it may do:
// - Unix: inside the signal handler, on whichever thread the signal interrupted: it must be
//   async-signal-safe (no locks, no allocation, no stdio; write() to a descriptor is fine).
//   The handler saves and restores errno around it.
// - Windows: on the thread the console creates for its control handler: any thread-safe
//   call is fine.
// It runs only for the first request (the second one ends the process, as before).
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
