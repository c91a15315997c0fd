# fmt, CLI11 and GoogleTest, resolved in this order of preference:
#   1. an installed package (find_package), for native builds;
#   2. for cross builds, the host's architecture-independent sources: fmt's headers (its
#      implementation compiled once, cmake/fmt_once.cpp), CLI11's headers and GoogleTest's
#      sources in /usr/src/googletest (Debian's libfmt-dev, libcli11-dev and googletest);
#   3. a download of the pinned release (FetchContent; or a source tree you name with
#      -DFETCHCONTENT_SOURCE_DIR_<NAME>=path), so a machine with a compiler, CMake and
#      internet needs nothing else.
# Each ends as one target the chapters link: rt_fmt, rt_cli11, rt_gtest (with main). When a
# dependency is neither installed nor downloadable (offline, behind a firewall, or with
# FETCHCONTENT_FULLY_DISCONNECTED), configuring stops with one message that names the
# package to install on each OS. -DRT_USE_SYSTEM_DEPENDENCIES=OFF skips 1 and 2 (the test
# `build.OfflineConfigureNamesThePackages` uses it).
include_guard(GLOBAL)
include(FetchContent)

set(RT_FMT_TAG 10.2.1)
set(RT_CLI11_TAG v2.4.2)
set(RT_GTEST_TAG v1.14.0)
option(RT_USE_SYSTEM_DEPENDENCIES "Use installed fmt, CLI11 and GoogleTest when found" ON)

# _rt_fetch(<name> <archive URL>): makes <name> available from the pinned release, or
# stops with the message above. An archive, not a git clone: file(DOWNLOAD) reports a
# failure that configure can explain, where FetchContent's git clone fails three times
# with git's own words.
function(_rt_fetch name url)
  string(TOUPPER ${name} upper)
  if(FETCHCONTENT_SOURCE_DIR_${upper})
    FetchContent_Declare(${name} SOURCE_DIR ${FETCHCONTENT_SOURCE_DIR_${upper}})
  else()
    get_filename_component(file ${url} NAME)
    set(archive ${CMAKE_BINARY_DIR}/_deps/archives/${name}-${file})
    if(NOT EXISTS ${archive})
      if(FETCHCONTENT_FULLY_DISCONNECTED)
        set(why "FETCHCONTENT_FULLY_DISCONNECTED is ON")
      else()
        file(DOWNLOAD ${url} ${archive}.part STATUS status TIMEOUT 60 INACTIVITY_TIMEOUT 20)
        list(GET status 0 code)
        list(GET status 1 text)
        if(code EQUAL 0)
          file(RENAME ${archive}.part ${archive})
        else()
          file(REMOVE ${archive}.part)
          set(why "downloading ${url} failed: ${text}")
        endif()
      endif()
      if(why)
        message(FATAL_ERROR
          "rt: ${name} is not installed, and its pinned release cannot be had (${why}).\n"
          "Install the three libraries the build needs, then configure again:\n"
          "  Debian, Ubuntu:  sudo apt install libfmt-dev libcli11-dev libgtest-dev libgmock-dev\n"
          "  Fedora:          sudo dnf install fmt-devel cli11-devel gtest-devel gmock-devel\n"
          "  macOS:           brew install fmt cli11 googletest\n"
          "  Windows:         vcpkg install fmt cli11 gtest, and configure with\n"
          "                   -DCMAKE_TOOLCHAIN_FILE=<vcpkg>/scripts/buildsystems/vcpkg.cmake\n"
          "                   (or build once with internet access: Visual Studio's CMake\n"
          "                   downloads them into the build tree)\n"
          "or point at a source tree you have: -DFETCHCONTENT_SOURCE_DIR_${upper}=<path>")
      endif()
    endif()
    FetchContent_Declare(${name} URL ${archive})
  endif()
  FetchContent_MakeAvailable(${name})
endfunction()

# A header directory of the host (say /usr/include/fmt) exposed alone, so that a cross
# compiler sees those headers without the rest of the host's /usr/include.
function(_rt_host_headers out subdir probe)
  if(NOT RT_USE_SYSTEM_DEPENDENCIES)
    set(${out} "" PARENT_SCOPE)
    return()
  endif()
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

set(_rt_find_packages OFF)
if(RT_USE_SYSTEM_DEPENDENCIES AND NOT CMAKE_CROSSCOMPILING)
  set(_rt_find_packages ON)
endif()

# ---- fmt
add_library(rt_fmt INTERFACE)
if(_rt_find_packages)
  find_package(fmt 9 CONFIG QUIET)
endif()
if(fmt_FOUND)
  target_link_libraries(rt_fmt INTERFACE fmt::fmt)
  set(_rt_fmt_how "package ${fmt_VERSION}")
else()
  _rt_host_headers(_rt_fmt_inc fmt format-inl.h)
  if(_rt_fmt_inc)
    # fmt's implementation compiled once (cmake/fmt_once.cpp), if it fits these headers:
    # a probe that formats numbers, with and without a locale, must link against it.
    set(_rt_probe ${CMAKE_BINARY_DIR}/_deps/fmt-probe.cpp)
    file(WRITE ${_rt_probe} "#include <fmt/format.h>\n#include <locale>\nint main() {\n"
         "  return static_cast<int>(fmt::format(\"{} {:.3f} {:L}\", 1, 2.5, 3).size() +\n"
         "      fmt::format(std::locale(), \"{:L}\", 4.5).size());\n}\n")
    try_compile(RT_FMT_COMPILED_ONCE ${CMAKE_BINARY_DIR}/_deps/fmt-probe
                SOURCES ${_rt_probe} ${CMAKE_CURRENT_LIST_DIR}/fmt_once.cpp
                CMAKE_FLAGS "-DINCLUDE_DIRECTORIES=${_rt_fmt_inc}"
                CXX_STANDARD 20 CXX_STANDARD_REQUIRED ON)
    target_include_directories(rt_fmt SYSTEM INTERFACE ${_rt_fmt_inc})
    if(RT_FMT_COMPILED_ONCE)
      add_library(rt_fmt_once STATIC ${CMAKE_CURRENT_LIST_DIR}/fmt_once.cpp)
      target_include_directories(rt_fmt_once SYSTEM PRIVATE ${_rt_fmt_inc})
      target_compile_features(rt_fmt_once PRIVATE cxx_std_20)
      target_link_libraries(rt_fmt INTERFACE rt_fmt_once)
      set(_rt_fmt_how "host headers, compiled once")
    else()
      target_compile_definitions(rt_fmt INTERFACE FMT_HEADER_ONLY=1)
      set(_rt_fmt_how "host headers, header-only")
    endif()
  else()
    _rt_fetch(fmt https://github.com/fmtlib/fmt/archive/refs/tags/${RT_FMT_TAG}.tar.gz)
    target_link_libraries(rt_fmt INTERFACE fmt::fmt)
    set(_rt_fmt_how "FetchContent ${RT_FMT_TAG}")
  endif()
endif()

# ---- CLI11
add_library(rt_cli11 INTERFACE)
if(_rt_find_packages)
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
    _rt_fetch(cli11 https://github.com/CLIUtils/CLI11/archive/refs/tags/${RT_CLI11_TAG}.tar.gz)
    target_link_libraries(rt_cli11 INTERFACE CLI11::CLI11)
    set(_rt_cli11_how "FetchContent ${RT_CLI11_TAG}")
  endif()
endif()

# ---- GoogleTest
add_library(rt_gtest INTERFACE)
if(_rt_find_packages)
  find_package(GTest CONFIG QUIET)
endif()
if(GTest_FOUND)
  target_link_libraries(rt_gtest INTERFACE GTest::gtest_main GTest::gmock)
  set(_rt_gtest_how "package ${GTest_VERSION}")
else()
  set(INSTALL_GTEST OFF CACHE BOOL "" FORCE)
  set(gtest_force_shared_crt ON CACHE BOOL "" FORCE)
  if(RT_USE_SYSTEM_DEPENDENCIES AND EXISTS /usr/src/googletest/CMakeLists.txt)
    add_subdirectory(/usr/src/googletest ${CMAKE_BINARY_DIR}/_deps/googletest EXCLUDE_FROM_ALL)
    set(_rt_gtest_how "sources in /usr/src/googletest")
  else()
    _rt_fetch(googletest
              https://github.com/google/googletest/archive/refs/tags/${RT_GTEST_TAG}.tar.gz)
    set(_rt_gtest_how "FetchContent ${RT_GTEST_TAG}")
  endif()
  target_link_libraries(rt_gtest INTERFACE gtest_main gmock)
endif()

message(STATUS "rt: fmt from ${_rt_fmt_how}; CLI11 from ${_rt_cli11_how}; "
               "GoogleTest from ${_rt_gtest_how}")
