# Project-wide compile options. Every target made by RtChapter.cmake links rt_options.
include_guard(GLOBAL)

# CI sets CI=true in the environment; warnings are errors there, and stay warnings on a
# learner's machine (a newer compiler's new warning must not stop someone from reading on).
if(DEFINED ENV{CI} AND NOT "$ENV{CI}" STREQUAL "" AND NOT "$ENV{CI}" STREQUAL "false")
  set(_rt_werror_default ON)
else()
  set(_rt_werror_default OFF)
endif()
option(RT_WERROR "Treat compiler warnings as errors" ${_rt_werror_default})
set(RT_SANITIZE "" CACHE STRING "Sanitizer build: empty, 'address' (ASan+UBSan) or 'thread' (TSan)")
set_property(CACHE RT_SANITIZE PROPERTY STRINGS "" address thread)

add_library(rt_options INTERFACE)
if(MSVC)
  # C and C++ only: ml64 (the MASM assembler of chapter 3) rejects these flags.
  target_compile_options(rt_options INTERFACE
                         $<$<COMPILE_LANGUAGE:C,CXX>:/W4 /permissive- /utf-8
                         $<$<BOOL:${RT_WERROR}>:/WX>>)
  target_compile_definitions(rt_options INTERFACE _CRT_SECURE_NO_WARNINGS NOMINMAX
                                                   WIN32_LEAN_AND_MEAN)
  # Chapter 3's context switch returns into another fiber's stack, which a CET shadow stack
  # refuses: never mark an x64 executable shadow-stack compatible (x86_64_win64.S).
  if(CMAKE_CXX_COMPILER_ARCHITECTURE_ID STREQUAL "x64")
    target_link_options(rt_options INTERFACE /CETCOMPAT:NO)
  endif()
else()
  target_compile_options(rt_options INTERFACE -Wall -Wextra -Wpedantic
                                              $<$<BOOL:${RT_WERROR}>:-Werror>)
  # Options structs are built with designated initializers that leave defaulted members out
  # ({.stack_size = n}); GCC before 13 warns about that C++20 idiom under -Wextra.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(rt_options INTERFACE -Wno-missing-field-initializers)
  endif()
endif()
if(WIN32)
  # Windows 10 APIs (SetThreadDescription, GetCurrentThreadStackLimits).
  target_compile_definitions(rt_options INTERFACE _WIN32_WINNT=0x0A00 NOMINMAX
                                                   WIN32_LEAN_AND_MEAN)
endif()
if(MINGW)
  # One self-contained .exe: wine (and a user's Windows box) need no MinGW DLLs beside it.
  target_link_options(rt_options INTERFACE -static)
endif()

# ccache where installed, for readers and developers who rebuild (a fresh tree of a preset
# built before then costs seconds). Precompiled headers need its "sloppiness" settings.
# CI sets CCACHE_DISABLE=1: its times must be those of a fresh machine, which has no cache.
find_program(RT_CCACHE ccache)
if(RT_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER AND NOT MSVC)
  set(_rt_launcher ${CMAKE_COMMAND} -E env
      "CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime"
      ${RT_CCACHE})
  set(CMAKE_C_COMPILER_LAUNCHER ${_rt_launcher})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${_rt_launcher})
endif()

# Unity builds: CMake compiles each target's C and C++ files in batches of up to 8, each
# batch one translation unit, so the fixed cost every file pays (loading a precompiled header
# of 90-140 MB, emitting the same fmt and GoogleTest templates again) is paid once per batch:
# it halves a fresh build (docs/DESIGN.md, "CI"). The cost is that a file's missing #include
# can hide behind the file before it in a batch, and that editing one file rebuilds its
# batch: the asan preset builds file by file, so CI still compiles every file on its own
# (with clang, against the libstdc++ that GCC uses: a missing #include is missing for both;
# the tsan preset batches, as the others do: docs/DESIGN.md, "CI", has what that saved).
# -DCMAKE_UNITY_BUILD=OFF turns batching off in any tree.
if(NOT DEFINED CMAKE_UNITY_BUILD)
  set(CMAKE_UNITY_BUILD ON)
endif()
set(CMAKE_UNITY_BUILD_BATCH_SIZE 8)

# A faster linker where one is installed: lld links our test executables several times
# faster than GNU ld (docs/DESIGN.md, "CI"), with GNU ld as the fallback. Accepting
# -fuse-ld=lld is not enough: a GCC built --with-ld (Debian's MinGW-w64) or one that looks for
# ld.lld only beside its own tools (Debian's aarch64 cross GCC) takes the flag and still runs
# GNU ld. So the driver is asked which linker it runs. Apple's linker and MSVC's are left alone.
option(RT_FAST_LINKER "Link with lld when the toolchain can use it" ON)
if(RT_FAST_LINKER AND NOT MSVC AND NOT APPLE)
  execute_process(COMMAND ${CMAKE_CXX_COMPILER} -fuse-ld=lld -Wl,--version
                  OUTPUT_VARIABLE _rt_ld_version ERROR_QUIET RESULT_VARIABLE _rt_ld_status)
  if(_rt_ld_status EQUAL 0 AND _rt_ld_version MATCHES "LLD")
    target_link_options(rt_options INTERFACE -fuse-ld=lld)
    message(STATUS "Linker: lld")
  else()
    message(STATUS "Linker: the compiler's default (-fuse-ld=lld does not run lld here)")
  endif()
endif()

if(RT_SANITIZE STREQUAL "address")
  target_compile_options(rt_options INTERFACE -fsanitize=address,undefined
                                              -fno-sanitize-recover=undefined
                                              -fno-omit-frame-pointer)
  target_link_options(rt_options INTERFACE -fsanitize=address,undefined)
  target_compile_definitions(rt_options INTERFACE RT_SANITIZE_ADDRESS=1)
elseif(RT_SANITIZE STREQUAL "thread")
  target_compile_options(rt_options INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
  target_link_options(rt_options INTERFACE -fsanitize=thread)
  target_compile_definitions(rt_options INTERFACE RT_SANITIZE_THREAD=1)
elseif(NOT RT_SANITIZE STREQUAL "")
  message(FATAL_ERROR "RT_SANITIZE must be empty, 'address' or 'thread', not '${RT_SANITIZE}'")
endif()
