// The few OS calls the echo servers need that chapter 2's socket.hpp does not offer, one
// file per OS family (host_posix.cpp, host_win32.cpp), so no model file has a platform #if.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include "rt/poll/socket.hpp"

namespace ch04::host {

// SO_RCVTIMEO and SO_SNDTIMEO: a blocking receive or send that waits longer than `timeout`
// fails, and is_timeout() says so. Throws rt::OsError.
void set_blocking_timeouts(const rt::poll::Socket& socket, std::chrono::milliseconds timeout);
// The error a blocking call fails with when its SO_RCVTIMEO/SO_SNDTIMEO passed (EAGAIN or
// EWOULDBLOCK on Unix, WSAETIMEDOUT on Windows). The IoResult of such a call: would_block
// on Unix, error on Windows; timed_out() accepts both.
bool timed_out(const rt::poll::IoResult& result) noexcept;
// Makes a socket blocking again (chapter 2's set_nonblocking undone). Throws rt::OsError.
void set_blocking(const rt::poll::Socket& socket);
// Ends the blocking calls of other threads on this socket: shutdown(SHUT_RDWR) on Unix
// (recv returns 0, send fails); on Windows shutdown(SD_BOTH) and CancelIoEx (recv and send
// fail). Errors are ignored (the peer may be gone already).
void shutdown_both(rt::poll::Handle socket) noexcept;

// Raises the soft open-file limit to the hard limit and says what it did, e.g. "open-file
// limit: raised from 1024 to 20000 (the hard limit)". Windows has no such limit and says so.
std::string raise_open_file_limit();
// The soft open-file limit, or nullopt where there is none (Windows).
std::optional<std::size_t> open_file_limit();
// Sets the soft open-file limit (tests of descriptor exhaustion). Throws rt::OsError;
// Windows: throws std::logic_error (there is no limit to set).
void set_open_file_limit(std::size_t soft);
// How many descriptors this process has open (Linux: /proc/self/fd), or nullopt where it
// cannot be counted cheaply.
std::optional<std::size_t> open_descriptor_count();

// Seconds CPU `cpu` has spent busy (not idle) since boot, all processes and interrupts
// included (Linux: /proc/stat), or nullopt where that is not available. The bench reads it
// around a run to tell whether the server's CPU was saturated.
std::optional<double> cpu_busy_seconds(int cpu);

}  // namespace ch04::host
