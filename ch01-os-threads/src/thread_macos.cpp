// The macOS parts of rt::os::Thread. macOS has no hard CPU affinity: the kernel takes
// affinity *tags* (thread_policy_set, THREAD_AFFINITY_POLICY) as hints for cache sharing,
// and Apple silicon ignores even those. Asking to pin is therefore an error here.
#include <pthread.h>

#include <cerrno>

#include "rt/error.hpp"
#include "thread_posix_detail.hpp"

namespace rt::os {

namespace detail {

void set_affinity(pthread_attr_t&, int) {
  throw_errno("pin thread to CPU (macOS has no hard affinity)", ENOTSUP);
}

void set_name_of_calling_thread(const std::string& name) {
  // macOS names only the calling thread; MAXTHREADNAMESIZE is 64.
  pthread_setname_np(name.substr(0, 63).c_str());
}

}  // namespace detail

bool supports_pinning() {
  return false;
}

std::vector<int> usable_cpus() {
  std::vector<int> cpus;  // affinity hints, not masks: every CPU
  for (int cpu = 0; cpu < cpu_count(); ++cpu) cpus.push_back(cpu);
  return cpus;
}

int usable_cpu_count() {
  return cpu_count();
}

namespace this_thread {

std::string name() {
  char buffer[64] = {};
  if (pthread_getname_np(pthread_self(), buffer, sizeof buffer) != 0) return {};
  return buffer;
}

std::optional<std::size_t> stack_size() {
  return pthread_get_stacksize_np(pthread_self());
}

int current_cpu() {
  return -1;
}  // no public API reports it

}  // namespace this_thread

}  // namespace rt::os
