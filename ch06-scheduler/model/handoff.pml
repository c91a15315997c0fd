/* Chapter 6's handoff: a fiber blocks in the OS inside a blocking region, the monitor may hand
   its worker to a spare machine meanwhile, and the runtime stops afterwards.

   The code (src/handoff.cpp: enter_blocking, exit_blocking, retake, hand_off;
   src/machine.cpp: Machine::run, wait_for_worker, execute's After::lost_worker;
   src/lifecycle.cpp: stop_workers), reduced to one worker (Go's P), one fiber F that makes
   ROUNDS blocking regions, and MACHINES machines (Go's Ms): machine 1 starts with the worker
   and F, the others as spares (the monitor's start_machine, made ahead).

   Checked:
   - at most one machine holds the worker at any time (the asserts on `holders`);
   - F is never lost: it finishes all its regions, whichever machine it ends up on (init waits
     for f_done; a lost F leaves init blocked, an invalid end state);
   - at the stop every machine ends, spares included (a machine asleep for ever is an invalid
     end state).
   Abstracted: the worker's own sleep and wakeup (checked by workers.pml) is one sticky word,
   p_wake, that the machine holding the worker sleeps on while it has nothing to run; wakep
   after the lost path's global push stores it. */

#ifndef MACHINES
#define MACHINES 3
#endif
#ifndef ROUNDS
#define ROUNDS 2
#endif

bit in_blocking;        /* Worker::in_blocking */
byte holders;           /* machines holding the worker now */
bit f_queued;           /* F waits on the global queue */
byte rounds;            /* F's regions so far */
bit f_done;
bit stopping;           /* RuntimeImpl::stopping */
bit monitor_stop;
bit monitor_done;
bit lock;               /* RuntimeImpl::lock: the global queue and the spare list */
bit spare[MACHINES + 1];  /* on the spare list (RuntimeImpl::spare_head) */
bit wake[MACHINES + 1];   /* Machine::wake_word */
bit given[MACHINES + 1];  /* Machine::worker, stored by the monitor */
bit p_wake;             /* the worker's wake word (the holder's idle sleep) */

inline acquire() { atomic { lock == 0 -> lock = 1 } }
inline release() { lock = 0 }

inline take_worker() {
  atomic { holders++; assert(holders == 1) }
  has_p = 1
}

proctype machine(byte me; bit starts_with_worker) {
  bit has_p = 0;
  bit runs_f = 0;
  if
  :: starts_with_worker -> take_worker(); runs_f = 1
  :: else -> goto spare_wait
  fi;
loop:
  if
  :: runs_f && rounds < ROUNDS ->
     /* enter_blocking: machine.worker = nullptr, then the release store */
     atomic { holders--; has_p = 0 };
     in_blocking = 1;
     /* the OS call, of any length: the monitor may act meanwhile */
#ifdef MUTANT_EXIT_WITHOUT_CAS
     /* a load, then a store: the monitor's CAS can come in between */
     if
     :: in_blocking == 1 -> in_blocking = 0; take_worker()
     :: else -> skip
     fi;
#else
     atomic {  /* exit_blocking's CAS */
       if
       :: in_blocking == 1 -> in_blocking = 0; holders++; assert(holders == 1); has_p = 1
       :: else -> skip
       fi
     }
#endif
     rounds++;
     if
     :: has_p -> goto loop  /* the fast way: F carries on, here */
     :: else ->
        /* After::lost_worker: F to the global queue, wakep, and this machine is a spare */
        runs_f = 0;
        acquire(); f_queued = 1; release();
#ifndef MUTANT_LOST_NO_WAKEP
        p_wake = 1;
#endif
        goto spare_wait
     fi
  :: runs_f && rounds == ROUNDS -> f_done = 1; runs_f = 0; goto loop  /* F finishes */
  :: !runs_f ->
     /* find_runnable: the global queue, then the stop, then sleep on the worker's word */
     acquire();
     if
     :: f_queued -> f_queued = 0; release(); runs_f = 1; goto loop
     :: else -> release()
     fi;
     if
     :: stopping -> goto out
     :: else -> skip
     fi;
     atomic { p_wake == 1 -> p_wake = 0 };
     goto loop
  fi;
spare_wait:
  /* wait_for_worker: join the spare list under the lock, unless the runtime stops */
  acquire();
#ifdef MUTANT_SPARE_IGNORES_STOPPING
  spare[me] = 1; release();
#else
  if
  :: stopping -> release(); goto out
  :: else -> spare[me] = 1; release()
  fi;
#endif
  atomic { wake[me] == 1 -> wake[me] = 0 };
  if
  :: given[me] -> given[me] = 0; take_worker(); goto loop
  :: else -> goto out  /* woken by the stop */
  fi;
out:
  skip
}

/* hand_off: take a spare off the list, then race exit_blocking for the worker */
proctype monitor() {
  byte m;
  bit won;
  do
  :: monitor_stop -> break
  :: in_blocking == 1 ->
     acquire();
     m = 1;
     do
     :: m <= MACHINES && spare[m] -> break
     :: m <= MACHINES && !spare[m] -> m++
     :: m > MACHINES -> break
     od;
     if
     :: m <= MACHINES -> spare[m] = 0
     :: else -> skip
     fi;
     release();
     if
     :: m <= MACHINES ->
#ifdef MUTANT_MONITOR_WITHOUT_CAS
        won = in_blocking;
        if :: won -> in_blocking = 0 :: else -> skip fi;
#else
        atomic { won = in_blocking; in_blocking = 0 };
#endif
        if
        :: won -> given[m] = 1; wake[m] = 1  /* the release store, then the wake */
        :: else -> acquire(); spare[m] = 1; release()  /* F came back first */
        fi
     :: else -> skip  /* no spare: the next round (start_machine) */
     fi
  od;
  monitor_done = 1
}

init {
  byte m;
  atomic {
    run machine(1, 1);
    m = 2;
    do
    :: m <= MACHINES -> run machine(m, 0); m++
    :: else -> break
    od;
    run monitor()
  }
  /* ~Runtime: wait_until_idle, stop_helpers (the monitor), then stop_workers */
  f_done == 1;
  monitor_stop = 1;
  monitor_done == 1;
  stopping = 1;
  p_wake = 1;  /* wake_worker, for every worker */
  acquire();
  m = 1;
  do
  :: m <= MACHINES -> if :: spare[m] -> spare[m] = 0; wake[m] = 1 :: else -> skip fi; m++
  :: else -> break
  od;
  release()
}
