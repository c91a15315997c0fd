# Lab ch02-raw-write: the manifest (docs/TEACHING.md, "A lab's manifest").
set(LAB_TITLE "write(2) without the C library: the raw system call")
set(LAB_LEVEL core)
set(LAB_KIND code)
set(LAB_HOURS 2)
set(LAB_PLATFORMS "^Linux-(x86_64|aarch64)$")  # macOS has no stable syscall ABI to teach on
set(LAB_LIBRARY rt_poll)
# One file per CPU, chosen as the chapter's CMakeLists.txt chooses it; one stub for both.
if(LAB_PLATFORM MATCHES "aarch64$")
  set(LAB_REPLACES src/raw_syscall_linux_aarch64.cpp)
else()
  set(LAB_REPLACES src/raw_syscall_linux_x86_64.cpp)
endif()
set(LAB_STUB raw_syscall_stub.cpp)
set(LAB_HANDOUT_REPLACES src/raw_syscall_linux_x86_64.cpp src/raw_syscall_linux_aarch64.cpp)
set(LAB_TEST_SOURCES tests/raw_syscall_test.cpp)
set(LAB_TEST_LIBS rt_poll)
# <gtest filter>=<points>
set(LAB_GRADED
  "RawSyscall.BytesWrittenByTheInstructionArriveThroughAPipe=4"
  "RawSyscall.AClosedDescriptorGivesMinusEBADF=2"
  "RawSyscall.AClosedReaderGivesMinusEPIPE=2"
  "RawSyscall.ConventionNamesTheInstruction=1")
