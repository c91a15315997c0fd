# Labs (docs/TEACHING.md): each chNN-slug/labs/<lab>/lab.cmake names the reference file
# that the lab's stub replaces, the library that builds it, and the graded tests.
#
# rt_add_labs(), at the end of a chapter's CMakeLists.txt, gives every code lab of the
# chapter two things:
#   - a cache variable RT_LAB_<LAB>_SOURCE (empty: the reference). The lab tool sets it in a
#     tree of the student's own (build/lab-<lab>) to the student's file, which the library
#     then compiles in place of the reference: the reference in git is never touched, and the
#     rest of the chapter (its demos, its other tests) builds against the student's version.
#   - a graded test executable lab_<lab> (EXCLUDE_FROM_ALL: only the lab tool builds it) from
#     the graded test files plus an instructor's hidden tests (RT_LAB_HIDDEN_DIR/<lab>/).
# Results labs (a measurement written up in a results file) build nothing.
include_guard(GLOBAL)
include(RtLabManifest)

set(RT_LAB_HIDDEN_DIR "$ENV{RT_LAB_HIDDEN_DIR}" CACHE PATH
    "Instructor's hidden lab tests: <dir>/<lab>/*.cpp and points.cmake (empty: none)")
rt_lab_platform(RT_LAB_PLATFORM "${CMAKE_SYSTEM_NAME}" "${CMAKE_SYSTEM_PROCESSOR}")

function(rt_add_labs)
  file(GLOB manifests CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/labs/*/lab.cmake)
  foreach(manifest IN LISTS manifests)
    rt_lab_read("${manifest}" "${RT_LAB_PLATFORM}")
    if(NOT LAB_SUPPORTED OR NOT LAB_KIND STREQUAL "code")
      continue()
    endif()
    # The reference compiles on its own, outside the unity batches: swapping the student's
    # file in and out (the lab tool, CI's proof) then recompiles that one file, not a batch
    # of eight, and the batches' objects stay valid.
    set_source_files_properties(${LAB_REPLACES} PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)
    rt_lab_variable(variable ${LAB_ID})
    set(${variable} "" CACHE FILEPATH
        "Lab ${LAB_ID}: a student's file built in place of ${LAB_REPLACES} (empty: the reference)")
    if(NOT "${${variable}}" STREQUAL "")
      _rt_lab_substitute(${LAB_LIBRARY} "${LAB_REPLACES}" "${${variable}}")
      message(STATUS "lab ${LAB_ID}: ${LAB_LIBRARY} builds ${${variable}} in place of "
                     "${LAB_CHAPTER}/${LAB_REPLACES}")
    endif()

    rt_lab_hidden_graded("${RT_LAB_HIDDEN_DIR}" ${LAB_ID})
    string(MAKE_C_IDENTIFIER "lab_${LAB_ID}" target)
    add_executable(${target} EXCLUDE_FROM_ALL ${LAB_TEST_SOURCES} ${LAB_HIDDEN_SOURCES})
    target_link_libraries(${target} PRIVATE ${LAB_TEST_LIBS} rt_test_support rt_gtest rt_options)
    target_include_directories(${target} PRIVATE tests src)  # as the chapter's own tests
    target_precompile_headers(${target} REUSE_FROM rt_test_pch)
  endforeach()
endfunction()

# The library compiles `student` where it compiled `reference` (a path relative to the
# chapter, as the chapter's CMakeLists.txt lists it). The student's file lives outside the
# source tree, so the reference's folder is added to the include path for its quoted
# includes, and it is left out of unity batches so that compiler errors name it alone.
function(_rt_lab_substitute library reference student)
  get_filename_component(student "${student}" ABSOLUTE)
  if(NOT EXISTS "${student}")
    message(FATAL_ERROR "lab: ${student} does not exist (start the lab first: "
                        "cmake -P tools/lab.cmake start <lab>)")
  endif()
  get_target_property(sources ${library} SOURCES)
  list(FIND sources "${reference}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "lab: ${library} does not build ${reference} on this platform "
                        "(its sources: ${sources})")
  endif()
  list(REMOVE_AT sources ${at})
  list(INSERT sources ${at} "${student}")
  set_property(TARGET ${library} PROPERTY SOURCES ${sources})
  set_source_files_properties("${student}" PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)
  get_filename_component(folder "${CMAKE_CURRENT_SOURCE_DIR}/${reference}" DIRECTORY)
  target_include_directories(${library} PRIVATE "${folder}")
endfunction()
