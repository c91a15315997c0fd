# `cmake -P tools/lab.cmake handout <folder> <lab>...`: the students' copy of the repository
# (docs/TEACHING.md, "Making a handout"). Included by tools/lab.cmake.
#
# The copy holds what git tracks (and new files git does not ignore), never the folders an
# instructor keeps for themselves (labs-work/, labs-hidden/, build trees). For each chosen
# lab: a code lab's reference file is replaced by its stub, a results lab loses its
# reference results, and the lab README loses what stands between <!-- spoiler --> and
# <!-- /spoiler --> (the solution notes, the answers to its questions).

# lab_handout_files(<out>): the repository's files, relative to RT_ROOT.
function(lab_handout_files out)
  find_program(lab_git git)
  if(lab_git AND EXISTS "${RT_ROOT}/.git")
    execute_process(COMMAND "${lab_git}" ls-files --cached --others --exclude-standard
                    WORKING_DIRECTORY "${RT_ROOT}" RESULT_VARIABLE status OUTPUT_VARIABLE text
                    ERROR_VARIABLE err)
    if(NOT status EQUAL 0)
      message(FATAL_ERROR "handout: git ls-files failed: ${err}")
    endif()
    string(REPLACE "\n" ";" files "${text}")
  else()
    file(GLOB_RECURSE files RELATIVE "${RT_ROOT}" "${RT_ROOT}/*")
  endif()
  list(FILTER files EXCLUDE REGEX "^(labs-work|labs-hidden|build|\\.git|\\.cache)(/|$)")
  list(FILTER files EXCLUDE REGEX "^$")
  list(REMOVE_DUPLICATES files)
  set(${out} ${files} PARENT_SCOPE)
endfunction()

# lab_handout_strip_spoilers(<file>): removes every <!-- spoiler --> ... <!-- /spoiler -->.
function(lab_handout_strip_spoilers path)
  file(READ "${path}" text)
  set(result "")
  while(TRUE)
    string(FIND "${text}" "<!-- spoiler -->" begin)
    if(begin EQUAL -1)
      break()
    endif()
    string(FIND "${text}" "<!-- /spoiler -->" end)
    if(end LESS begin)
      message(FATAL_ERROR "handout: ${path} has a <!-- spoiler --> without its end")
    endif()
    string(SUBSTRING "${text}" 0 ${begin} before)
    math(EXPR after "${end} + 17")  # the length of <!-- /spoiler -->
    string(SUBSTRING "${text}" ${after} -1 text)
    string(APPEND result "${before}(Left out of the students' copy: your instructor has it.)")
  endwhile()
  file(WRITE "${path}" "${result}${text}")
endfunction()

function(lab_handout destination)
  lab_handout_files(files)
  foreach(relative IN LISTS files)
    if(NOT EXISTS "${RT_ROOT}/${relative}" OR IS_DIRECTORY "${RT_ROOT}/${relative}")
      continue()  # deleted in the working tree, or a submodule
    endif()
    get_filename_component(folder "${destination}/${relative}" DIRECTORY)
    file(MAKE_DIRECTORY "${folder}")
    file(COPY_FILE "${RT_ROOT}/${relative}" "${destination}/${relative}")
  endforeach()
  set(done "")
  foreach(id IN LISTS ARGN)
    rt_lab_read("${manifest_of_${id}}" "${platform}")
    file(RELATIVE_PATH lab_folder "${RT_ROOT}" "${LAB_DIR}")
    if(LAB_KIND STREQUAL "code")
      file(RELATIVE_PATH chapter "${RT_ROOT}" "${LAB_CHAPTER_DIR}")
      foreach(reference IN LISTS LAB_HANDOUT_REPLACES)
        file(COPY_FILE "${LAB_DIR}/${LAB_STUB}" "${destination}/${chapter}/${reference}")
        list(APPEND done "${id}: ${chapter}/${reference} is the stub")
      endforeach()
    else()
      file(REMOVE "${destination}/${lab_folder}/${LAB_REFERENCE}")
      list(APPEND done "${id}: no reference results")
    endif()
    lab_handout_strip_spoilers("${destination}/${lab_folder}/README.md")
  endforeach()
  list(LENGTH files count)
  list(JOIN done "\n  " done)
  message("handout: ${count} files in ${destination}\n  ${done}\n"
          "Hidden tests stay with you: grade students' work with --hidden <your folder>.")
endfunction()
