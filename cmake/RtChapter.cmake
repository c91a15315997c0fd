# Helpers every chapter's CMakeLists.txt uses, so that each reads as a short list of what
# the chapter builds.
include_guard(GLOBAL)
include(GoogleTest)

# Per-test ctest timeout in seconds: a deadlock fails instead of hanging. Emulated and
# sanitizer presets raise it (CMakePresets.json); no test should come near it natively.
set(RT_TEST_TIMEOUT 60 CACHE STRING "ctest TIMEOUT for every test, in seconds")

# Under wine, the first start in a fresh prefix (~/.wine) spends ~15 s creating it, and
# several tests starting at once race to do so and can hang. One setup test creates the
# prefix and waits for wine to settle; every test requires it.
# It then starts a persistent wineserver (-p) for the whole run, and a cleanup test stops it.
# Otherwise the server exits 3 s after its last client, and a test that starts as it exits
# dies with "wine client error:0: recvmsg: Connection reset by peer" (CI run 5: a ch05 test
# under the mingw preset failed so, having done nothing wrong).
set(_rt_test_fixtures "")
if(CMAKE_CROSSCOMPILING_EMULATOR MATCHES "wine")
  if(NOT TEST wine.prefix)
    add_test(NAME wine.prefix
             COMMAND sh -c "wineboot --init && wineserver --wait && wineserver -p </dev/null >/dev/null 2>&1")
    set_tests_properties(wine.prefix PROPERTIES FIXTURES_SETUP wine_prefix TIMEOUT 300
                                                LABELS wine)
    add_test(NAME wine.server-stop COMMAND wineserver -k)
    set_tests_properties(wine.server-stop PROPERTIES FIXTURES_CLEANUP wine_prefix TIMEOUT 60
                                                     LABELS wine)
  endif()
  set(_rt_test_fixtures FIXTURES_REQUIRED wine_prefix)
endif()

# Precompiled headers. Nearly every file includes fmt (through rt/output.hpp) and the
# standard containers, and every test file GoogleTest: parsed once per translation unit
# they cost more than most of our own files (docs/DESIGN.md, "CI", has the measurements).
# Two headers are compiled once per build tree, by two object libraries, and every target
# reuses theirs (REUSE_FROM: same flags, so the same precompiled file is valid for all).
# Configure with -DCMAKE_DISABLE_PRECOMPILE_HEADERS=ON to build without them.
set(_rt_pch_common <fmt/format.h> <algorithm> <array> <atomic> <chrono> <cstddef> <cstdint>
                   <functional> <memory> <mutex> <optional> <span> <stdexcept> <string>
                   <string_view> <thread> <utility> <vector>)
file(WRITE ${CMAKE_BINARY_DIR}/rt_pch.cpp "// Compiles the precompiled header (RtChapter.cmake).\n")
add_library(rt_pch OBJECT ${CMAKE_BINARY_DIR}/rt_pch.cpp)
target_link_libraries(rt_pch PRIVATE rt_fmt rt_options)
target_precompile_headers(rt_pch PRIVATE ${_rt_pch_common})
add_library(rt_test_pch OBJECT ${CMAKE_BINARY_DIR}/rt_pch.cpp)
target_link_libraries(rt_test_pch PRIVATE rt_fmt rt_gtest rt_options)
target_precompile_headers(rt_test_pch PRIVATE ${_rt_pch_common} <gtest/gtest.h> <gmock/gmock.h>)

# rt_use_pch(<target>...): the library and executable targets of a chapter reuse rt_pch.
function(rt_use_pch)
  foreach(target IN LISTS ARGN)
    target_precompile_headers(${target} REUSE_FROM rt_pch)
  endforeach()
endfunction()

# rt_add_tests(<target> LABEL <chNN> SOURCES <files...> LIBS <libs...>)
# One GoogleTest executable; every TEST becomes a ctest test labelled <chNN> with the
# timeout above. Tests are listed when ctest runs (PRE_TEST), not at build time, so cross
# builds whose tests run through an emulator (qemu, wine) build without running anything.
function(rt_add_tests target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "LABEL" "SOURCES;LIBS")
  add_executable(${target} ${arg_SOURCES})
  target_link_libraries(${target} PRIVATE ${arg_LIBS} rt_test_support rt_gtest rt_options)
  target_precompile_headers(${target} REUSE_FROM rt_test_pch)
  gtest_discover_tests(${target}
    DISCOVERY_MODE PRE_TEST
    DISCOVERY_TIMEOUT 120
    TEST_PREFIX "${arg_LABEL}."
    PROPERTIES LABELS ${arg_LABEL} TIMEOUT ${RT_TEST_TIMEOUT} ${_rt_test_fixtures})
endfunction()

# rt_gdb_tests_run(<variable>)
# TRUE in <variable> if the chapters' gdb scripts (ch03-fibers/gdb, ch06-scheduler/gdb) can be
# tested in this build: a gdb, a native Linux x86-64 build (the scripts read the System V
# frame), and debug information.
function(rt_gdb_tests_run variable)
  find_program(RT_GDB NAMES gdb)
  set(${variable} FALSE PARENT_SCOPE)
  if(RT_GDB AND NOT CMAKE_CROSSCOMPILING AND CMAKE_SYSTEM_NAME STREQUAL "Linux"
     AND CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$"
     AND CMAKE_BUILD_TYPE MATCHES "^(Debug|RelWithDebInfo)$")
    set(${variable} TRUE PARENT_SCOPE)
  endif()
endfunction()

# rt_add_tour_step(<executable target>)
# The tour (DESIGN.md) runs `<executable> tour` for each chapter, in the order added.
function(rt_add_tour_step target)
  set_property(GLOBAL APPEND PROPERTY RT_TOUR_TARGETS ${target})
endfunction()

function(rt_finish_tour)
  get_property(targets GLOBAL PROPERTY RT_TOUR_TARGETS)
  set(commands "")
  foreach(t IN LISTS targets)
    list(APPEND commands COMMAND ${CMAKE_CROSSCOMPILING_EMULATOR} $<TARGET_FILE:${t}> tour)
  endforeach()
  add_custom_target(tour ${commands} DEPENDS ${targets} USES_TERMINAL VERBATIM
                    COMMENT "The tour: each chapter's headline figure, in order")
endfunction()
