# ctest's labs.AStudentStartsGradesAndFinishesALabAndAHandoutHasNoAnswers, in script mode:
#   cmake -DROOT=<repository> -DSCRATCH=<empty folder> -P tools/lab_test.cmake
# Walks the lab tool as a student and an instructor would, in a scratch folder (its own
# labs-work, build trees and handout), on the cheapest code lab (ch01-thread: chapter 1's
# library and one test file) and one results lab (ch01-costs):
#   start, grade (the stub scores zero, exit non-zero), copy the reference in, grade (full
#   marks, exit 0); a hidden test an instructor adds is built and graded; grade --all lists
#   every lab and grades the started ones; a handout holds the stub, not the reference, and
#   no spoilers or reference results.
file(REMOVE_RECURSE "${SCRATCH}")
file(MAKE_DIRECTORY "${SCRATCH}")
set(tool "${ROOT}/tools/lab.cmake")
set(common --work "${SCRATCH}/work" --build "${SCRATCH}/build" --hidden "${SCRATCH}/none")

# lab(<expect: pass|fail> <args...>): runs the tool; its output in `out`.
function(lab expect)
  execute_process(COMMAND "${CMAKE_COMMAND}" -P "${tool}" ${ARGN}
                  RESULT_VARIABLE status OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr)
  set(text "${stdout}${stderr}")
  if(expect STREQUAL "pass" AND NOT status EQUAL 0)
    message(FATAL_ERROR "`lab.cmake ${ARGN}` failed (${status}):\n${text}")
  elseif(expect STREQUAL "fail" AND status EQUAL 0)
    message(FATAL_ERROR "`lab.cmake ${ARGN}` succeeded, and should not have:\n${text}")
  endif()
  set(out "${text}" PARENT_SCOPE)
endfunction()

function(expect_match text regex what)
  if(NOT text MATCHES "${regex}")
    message(FATAL_ERROR "${what}: no match for '${regex}' in:\n${text}")
  endif()
endfunction()

# The lab's tree, configured first without precompiled headers: for the handful of files this
# test compiles, building the two precompiled headers would cost more than they save. The
# tool's own configure keeps the setting (a cache value it does not name).
execute_process(COMMAND "${CMAKE_COMMAND}" --preset default -S "${ROOT}"
                        -B "${SCRATCH}/build/lab-ch01-thread" -DCMAKE_DISABLE_PRECOMPILE_HEADERS=ON
                WORKING_DIRECTORY "${ROOT}" RESULT_VARIABLE status OUTPUT_QUIET ERROR_VARIABLE err)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "configuring the lab's tree failed: ${err}")
endif()

# start_grade_finish(<lab> <reference> <student file> <stub's regex> <full marks' regex>): as
# a student: start, grade (the starting point scores zero: non-zero exit), copy the answer
# in, grade again (full marks, exit 0).
function(start_grade_finish id reference student stub_regex full_regex)
  lab(pass start ${id} ${common})
  lab(fail grade ${id} ${common})
  expect_match("${out}" "${stub_regex}" "${id}, its starting point")
  file(COPY_FILE "${reference}" "${SCRATCH}/work/${id}/${student}")
  lab(pass grade ${id} ${common})
  expect_match("${out}" "${full_regex}" "${id}, the reference")
endfunction()

# A code lab: the stub fails every row; the reference, copied in as a student would, passes.
start_grade_finish(ch01-thread "${ROOT}/ch01-os-threads/src/thread_posix_start.cpp"
  thread_posix_start.cpp
  "Thread.BodyRunsOnANewThreadAndJoinWaitsForIt +3  FAIL \\(not implemented\\).*total +0 / 14"
  "total +14 / 14")

# An instructor's hidden test: compiled into the graded executable, graded with its points.
file(MAKE_DIRECTORY "${SCRATCH}/hidden/ch01-thread")
file(WRITE "${SCRATCH}/hidden/ch01-thread/hidden_test.cpp"
     "#include <gtest/gtest.h>\n#include \"rt/os/thread.hpp\"\n"
     "TEST(Hidden, TwoThreadsBothRun) {\n  int a = 0, b = 0;\n"
     "  rt::os::Thread x({}, [&] { a = 1; });\n  rt::os::Thread y({}, [&] { b = 1; });\n"
     "  x.join();\n  y.join();\n  EXPECT_EQ(a + b, 2);\n}\n")
file(WRITE "${SCRATCH}/hidden/ch01-thread/points.cmake"
     "set(LAB_HIDDEN_GRADED \"Hidden.TwoThreadsBothRun=5\")\n")
lab(pass grade ch01-thread --work "${SCRATCH}/work" --build "${SCRATCH}/build"
    --hidden "${SCRATCH}/hidden")
expect_match("${out}" "Hidden.TwoThreadsBothRun +5  pass" "the hidden test's row")
expect_match("${out}" "total +19 / 19" "the total with the hidden test")

# A results lab: the template's figures and answers fail; complete results pass.
start_grade_finish(ch01-costs "${ROOT}/ch01-os-threads/labs/ch01-costs/reference-results.md"
  results.md "spawn_join_median_us in 2..2000 +1  FAIL \\(not a number: \\?\\).*answer q1 +2  FAIL"
  "total +14 / 14")
file(READ "${SCRATCH}/work/ch01-costs/results.md" results)
string(REGEX REPLACE "\\| spawn_join_median_us \\| [0-9.]+ \\|" "| spawn_join_median_us | 57100 |"
       results "${results}")
file(WRITE "${SCRATCH}/work/ch01-costs/results.md" "${results}")
lab(fail grade ch01-costs ${common})
expect_match("${out}" "FAIL \\(57100: out of range\\)" "a figure in the wrong unit")

# grade --all: every lab has a section; the ones not started score zero without a build.
lab(fail grade --all ${common})
expect_match("${out}" "ch04-park .*not started" "a lab not started")
expect_match("${out}" "all labs: [0-9]+ / [0-9]+" "the summary")

# A handout: the stub where the reference was, no spoilers, no reference results.
lab(pass handout "${SCRATCH}/handout" ch01-thread ch01-costs)
file(READ "${SCRATCH}/handout/ch01-os-threads/src/thread_posix_start.cpp" handed)
expect_match("${handed}" "lab_not_implemented" "the handout's thread_posix_start.cpp")
if(handed MATCHES "pthread_create")
  message(FATAL_ERROR "the handout holds the reference's pthread_create")
endif()
if(EXISTS "${SCRATCH}/handout/ch01-os-threads/labs/ch01-costs/reference-results.md")
  message(FATAL_ERROR "the handout holds the reference results")
endif()
file(READ "${SCRATCH}/handout/ch01-os-threads/labs/ch01-thread/README.md" readme)
if(readme MATCHES "<!-- spoiler -->")
  message(FATAL_ERROR "the handout's lab README still has its spoiler")
endif()
file(READ "${ROOT}/ch01-os-threads/labs/ch01-thread/README.md" original)
if(NOT original MATCHES "<!-- spoiler -->")
  message(FATAL_ERROR "ch01-thread's README has no spoiler section to remove")
endif()
if(EXISTS "${SCRATCH}/handout/CMakeLists.txt" AND EXISTS "${SCRATCH}/handout/tools/lab.cmake")
  message(STATUS "the handout holds the build and the lab tool")
else()
  message(FATAL_ERROR "the handout lacks the build or the lab tool")
endif()
file(REMOVE_RECURSE "${SCRATCH}")
message(STATUS "start, grade, hidden tests, grade --all and handout behave as promised")
