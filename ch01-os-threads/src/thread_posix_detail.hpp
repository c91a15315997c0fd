// What differs between the POSIX systems under thread_posix.cpp and thread_posix_start.cpp:
// Linux (thread_linux.cpp) and macOS (thread_macos.cpp). Internal to rt_os.
#pragma once

#include <pthread.h>

#include <string>

#include "rt/os/thread.hpp"

namespace rt::os {

// The handle behind Thread (thread_posix.cpp owns it, thread_posix_start.cpp fills it).
struct Thread::Handle {
  pthread_t thread;
};

}  // namespace rt::os

namespace rt::os::detail {

// Applies ThreadOptions::cpu to attributes used to create a thread; throws rt::OsError
// where pinning is impossible.
void set_affinity(pthread_attr_t& attr, int cpu);

// Names the calling thread (Linux can name any thread; macOS only the caller, so both name
// the new thread from inside, before its body runs).
void set_name_of_calling_thread(const std::string& name);

}  // namespace rt::os::detail
