# fmt, CLI11 and GoogleTest, resolved in this order of preference:
#   1. an installed package (find_package), for native builds;
#   2. for cross builds, the host's architecture-independent sources: fmt and CLI11 headers
#      (used header-only) and GoogleTest's sources in /usr/src/googletest (Debian's
#      libfmt-dev, libcli11-dev and googletest packages);
#   3. FetchContent from upstream at a pinned release, so a machine with a compiler, CMake
#      and internet needs nothing else.
# Each ends as one target the chapters link: rt_fmt, rt_cli11, rt_gtest (with main).
include_guard(GLOBAL)
include(FetchContent)

set(RT_FMT_TAG 10.2.1)
set(RT_CLI11_TAG v2.4.2)
set(RT_GTEST_TAG v1.14.0)

# A header directory of the host (say /usr/include/fmt) exposed alone, so that a cross
# compiler sees those headers without the rest of the host's /usr/include.
function(_rt_host_headers out subdir probe)
  find_path(_rt_dir_${subdir} NAMES ${subdir}/${probe} PATHS /usr/include /usr/local/include
            NO_DEFAULT_PATH NO_CMAKE_FIND_ROOT_PATH)
  if(NOT _rt_dir_${subdir})
    set(${out} "" PARENT_SCOPE)
    return()
  endif()
  set(root ${CMAKE_BINARY_DIR}/_deps/host-headers)
  file(MAKE_DIRECTORY ${root})
  if(NOT EXISTS ${root}/${subdir})
    file(CREATE_LINK ${_rt_dir_${subdir}}/${subdir} ${root}/${subdir} SYMBOLIC)
  endif()
  set(${out} ${root} PARENT_SCOPE)
endfunction()

# ---- fmt
add_library(rt_fmt INTERFACE)
if(NOT CMAKE_CROSSCOMPILING)
  find_package(fmt 9 CONFIG QUIET)
endif()
if(fmt_FOUND)
  target_link_libraries(rt_fmt INTERFACE fmt::fmt)
  set(_rt_fmt_how "package ${fmt_VERSION}")
else()
  _rt_host_headers(_rt_fmt_inc fmt format-inl.h)
  if(_rt_fmt_inc)
    target_include_directories(rt_fmt SYSTEM INTERFACE ${_rt_fmt_inc})
    target_compile_definitions(rt_fmt INTERFACE FMT_HEADER_ONLY=1)
    set(_rt_fmt_how "host headers, header-only")
  else()
    FetchContent_Declare(fmt GIT_REPOSITORY https://github.com/fmtlib/fmt.git
                             GIT_TAG ${RT_FMT_TAG} GIT_SHALLOW TRUE)
    FetchContent_MakeAvailable(fmt)
    target_link_libraries(rt_fmt INTERFACE fmt::fmt)
    set(_rt_fmt_how "FetchContent ${RT_FMT_TAG}")
  endif()
endif()

# ---- CLI11
add_library(rt_cli11 INTERFACE)
if(NOT CMAKE_CROSSCOMPILING)
  find_package(CLI11 2 CONFIG QUIET)
endif()
if(CLI11_FOUND)
  target_link_libraries(rt_cli11 INTERFACE CLI11::CLI11)
  set(_rt_cli11_how "package ${CLI11_VERSION}")
else()
  _rt_host_headers(_rt_cli11_inc CLI CLI.hpp)
  if(_rt_cli11_inc)
    target_include_directories(rt_cli11 SYSTEM INTERFACE ${_rt_cli11_inc})
    set(_rt_cli11_how "host headers")
  else()
    FetchContent_Declare(cli11 GIT_REPOSITORY https://github.com/CLIUtils/CLI11.git
                               GIT_TAG ${RT_CLI11_TAG} GIT_SHALLOW TRUE)
    FetchContent_MakeAvailable(cli11)
    target_link_libraries(rt_cli11 INTERFACE CLI11::CLI11)
    set(_rt_cli11_how "FetchContent ${RT_CLI11_TAG}")
  endif()
endif()

# ---- GoogleTest
add_library(rt_gtest INTERFACE)
if(NOT CMAKE_CROSSCOMPILING)
  find_package(GTest CONFIG QUIET)
endif()
if(GTest_FOUND)
  target_link_libraries(rt_gtest INTERFACE GTest::gtest_main GTest::gmock)
  set(_rt_gtest_how "package ${GTest_VERSION}")
else()
  set(INSTALL_GTEST OFF CACHE BOOL "" FORCE)
  set(gtest_force_shared_crt ON CACHE BOOL "" FORCE)
  if(EXISTS /usr/src/googletest/CMakeLists.txt)
    add_subdirectory(/usr/src/googletest ${CMAKE_BINARY_DIR}/_deps/googletest EXCLUDE_FROM_ALL)
    set(_rt_gtest_how "sources in /usr/src/googletest")
  else()
    FetchContent_Declare(googletest GIT_REPOSITORY https://github.com/google/googletest.git
                                    GIT_TAG ${RT_GTEST_TAG} GIT_SHALLOW TRUE)
    FetchContent_MakeAvailable(googletest)
    set(_rt_gtest_how "FetchContent ${RT_GTEST_TAG}")
  endif()
  target_link_libraries(rt_gtest INTERFACE gtest_main gmock)
endif()

message(STATUS "rt: fmt from ${_rt_fmt_how}; CLI11 from ${_rt_cli11_how}; "
               "GoogleTest from ${_rt_gtest_how}")
