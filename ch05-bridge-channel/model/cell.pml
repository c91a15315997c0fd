/* cell.pml: the cell path of a rendezvous (capacity 0) channel, as spin checks it: plain
 * sends that find no receiver waiting put their value in the channel's one cell and wait, as
 * its owner, until a receiver has taken it.
 *
 * What is modelled (channel.hpp: send_to_a_receiver, take_now, release_cell, close;
 * rendezvous.hpp: the cell's states; wait.hpp and waiter.hpp: each wait).
 *   A send first hands its value to a registered receiver (hand_over, as rendezvous.pml).
 *   Otherwise it occupies the cell (EMPTY -> WRITING -> FULL; if the cell is not empty it
 *   waits among the senders for it), fences and wakes a registered receiver (after_put),
 *   then waits in the owner list until the value is TAKEN (release_cell: the cell is EMPTY
 *   again, fence, a waiting sender is woken) or it gives up (a deadline, a close): then it
 *   retracts with a CAS FULL -> WRITING, which fails if a receiver has begun to take the
 *   value (TAKING): then the send completed after all.
 *   A receive takes the value with a CAS FULL -> TAKING, moves it, stores TAKEN, fences and
 *   wakes the owner (after_take). Finding no value, it waits among the receivers with a slot
 *   for a hand-over. A cell that is WRITING when the channel is closed is not "closed and
 *   drained": its sender will retract it or a receiver will take it.
 *   Every wait is wait.hpp's: register (word := WAITING, node linked), fence, re-check what
 *   it waits for and its deadline (then withdraw: unlink, CAS WAITING -> IDLE, or take the
 *   outcome someone else set first), park until the word is not WAITING, unlink. A notifier
 *   (end_one) unlinks the oldest node and CASes its word WAITING -> NOTIFIED; a node whose
 *   wait ended otherwise is dropped and the next one tried. Here any linked node may be the
 *   oldest: a superset of the real orders.
 *
 * Two senders (values 1 and 2) and one receiver that wants both values. Options:
 * -DDEADLINES (a deadline on each party, each passing at any moment: without one a send
 * whose receiver timed out would wait for ever, as it should), -DCLOSE (a close at any
 * moment; with both, sender 0 has no deadline: the close ends its waits, and the state
 * space stays small enough for CI).
 *
 * What spin checks: no invalid end state (without deadlines and close every send completes
 * and the receiver gets both values; with them every party still ends: a party parked
 * forever is a lost wakeup); exactly once (the values received are exactly those whose send
 * returned ok: a retracted value was not received, a taken one not retracted); the cell
 * holds a value when it is FULL and is reset only by its owner, once TAKEN; each wait is
 * ended by exactly one party.
 *
 * Mutants (tools/check-model.sh): the receive's re-check forgets the cell, the owner's
 * re-check forgets TAKEN (both: a lost wakeup), the retract as a load and a store instead of
 * a CAS (a value both received and retracted), release_cell that wakes no waiting sender (a
 * sender waits for the cell forever).
 */

mtype = { IDLE, WAITING, NOTIFIED, TIMED_OUT, DELIVERED };
mtype = { EMPTY, WRITING, FULL, TAKING, TAKEN };

#define NS 2  /* senders 0 and 1; the receiver is party NS */
#define R NS

mtype cell = EMPTY;
byte cell_value = 0;  /* 0: no value constructed in the cell */
byte cell_owner = 255;
bool closed = false;

mtype word[NS + 1];       /* each party's waiter word (one wait at a time) */
bool in_receivers = false; /* the receiver's node in receivers */
bool in_senders[NS];       /* a sender's node in senders (waiting for the cell) */
bool in_owner[NS];         /* a sender's node in owner (waiting for its value's take) */
byte slot = 0;             /* the receiver's slot, for a hand-over */
bool deadline[NS + 1];     /* the party's deadline has passed */
byte enders[NS + 1];       /* parties that ended the current wait: at most one */

byte sent_ok = 0, sent_sum = 0, got_ok = 0, got_sum = 0;
byte finished = 0;

#define ENDS(p) enders[p]++; assert(enders[p] == 1)
/* CAS WAITING -> outcome on party p's word; the winner wakes it (the park below sees it). */
#define END_WAIT(p, outcome) if :: word[p] == WAITING -> word[p] = outcome; ENDS(p) :: else -> skip fi

#ifdef MUTANT_RECEIVER_IGNORES_CELL
#define RECEIVER_READY (closed)
#else
#define RECEIVER_READY (cell == FULL || closed)
#endif
#ifdef MUTANT_OWNER_IGNORES_TAKEN
#define OWNER_READY(me) (closed)
#else
#define OWNER_READY(me) (cell == TAKEN || closed)
#endif
#define CELL_READY (cell == EMPTY || closed)

/* end_one(senders): the oldest waiting sender (any linked one here) is notified. */
inline notify_a_sender() {
  atomic {
    do
    :: in_senders[0] -> in_senders[0] = false;
       if :: word[0] == WAITING -> word[0] = NOTIFIED; ENDS(0); break :: else -> skip fi
    :: in_senders[1] -> in_senders[1] = false;
       if :: word[1] == WAITING -> word[1] = NOTIFIED; ENDS(1); break :: else -> skip fi
    :: !in_senders[0] && !in_senders[1] -> break
    od
  }
}
inline notify_the_owner() {
  atomic {
    do
    :: in_owner[0] -> in_owner[0] = false;
       if :: word[0] == WAITING -> word[0] = NOTIFIED; ENDS(0); break :: else -> skip fi
    :: in_owner[1] -> in_owner[1] = false;
       if :: word[1] == WAITING -> word[1] = NOTIFIED; ENDS(1); break :: else -> skip fi
    :: !in_owner[0] && !in_owner[1] -> break
    od
  }
}
inline notify_the_receiver() {
  atomic {
    if
    :: in_receivers -> in_receivers = false; END_WAIT(R, NOTIFIED)
    :: else -> skip
    fi
  }
}

/* A sender's wait on one list (`linked`), for `ready`: outcome IDLE (withdrawn after the
 * re-check), NOTIFIED or TIMED_OUT. */
inline sender_wait(me, linked, ready, outcome) {
  atomic { enders[me] = 0; word[me] = WAITING; linked = true }  /* 1. register */
  /* (seq_cst fence) 2. re-check */
  if
  :: ready || deadline[me] ->
     atomic { linked = false };
     atomic {
       if
       :: word[me] == WAITING -> word[me] = IDLE; outcome = IDLE
       :: else -> outcome = word[me]; word[me] = IDLE
       fi
     }
  :: else ->
     (word[me] != WAITING);  /* 3. park */
     atomic { linked = false; outcome = word[me]; word[me] = IDLE }
  fi
}

/* release_cell: the owner, its value taken, frees the cell and wakes a sender waiting for it. */
inline release_cell(me) {
  atomic { assert(cell == TAKEN && cell_owner == me); cell_owner = 255; cell = EMPTY };
  /* (seq_cst fence) */
#ifndef MUTANT_RELEASE_WAKES_NOBODY
  notify_a_sender()
#endif
}

proctype Sender(byte me) {
  byte value = me + 1;
  bool done = false;
  bool gave_up;
  mtype outcome;
  /* hand_over_now: a receiver already waits: its wait ends DELIVERED (CAS first), then the
   * value goes into its slot */
  if
  :: closed -> goto failed
  :: else -> skip
  fi;
  atomic {
    if
    :: in_receivers ->
       in_receivers = false;
       if
       :: word[R] == WAITING -> word[R] = DELIVERED; ENDS(R); slot = value; done = true
       :: else -> skip
       fi
    :: else -> skip
    fi
  }
  if
  :: done -> goto delivered
  :: else -> skip
  fi;
occupy:
  /* try_occupy: closed first, then the CAS EMPTY -> WRITING */
  if
  :: closed -> goto failed
  :: else -> skip
  fi;
  atomic {
    if
    :: cell == EMPTY -> cell = WRITING; cell_owner = me; done = true
    :: else -> done = false
    fi
  }
  if
  :: !done ->
     if
     :: deadline[me] -> goto failed  /* given_up */
     :: else -> skip
     fi;
     sender_wait(me, in_senders[me], CELL_READY, outcome);
     if
     :: outcome == TIMED_OUT -> goto pass_on  /* pass_on_senders */
     :: else -> goto occupy
     fi
  :: else -> skip
  fi;
  atomic { cell_value = value; cell = FULL };  /* constructed, then published */
  /* after_put: (seq_cst fence), then a registered receiver is woken */
  notify_the_receiver();
own:
  if
  :: cell == TAKEN -> release_cell(me); goto delivered
  :: else -> skip
  fi;
  gave_up = closed || deadline[me];
  if
  :: !gave_up ->
     sender_wait(me, in_owner[me], OWNER_READY(me), outcome);
     if
     :: outcome == TIMED_OUT -> skip  /* gave up: retract below */
     :: else -> goto own
     fi
  :: else -> skip
  fi;
  /* retract: take the value back unless a receiver has begun to take it */
#ifdef MUTANT_BLIND_RETRACT
  if
  :: cell == FULL -> atomic { cell = WRITING; cell_value = 0; cell = EMPTY; cell_owner = 255 }
  :: else -> (cell == TAKEN); release_cell(me); goto delivered
  fi;
#else
  atomic {
    if
    :: cell == FULL -> cell = WRITING; done = true
    :: else -> done = false
    fi
  }
  if
  :: done -> atomic { cell_value = 0; cell_owner = 255; cell = EMPTY }
  :: else -> (cell == TAKEN); release_cell(me); goto delivered  /* taken first: delivered */
  fi;
#endif
  /* (seq_cst fence): the cell is free; a sender waiting for it is woken */
  notify_a_sender();
  goto failed;
pass_on:
  /* pass_on_senders: (fence) a wakeup this sender may have swallowed goes to the next one */
  if
  :: CELL_READY -> notify_a_sender()
  :: else -> skip
  fi;
failed:
  goto end;
delivered:
  atomic { sent_ok++; sent_sum = sent_sum + value };
end:
  finished++
}

proctype Receiver() {
  byte got;
  mtype outcome;
again:
  if
  :: got_ok == NS -> goto done
  :: else -> skip
  fi;
  /* take_now: the CAS FULL -> TAKING, the move, TAKEN */
  got = 0;
  atomic {
    if
    :: cell == FULL -> cell = TAKING; assert(cell_value != 0); got = cell_value
    :: else -> skip
    fi
  }
  if
  :: got != 0 ->
     atomic { cell_value = 0; cell = TAKEN };
     atomic { got_ok++; got_sum = got_sum + got };
     /* after_take: (seq_cst fence), then the value's owner is woken */
     notify_the_owner();
     goto again
  :: else -> skip
  fi;
  if
  :: closed && cell != WRITING -> goto done  /* closed and drained */
  :: else -> skip
  fi;
  if
  :: deadline[R] -> goto done  /* given_up */
  :: else -> skip
  fi;
  atomic { enders[R] = 0; slot = 0; word[R] = WAITING; in_receivers = true }  /* 1. register */
  /* (seq_cst fence) 2. re-check: a value in the cell, a close, the deadline */
  if
  :: RECEIVER_READY || deadline[R] ->
     atomic { in_receivers = false };
     atomic {
       if
       :: word[R] == WAITING -> word[R] = IDLE; outcome = IDLE
       :: else -> outcome = word[R]; word[R] = IDLE
       fi
     }
  :: else ->
     (word[R] != WAITING);  /* 3. park */
     atomic { in_receivers = false; outcome = word[R]; word[R] = IDLE }
  fi;
  if
  :: outcome == DELIVERED ->
     assert(slot != 0);
     atomic { got_ok++; got_sum = got_sum + slot };
     goto again
  :: outcome == TIMED_OUT -> goto done  /* one receiver: nobody to pass a wakeup on to */
  :: else -> goto again
  fi;
done:
  finished++
}

/* A deadline passes at some moment: the flag, then the CAS (the timer's). */
proctype Deadline(byte p) {
  deadline[p] = true;
  atomic { END_WAIT(p, TIMED_OUT) }
}

/* close(): the closed bit, (fence), then every wait on every list ends as NOTIFIED. */
proctype Closer() {
  closed = true;
  atomic { if :: in_receivers -> in_receivers = false; END_WAIT(R, NOTIFIED) :: else -> skip fi }
  atomic { if :: in_senders[0] -> in_senders[0] = false; END_WAIT(0, NOTIFIED) :: else -> skip fi }
  atomic { if :: in_senders[1] -> in_senders[1] = false; END_WAIT(1, NOTIFIED) :: else -> skip fi }
  atomic { if :: in_owner[0] -> in_owner[0] = false; END_WAIT(0, NOTIFIED) :: else -> skip fi }
  atomic { if :: in_owner[1] -> in_owner[1] = false; END_WAIT(1, NOTIFIED) :: else -> skip fi }
}

init {
  atomic {
    word[0] = IDLE; word[1] = IDLE; word[R] = IDLE;
    run Sender(0);
    run Sender(1);
    run Receiver();
#ifdef DEADLINES
#ifndef CLOSE
    run Deadline(0);  /* with a close, every wait ends anyway: two deadlines keep it small */
#endif
    run Deadline(1);
    run Deadline(R);
#endif
#ifdef CLOSE
    run Closer();
#endif
  }
  (finished == NS + 1);
  assert(sent_ok == got_ok && sent_sum == got_sum);  /* exactly once */
  assert(cell == EMPTY || closed);  /* no value left behind an ended send */
#if !defined(DEADLINES) && !defined(CLOSE)
  assert(got_ok == NS);
#endif
}
