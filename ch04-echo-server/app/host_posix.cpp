// host.hpp on Linux and macOS.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <fmt/format.h>
#include <unistd.h>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "host.hpp"
#include "rt/error.hpp"

namespace ch04::host {

void set_blocking_timeouts(const rt::poll::Socket& socket, std::chrono::milliseconds timeout) {
  timeval value{};
  value.tv_sec = static_cast<decltype(value.tv_sec)>(timeout.count() / 1000);
  value.tv_usec = static_cast<decltype(value.tv_usec)>((timeout.count() % 1000) * 1000);
  int fd = static_cast<int>(socket.handle());
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, sizeof value) != 0) {
    rt::throw_errno("setsockopt SO_RCVTIMEO");
  }
  if (::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &value, sizeof value) != 0) {
    rt::throw_errno("setsockopt SO_SNDTIMEO");
  }
}

bool timed_out(const rt::poll::IoResult& result) noexcept {
  return result.would_block;
}

void set_blocking(const rt::poll::Socket& socket) {
  int fd = static_cast<int>(socket.handle());
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
    rt::throw_errno("fcntl ~O_NONBLOCK");
  }
}

void shutdown_both(rt::poll::Handle socket) noexcept {
  ::shutdown(static_cast<int>(socket), SHUT_RDWR);
}

std::string raise_open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) rt::throw_errno("getrlimit RLIMIT_NOFILE");
  if (limit.rlim_cur >= limit.rlim_max) {
    return fmt::format("open-file limit: {} (already the hard limit)", limit.rlim_cur);
  }
  rlim_t before = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    // macOS refuses more than OPEN_MAX for an unlimited hard limit; keep what we have.
    return fmt::format("open-file limit: {} (raising it to the hard limit failed: {})", before,
                       rt::errno_text(errno));
  }
  return fmt::format("open-file limit: raised from {} to {} (the hard limit)", before,
                     limit.rlim_cur);
}

std::optional<std::size_t> open_file_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) rt::throw_errno("getrlimit RLIMIT_NOFILE");
  return static_cast<std::size_t>(limit.rlim_cur);
}

void set_open_file_limit(std::size_t soft) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) rt::throw_errno("getrlimit RLIMIT_NOFILE");
  limit.rlim_cur = static_cast<rlim_t>(soft);
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) rt::throw_errno("setrlimit RLIMIT_NOFILE");
}

std::optional<std::size_t> open_descriptor_count() {
  std::error_code error;
  std::filesystem::directory_iterator it("/proc/self/fd", error);
  if (error) return std::nullopt;  // macOS: no /proc
  std::size_t count = 0;
  for (; it != std::filesystem::directory_iterator(); it.increment(error)) {
    if (error) return std::nullopt;
    ++count;
  }
  return count - 1;  // the iterator's own descriptor for the directory
}

std::optional<double> cpu_busy_seconds(int cpu) {
  std::ifstream stat("/proc/stat");  // macOS: no /proc, nullopt
  std::string line;
  std::string name = fmt::format("cpu{}", cpu);
  while (std::getline(stat, line)) {
    std::istringstream fields(line);
    std::string label;
    fields >> label;
    if (label != name) continue;
    // user nice system idle iowait irq softirq steal, in clock ticks
    std::uint64_t value = 0;
    std::uint64_t busy = 0;
    for (int i = 0; i < 8 && fields >> value; ++i) {
      if (i != 3 && i != 4) busy += value;
    }
    return static_cast<double>(busy) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  }
  return std::nullopt;
}

}  // namespace ch04::host
