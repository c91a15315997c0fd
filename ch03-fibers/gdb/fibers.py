# gdb commands for chapter 3's fibers (Linux x86-64):
#
#   (gdb) source ch03-fibers/gdb/fibers.py
#   (gdb) info fibers          the current thread's Scheduler: every fiber, its state, name
#   (gdb) fiber bt N           a backtrace of fiber N (a number from `info fibers`)
#
# A suspended fiber's registers are not in any thread: rt_switch_context saved them on the
# fiber's own stack (src/asm/x86_64_sysv.S). `fiber bt` reads them from there, at the
# offsets of the same layout header the assembly includes (src/asm/x86_64_sysv_layout.h,
# parsed below, so the script cannot drift from the asm), loads them into the thread's
# registers for the length of one `bt`, then puts the thread's own registers back.
import os
import re

import gdb

_HERE = os.path.dirname(os.path.abspath(__file__))
_LAYOUT = os.path.join(_HERE, "..", "src", "asm", "x86_64_sysv_layout.h")
_SCHEDULER = "'rt::fiber::(anonymous namespace)::this_thread_scheduler'"


def _layout():
    offsets = {}
    with open(_LAYOUT) as header:
        for line in header:
            match = re.match(r"#define RT_FRAME_([A-Z0-9_]+) (0x[0-9A-Fa-f]+)", line)
            if match:
                offsets[match.group(1).lower()] = int(match.group(2), 16)
    return offsets


_NO_DEBUG_INFO = ("fibers.py: no debug information for rt::fiber (build with the default "
                  "preset: build/default/bin/ch03-fibers)")


def _require_debug_info():
    """Stops the command with one clear line if the program has no rt::fiber types.

    The commands read the Scheduler's and the Fibers' fields by name, which only debug
    information provides: a release build has none, and every lookup below would fail with
    a Python exception that says nothing about why.
    """
    try:
        gdb.lookup_type("rt::fiber::Fiber")
    except gdb.error:
        raise gdb.GdbError(_NO_DEBUG_INFO)


def _scheduler():
    _require_debug_info()
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
    return fiber["name_"]["_M_dataplus"]["_M_p"].string()


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


class Fiber(gdb.Command):
    """Fiber commands: `fiber bt N` prints a backtrace of fiber N (see `info fibers`)."""

    def __init__(self):
        super().__init__("fiber", gdb.COMMAND_STACK, prefix=True)


class FiberBacktrace(gdb.Command):
    """Backtrace of a suspended fiber, from the registers saved on its stack."""

    REGISTERS = ("rbx", "rbp", "r12", "r13", "r14", "r15")

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
        layout = _layout()
        word = gdb.lookup_type("unsigned long").pointer()

        def load(offset):
            return int(gdb.Value(saved + offset).cast(word).dereference())

        frame = gdb.selected_frame()
        own = {name: int(frame.read_register(name)) for name in self.REGISTERS + ("rsp", "rip")}
        print('fiber %s "%s" (%s), from the frame saved at %s:'
              % (argument, _name(fiber), _state(fiber), hex(saved)))
        try:
            for name in self.REGISTERS:
                gdb.execute("set $%s = %d" % (name, load(layout[name])), to_string=True)
            # As the switch's pop and jmp would: pc = the return address, sp just above it.
            gdb.execute("set $rip = %d" % load(layout["return"]), to_string=True)
            gdb.execute("set $rsp = %d" % (saved + layout["return"] + 8), to_string=True)
            gdb.execute("bt")
        finally:
            for name, value in own.items():
                gdb.execute("set $%s = %d" % (name, value), to_string=True)
            gdb.execute("select-frame 0", to_string=True)


InfoFibers()
Fiber()
FiberBacktrace()
