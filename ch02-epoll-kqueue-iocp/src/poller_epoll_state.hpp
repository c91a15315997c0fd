// The epoll Poller's state, shared by poller_epoll.cpp (setup, registration, the Waker) and
// poller_epoll_wait.cpp (wait). Internal to rt_poll.
#pragma once

#include <sys/epoll.h>

#include <vector>

#include "rt/poll/poller.hpp"

namespace rt::poll {

struct Poller::State {
  int epoll = -1;
  int wake_event = -1;              // eventfd, registered level-triggered with kWakeToken
  std::vector<epoll_event> buffer;  // wait()'s kernel-side events; sized to the caller's span
};

}  // namespace rt::poll
