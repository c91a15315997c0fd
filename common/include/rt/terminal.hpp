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

}  // namespace rt
