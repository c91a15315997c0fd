# ctest's build.OfflineConfigureNamesThePackages, in script mode:
#   cmake -DSOURCE=<repository> -DBINARY=<scratch tree> -P OfflineConfigureTest.cmake
# Configures the repository as a machine would that has none of the three libraries and
# no network (no packages, no host headers, FETCHCONTENT_FULLY_DISCONNECTED), and passes if
# configuring fails with the one message RtDependencies.cmake promises: which library is
# missing and what to install on each OS.
file(REMOVE_RECURSE ${BINARY})
execute_process(
  COMMAND ${CMAKE_COMMAND} -S ${SOURCE} -B ${BINARY} -DRT_USE_SYSTEM_DEPENDENCIES=OFF
          -DFETCHCONTENT_FULLY_DISCONNECTED=ON
  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
file(REMOVE_RECURSE ${BINARY})
set(text "${out}${err}")
if(status EQUAL 0)
  message(FATAL_ERROR "configure succeeded without the libraries or a network:\n${text}")
endif()
foreach(expected "fmt is not installed, and its pinned release cannot be had"
                 "FETCHCONTENT_FULLY_DISCONNECTED is ON" "sudo apt install libfmt-dev"
                 "brew install fmt cli11 googletest" "vcpkg install fmt cli11 gtest"
                 "FETCHCONTENT_SOURCE_DIR_FMT")
  string(FIND "${text}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "configure failed, but its message lacks \"${expected}\":\n${text}")
  endif()
endforeach()
string(FIND "${text}" "git clone" at)
if(NOT at EQUAL -1)
  message(FATAL_ERROR "configure's message shows git's errors:\n${text}")
endif()
message(STATUS "configure stopped with the promised message")
