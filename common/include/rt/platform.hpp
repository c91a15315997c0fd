// Which OS and CPU this build targets, as one set of macros. Platform `#if`s belong in files
// like this one (one per layer), never in logic files: see STYLE.md rule 3.
#pragma once

#if defined(_WIN32)
#define RT_OS_WINDOWS 1
#elif defined(__APPLE__)
#define RT_OS_MACOS 1
#elif defined(__linux__)
#define RT_OS_LINUX 1
#else
#error "rt: unsupported OS (Linux, macOS and Windows are the targets)"
#endif

#if defined(__x86_64__) || defined(_M_X64)
#define RT_ARCH_X86_64 1
#elif defined(__aarch64__) || defined(_M_ARM64)
#define RT_ARCH_AARCH64 1
#else
#error "rt: unsupported CPU (x86-64 and ARM64 are the targets)"
#endif

namespace rt {
inline constexpr const char* kOsName =
#if defined(RT_OS_WINDOWS)
    "Windows";
#elif defined(RT_OS_MACOS)
    "macOS";
#else
    "Linux";
#endif
inline constexpr const char* kArchName =
#if defined(RT_ARCH_X86_64)
    "x86-64";
#else
    "ARM64";
#endif
inline constexpr bool kIsX86_64 =
#if defined(RT_ARCH_X86_64)
    true;
#else
    false;
#endif
}  // namespace rt
