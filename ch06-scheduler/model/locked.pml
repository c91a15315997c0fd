/* Chapter 6's locked fibers: fibers locked to one machine (a ThreadLocker's thread) park and are
   readied, by an outside thread or by each other, while the machine hands its worker back and
   forth with a normal machine, and the runtime stops afterwards.

   The code (src/locked.cpp: take_if_running, receive, become_idle, next_locked,
   let_go_of_worker, wait_as_locked, give_to_spare; src/runtime.cpp: make_ready; src/machine.cpp:
   Machine::run; src/lifecycle.cpp: stop_workers), reduced to one worker (Go's P), NF fibers
   locked to machine L (dedicated: it starts asleep), each parking ROUNDS times, and one normal
   machine N that holds the worker at the start and is a spare while L holds it.

   Checked:
   - at most one machine holds the worker at any time (the asserts on `holders`);
   - no locked fiber is lost: each finishes all its rounds (the stop waits for all; a fiber left
     in L's `ready` while L sleeps, or on the run queue with nobody to take it, leaves a process
     blocked: an invalid end state);
   - at the stop both machines end (a machine asleep for ever is an invalid end state).
   Abstracted: the run queue is the fibers in state QUEUED; the worker's own sleep (checked by
   workers.pml) is one sticky word, p_wake, that N sleeps on while it holds the worker and finds
   nothing, and that a push onto the run queue (wakep) stores. A park commits at once (the
   unpark_pending path is the one workers.pml and the tests cover). */

#ifndef NF
#define NF 2
#endif
#ifndef ROUNDS
#define ROUNDS 2
#endif

#define PARKED 0
#define QUEUED 1   /* on a run queue */
#define READY 2    /* in L's ready list */
#define RUNNING 3
#define DONE 4
#define CLAIMED 5  /* an unparker claimed it (claim_parked), not queued yet */
#define NONE 255

byte state[NF];
byte parks[NF];   /* how many times it parked */
byte done;        /* fibers finished */
bit pin;          /* L's pin_lock */
bit lock;         /* RuntimeImpl::lock: the spare list and `stopping` */
bit idle_locked = 1;  /* a ThreadLocker's machine starts asleep */
bit wake_l;       /* L's wake_word */
byte handed = NONE;  /* the fiber handed to L with the worker (receive) */
bit n_spare;      /* N on the spare list */
bit wake_n;       /* N's wake_word */
bit given_n;      /* N's `worker`, stored by give_to_spare */
bit p_wake;       /* the worker's wake word: N's sleep while it holds the worker */
bit stopping;
byte holders;

inline acquire_pin() { atomic { pin == 0 -> pin = 1 } }
inline release_pin() { pin = 0 }
inline acquire() { atomic { lock == 0 -> lock = 1 } }
inline release() { lock = 0 }
inline take_worker() { atomic { holders++; assert(holders == 1) } }

/* make_ready of a claimed fiber, from an outside thread or from a fiber running on L */
inline make_ready(f) {
#ifdef MUTANT_READY_WITHOUT_PIN
  /* the look and the push apart: L may go to sleep in between */
  if
  :: !idle_locked -> acquire_pin(); state[f] = READY; release_pin()
  :: else -> state[f] = QUEUED; p_wake = 1
  fi
#else
  acquire_pin();
  if
  :: !idle_locked -> state[f] = READY; release_pin()  /* awake: into its list, no wakeup */
  :: else -> release_pin(); state[f] = QUEUED; p_wake = 1  /* the usual way, and wakep */
  fi
#endif
}

/* an outside thread (a timer, a socket, a thread's send) readies fibers whenever they park; it
   waits (blocks) while none is parked, so that a lost fiber leaves every process blocked */
#if NF == 3
#define ANY_PARKED (state[0] == PARKED || state[1] == PARKED || state[2] == PARKED)
#else
#define ANY_PARKED (state[0] == PARKED || state[1] == PARKED)
#endif
proctype unparker() {
  byte f;
  do
  :: done == NF -> break
  :: ANY_PARKED ->
     f = 0;
     do
     :: f < NF ->
        if
        :: atomic { state[f] == PARKED -> state[f] = CLAIMED }; make_ready(f)
        :: else -> skip
        fi;
        f++
     :: else -> break
     od
  od
}

proctype locked_machine() {
  byte f;
  byte g;
  bit has_w = 0;
asleep:  /* wait_as_locked */
  atomic { wake_l == 1 -> wake_l = 0 };
  if
  :: handed == NONE -> goto out  /* the stop */
  :: else -> f = handed; handed = NONE; take_worker(); has_w = 1
  fi;
run_f:
  state[f] = RUNNING;
  /* while it runs it may ready the other (same-thread C2C: L is awake) */
  g = (f + 1) % NF;
  if
  :: atomic { g != f && state[g] == PARKED -> state[g] = CLAIMED }; make_ready(g)
  :: skip
  fi;
  if
  :: parks[f] < ROUNDS -> parks[f]++; state[f] = PARKED
  :: else -> state[f] = DONE; done++
  fi;
  /* next_locked */
  acquire_pin();
  f = 0;
  do
  :: f < NF && state[f] == READY -> break
  :: f < NF && state[f] != READY -> f++
  :: f == NF -> break
  od;
  if
  :: f < NF ->
     if
     :: state[f] = RUNNING; release_pin(); goto run_f  /* the next of its fibers */
     :: skip  /* or the slice is over and the worker's queue waits: the worker's turn */
     fi
  :: else -> skip
  fi;
  /* become_idle: asleep from here on; what waits in `ready` goes to the worker's queue */
  idle_locked = 1;
#ifndef MUTANT_IDLE_KEEPS_READY
  g = 0;
  do
  :: g < NF -> if :: state[g] == READY -> state[g] = QUEUED :: else -> skip fi; g++
  :: else -> break
  od;
#endif
  release_pin();
  p_wake = 1;  /* push_local: the queue's new fibers (harmless when there are none) */
  /* let_go_of_worker / give_to_spare */
  acquire();
  if
  :: stopping -> release(); goto out
  :: else -> n_spare = 0; release()
  fi;
  atomic { holders--; has_w = 0 };
  given_n = 1;
  wake_n = 1;
  goto asleep;
out:
  skip
}

proctype normal_machine() {
  byte f;
  take_worker();
loop:  /* holds the worker: find_runnable */
  f = 0;
  do
  :: f < NF && state[f] == QUEUED -> break
  :: f < NF && state[f] != QUEUED -> f++
  :: f == NF -> break
  od;
  if
  :: f < NF ->
     /* receive: a fiber locked to L */
     acquire_pin();
#ifdef MUTANT_RECEIVE_NEVER_HANDS
     state[f] = READY; release_pin(); goto loop
#else
     if
     :: idle_locked ->
        idle_locked = 0; state[f] = RUNNING; handed = f; release_pin();
        atomic { holders-- };
        wake_l = 1;
        goto spare
     :: else -> state[f] = READY; release_pin(); goto loop
     fi
#endif
  :: else -> skip
  fi;
  if
  :: stopping -> atomic { holders-- }; goto out
  :: else -> skip
  fi;
  atomic { p_wake == 1 -> p_wake = 0 };
  goto loop;
spare:  /* wait_for_worker */
  acquire();
  if
  :: stopping -> release(); goto out
  :: else -> n_spare = 1; release()
  fi;
  atomic { wake_n == 1 -> wake_n = 0 };
  if
  :: given_n -> given_n = 0; take_worker(); goto loop
  :: else -> goto out
  fi;
out:
  skip
}

init {
  byte f;
  atomic {
    f = 0;
    do
    :: f < NF -> state[f] = QUEUED; f++  /* each moved onto L: on the run queue */
    :: else -> break
    od;
    run locked_machine();
    run normal_machine();
    run unparker()
  }
  /* ~Runtime: wait_until_idle, then stop_workers */
  done == NF;
  stopping = 1;
  p_wake = 1;  /* wake_worker */
  acquire();
  if
  :: n_spare -> n_spare = 0; wake_n = 1
  :: else -> skip
  fi;
  release();
#ifndef MUTANT_STOP_LEAVES_LOCKED
  acquire_pin();
  if
  :: idle_locked -> idle_locked = 0; wake_l = 1
  :: else -> skip
  fi;
  release_pin()
#endif
}
