// An OS pipe whose reads block the calling thread until a byte comes: the blocking call of the
// `handoff` demo and of tests/handoff_test.cpp (POSIX pipe(2); Windows: the CRT's _pipe).
#pragma once

#include <cstdio>

#if defined(_WIN32)
#include <fcntl.h>
#include <io.h>
#else
#include <unistd.h>
#endif

namespace ch06 {

class OsPipe {
 public:
  OsPipe() {
#if defined(_WIN32)
    const int made = _pipe(ends_, 256, _O_BINARY);
#else
    const int made = ::pipe(ends_);
#endif
    if (made != 0) std::perror("pipe");
  }
  ~OsPipe() {
    close(ends_[0]);
    close(ends_[1]);
  }
  OsPipe(const OsPipe&) = delete;
  OsPipe& operator=(const OsPipe&) = delete;

  // One byte (blocks until one comes), or -1 on an error.
  int read_byte() {
    unsigned char byte = 0;
#if defined(_WIN32)
    const int got = _read(ends_[0], &byte, 1);
#else
    const auto got = ::read(ends_[0], &byte, 1);
#endif
    return got == 1 ? byte : -1;
  }
  bool write_byte(unsigned char byte) {
#if defined(_WIN32)
    return _write(ends_[1], &byte, 1) == 1;
#else
    return ::write(ends_[1], &byte, 1) == 1;
#endif
  }

 private:
  static void close(int fd) {
    if (fd < 0) return;
#if defined(_WIN32)
    _close(fd);
#else
    ::close(fd);
#endif
  }
  int ends_[2] = {-1, -1};
};

}  // namespace ch06
