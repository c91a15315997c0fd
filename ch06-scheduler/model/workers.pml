/* workers.pml: how chapter 6's workers go to sleep and are woken, as a Promela model that
 * spin checks exhaustively (every interleaving of the processes below). The code is
 * src/machine.cpp: Machine::run; src/worker.cpp: find_runnable, sleep, wait_for_wake,
 * stop_spinning;
 * src/runtime.cpp: RuntimeImpl::make_ready, wakep, global_push, any_work_queued.
 *
 * What is modelled. WORKERS workers, each with a local queue; the global queue; the idle
 * list; `nspinning` (RuntimeImpl::spinning) and each worker's own `spinning` flag; each
 * worker's wake word, on which it sleeps in the OS address wait (the wait returns when the
 * word is not 0; a waker stores 1, then wakes). Fibers are counts: a queue is the number of
 * fibers in it (a local queue is its ring and its runnext together: a thief may take either,
 * as with the default RunnextSteal::last_pass). Work comes from
 *   - an outside thread (OUTSIDE fibers): global_push under the lock, then wakep;
 *   - worker 0, with -DLOCAL=n: it runs a fiber that readies n fibers into its own queue
 *     (each: the push, then wakep) and then runs for good (a long computation: it never
 *     looks at its queue again here), so another worker must steal them;
 *   - the fibers themselves: a fiber that runs may ready one more into its worker's queue
 *     (SPAWNS of them in all).
 * A worker that takes a fiber runs it and looks for work again; with -DLONG_FIBERS a fiber
 * may also run for good.
 *
 * The protocol, as the code has it now. The two rules marked (*) were added after spin found a
 * lost wakeup in the first version of the code without each (the mutants
 * MUTANT_FLAG_OUTSIDE_LOCK and MUTANT_NO_NEED_SPINNING; -DBEFORE_THE_FIX is both;
 * model/README.md has the trails).
 *   readier: publish the fiber; seq_cst fence; wakep: if nspinning != 0, return (that
 *     spinner looks again before it sleeps); CAS nspinning 0 -> 1, else return; under the
 *     lock pop the idle list's head W and set W.spinning; if the list was empty (*) set
 *     need_spinning and give the 1 back, still under the lock; else W.wake_word := 1, wake W.
 *     (The first version also returned at once if `idle` was 0, and gave the 1 back after
 *     the unlock, with no need_spinning.)
 *   find_runnable: own queue; the global queue (a batch); if spinning, or fewer than
 *     MAX_SPINNING spin, become a spinner (nspinning++; need_spinning := false) and steal
 *     half of a victim's queue; else, or if that found nothing, sleep().
 *   sleep(): under the lock: take from the global queue if it has work; else (*) if not
 *     spinning and need_spinning is set, clear it, become a spinner and look again; else
 *     join the idle list and (*) take the `spinning` flag down. After the unlock: if it was
 *     spinning, nspinning--. Fence. If it was spinning and any queue has work: under the
 *     lock leave the idle list; if it was still on it, spin again and look again; if not (a
 *     waker popped it), take that wake and look again. Otherwise wait_for_wake: until an
 *     exchange(wake_word, 0) returns 1, the address wait; then leave the idle list (under
 *     the lock) if still on it, and look again. (The first version read and cleared the flag
 *     after the unlock.)
 *   run(): a worker that found work while spinning stops spinning first (stop_spinning:
 *     flag := false, nspinning--, wakep), since it was perhaps the only one looking.
 * need_spinning is Go's (runtime/proc.go: wakep, pidlegetSpinning, sched.needspinning, the
 * "Delicate dance" comment in findRunnable; golang/go#43997). The flag has no such rule in
 * Go, where an M and its P are separate: the M a waker starts is never a spinning one.
 *
 * The lock. Each critical section is one atomic step (d_step). That is exact here: what a
 * section writes and others read without the lock (`idle`, read by the first version's wakep;
 * a worker's `spinning`, read by the worker after the unlock in the first version) is one variable
 * per reader, so a reader sees the section whole or not at all, as between two writes.
 *
 * Memory order. Promela interleaves whole statements: the model is sequentially consistent.
 * The code gets that where it matters from its two store-load fences (wakep's, after the
 * publish; sleep's, after the decrement): Dekker's shape, as in chapter 5. The mutants
 * MUTANT_WAKE_BEFORE_PUBLISH and MUTANT_RECHECK_BEFORE_DECREMENT are what each side does
 * without its fence.
 *
 * What spin checks (the Monitor): when no process can move any more, no worker sleeps in
 * the address wait while a fiber is queued (a lost wakeup: it sleeps beside work nobody
 * will take; the other workers run for good, or sleep too), nobody is left counted in
 * nspinning, and the idle list holds exactly the sleepers. tools/check-model.sh also runs
 * the mutants (MUTANT_*), each a real bug, and requires spin to catch every one.
 *
 * The netpoller (-DNET=n; src/netpoll.cpp; src/worker_netpoll.cpp: wait_in_poller, poll_network, queue_polled;
 * RuntimeImpl::wake_worker). n fibers start parked on I/O (io_waiting); a Network process
 * makes their events arrive in the kernel queue (io_ready), one at a time, at any moment. A
 * poll takes every event there and queues their fibers on the poller's worker (the first
 * runs there; with two or more it calls wakep). One worker polls at a time (`polling`, a
 * try-lock). Who polls:
 *   - find_runnable, after the global queue: a poll that does not block, if io_waiting > 0;
 *   - sleep(), instead of the address wait, if io_waiting > 0: in_poller := true; fence;
 *     sleep_in_poll: the try-lock; if a quick poll holds it, poll_wanted := true, fence, try
 *     again; on failure the address wait as before. Holding the lock, it reads its wake word:
 *     1 makes the wait a poll that does not block. (The first version read the word before
 *     the lock: a wake sent in between could be reported to the poll before ours, which
 *     consumed it, and ours then blocked with the word at 1. This model found it.) The wait returns when an event or the Poller's wake
 *     (poll_wake, sticky until a poll reports it) is there. Then: in_poller := false, the
 *     word cleared, off the idle list, the fibers queued.
 *   - the end of every poll: polling := false; fence; if poll_wanted, clear it and wakep.
 *   wake_worker(W): W.wake_word := 1; fence; if W.in_poller, the Poller's wake, else the
 *     address wake.
 * Mutants: MUTANT_NO_POLLER_SLEEP (sleepers never sleep in the poller), MUTANT_ADDRESS_WAKE_ONLY
 * (wake_worker ignores in_poller), MUTANT_NO_WORD_LOOK (the sleeper does not look at its word
 * in the poll), MUTANT_WORD_BEFORE_LOCK (it looks before it holds the poll: the first
 * version), MUTANT_NO_POLL_WANTED (a sleeper that found a quick poll in its way just sleeps on
 * its word).
 *
 * Not modelled: timers (the watcher's timed sleep, add_timer's wake: such a wake leaves
 * its worker on the idle list, and wait_for_wake's removal of itself is modelled),
 * `stopping`, the look at the global queue every 61 schedules (one more look), the four
 * steal passes and their random order (one pass, in index order: fewer chances to find
 * work, so no weaker a check), the knobs that turn stealing off (then only the owner runs
 * its queue), a full ring spilling half of itself to the global queue.
 */

#ifndef WORKERS
#define WORKERS 2
#endif
#ifndef MAX_SPINNING
#define MAX_SPINNING 1         /* the default, max(1, WORKERS / 2), for 2 and 3 workers */
#endif
#ifndef OUTSIDE
#define OUTSIDE 2              /* fibers an outside thread readies (into the global queue) */
#endif
#ifndef LOCAL
#define LOCAL 0                /* fibers worker 0 readies into its own queue; then it is busy */
#endif
#ifndef SPAWNS
#define SPAWNS 0               /* fibers that running fibers may ready */
#endif
#ifndef NET
#define NET 0                  /* fibers parked on I/O at the start (the netpoller) */
#endif
#ifdef BEFORE_THE_FIX
#define MUTANT_FLAG_OUTSIDE_LOCK
#define MUTANT_NO_NEED_SPINNING
#endif

#define NONE 255
#define BIG_BATCH 128          /* sleep()'s global_take_locked: up to half the ring */

byte global_q = 0;             /* fibers in the global queue (global_size) */
byte local_q[WORKERS];         /* fibers in each worker's queue (ring and runnext) */
byte nspinning = 0;            /* RuntimeImpl::spinning */
bool spinning[WORKERS];        /* Worker::spinning */
byte idle = 0;                 /* RuntimeImpl::idle: the idle list's length */
byte idle_list[WORKERS];       /* the list, oldest first: idle_list[idle - 1] is idle_head */
bool on_idle[WORKERS];         /* Worker::on_idle_list */
bool wake_word[WORKERS];       /* Worker::wake_word */
bool need_spinning = false;    /* Go's sched.needspinning (under the lock, or cleared) */
byte sleeping = 0;             /* workers blocked in the address wait */
byte spawns = SPAWNS;
byte io_waiting = NET;         /* NetPoller::io_waiters_: fibers parked on I/O */
byte io_ready = 0;             /* their events in the kernel queue, not yet polled */
bool polling = false;          /* NetPoller::polling_ */
bool holder_blocks = false;    /* NetPoller::holder_blocks_ */
bool poll_wanted = false;      /* NetPoller::poll_wanted_ */
bool poll_wake = false;        /* the Poller's wake: sticky until a poll reports it */
bool in_poller[WORKERS];       /* Worker::in_poller */
byte poll_sleeping = 0;        /* workers blocked in a poll */
byte busy = 0;                 /* workers running a fiber for good */
byte k = 0;                    /* scratch, inside one d_step (0 again at its end) */
bool popped = false;           /* scratch, inside one d_step (false again at its end) */

#if WORKERS == 2
#define QUEUED (global_q + local_q[0] + local_q[1])
#elif WORKERS == 3
#define QUEUED (global_q + local_q[0] + local_q[1] + local_q[2])
#else
#error "WORKERS: 2 or 3"
#endif

/* remove_idle, under the lock: true if `w` was on the idle list (then it is not any more). */
inline remove_idle(w, removed) {
  if
  :: on_idle[w] ->
     k = 0;
     do
     :: idle_list[k] == w -> break
     :: else -> k++
     od;
     do
     :: k + 1 < idle -> idle_list[k] = idle_list[k + 1]; k++
     :: else -> break
     od;
     idle--; idle_list[idle] = 0; on_idle[w] = false; removed = true; k = 0
  :: else -> removed = false
  fi
}

/* global_take_locked: one fiber to run, and more into the taker's ring: size / WORKERS + 1
 * in all, at most `most`. */
inline global_take_locked(me, most, got) {
  if
  :: global_q > 0 ->
     k = global_q / WORKERS + 1;
     if :: k > global_q -> k = global_q :: else -> skip fi;
     if :: k > most -> k = most :: else -> skip fi;
     global_q = global_q - k; local_q[me] = local_q[me] + k - 1; got = true; k = 0
  :: else -> got = false
  fi
}

/* Go's becomeSpinning: a new spinner will look everywhere, so nobody else need start. */
#ifdef MUTANT_NO_NEED_SPINNING
#define BECOME_SPINNING spinning[me] = true; nspinning++
#else
#define BECOME_SPINNING spinning[me] = true; nspinning++; need_spinning = false
#endif

/* wakep, after the readier's publish and fence. MUTANT_NO_NEED_SPINNING (runtime.cpp
 * before the fix): it returns at once when `idle` reads 0, and when it finds the list empty it gives
 * its 1 back after the unlock, telling nobody. */
#ifdef MUTANT_NO_NEED_SPINNING
#define NOBODY_IDLE (idle == 0)
#define LIST_EMPTY skip
#define GIVE_BACK nspinning--
#else
#define NOBODY_IDLE false
#define LIST_EMPTY need_spinning = true; nspinning--   /* under the lock */
#define GIVE_BACK skip
#endif
inline wakep(w, ok) {
  if
  :: nspinning != 0 -> skip                      /* a spinner looks again before it sleeps */
  :: else ->
     if
     :: NOBODY_IDLE -> skip
     :: else ->
        d_step {                                 /* CAS nspinning 0 -> 1 */
          if
          :: nspinning == 0 -> nspinning = 1; ok = true
          :: else -> skip
          fi
        };
        if
        :: ok ->
           d_step {                              /* under the lock: pop idle_head */
             if
             :: idle > 0 -> w = idle_list[idle - 1]; remove_idle(w, popped); spinning[w] = true
             :: else -> w = NONE; LIST_EMPTY
             fi;
             popped = false
           };
           if
           :: w == NONE -> GIVE_BACK
           :: else ->                            /* wake_worker */
              wake_word[w] = true;               /* store 1; fence */
#ifndef MUTANT_ADDRESS_WAKE_ONLY
              if :: in_poller[w] -> poll_wake = true :: else -> skip fi  /* else wake_one */
#endif
           fi;
           w = 0; ok = false
        :: else -> skip
        fi
     fi
  fi
}

/* A readier publishes a fiber, then wakes a worker if need be. MUTANT_WAKE_BEFORE_PUBLISH:
 * wakep reads `nspinning` (and the rest) before the publish, as it may without its fence. */
#ifdef MUTANT_WAKE_BEFORE_PUBLISH
#define READY(publish, w, ok) wakep(w, ok); publish
#else
#define READY(publish, w, ok) publish; /* seq_cst fence */ wakep(w, ok)
#endif

/* sleep() joins the idle list, under the lock, and stops spinning if it was. The worker
 * takes its flag down under that lock, then gives its count back after the unlock; a waker
 * that pops it (and raises the flag, with its own 1) comes after, and finds the flag down.
 * MUTANT_FLAG_OUTSIDE_LOCK (runtime.cpp before the fix): the worker reads and clears its flag after
 * the unlock. A waker may pop it in between and raise the flag that is still up: the flag
 * then stands for two counts, the worker's and the waker's, and only one is given back. */
#ifdef MUTANT_FLAG_OUTSIDE_LOCK
#define JOIN_IDLE idle_list[idle] = me; idle++; on_idle[me] = true
#define STOP_SPINNING_IN_SLEEP \
  was_spinning = spinning[me];                   /* after the unlock: a waker may write it */ \
  if :: spinning[me] -> spinning[me] = false; nspinning-- :: else -> skip fi
#else
#define JOIN_IDLE idle_list[idle] = me; idle++; on_idle[me] = true; \
                  was_spinning = spinning[me]; spinning[me] = false
#define STOP_SPINNING_IN_SLEEP if :: was_spinning -> nspinning-- :: else -> skip fi
#endif

/* The end of a poll: the events taken (one step: they are the poller's alone), then the
 * try-lock let go, fence, and a waiting sleeper's request answered. */
inline end_poll(n, w, ok) {
  d_step { n = io_ready; io_ready = 0; io_waiting = io_waiting - n; poll_wake = false };
  d_step { holder_blocks = false; polling = false };
  /* fence */
  if
  :: poll_wanted -> poll_wanted = false; wakep(w, ok)
  :: else -> skip
  fi
}

/* queue_polled: the first fiber runs here (the caller goes to `found` if n > 0), the others
 * go to this worker's queue, then wakep if there were any. */
inline queue_polled(n, w, ok) {
  if
  :: n > 1 -> READY(local_q[me] = local_q[me] + n - 1, w, ok)
  :: else -> skip
  fi
}

/* any_work_queued: the global queue's size, then each local queue, one load at a time. */
inline any_work_queued(work, v) {
  work = (global_q > 0);
  do
  :: !work && v < WORKERS -> work = (local_q[v] > 0); v++
  :: else -> v = 0; break
  od
}

proctype Worker(byte me) {
  bool got = false, was_spinning = false, removed = false, work = false, ok = false;
  byte w = 0, v = 0, n = 0;
#if LOCAL > 0
  if
  :: me == 0 ->                                  /* runs a fiber that readies LOCAL fibers */
     do
     :: v < LOCAL -> READY(local_q[0]++, w, ok); v++
     :: else -> break
     od;
     goto for_good                               /* ... and then runs for good */
  :: else -> skip
  fi;
#endif

look:                                            /* find_runnable */
  got = false; was_spinning = false; removed = false; work = false; v = 0;
  /* 2. our own queue (1, the global queue every 61 schedules, is not modelled) */
  d_step {
    if
    :: local_q[me] > 0 -> local_q[me]--; got = true
    :: else -> skip
    fi
  };
  if :: got -> goto found :: else -> skip fi;
  /* 3. the global queue: a batch (its unlocked size check, then global_take under the
   * lock: one step here, since that check only decides whether to try) */
  d_step { global_take_locked(me, BIG_BATCH, got) };
  if :: got -> goto found :: else -> skip fi;
#if NET > 0
  /* 3b. the netpoller, without blocking, if fibers wait on I/O and nobody polls */
  if
  :: d_step { io_waiting > 0 && !polling -> polling = true; holder_blocks = false; got = true }
  :: else -> skip
  fi;
  if
  :: got ->
     end_poll(n, w, ok);
     got = (n > 0);
     queue_polled(n, w, ok);
     n = 0;
     if :: got -> goto found :: else -> skip fi
  :: else -> skip
  fi;
#endif
  /* 4. spin and steal, if spinning or if fewer than MAX_SPINNING spin (a load, then an add) */
  if
  :: !spinning[me] && nspinning < MAX_SPINNING -> BECOME_SPINNING
  :: else -> skip
  fi;
  if
  :: spinning[me] ->
     do
     :: v < WORKERS ->
        d_step {                                 /* steal_half from worker v (not from us) */
          if
          :: v != me && local_q[v] > 0 ->
             n = local_q[v] - local_q[v] / 2;
             local_q[v] = local_q[v] - n; local_q[me] = local_q[me] + n - 1; got = true; n = 0
          :: else -> skip
          fi
        };
        if :: got -> v = 0; goto found :: else -> v++ fi
     :: else -> v = 0; break
     od
  :: else -> skip
  fi;

  /* 5. sleep() */
  got = false;
  d_step {
    global_take_locked(me, BIG_BATCH, got);
    if
    :: got -> skip
#ifndef MUTANT_NO_NEED_SPINNING
    :: !got && !spinning[me] && need_spinning -> /* a wakep found work and nobody idle */
       BECOME_SPINNING; removed = true
#endif
#ifdef MUTANT_SPLIT_LOCK
    :: else -> skip
#else
    :: else -> JOIN_IDLE
#endif
    fi
  };
  if :: got -> goto found :: else -> skip fi;
  if :: removed -> goto look :: else -> skip fi;   /* spinning now */
#ifdef MUTANT_SPLIT_LOCK
  /* it looked (the global queue, need_spinning) under the lock, and joins the idle list
   * under it again: a readier in between finds nobody idle, and this worker misses it */
  d_step { JOIN_IDLE };
#endif

#ifdef MUTANT_RECHECK_BEFORE_DECREMENT
  /* looks at the queues first, then stops spinning: a readier that publishes in between
   * still sees it spinning, and wakes nobody */
#ifdef MUTANT_FLAG_OUTSIDE_LOCK
  was_spinning = spinning[me];
#endif
  if
  :: was_spinning ->
     any_work_queued(work, v);
     if
     :: work ->
        d_step { remove_idle(me, removed) };     /* still counted: nobody popped it */
        spinning[me] = true; goto look
     :: else -> skip
     fi
  :: else -> skip
  fi;
  STOP_SPINNING_IN_SLEEP;
#else
  STOP_SPINNING_IN_SLEEP;
  /* seq_cst fence */
#ifndef MUTANT_NO_RECHECK
  if
  :: was_spinning ->
     any_work_queued(work, v);
     if
     :: work ->
        d_step { remove_idle(me, removed) };
        if
        :: removed -> BECOME_SPINNING; goto look /* spin again */
        :: else -> skip                          /* popped by a waker: take its wake */
        fi
     :: else -> skip
     fi
  :: else -> skip
  fi;
#endif
#endif

#if NET > 0 && !defined(MUTANT_NO_POLLER_SLEEP)
  /* wait_in_poller, if fibers wait on I/O */
  if
  :: io_waiting > 0 ->
     in_poller[me] = true;                       /* fence */
#ifdef MUTANT_WORD_BEFORE_LOCK
     n = wake_word[me];                          /* read here, used below */
#endif
     /* sleep_in_poll: the try-lock; a quick poll in the way: ask, fence, try once more */
     d_step { if :: !polling -> polling = true; holder_blocks = true; got = true :: else -> skip fi };
     if
     :: !got && !holder_blocks ->
#ifndef MUTANT_NO_POLL_WANTED
        poll_wanted = true;                      /* fence */
        d_step { if :: !polling -> polling = true; holder_blocks = true; got = true :: else -> skip fi };
#endif
        skip
     :: else -> skip
     fi;
     if
     :: got ->
        /* The word, read once the poll is ours: a wake sent before may have been reported to
         * (and consumed by) the poll before ours, but its word is 1. Then do not block. */
        work = wake_word[me];
#ifdef MUTANT_WORD_BEFORE_LOCK
        work = n; n = 0;
#endif
#ifdef MUTANT_NO_WORD_LOOK
        work = false;
#endif
        poll_wanted = false;
        if
        :: work -> skip
        :: else ->
           poll_sleeping++;
end_poll_sleep:
           atomic { (io_ready > 0 || poll_wake) -> poll_sleeping-- }
        fi;
        end_poll(n, w, ok);
        in_poller[me] = false;
        wake_word[me] = false;                   /* exchange(0) */
        d_step { remove_idle(me, removed) };
        if
        :: n > 0 -> READY(local_q[me] = local_q[me] + n, w, ok) /* queue_polled, then look */
        :: else -> skip
        fi;
        n = 0; got = false; work = false;
        goto look
     :: else -> in_poller[me] = false; work = false   /* another polls: the address wait */
     fi
  :: else -> skip
  fi;
#endif

wait_for_wake:
  do
  :: atomic { wake_word[me] -> wake_word[me] = false }; break   /* exchange(0) returned 1 */
  :: atomic { !wake_word[me] -> sleeping++ };                    /* returned 0: the wait */
end_sleep:
     atomic { wake_word[me] -> sleeping-- }
  od;
  atomic { remove_idle(me, removed) };           /* still listed: a timer's wake (not here) */
  goto look;

found:                                           /* run(): stop spinning, then execute */
  if
  :: spinning[me] ->                             /* stop_spinning */
     spinning[me] = false; nspinning--;
#ifndef MUTANT_STOP_SPINNING_NO_WAKEP
     wakep(w, ok);
#endif
  :: else -> skip
  fi;
  got = false;
  /* The fiber runs. It may ready one more (into our runnext). */
  if
  :: d_step { spawns > 0 -> spawns-- }; READY(local_q[me]++, w, ok)
  :: true -> skip
  fi;
#ifdef LONG_FIBERS
  if
  :: true -> goto look
  :: true -> goto for_good                       /* it runs for good */
  fi;
#else
  goto look;
#endif
for_good:
  busy++
}

#if NET > 0
proctype Network() {                             /* the kernel: each event arrives once */
  byte i = 0;
  do
  :: i < NET -> io_ready++; i++
  :: else -> break
  od
}
#endif

#if OUTSIDE > 0
proctype Outside() {
  byte w = 0, i = 0;
  bool ok = false;
  do
  :: i < OUTSIDE -> READY(d_step { global_q++ }, w, ok); i++   /* global_push; wakep */
  :: else -> break
  od
}
#endif

/* When nothing can move any more: no worker sleeps beside a queued fiber; nobody is left
 * counted as spinning, and the idle list holds exactly the sleepers (-DONLY_LOST_WAKEUPS:
 * the first check alone, to see where a broken count leads). */
bool lost_wakeup = false;
bool counts_wrong = false;
active proctype Monitor() {
  timeout ->
  d_step {
    /* a fiber queued beside a sleeper; or a fiber's I/O done while every worker sleeps
     * (workers that run for good cannot poll: that is preemption's problem, part 2) */
    lost_wakeup = ((sleeping + poll_sleeping) > 0 && QUEUED > 0) ||
                  (io_waiting > 0 && busy == 0);
    counts_wrong = !(nspinning == 0 && idle == sleeping + poll_sleeping)
  };
  assert(!lost_wakeup);
#ifndef ONLY_LOST_WAKEUPS
  assert(!counts_wrong)
#endif
}

init {
  byte i = 0;
  atomic {
    do
    :: i < WORKERS -> run Worker(i); i++
    :: else -> break
    od;
#if NET > 0
    run Network();
#endif
#if OUTSIDE > 0
    run Outside()
#endif
  }
}
