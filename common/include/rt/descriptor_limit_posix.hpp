// Test support, Unix only: lowers the process's soft limit on open descriptors for a scope,
// so a test can fill the descriptor table on purpose (RLIMIT_NOFILE). Include it only from
// test files built for Unix; Windows has no such per-process limit.
#pragma once

#include <sys/resource.h>

namespace rt::testing {

class DescriptorLimit {
 public:
  // Sets the soft limit to `soft` (the hard limit stays); ok() says whether it took.
  explicit DescriptorLimit(rlim_t soft) {
    getrlimit(RLIMIT_NOFILE, &saved_);
    rlimit lowered = saved_;
    lowered.rlim_cur = soft;
    ok_ = setrlimit(RLIMIT_NOFILE, &lowered) == 0;
  }
  ~DescriptorLimit() { setrlimit(RLIMIT_NOFILE, &saved_); }
  DescriptorLimit(const DescriptorLimit&) = delete;
  DescriptorLimit& operator=(const DescriptorLimit&) = delete;

  bool ok() const { return ok_; }

 private:
  rlimit saved_{};
  bool ok_ = false;
};

}  // namespace rt::testing
