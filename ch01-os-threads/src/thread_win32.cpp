// rt::os::Thread on Win32 threads.
//
// _beginthreadex rather than CreateThread: it also sets up the C runtime's per-thread state.
// The thread starts suspended so that its name and affinity are in place before it runs.
#include <process.h>
#include <windows.h>

#include <cassert>
#include <cerrno>
#include <climits>
#include <cstdint>

#include "rt/error.hpp"
#include "rt/os/thread.hpp"

namespace rt::os {

struct Thread::Handle {
  HANDLE thread;
};

namespace {

struct Start {
  std::function<void()> body;
};

unsigned __stdcall thread_entry(void* arg) {
  std::unique_ptr<Start> start(static_cast<Start*>(arg));
  start->body();
  return 0;
}

// SetThreadDescription and GetThreadDescription exist since Windows 10 1607, and not every
// SDK declares them (MinGW-w64 headers before v11 do not): look them up in kernel32 once.
// Where they are missing, threads go unnamed rather than failing.
using SetDescription = HRESULT(WINAPI*)(HANDLE, PCWSTR);
using GetDescription = HRESULT(WINAPI*)(HANDLE, PWSTR*);

template <class Function>
Function kernel32_function(const char* name) {
  static HMODULE kernel32 = GetModuleHandleW(L"kernel32.dll");
  // The detour through void* silences -Wcast-function-type: GetProcAddress returns a generic
  // FARPROC that must be cast to the real signature.
  return reinterpret_cast<Function>(reinterpret_cast<void*>(GetProcAddress(kernel32, name)));
}

void set_description(HANDLE thread, const std::wstring& name) {
  static auto set = kernel32_function<SetDescription>("SetThreadDescription");
  if (set != nullptr) set(thread, name.c_str());
}

std::wstring widen(const std::string& text) {
  if (text.empty()) return {};
  int n = MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), nullptr, 0);
  std::wstring wide(static_cast<std::size_t>(n), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, text.data(), static_cast<int>(text.size()), wide.data(), n);
  return wide;
}

std::string narrow(const wchar_t* wide) {
  int n = WideCharToMultiByte(CP_UTF8, 0, wide, -1, nullptr, 0, nullptr, nullptr);
  if (n <= 1) return {};
  std::string text(static_cast<std::size_t>(n - 1), '\0');
  WideCharToMultiByte(CP_UTF8, 0, wide, -1, text.data(), n, nullptr, nullptr);
  return text;
}

}  // namespace

Thread::Thread(const ThreadOptions& options, std::function<void()> body) {
  if (options.cpu && (*options.cpu < 0 || *options.cpu >= 64)) {
    // One affinity mask covers 64 CPUs (a processor group); more needs group APIs.
    throw_errno("pin thread to CPU", EINVAL);
  }
  if (options.stack_size > UINT_MAX) throw_errno("_beginthreadex (stack size)", EINVAL);
  auto start = std::make_unique<Start>(Start{std::move(body)});
  // STACK_SIZE_PARAM_IS_A_RESERVATION: reserve this much address space (committed as the
  // stack grows), instead of committing it all up front.
  auto raw =
      _beginthreadex(nullptr, static_cast<unsigned>(options.stack_size), thread_entry, start.get(),
                     CREATE_SUSPENDED | STACK_SIZE_PARAM_IS_A_RESERVATION, nullptr);
  if (raw == 0) throw_errno("_beginthreadex");
  HANDLE thread = reinterpret_cast<HANDLE>(raw);
  start.release();  // the new thread owns it once resumed

  if (options.cpu && SetThreadAffinityMask(thread, DWORD_PTR{1} << *options.cpu) == 0) {
    // The thread has not run: resume it so it frees its Start and ends, then report.
    DWORD error = GetLastError();
    handle_ = std::make_unique<Handle>(Handle{thread});
    ResumeThread(thread);
    join();
    SetLastError(error);
    throw_last_error("SetThreadAffinityMask");
  }
  if (!options.name.empty()) set_description(thread, widen(options.name));
  handle_ = std::make_unique<Handle>(Handle{thread});
  ResumeThread(thread);
}

Thread::~Thread() {
  if (joinable()) join();
}

Thread::Thread() noexcept = default;
Thread::Thread(Thread&& other) noexcept = default;

Thread& Thread::operator=(Thread&& other) noexcept {
  if (this != &other) {
    if (joinable()) join();
    handle_ = std::move(other.handle_);
  }
  return *this;
}

void Thread::join() {
  assert(joinable());
  assert(GetThreadId(handle_->thread) != GetCurrentThreadId() && "a thread cannot join itself");
  if (WaitForSingleObject(handle_->thread, INFINITE) != WAIT_OBJECT_0) {
    throw_last_error("WaitForSingleObject");
  }
  CloseHandle(handle_->thread);
  handle_.reset();
}

bool supports_pinning() {
  return true;
}

int cpu_count() {
  DWORD n = GetActiveProcessorCount(ALL_PROCESSOR_GROUPS);
  return n > 0 ? static_cast<int>(n) : 1;
}

std::vector<int> usable_cpus() {
  DWORD_PTR process = 0;
  DWORD_PTR system = 0;
  std::vector<int> cpus;
  // One processor group's mask (up to 64 CPUs): a process across groups reports 0, and then
  // every CPU counts.
  if (GetProcessAffinityMask(GetCurrentProcess(), &process, &system) != 0) {
    for (int cpu = 0; cpu < 64; ++cpu) {
      if ((static_cast<std::uint64_t>(process) >> cpu) & 1) cpus.push_back(cpu);
    }
  }
  if (cpus.empty()) {
    for (int cpu = 0; cpu < cpu_count(); ++cpu) cpus.push_back(cpu);
  }
  return cpus;
}

int usable_cpu_count() {
  return static_cast<int>(usable_cpus().size());
}

namespace this_thread {

std::string name() {
  static auto get = kernel32_function<GetDescription>("GetThreadDescription");
  PWSTR description = nullptr;
  if (get == nullptr || FAILED(get(GetCurrentThread(), &description))) return {};
  std::string text = narrow(description);
  LocalFree(description);
  return text;
}

std::optional<std::size_t> stack_size() {
  ULONG_PTR low = 0;
  ULONG_PTR high = 0;
  GetCurrentThreadStackLimits(&low, &high);  // the whole reservation, guard page included
  return static_cast<std::size_t>(high - low);
}

int current_cpu() {
  return static_cast<int>(GetCurrentProcessorNumber());
}

}  // namespace this_thread

}  // namespace rt::os
