/* Chapter 6's monitor, asleep while every worker is idle (Go's sysmonwait).

   The code: src/monitor.cpp, RuntimeImpl::sleep_while_all_idle (the monitor) and wake_monitor
   (a worker, from Worker::find_runnable right after Worker::sleep returns); `idle` is
   RuntimeImpl::idle, which a worker raises as it joins the idle list and which goes down when
   it leaves it: popped by a waker (wakep), or on its own (a timer's deadline, a re-check that
   found work). WORKERS workers each go idle and come back ROUNDS times, then run a fiber for
   good; a waker process pops idle workers, any number of times.

   Checked, when no process can move any more (timeout): the monitor is not asleep while a
   worker runs (it would then neither preempt nor hand off for as long as that lasts).
   With -DSTOP the workers end idle instead (a runtime whose fibers are all done), and once
   the monitor sleeps for that, the stop comes (src/lifecycle.cpp, stop_helpers): the monitor
   must end (one asleep for good is an invalid end state). A stop while the monitor is in a
   round is a store and a wake on the word of its timed wait, and is not modelled.
   The model is sequentially consistent; the code's two store_load_fences make it so where it
   matters (each side's store, then its load of the other's word). */

#ifndef WORKERS
#define WORKERS 2
#endif
#ifndef ROUNDS
#define ROUNDS 2
#endif

byte idle;                  /* RuntimeImpl::idle */
bit on_list[WORKERS];
bit woken[WORKERS];         /* each worker's wake word */
bit running[WORKERS];
bit monitor_sleeping;       /* RuntimeImpl::monitor_sleeping */
bit monitor_wake;           /* RuntimeImpl::monitor_wake */
bit asleep;                 /* the monitor is inside its sleep */
bit monitor_stop;           /* RuntimeImpl::monitor_stop */
bit checked;                /* the quiescent state was checked: the stop may come */

inline hook() {
#ifdef MUTANT_NO_HOOK
  skip
#else
  /* wake_monitor: fence, load, exchange; then the release store and the wake */
  atomic {
    if
    :: monitor_sleeping -> monitor_sleeping = 0; monitor_wake = 1
    :: else -> skip
    fi
  }
#endif
}

proctype worker(byte me) {
  byte round = 0;
  do
  :: round < ROUNDS ->
     round++;
     running[me] = 0;
     atomic { idle++; on_list[me] = 1 };  /* sleep(): join the idle list */
     if
     :: atomic { woken[me] -> woken[me] = 0 }  /* popped by a waker, which took it off */
#ifdef MUTANT_HOOK_BEFORE_LEAVING
     :: atomic { on_list[me] -> skip }; hook(); atomic { on_list[me] -> on_list[me] = 0; idle-- }; goto working
#else
     :: atomic { on_list[me] -> on_list[me] = 0; idle-- }  /* leaves on its own */
#endif
     fi;
     hook();
working:
     running[me] = 1  /* runs fibers: the monitor must be awake */
  :: round == ROUNDS -> break
  od;
#ifdef STOP
  atomic { running[me] = 0; idle++; on_list[me] = 1 }  /* its fibers are done: idle for good */
#endif
  skip  /* else it runs on for good */
}

proctype waker() {
  byte i;
  do
  :: i = 0;
     do
     :: i < WORKERS -> atomic { if :: on_list[i] -> on_list[i] = 0; idle--; woken[i] = 1 :: else -> skip fi }; i++
     :: i == WORKERS -> break
     od
  :: break
  od
}

proctype monitor() {
  do
  :: monitor_stop -> break
  :: !monitor_stop && idle == WORKERS ->
#ifdef MUTANT_MONITOR_LOOKS_FIRST
     monitor_sleeping = 1;
     asleep = 1;
     atomic { monitor_wake -> monitor_wake = 0 };
     asleep = 0;
     monitor_sleeping = 0
#else
     monitor_sleeping = 1;
     if
     :: idle != WORKERS -> monitor_sleeping = 0
     :: else ->
        asleep = 1;
        atomic { monitor_wake -> monitor_wake = 0 };
        asleep = 0;
        monitor_sleeping = 0
     fi
#endif
  :: !monitor_stop && idle != WORKERS -> skip  /* a round: samples, requests, handoffs */
  od
}

/* stop_helpers: the stop word, then the wake (MUTANT_STOP_WAKES_FIRST: the other order, the
   code's first version, which hung a test: the monitor takes the wake, goes round once more
   and sleeps for good) */
proctype stopper() {
  checked;
#ifdef MUTANT_STOP_WAKES_FIRST
  monitor_wake = 1;
  monitor_stop = 1
#else
  monitor_stop = 1;
  monitor_wake = 1
#endif
}

proctype check() {
  byte i;
  timeout ->
  i = 0;
  do
  :: i < WORKERS -> assert(!(asleep && running[i])); i++
  :: i == WORKERS -> break
  od;
  checked = 1
}

init {
  byte i;
  atomic {
    i = 0;
    do
    :: i < WORKERS -> running[i] = 1; run worker(i); i++
    :: i == WORKERS -> break
    od;
    run waker();
    run monitor();
#ifdef STOP
    run stopper();
#endif
    run check()
  }
}
