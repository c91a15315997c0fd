// How much memory this process really uses, as the OS counts it. Used to measure the cost
// of threads (chapter 1) and fibers (chapter 3): the difference between what a stack
// *reserves* (address space) and what it makes *resident* (pages actually touched).
#pragma once

#include <cstddef>
#include <optional>

namespace rt {

// The VM page size (4 KiB on x86-64; 4 or 16 KiB on ARM64, 16 KiB on Apple silicon).
std::size_t page_size();

// This process's resident set: pages in RAM now (Linux /proc/self/statm, macOS task_info,
// Windows working set). nullopt where the OS gives no answer.
std::optional<std::size_t> resident_bytes();

// Linux only (nullopt elsewhere): the kernel stacks of every thread on the machine
// (/proc/meminfo KernelStack). A thread costs kernel memory that no process's resident set
// shows; the change of this figure across a spawn, on an otherwise idle machine, shows it.
std::optional<std::size_t> system_kernel_stack_bytes();

}  // namespace rt
