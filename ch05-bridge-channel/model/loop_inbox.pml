/* loop_inbox.pml: the loop's side of chapter 5's wakeups, as a Promela model spin checks.
 *
 * A fiber parked on a loop is woken from another thread by a push onto the loop's inbox
 * (ch04-echo-server/src/loop.cpp, unpark_from_any_thread). The loop must not sleep in the
 * Poller while a request sits in the inbox, and a burst of wakers must cost one Poller wake
 * per sleep, not one each. The protocol, on one word `state` (AWAKE, SLEEPING, WAKE_SENT):
 *   loop, before a wait that may block: state := SLEEPING; seq_cst fence; if the inbox is not
 *     empty, the wait is a poll (returns at once); after the wait: state := AWAKE, then take
 *     every request in the inbox.
 *   waker: push its request; seq_cst fence; if state is SLEEPING, CAS SLEEPING -> WAKE_SENT,
 *     and the one whose CAS succeeds calls Poller::wake.
 * The Poller's wake is sticky (an eventfd, EVFILT_USER, a queued completion): a wake that
 * comes while the loop is awake is reported by its next wait, which then returns at once.
 *
 * What spin checks: no invalid end state (a request left in the inbox while the loop sleeps
 * forever is one: the loop runs until it has taken every request), and at most one
 * Poller::wake per sleep. check-model.sh also runs three mutants and requires each to fail.
 */
#ifndef WAKERS
#define WAKERS 3
#endif

mtype = { AWAKE, SLEEPING, WAKE_SENT };
mtype state = AWAKE;
byte inbox = 0;             /* requests pushed and not yet taken */
byte taken = 0;
bool wake_pending = false;  /* the Poller's wake: set by wake(), consumed by a wait */
byte wakes_this_sleep = 0;  /* wakers that won the right to wake the current sleep */
/* A waker that wins the CAS pays for this sleep's one Poller::wake. */
#define COUNT_WAKE wakes_this_sleep++; assert(wakes_this_sleep <= 1)

proctype Waker() {
#ifdef MUTANT_LOOK_BEFORE_PUSH
  /* looks at the state first, then pushes: the loop may check the inbox in between */
  bool mine = false;
  atomic { if :: state == SLEEPING -> state = WAKE_SENT; mine = true; COUNT_WAKE :: else -> skip fi };
  inbox++;
#else
  bool mine = false;
  inbox++;                                   /* push (release) */
  /* seq_cst fence, then the CAS */
#ifdef MUTANT_NO_DEDUP
  /* wakes whenever the loop is not awake: several wakers pay for one sleep */
  atomic { if :: state != AWAKE -> state = WAKE_SENT; mine = true; COUNT_WAKE :: else -> skip fi };
#else
  atomic { if :: state == SLEEPING -> state = WAKE_SENT; mine = true; COUNT_WAKE :: else -> skip fi };
#endif
#endif
  if
  :: mine -> wake_pending = true   /* Poller::wake: may land in a later sleep (harmless) */
  :: else -> skip
  fi
}

active proctype Loop() {
  bool poll;
  do
  :: taken == WAKERS -> break
  :: else ->
#ifdef MUTANT_NO_RECHECK
     atomic { state = SLEEPING; wakes_this_sleep = 0 };
     poll = false;                           /* sleeps without looking at the inbox */
#else
     atomic { state = SLEEPING; wakes_this_sleep = 0 };
     /* seq_cst fence */
     poll = (inbox > 0);                     /* a request is there: poll, do not block */
#endif
     if
     :: poll -> atomic { wake_pending = false }          /* wait(0) reports a pending wake */
     :: else -> atomic { wake_pending -> wake_pending = false }  /* blocks until a wake */
     fi;
     state = AWAKE;
     atomic { taken = taken + inbox; inbox = 0 }         /* take_remote_unparks */
  od
}

init {
  byte i = 0;
  atomic {
    do
    :: i < WAKERS -> run Waker(); i++
    :: else -> break
    od
  }
}
