// Lab ch03-mutex: a mutex for fibers (include/rt/fiber/mutex.hpp has the contract, the
// invariants and the two members). This stub compiles and links, so the rest of chapter 3
// builds; locking stops the process with a pointer to the lab's README. Write the four
// functions (README.md, "Steps").
#include "rt/fiber/mutex.hpp"
#include "rt/lab.hpp"

namespace rt::fiber {

namespace {
constexpr const char* kMutexLabReadme = "ch03-fibers/labs/ch03-mutex/README.md";
}  // namespace

Mutex::~Mutex() {
  // Yours to write: the check that nobody holds the mutex.
}

void Mutex::lock() {
  lab_not_implemented(kMutexLabReadme, "rt::fiber::Mutex::lock");
}

bool Mutex::try_lock() {
  lab_not_implemented(kMutexLabReadme, "rt::fiber::Mutex::try_lock");
}

void Mutex::unlock() {
  lab_not_implemented(kMutexLabReadme, "rt::fiber::Mutex::unlock");
}

}  // namespace rt::fiber
