#include "rt/chan/status.hpp"

namespace rt::chan {

const char* to_string(Status status) noexcept {
  switch (status) {
    case Status::ok:
      return "ok";
    case Status::closed:
      return "closed";
    case Status::timed_out:
      return "timed out";
    case Status::cancelled:
      return "cancelled";
    case Status::full:
      return "full";
    case Status::empty:
      return "empty";
    case Status::dropped:
      return "dropped";
  }
  return "?";
}

}  // namespace rt::chan
