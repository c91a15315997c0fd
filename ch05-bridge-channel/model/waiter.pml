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
 *   2. re-check the condition it waits for (a slot or a value, or closed); if it now holds,
 *      withdraw (CAS WAITING -> IDLE; if that fails, someone ended the wait first, and the
 *      party takes that outcome) and try again,
 *   3. park until its word is no longer WAITING.
 * A notifier changes the condition first (put or take), then ends a wait only if it finds
 * the word WAITING: a receiver that is awake and draining costs a burst of sends no wakeup
 * at all (chapter 5's batching).
 *
 * Why 2 is needed: without it, a put that lands between the receiver's failed take and its
 * registration finds no waiter and notifies nobody, and the receiver parks on a value that
 * is already there: a lost wakeup. Build with -DMUTANT_NO_RECHECK and spin shows that trail.
 *
 * Memory order. Promela interleaves whole statements, so the model is sequentially
 * consistent. The code must make the two store-then-load pairs (the waiter's "register,
 * then read the ring", the notifier's "write the ring, then read the waiter word") behave
 * so: a seq_cst fence between the store and the load on both sides (channel.hpp says where).
 *
 * Park is "block until the word is not WAITING". For a thread that is the OS address wait
 * (futex, WaitOnAddress), which re-checks the word atomically with going to sleep. For a
 * fiber it is a switch away: its scheduler runs it again only after an unpark, and an
 * unpark from another thread reaches a loop through the loop's queue, which the loop reads
 * only after the fiber has switched away; so a notify cannot arrive "before" the park.
 *
 * What spin checks: no invalid end state (every process finishes: a receiver or sender
 * parked forever is a lost wakeup) and the assertions (exactly once: the receiver took
 * exactly the values whose send returned ok; every wait ended by exactly one party).
 */

#ifndef CAPACITY
#define CAPACITY 1
#endif
#ifndef SENDERS
#define SENDERS 2
#endif

mtype = { IDLE, WAITING, NOTIFIED, TIMED_OUT, CANCELLED };

byte count = 0;              /* values in the ring */
bool closed = false;
byte sent_ok = 0;            /* sends that returned ok */
byte received = 0;           /* values the receiver took */
byte senders_done = 0;

mtype receiver_word = IDLE;
mtype sender_word[SENDERS];
bool stop_requested[SENDERS];  /* the senders' std::stop_token */
bool deadline_passed = false;  /* the receiver's deadline */

/* The wait-ending CAS: from WAITING to `outcome`, or nothing if the wait is over. */
inline end_wait(word, outcome) {
  atomic { if :: word == WAITING -> word = outcome :: else -> skip fi }
}

/* Step 2's withdrawal: CAS WAITING -> IDLE; if another party won, take its outcome. */
inline withdraw(word, outcome_taken) {
  atomic {
    if
    :: word == WAITING -> outcome_taken = IDLE
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
     :: atomic { sender_word[k] == WAITING -> sender_word[k] = NOTIFIED }; break
     :: else -> k++
     fi
  :: else -> break
  od
}

proctype Sender(byte me) {
  mtype outcome;
try_send:
  if
  :: atomic { stop_requested[me] -> goto cancelled }
  :: atomic { !stop_requested[me] && closed -> goto closed_out }
  :: atomic { !stop_requested[me] && !closed && count < CAPACITY ->
              count++; sent_ok++ };
     end_wait(receiver_word, NOTIFIED);       /* wakes the receiver only if it waits */
     goto sent
  :: atomic { !stop_requested[me] && !closed && count == CAPACITY } -> skip  /* full */
  fi;

  sender_word[me] = WAITING;                  /* 1. register */
#ifndef MUTANT_NO_RECHECK
  if                                          /* 2. re-check */
  :: count < CAPACITY || closed || stop_requested[me] ->
     withdraw(sender_word[me], outcome);
     if
     :: outcome == CANCELLED -> goto cancelled
     :: else -> goto try_send                 /* IDLE or NOTIFIED: try again */
     fi
  :: else -> skip
  fi;
#endif
  (sender_word[me] != WAITING);               /* 3. park */
  atomic { outcome = sender_word[me]; sender_word[me] = IDLE };
  if
  :: outcome == NOTIFIED -> goto try_send
  :: outcome == CANCELLED -> goto cancelled   /* nothing was enqueued */
  fi;

sent:
cancelled:
closed_out:
  senders_done++
}

active proctype Receiver() {
  mtype outcome;
  byte k;
try_receive:
  if
  :: atomic { count > 0 -> count--; received++ };
     notify_one_sender(k);
     goto try_receive
  :: atomic { count == 0 && closed -> goto drained }
  :: atomic { count == 0 && !closed } -> skip  /* empty: wait */
  fi;

  receiver_word = WAITING;                    /* 1. register */
#ifndef MUTANT_NO_RECHECK
  if                                          /* 2. re-check */
  :: count > 0 || closed ->
     withdraw(receiver_word, outcome);
     goto try_receive                         /* IDLE, NOTIFIED or TIMED_OUT: try again */
  :: else -> skip
  fi;
#endif
  (receiver_word != WAITING);                 /* 3. park */
  atomic { outcome = receiver_word; receiver_word = IDLE };
  assert(outcome == NOTIFIED || outcome == TIMED_OUT);
  /* TIMED_OUT: this receive returns "timed out" having consumed nothing; the program
   * calls receive again (with no deadline), as a loop around receive_until would. */
  goto try_receive;

drained:
  /* Closed and empty: every send that returned ok was received, exactly once. */
  assert(received == sent_ok)
}

/* close(): may come at any moment; ends every wait with NOTIFIED, whoever waits. */
active proctype Closer() {
  byte k = 0;
  closed = true;
  end_wait(receiver_word, NOTIFIED);
  do
  :: k < SENDERS -> end_wait(sender_word[k], NOTIFIED); k++
  :: else -> break
  od
}

/* The receiver's deadline passes at some moment (once). */
active proctype Deadline() {
  deadline_passed = true;
  end_wait(receiver_word, TIMED_OUT)
}

/* A stop request for sender 0, from another thread, at some moment (once). */
active proctype Canceller() {
  stop_requested[0] = true;
  end_wait(sender_word[0], CANCELLED)
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
