// What a lab's stub calls in place of the mechanism the student writes (docs/TEACHING.md).
//
// A stub compiles and links, so the rest of the chapter builds and its demos run; where the
// missing mechanism is called, the process stops with one line that names the lab's README,
// instead of a wrong answer or a hang that the student would have to debug first.
#pragma once

namespace rt {

// Prints "not implemented: see <readme> (<what>)" to stderr and aborts. Aborting, not
// throwing: a stub may be called on a new thread, from assembly or from a noexcept
// function, where an exception would end in std::terminate with a less helpful message.
// The grader runs each graded test in its own process, so one abort fails only its row.
[[noreturn]] void lab_not_implemented(const char* readme, const char* what) noexcept;

}  // namespace rt

// The same for assembly stubs, which cannot call a C++ name: `readme` only.
extern "C" [[noreturn]] void rt_lab_not_implemented(const char* readme) noexcept;
