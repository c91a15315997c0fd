# gdb commands for chapter 6's M:N fibers (Linux x86-64), as Go's runtime-gdb.py does for
# goroutines:
#
#   (gdb) source ch06-scheduler/gdb/sched.py
#   (gdb) info fibers          every live fiber of every Runtime: id, state, worker, name
#   (gdb) fiber bt N           a backtrace of the fiber whose id is N
#
# Where they look: rt::sched::detail::runtimes lists every Runtime alive; each keeps its live
# fibers in one list per worker and one for fibers spawned off the workers (FiberList in
# src/runtime_impl.hpp, Go's allgs). A fiber that is not running has its registers saved on its
# own stack, where chapter 3's saved_frame.py reads them; a running one is on a worker thread,
# whose gdb thread the listing names. The lists are read without their mutexes (the program is
# stopped): a thread stopped inside a spawn or a finish may leave one half updated.
import os
import sys

import gdb

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "ch03-fibers", "gdb"))
import saved_frame  # noqa: E402 (chapter 3's, found through the line above)

_NO_DEBUG_INFO = ("sched.py: no debug information for rt::sched (build with the default "
                  "preset: build/default/bin/ch06-scheduler)")


def _vector(value):
    """The elements of a std::vector (libstdc++) as gdb values."""
    impl = value["_M_impl"]
    begin, end = impl["_M_start"], impl["_M_finish"]
    return [begin[i] for i in range(int(end - begin))]


def _owned(vector, type_name):
    """The objects of a std::vector<std::unique_ptr<T>>, as T values."""
    pointer = gdb.lookup_type(type_name).pointer()
    # A unique_ptr with the default deleter is one pointer: read it as such.
    return [slot.address.cast(pointer.pointer()).dereference().dereference()
            for slot in _vector(vector)]


def _list(fiber_list):
    fiber = fiber_list["head"]
    while int(fiber) != 0:
        yield fiber.dereference()
        fiber = fiber["list_next"]


def _runtimes():
    saved_frame.require_type("rt::sched::Fiber", _NO_DEBUG_INFO)
    runtime = gdb.parse_and_eval("rt::sched::detail::runtimes")
    while int(runtime) != 0:
        yield runtime.dereference()
        runtime = runtime["next_runtime"]


def _threads_by_lwp():
    """gdb's thread number of each OS thread, by its id (ptid's LWP)."""
    return {thread.ptid[1]: thread.num for thread in gdb.selected_inferior().threads()}


class _Entry:
    """One fiber, with what `info fibers` and `fiber bt` say about it."""

    def __init__(self, fiber, machine, threads, machines):
        self.fiber = fiber
        self.id = int(fiber["id"])
        self.name = saved_frame.std_string(fiber["name_"])
        self.state = str(fiber["state"]["_M_i"]).split("::")[-1]
        self.saved = int(fiber["context"]["stack_pointer"])
        self.running = machine is not None
        self.blocking = self.running and int(machine["blocked_from"]) != 0
        self.worker = int(fiber["last_worker"])
        self.thread = threads.get(int(machine["os_thread_id"])) if self.running else None
        # Locked to a thread (lock_os_thread, ThreadLocker): that machine's gdb thread.
        locked_to = machines.get(int(fiber["locked_to"]))
        self.locked_thread = (threads.get(int(locked_to["os_thread_id"]))
                              if locked_to is not None else None)


def _entries():
    threads = _threads_by_lwp()
    entries = []
    for runtime in _runtimes():
        workers = _owned(runtime["workers"], "rt::sched::detail::Worker")
        machines = _owned(runtime["machines"], "rt::sched::detail::Machine")
        # A fiber runs on a machine (an OS thread), with a worker or, inside a blocking
        # region, without one: the machine is where its registers are.
        running = {int(m["running"]): m for m in machines if int(m["running"]) != 0}
        by_address = {int(m.address): m for m in machines}
        lists = [runtime["outside_fibers"]] + [w["fibers"] for w in workers]
        for fiber_list in lists:
            for fiber in _list(fiber_list):
                entries.append(
                    _Entry(fiber, running.get(int(fiber.address)), threads, by_address))
    return sorted(entries, key=lambda entry: entry.id)


class InfoFibers(gdb.Command):
    """List every live fiber of every rt::sched::Runtime: id, state, worker, saved sp, name.

    Worker: the one running it now ("now", with its gdb thread), or the one that ran it last.
    A fiber locked to a thread (lock_os_thread, ThreadLocker) says which, after its name.
    """

    def __init__(self):
        super().__init__("info fibers", gdb.COMMAND_STATUS)

    def invoke(self, argument, from_tty):
        print("   Id  State           Worker                  Saved sp            Name")
        for entry in _entries():
            if entry.blocking:
                where = "blocking (thread %s)" % entry.thread
            elif entry.running:
                where = "%d now (thread %s)" % (entry.worker, entry.thread)
            elif entry.worker >= 0:
                where = "%d last" % entry.worker
            else:
                where = "none yet"
            locked = ("  [locked to thread %s]" % entry.locked_thread
                      if entry.locked_thread is not None else "")
            print("%s %4d  %-14s  %-22s  %-18s  %s%s"
                  % ("*" if entry.running else " ", entry.id, entry.state, where,
                     "(on its worker)" if entry.running else hex(entry.saved), entry.name,
                     locked))


class FiberBacktrace(gdb.Command):
    """Backtrace of a fiber that is not running, from the registers saved on its stack."""

    def __init__(self):
        super().__init__("fiber bt", gdb.COMMAND_STACK)

    def invoke(self, argument, from_tty):
        entries = _entries()
        try:
            wanted = int(argument)
            entry = next(e for e in entries if e.id == wanted)
        except (ValueError, StopIteration):
            raise gdb.GdbError("usage: fiber bt N, with N an id from `info fibers` (%s)"
                               % ", ".join(str(e.id) for e in entries))
        if entry.running:
            where = ("inside a blocking region" if entry.blocking
                     else "running on worker %d" % entry.worker)
            raise gdb.GdbError("fiber %d is %s: `thread %s`, then `bt`"
                               % (entry.id, where, entry.thread))
        if entry.saved == 0:
            raise gdb.GdbError("fiber %d has no saved frame" % entry.id)
        print('fiber %d "%s" (%s), from the frame saved at %s:'
              % (entry.id, entry.name, entry.state, hex(entry.saved)))
        saved_frame.backtrace(entry.saved)


InfoFibers()
saved_frame.FiberPrefix()
FiberBacktrace()
