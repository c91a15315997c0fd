/* waiter.pml: the park/notify protocol of chapter 5's channel, as a Promela model that
 * spin checks exhaustively (every interleaving of the processes below).
 *
 * What is modelled. A bounded channel (CAPACITY slots) with SENDERS senders, one receiver,
 * a closer, a receive deadline and a send cancellation. Storage is abstracted to a count:
 * the ring is linearizable, so each put or take is one atomic step, and so is the check
 * of `closed` that goes with it (the real ring keeps the closed bit in the word a put
 * claims its slot with). Every party that may park has one waiter word:
 *
 *   IDLE       not waiting (or its wait is over and it has taken the outcome)
 *   WAITING    registered: a notifier, the deadline, a cancel or close may end the wait
 *   NOTIFIED   a notifier (or close) ended the wait: try again
 *   TIMED_OUT  the deadline ended the wait: return "timed out", nothing consumed
 *   CANCELLED  a stop request ended the wait: return "cancelled", nothing enqueued
 *
 * Exactly one of them ends a wait: each does a compare-and-swap from WAITING, and only the
 * first succeeds. A party that wants to wait does three things in this order:
 *   1. register (its word := WAITING),
 *   2. re-check the condition it waits for (a slot or a value, closed, its deadline or its
 *      stop request); if it now holds,
 *      withdraw (CAS WAITING -> IDLE; if that fails, someone ended the wait first, and the
 *      party takes that outcome) and try again,
 *   3. park until its word is no longer WAITING.
 * A notifier changes the condition first (put or take), then ends a wait only if it finds
 * the word WAITING: a receiver that is awake and draining costs a burst of sends no wakeup
 * at all (chapter 5's batching).
 *
 * Why 2 is needed: without it, a put or a close that lands between the receiver's failed
 * take and its registration finds no waiter and notifies nobody, and the receiver parks
 * beside a value that is already there: a lost wakeup. Build with -DMUTANT_NO_RECHECK and
 * spin shows such a trail.
 *
 * Memory order. Promela interleaves whole statements, so the model is sequentially
 * consistent. The code must make the two store-then-load pairs (the waiter's "register,
 * then read the ring", the notifier's "write the ring, then read the waiter word") behave
 * so: a seq_cst fence between the store and the load on both sides (channel.hpp says where).
 *
 * Park. For a thread it is the OS address wait (futex, WaitOnAddress): sleep while the word
 * is WAITING, re-checked atomically with going to sleep. For a fiber (-DRECEIVER_IS_FIBER)
 * it is a switch away, and the winner of the CAS posts an unpark to the fiber's loop, which
 * runs the fiber again. An unpark cannot overtake the park (the loop reads its queue only
 * after the fiber has switched away), but it can come for a wait the fiber never slept in:
 * when the fiber's withdrawal loses the race, the winner's unpark is still on its way. The
 * fiber must take that unpark before it waits again, or it would later resume a new wait
 * too early. The model counts unparks in `unparks` and checks exactly that.
 *
 * A party that gives up (a cancelled send) after it was NOTIFIED for a free slot has used up
 * a wakeup meant for whoever takes that slot: it passes the wakeup on to another waiter
 * (`cancelled:`), or a second parked sender would sleep beside a free slot.
 *
 * What spin checks, over every interleaving:
 *   - no invalid end state: every process finishes. A party parked forever is a lost
 *     wakeup. The close may come at any moment, or only once every send has returned and
 *     the channel is empty: in that case nothing but a notifier can wake a parked party.
 *   - every wait is ended by exactly one party (the `wins` counters);
 *   - exactly once: once all are done, the receiver took exactly the values of the sends
 *     that returned ok (`Checker`);
 *   - a receive with a deadline never parks once its deadline has passed.
 * check-model.sh also runs mutants, each a real bug, and requires spin to catch every one.
 *
 * Not modelled: more than one receiver, capacity 0 (rendezvous.pml models its hand-to-hand
 * path; its cell waits as a slot of capacity one does here), a deadline on a send or a
 * stop request on a receive (they follow the same rules as the ones modelled), and the
 * ring's slots (a put is one step here; the ring must make "claim a slot" and "publish it"
 * look like one to a receiver deciding that a closed channel is drained).
 */

#ifndef CAPACITY
#define CAPACITY 1
#endif
#ifndef SENDERS
#define SENDERS 2
#endif

mtype = { IDLE, WAITING, NOTIFIED, TIMED_OUT, CANCELLED };

/* MUTANT_NO_DEADLINE_RECHECK: the re-check forgets that the deadline may have passed. */
#ifdef MUTANT_NO_DEADLINE_RECHECK
#define DEADLINE_DUE false
#else
#define DEADLINE_DUE (deadline_passed && in_deadline_call)
#endif

byte count = 0;              /* values in the ring */
bool closed = false;
byte enqueued = 0;           /* puts that happened */
byte returned_ok = 0;        /* sends that returned ok */
byte received = 0;           /* values the receiver took */
byte senders_done = 0;
bool receiver_done = false;
byte receiver_wins = 0;      /* parties that ended the receiver's current wait */
byte sender_wins[SENDERS];
byte unparks = 0;            /* unparks posted to a fiber receiver's loop, not yet taken */
#ifdef NO_DEADLINE
bool in_deadline_call = false;   /* -DNO_DEADLINE: a smaller model, for more senders */
#else
bool in_deadline_call = true;  /* the receiver's first receive has a deadline */
#endif
bool deadline_cas_done = false;  /* the deadline's CAS has been tried (won or lost) */

mtype receiver_word = IDLE;
mtype sender_word[SENDERS];
bool stop_requested[SENDERS];  /* the senders' std::stop_token */
bool deadline_passed = false;  /* the receiver's deadline */

/* The wait-ending CAS: from WAITING to `outcome`, or nothing if the wait is over. The
 * winner counts itself in `wins` (at most one per wait). MUTANT_BLIND_STORE: a load, then a
 * plain store, as if the CAS were "if (word == WAITING) word = outcome". */
#ifdef MUTANT_BLIND_STORE
#define CAS_BEGIN
#define CAS_END
#else
#define CAS_BEGIN atomic {
#define CAS_END }
#endif
inline end_wait(word, outcome, wins) {
  CAS_BEGIN
  if
  :: word == WAITING -> word = outcome; wins++; assert(wins == 1)
  :: else -> skip
  fi
  CAS_END
}

/* The same on the receiver's word; a fiber receiver's winner also posts its unpark. */
inline end_receiver_wait(outcome) {
  CAS_BEGIN
  if
  :: receiver_word == WAITING -> receiver_word = outcome; receiver_wins++;
     assert(receiver_wins == 1);
#ifdef RECEIVER_IS_FIBER
     unparks++
#endif
  :: else -> skip
  fi
  CAS_END
}

/* Step 2's withdrawal: CAS WAITING -> IDLE; if another party won, take its outcome. */
inline withdraw(word, outcome_taken, wins) {
  atomic {
    if
    :: word == WAITING -> outcome_taken = IDLE; wins++; assert(wins == 1)
    :: else -> outcome_taken = word
    fi;
    word = IDLE
  }
}

/* After a take: a slot is free, so end one parked sender's wait (the first found). */
inline notify_one_sender(k) {
  k = 0;
  do
  :: k < SENDERS ->
     if
     :: CAS_BEGIN sender_word[k] == WAITING -> sender_word[k] = NOTIFIED; sender_wins[k]++;
        assert(sender_wins[k] == 1) CAS_END; break
     :: else -> k++
     fi
  :: else -> break
  od
}

proctype Sender(byte me) {
  mtype outcome;
  byte k;
try_send:
  if
  :: atomic { stop_requested[me] -> goto cancelled }
  :: atomic { !stop_requested[me] && closed -> goto closed_out }
  :: atomic { !stop_requested[me] && !closed && count < CAPACITY ->
#ifdef MUTANT_NOTIFY_BEFORE_PUT
              skip };
     end_receiver_wait(NOTIFIED);             /* looks at the word before the put */
     atomic { if
              :: !closed && count < CAPACITY -> count++; enqueued++
              :: else -> goto try_send
              fi };
#else
              count++; enqueued++ };
#ifndef MUTANT_NO_NOTIFY_RECEIVER
     end_receiver_wait(NOTIFIED);             /* wakes the receiver only if it waits */
#endif
#endif
     goto sent
  :: atomic { !stop_requested[me] && !closed && count == CAPACITY } -> skip  /* full */
  fi;

  atomic { sender_word[me] = WAITING; sender_wins[me] = 0 };   /* 1. register */
#ifndef MUTANT_NO_RECHECK
  if                                          /* 2. re-check */
  :: count < CAPACITY || closed || stop_requested[me] ->
     withdraw(sender_word[me], outcome, sender_wins[me]);
     if
     :: outcome == CANCELLED -> goto cancelled
     :: else -> goto try_send                 /* IDLE or NOTIFIED: try again */
     fi
  :: else -> skip
  fi;
#endif
  (sender_word[me] != WAITING);               /* 3. park (a thread: the address wait) */
  atomic { outcome = sender_word[me]; sender_word[me] = IDLE };
  if
  :: outcome == NOTIFIED -> goto try_send
  :: outcome == CANCELLED -> goto cancelled   /* nothing was enqueued */
  fi;

sent:
  returned_ok++;
  goto finished;
cancelled:
#ifndef MUTANT_NO_PASS_ON
  notify_one_sender(k);   /* it may have used up a NOTIFIED meant for a free slot */
#endif
closed_out:
finished:
  senders_done++
}

active proctype Receiver() {
  mtype outcome;
  byte k;
try_receive:
  if
  :: atomic { count > 0 -> count--; received++ };
#ifndef MUTANT_NO_NOTIFY_SENDER
     notify_one_sender(k);
#endif
     goto try_receive
  :: atomic { count == 0 && closed -> goto drained }
  :: atomic { count == 0 && !closed } -> skip  /* empty: wait */
  fi;

  atomic { receiver_word = WAITING; receiver_wins = 0 };      /* 1. register */
#ifndef MUTANT_NO_RECHECK
  if                                          /* 2. re-check */
  :: count > 0 || closed || DEADLINE_DUE ->
     withdraw(receiver_word, outcome, receiver_wins);
#if defined(RECEIVER_IS_FIBER) && !defined(MUTANT_FIBER_KEEPS_STALE_UNPARK)
     if
     :: outcome != IDLE -> (unparks > 0); unparks--   /* the winner's unpark: take it */
     :: else -> skip
     fi;
#endif
     if
     :: outcome == TIMED_OUT || (outcome == IDLE && DEADLINE_DUE) ->
        in_deadline_call = false              /* returns "timed out"; called again */
     :: else -> skip
     fi;
     goto try_receive
  :: else -> skip
  fi;
#endif
  /* A receive with a deadline must not sleep once its deadline's CAS has come and gone:
   * nothing else would end the wait at the deadline. */
  assert(!(deadline_cas_done && in_deadline_call && receiver_word == WAITING));
#ifdef RECEIVER_IS_FIBER
  (unparks > 0); unparks--;                   /* 3. park: switch away until an unpark */
  assert(receiver_word != WAITING)            /* an unpark for this wait, not a stale one */
#else
  (receiver_word != WAITING)                  /* 3. park: the address wait */
#endif
  ;
  atomic { outcome = receiver_word; receiver_word = IDLE };
  assert(outcome == NOTIFIED || (outcome == TIMED_OUT && in_deadline_call));
  if
  :: outcome == TIMED_OUT -> in_deadline_call = false  /* returns "timed out"; called again */
  :: else -> skip
  fi;
  goto try_receive;

drained:
  receiver_done = true
}

/* Exactly once: when everyone is done, the receiver took exactly the values of the sends
 * that returned ok (and nothing was enqueued by a send that did not). */
active proctype Checker() {
end:
  atomic {
    receiver_done && senders_done == SENDERS ->
    assert(received == returned_ok && enqueued == returned_ok)
  }
}

/* close(): at any moment, or (the other branch) only once every send has returned and the
 * receiver has taken everything, when nothing but a notifier can wake a parked party. Ends
 * every wait with NOTIFIED, whoever waits. */
active proctype Closer() {
  byte k = 0;
  if
  :: true -> skip
  :: true -> (senders_done == SENDERS && count == 0)
  fi;
  closed = true;
  end_receiver_wait(NOTIFIED);
  do
  :: k < SENDERS -> end_wait(sender_word[k], NOTIFIED, sender_wins[k]); k++
  :: else -> break
  od
}

#ifndef NO_DEADLINE
/* The receiver's deadline passes at some moment (once). Its timer belongs to the one call
 * that has the deadline: the code cancels it before that call returns, so it never ends a
 * later wait (hence one atomic step here: the check and the CAS). */
active proctype Deadline() {
  deadline_passed = true;                     /* the timer fires: its flag first, */
  atomic {                                    /* then its CAS */
    if
    :: in_deadline_call -> end_receiver_wait(TIMED_OUT)
    :: else -> skip
    fi;
    deadline_cas_done = true
  }
}
#endif

/* A stop request for sender 0, from another thread, at some moment (once). */
active proctype Canceller() {
  stop_requested[0] = true;
  end_wait(sender_word[0], CANCELLED, sender_wins[0])
}

init {
  byte i = 0;
  atomic {
    do
    :: i < SENDERS -> sender_word[i] = IDLE; run Sender(i); i++
    :: else -> break
    od
  }
}
