// The Linux parts of rt::os::Thread: CPU affinity, names, and asking the thread about its
// own stack.
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>

#include "rt/error.hpp"
#include "thread_posix_detail.hpp"

namespace rt::os {

namespace detail {

void set_affinity(pthread_attr_t& attr, int cpu) {
  if (cpu < 0 || cpu >= CPU_SETSIZE) throw_errno("pin thread to CPU", EINVAL);
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  // The kernel checks the set when the thread is created: pthread_create then fails with
  // EINVAL for a CPU this process may not use.
  check_rc(pthread_attr_setaffinity_np(&attr, sizeof set, &set), "pthread_attr_setaffinity_np");
}

void set_name_of_calling_thread(const std::string& name) {
  // The kernel keeps 16 bytes with the terminating NUL (TASK_COMM_LEN); longer names fail
  // with ERANGE, so truncate instead of refusing.
  std::string truncated = name.substr(0, 15);
  pthread_setname_np(pthread_self(), truncated.c_str());
}

}  // namespace detail

bool supports_pinning() {
  return true;
}

std::vector<int> usable_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  // The initial thread's mask (its id is the process id), whatever the calling thread's is.
  if (sched_getaffinity(getpid(), sizeof set, &set) == 0) {
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
    }
  }
  if (cpus.empty()) {  // more than CPU_SETSIZE (1024) CPUs: the fixed-size set cannot say
    for (int cpu = 0; cpu < cpu_count(); ++cpu) cpus.push_back(cpu);
  }
  return cpus;
}

int usable_cpu_count() {
  return static_cast<int>(usable_cpus().size());
}

namespace this_thread {

std::string name() {
  char buffer[16] = {};
  if (pthread_getname_np(pthread_self(), buffer, sizeof buffer) != 0) return {};
  return buffer;
}

std::optional<std::size_t> stack_size() {
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return std::nullopt;
  std::size_t size = 0;
  int rc = pthread_attr_getstacksize(&attr, &size);
  pthread_attr_destroy(&attr);
  if (rc != 0) return std::nullopt;
  return size;
}

int current_cpu() {
  return sched_getcpu();
}

}  // namespace this_thread

}  // namespace rt::os
