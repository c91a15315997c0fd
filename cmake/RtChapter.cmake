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

# rt_add_gdb_tests(<label> SCRIPT <file.py> TARGET <executable target> ARGS <args>...
#                  BREAK <location> COMMANDS <command>... TEST <name> PASS <regex>
#                  [NO_DEBUG_PASS <regex>])
# A chapter's gdb commands (ch03-fibers/gdb, ch06-scheduler/gdb), tested with `gdb -batch`:
# the executable runs with ARGS until BREAK, then the COMMANDS must print what PASS matches.
# The same on a copy without debug information, as a release build is (made by a setup test:
# ctest runs in debug builds here), must print NO_DEBUG_PASS, not a Python exception (one call
# per chapter gives NO_DEBUG_PASS; a chapter's other calls leave it out). Only in
# native Linux x86-64 builds with debug information (the scripts read the System V frame, and
# the runtime's fields by name).
function(rt_add_gdb_tests label)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "SCRIPT;TARGET;BREAK;TEST;PASS;NO_DEBUG_PASS"
                        "ARGS;COMMANDS")
  find_program(RT_GDB NAMES gdb)
  if(NOT RT_GDB OR CMAKE_CROSSCOMPILING OR NOT CMAKE_SYSTEM_NAME STREQUAL "Linux"
     OR NOT CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$"
     OR NOT CMAKE_BUILD_TYPE MATCHES "^(Debug|RelWithDebInfo)$")
    return()
  endif()
  set(gdb ${RT_GDB} -nx -batch -iex "set debuginfod enabled off" -x ${arg_SCRIPT}
          -ex "break ${arg_BREAK}" -ex run)
  foreach(command IN LISTS arg_COMMANDS)
    list(APPEND gdb -ex "${command}")
  endforeach()
  add_test(NAME ${label}.gdb.${arg_TEST}
           COMMAND ${gdb} --args $<TARGET_FILE:${arg_TARGET}> ${arg_ARGS})
  set_tests_properties(${label}.gdb.${arg_TEST} PROPERTIES
    LABELS ${label} TIMEOUT ${RT_TEST_TIMEOUT} PASS_REGULAR_EXPRESSION "${arg_PASS}"
    FAIL_REGULAR_EXPRESSION "Python Exception|Traceback|Error occurred|No symbol")
  if(CMAKE_OBJCOPY AND arg_NO_DEBUG_PASS)  # once per chapter: the other calls leave it out
    set(copy ${CMAKE_CURRENT_BINARY_DIR}/${arg_TARGET}-no-debug-info)
    add_test(NAME ${label}.gdb.setup.CopyWithoutDebugInformation
             COMMAND ${CMAKE_OBJCOPY} --strip-debug $<TARGET_FILE:${arg_TARGET}> ${copy})
    set_tests_properties(${label}.gdb.setup.CopyWithoutDebugInformation PROPERTIES
      LABELS ${label} TIMEOUT ${RT_TEST_TIMEOUT} FIXTURES_SETUP ${label}_no_debug_info)
    add_test(NAME ${label}.gdb.WithoutDebugInformationTheCommandsSaySoInOneLine
             COMMAND ${gdb} --args ${copy} ${arg_ARGS})
    set_tests_properties(${label}.gdb.WithoutDebugInformationTheCommandsSaySoInOneLine PROPERTIES
      LABELS ${label} TIMEOUT ${RT_TEST_TIMEOUT} FIXTURES_REQUIRED ${label}_no_debug_info
      PASS_REGULAR_EXPRESSION "${arg_NO_DEBUG_PASS}"
      FAIL_REGULAR_EXPRESSION "Python Exception|Traceback")
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
