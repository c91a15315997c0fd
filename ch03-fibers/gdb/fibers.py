# gdb commands for chapter 3's fibers (Linux x86-64):
#
#   (gdb) source ch03-fibers/gdb/fibers.py
#   (gdb) info fibers          the current thread's Scheduler: every fiber, its state, name
#   (gdb) fiber bt N           a backtrace of fiber N (a number from `info fibers`)
#
# `fiber bt` reads the registers rt_switch_context saved on the fiber's stack (saved_frame.py,
# which chapter 6's gdb/sched.py uses too).
import os
import sys

import gdb

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import saved_frame  # noqa: E402 (found through the line above)

_SCHEDULER = "'rt::fiber::(anonymous namespace)::this_thread_scheduler'"
_NO_DEBUG_INFO = ("fibers.py: no debug information for rt::fiber (build with the default "
                  "preset: build/default/bin/ch03-fibers)")


def _scheduler():
    saved_frame.require_type("rt::fiber::Fiber", _NO_DEBUG_INFO)
    scheduler = gdb.parse_and_eval(_SCHEDULER)
    if int(scheduler) == 0:
        raise gdb.GdbError("this thread has no rt::fiber::Scheduler")
    return scheduler.dereference()


def _fibers(scheduler):
    """The Scheduler's fibers_ (a std::vector<std::unique_ptr<Fiber>>), as Fiber values."""
    vector = scheduler["fibers_"]["_M_impl"]
    begin, end = vector["_M_start"], vector["_M_finish"]
    fiber_pointer = gdb.lookup_type("rt::fiber::Fiber").pointer()
    count = int(end - begin)
    # A unique_ptr with the default deleter is one pointer: read it as such.
    slots = begin.cast(fiber_pointer.pointer())
    return [slots[i].dereference() for i in range(count)]


def _name(fiber):
    return saved_frame.std_string(fiber["name_"])


def _state(fiber):
    return str(fiber["state_"]).split("::")[-1]


class InfoFibers(gdb.Command):
    """List the fibers of the current thread's rt::fiber::Scheduler."""

    def __init__(self):
        super().__init__("info fibers", gdb.COMMAND_STATUS)

    def invoke(self, argument, from_tty):
        scheduler = _scheduler()
        running = int(scheduler["running_"])
        print("  Id  State     Stack      Saved sp            Name")
        for index, fiber in enumerate(_fibers(scheduler)):
            size = int(fiber["stack_"]["usable_size_"]) // 1024
            saved = int(fiber["context_"]["stack_pointer"])
            mark = "*" if int(fiber.address) == running else " "
            print("%s %3d  %-8s  %4d KiB   %-18s  %s"
                  % (mark, index, _state(fiber), size, hex(saved) if saved else "(running)",
                     _name(fiber)))


class FiberBacktrace(gdb.Command):
    """Backtrace of a suspended fiber, from the registers saved on its stack."""

    def __init__(self):
        super().__init__("fiber bt", gdb.COMMAND_STACK)

    def invoke(self, argument, from_tty):
        fibers = _fibers(_scheduler())
        try:
            fiber = fibers[int(argument)]
        except (ValueError, IndexError):
            raise gdb.GdbError("usage: fiber bt N, with N from `info fibers` (0..%d)"
                               % (len(fibers) - 1))
        saved = int(fiber["context_"]["stack_pointer"])
        if saved == 0:
            raise gdb.GdbError("fiber %s is running: use plain `bt`" % argument)
        print('fiber %s "%s" (%s), from the frame saved at %s:'
              % (argument, _name(fiber), _state(fiber), hex(saved)))
        saved_frame.backtrace(saved)


InfoFibers()
saved_frame.FiberPrefix()
FiberBacktrace()
