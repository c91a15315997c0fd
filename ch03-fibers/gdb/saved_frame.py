# What chapter 3's and chapter 6's gdb commands share (Linux x86-64): reading the frame that
# rt_switch_context saved on a suspended fiber's stack, and printing a backtrace from it.
#
# A suspended fiber's registers are not in any thread: rt_switch_context saved them on the
# fiber's own stack (src/asm/x86_64_sysv.S). backtrace() reads them from there, at the
# offsets of the same layout header the assembly includes (src/asm/x86_64_sysv_layout.h,
# parsed below, so the script cannot drift from the asm), loads them into the thread's
# registers for the length of one `bt`, then puts the thread's own registers back.
import os
import re

import gdb

_HERE = os.path.dirname(os.path.abspath(__file__))
_LAYOUT = os.path.join(_HERE, "..", "src", "asm", "x86_64_sysv_layout.h")
_CALLEE_SAVED = ("rbx", "rbp", "r12", "r13", "r14", "r15")


def _layout():
    offsets = {}
    with open(_LAYOUT) as header:
        for line in header:
            match = re.match(r"#define RT_FRAME_([A-Z0-9_]+) (0x[0-9A-Fa-f]+)", line)
            if match:
                offsets[match.group(1).lower()] = int(match.group(2), 16)
    return offsets


def require_type(type_name, message):
    """Stops the command with one clear line if the program has no `type_name`.

    The commands read the runtime's fields by name, which only debug information provides:
    a release build has none, and every lookup would fail with a Python exception that says
    nothing about why.
    """
    try:
        return gdb.lookup_type(type_name)
    except gdb.error:
        raise gdb.GdbError(message)


def std_string(value):
    """A std::string (libstdc++) as a Python str."""
    return value["_M_dataplus"]["_M_p"].string()


class FiberPrefix(gdb.Command):
    """Fiber commands: `fiber bt N` prints a backtrace of fiber N (see `info fibers`)."""

    def __init__(self):
        super().__init__("fiber", gdb.COMMAND_STACK, prefix=True)


def backtrace(saved):
    """Prints the backtrace of the fiber whose frame rt_switch_context saved at `saved`."""
    layout = _layout()
    word = gdb.lookup_type("unsigned long").pointer()

    def load(offset):
        return int(gdb.Value(saved + offset).cast(word).dereference())

    frame = gdb.selected_frame()
    own = {name: int(frame.read_register(name)) for name in _CALLEE_SAVED + ("rsp", "rip")}
    try:
        for name in _CALLEE_SAVED:
            gdb.execute("set $%s = %d" % (name, load(layout[name])), to_string=True)
        # As the switch's pop and jmp would: pc = the return address, sp just above it.
        gdb.execute("set $rip = %d" % load(layout["return"]), to_string=True)
        gdb.execute("set $rsp = %d" % (saved + layout["return"] + 8), to_string=True)
        gdb.execute("bt")
    finally:
        for name, value in own.items():
            gdb.execute("set $%s = %d" % (name, value), to_string=True)
        gdb.execute("select-frame 0", to_string=True)
