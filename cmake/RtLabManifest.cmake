# Reading a lab's manifest (chNN-slug/labs/<lab>/lab.cmake), for the build (RtLabs.cmake)
# and for the lab tool (tools/lab.cmake, CMake script mode): one reader, so the two cannot
# disagree on what a lab replaces or grades. docs/TEACHING.md describes the fields.
include_guard(GLOBAL)

# rt_lab_platform(<out> <system name> <processor>): "Linux-x86_64", "Darwin-aarch64",
# "Windows-x86_64"..., the string a manifest's LAB_PLATFORMS regex is matched against.
function(rt_lab_platform out system processor)
  if(processor MATCHES "^(x86_64|AMD64|amd64|x64)$")
    set(processor x86_64)
  elseif(processor MATCHES "^(aarch64|arm64|ARM64)$")
    set(processor aarch64)
  endif()
  set(${out} "${system}-${processor}" PARENT_SCOPE)
endfunction()

# rt_lab_variable(<out> <lab>): the cache variable that points the build at a student's
# file, RT_LAB_<LAB>_SOURCE (ch01-thread: RT_LAB_CH01_THREAD_SOURCE).
function(rt_lab_variable out lab)
  string(TOUPPER "${lab}" upper)
  string(MAKE_C_IDENTIFIER "${upper}" upper)
  set(${out} "RT_LAB_${upper}_SOURCE" PARENT_SCOPE)
endfunction()

# rt_lab_read(<manifest> <platform>): sets the LAB_* variables in the caller's scope, and
# LAB_ID, LAB_DIR, LAB_CHAPTER, LAB_CHAPTER_DIR, LAB_SUPPORTED (this platform matches).
macro(rt_lab_read manifest platform)
  foreach(_rt_field TITLE LEVEL KIND HOURS PLATFORMS LIBRARY REPLACES STUB TEST_SOURCES
                    TEST_LIBS GRADED TEMPLATE REFERENCE FIGURES ANSWERS HANDOUT_REPLACES)
    unset(LAB_${_rt_field})
  endforeach()
  set(LAB_PLATFORM "${platform}")
  get_filename_component(LAB_DIR "${manifest}" DIRECTORY)
  get_filename_component(LAB_ID "${LAB_DIR}" NAME)
  get_filename_component(LAB_CHAPTER_DIR "${LAB_DIR}/../.." ABSOLUTE)
  get_filename_component(LAB_CHAPTER "${LAB_CHAPTER_DIR}" NAME)
  include("${manifest}")
  if(NOT DEFINED LAB_HANDOUT_REPLACES)
    set(LAB_HANDOUT_REPLACES ${LAB_REPLACES})  # what a handout replaces by the stub
  endif()
  set(LAB_SUPPORTED FALSE)
  if(LAB_PLATFORM MATCHES "${LAB_PLATFORMS}")
    set(LAB_SUPPORTED TRUE)
  endif()
  foreach(_rt_field TITLE LEVEL KIND HOURS PLATFORMS)
    if(NOT DEFINED LAB_${_rt_field})
      message(FATAL_ERROR "${manifest}: LAB_${_rt_field} is not set")
    endif()
  endforeach()
  if(LAB_KIND STREQUAL "code")
    set(_rt_required LIBRARY REPLACES STUB TEST_SOURCES TEST_LIBS GRADED)
  elseif(LAB_KIND STREQUAL "results")
    set(_rt_required TEMPLATE REFERENCE FIGURES)
  else()
    message(FATAL_ERROR "${manifest}: LAB_KIND is '${LAB_KIND}', not code or results")
  endif()
  if(LAB_SUPPORTED)
    foreach(_rt_field IN LISTS _rt_required)
      if(NOT DEFINED LAB_${_rt_field})
        message(FATAL_ERROR "${manifest}: LAB_${_rt_field} is not set (LAB_KIND ${LAB_KIND})")
      endif()
    endforeach()
  endif()
endmacro()

# rt_lab_hidden_graded(<hidden dir> <lab>): appends an instructor's hidden rows (in
# <hidden dir>/<lab>/points.cmake, which sets LAB_HIDDEN_GRADED) to LAB_GRADED, and sets
# LAB_HIDDEN_SOURCES to the folder's test files.
macro(rt_lab_hidden_graded hidden_dir lab)
  set(LAB_HIDDEN_SOURCES "")
  set(LAB_HIDDEN_GRADED "")
  if(NOT "${hidden_dir}" STREQUAL "" AND EXISTS "${hidden_dir}/${lab}/points.cmake")
    file(GLOB LAB_HIDDEN_SOURCES "${hidden_dir}/${lab}/*.cpp")
    include("${hidden_dir}/${lab}/points.cmake")
    list(APPEND LAB_GRADED ${LAB_HIDDEN_GRADED})
  endif()
endmacro()
