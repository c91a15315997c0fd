/* rendezvous.pml: the hand-to-hand path of a rendezvous (capacity 0) channel, as spin checks
 * it: a select waiting to send meets a receiver with no value stored in between.
 *
 * What is modelled (channel.hpp, waiter.hpp, select.hpp). On a rendezvous a receive waits
 * with a slot (its std::optional<T>), and a select's send case waits as an *offer* (its
 * Offer<T>, in the channel's `offers` list, waiting.hpp). The two meet in one of two ways:
 *   - hand_over (a sender finds a receiver registered): under the receivers' lock it takes
 *     the node out and CASes the receiver's word WAITING -> DELIVERED; only if that wins does
 *     it move the value into the slot (a loser never touches a slot it does not own);
 *   - take_offer (a receiver finds an offer registered): the same in the other direction.
 * Neither side notifies the other when it registers. Instead each side's re-check, after
 * its seq_cst fence, looks at the *other* side's list: the sender's at the receivers (the
 * select's send case is ready when a receiver waits), the receiver's at the offers. That is
 * Dekker's pattern: of two parties that register at the same time, at least one sees the
 * other, withdraws, and completes the handoff itself. Without it both park: a lost wakeup.
 *
 * One sender (a select with one send case) sends ROUNDS values, one receiver receives.
 * Options: -DDEADLINES (a deadline on each side, which may pass at any moment, after which
 * that side gives up) and -DCLOSE (a close at any moment, which ends every wait).
 *
 * What spin checks: no invalid end state (without deadlines and close, both parties must
 * meet ROUNDS times; a party parked forever is a lost wakeup); exactly once (the values the
 * receiver got are exactly those whose send returned ok); each wait is ended by exactly one
 * party (a second would wake its owner twice); a DELIVERED offer was taken.
 * Not checked: progress. Two parties that register at the same instant, see each other,
 * withdraw and retry in lockstep forever are a cycle without progress (`pan -l` finds it);
 * real timing breaks the symmetry, and Go avoids it with one lock per channel.
 *
 * Not modelled: a select's other cases (they end the same word with the same CAS, as the
 * deadline does here; a mover that loses the CAS touches nothing, so two cases sharing a
 * variable are safe), a send and a receive case of one select on the same channel (refused
 * at run time), the cell (a plain send waits in it for a receiver: cell.pml), several senders or receivers (each list hands one
 * node at a time, under its lock, and the argument is per pair).
 */

#ifndef ROUNDS
#define ROUNDS 2
#endif

mtype = { IDLE, WAITING, NOTIFIED, TIMED_OUT, DELIVERED };

mtype recv_word = IDLE;    /* the receive's waiter word */
mtype send_word = IDLE;    /* the select's waiter word */
bool recv_linked = false;  /* the receive is in the receivers' list */
byte recv_slot = 0;        /* its slot: 0 empty, else the value handed over */
bool offer_linked = false; /* the select's offer is in the offers list */
byte offer_value = 0;
bool offer_taken = false;
bool closed = false;
bool recv_deadline = false, send_deadline = false;

byte sent_ok = 0, sent_sum = 0, got_ok = 0, got_sum = 0;
byte finished = 0;
/* Parties that ended the current wait of each side: never more than one (each wakes it). */
byte recv_enders = 0, send_enders = 0;
#define ENDS_RECV recv_enders++; assert(recv_enders == 1)
#define ENDS_SEND send_enders++; assert(send_enders == 1)

#ifdef MUTANT_SENDER_IGNORES_RECEIVERS
#define SENDER_SEES_RECEIVER false
#else
#define SENDER_SEES_RECEIVER recv_linked
#endif
#ifdef MUTANT_RECEIVER_IGNORES_OFFERS
#define RECEIVER_SEES_OFFER false
#else
#define RECEIVER_SEES_OFFER offer_linked
#endif

proctype Receiver() {
  byte rounds = 0;
  byte got;
  mtype outcome;
again:
  if
  :: rounds == ROUNDS || closed -> goto done
  :: else -> skip
  fi;
  /* take_now: no value in the cell (no plain sender here); take an offer if one waits */
  atomic {
    if
    :: offer_linked ->
       offer_linked = false;
#ifdef MUTANT_BLIND_TAKE
       send_word = DELIVERED;
       got = offer_value;
       offer_taken = true;
       ENDS_SEND
#else
       if  /* the CAS first; the move only for its winner */
       :: send_word == WAITING ->
          send_word = DELIVERED; got = offer_value; offer_taken = true; ENDS_SEND
       :: else -> got = 0  /* that wait ended otherwise: the offer is not touched */
       fi
#endif
    :: else -> got = 0
    fi
  }
  if
  :: got != 0 -> got_ok++; got_sum = got_sum + got; rounds++; goto again
  :: else -> skip
  fi;
  if
  :: recv_deadline -> goto done
  :: else -> skip
  fi;
  atomic { recv_slot = 0; recv_enders = 0; recv_linked = true; recv_word = WAITING }  /* 1. register */
  /* (seq_cst fence) 2. re-check: an offer, a close, the deadline */
  if
  :: RECEIVER_SEES_OFFER || closed || recv_deadline ->
     atomic { recv_linked = false };  /* unlink, then withdraw */
     atomic {
       if
       :: recv_word == WAITING -> recv_word = IDLE; goto again
       :: else -> outcome = recv_word; recv_word = IDLE
       fi
     }
  :: else ->
     (recv_word != WAITING);  /* 3. park */
     atomic { recv_linked = false; outcome = recv_word; recv_word = IDLE }
  fi;
  if
  :: outcome == DELIVERED ->
     assert(recv_slot != 0);
     got_ok++; got_sum = got_sum + recv_slot; rounds++; goto again
  :: outcome == NOTIFIED -> goto again
  :: outcome == TIMED_OUT -> goto done
  fi;
done:
  finished++
}

proctype Sender() {
  byte rounds = 0;
  byte value;
  bool delivered;
  mtype outcome;
again:
  value = rounds + 1;
  if
  :: rounds == ROUNDS || closed -> goto done
  :: else -> skip
  fi;
  /* try_now: hand the value to a registered receiver */
  atomic {
    if
    :: recv_linked ->
       recv_linked = false;
#ifdef MUTANT_BLIND_HAND_OVER
       recv_word = DELIVERED;
       recv_slot = value;
       delivered = true;
       ENDS_RECV
#else
       if  /* the CAS first; the move only for its winner */
       :: recv_word == WAITING ->
          recv_word = DELIVERED; recv_slot = value; delivered = true; ENDS_RECV
       :: else -> delivered = false  /* that wait ended otherwise: its slot is not touched */
       fi
#endif
    :: else -> delivered = false
    fi
  }
  if
  :: delivered -> sent_ok++; sent_sum = sent_sum + value; rounds++; goto again
  :: else -> skip
  fi;
  if
  :: send_deadline -> goto done
  :: else -> skip
  fi;
  atomic {
    offer_value = value; offer_taken = false; send_enders = 0; offer_linked = true;
    send_word = WAITING
  }
  /* (seq_cst fence) 2. re-check: a receiver waiting, a close, the deadline */
  if
  :: SENDER_SEES_RECEIVER || closed || send_deadline ->
     atomic { offer_linked = false };
     atomic {
       if
       :: send_word == WAITING -> send_word = IDLE; goto again
       :: else -> outcome = send_word; send_word = IDLE
       fi
     }
  :: else ->
     (send_word != WAITING);
     atomic { offer_linked = false; outcome = send_word; send_word = IDLE }
  fi;
  if
  :: outcome == DELIVERED ->
     assert(offer_taken);
     sent_ok++; sent_sum = sent_sum + value; rounds++; goto again
  :: outcome == NOTIFIED -> goto again
  :: outcome == TIMED_OUT -> goto done  /* select returns timed_out: nothing sent */
  fi;
done:
  finished++
}

/* A deadline passes at some moment: the flag, then the CAS (the timer's). */
proctype ReceiveDeadline() {
  recv_deadline = true;
  atomic { if :: recv_word == WAITING -> recv_word = TIMED_OUT; ENDS_RECV :: else -> skip fi }
}
proctype SendDeadline() {
  send_deadline = true;
  atomic { if :: send_word == WAITING -> send_word = TIMED_OUT; ENDS_SEND :: else -> skip fi }
}

/* close(): the closed bit, (fence), then every wait on both lists ends as NOTIFIED. */
proctype Closer() {
  closed = true;
  atomic { if :: recv_linked -> recv_linked = false;
                 if :: recv_word == WAITING -> recv_word = NOTIFIED; ENDS_RECV :: else -> skip fi
              :: else -> skip fi }
  atomic { if :: offer_linked -> offer_linked = false;
                 if :: send_word == WAITING -> send_word = NOTIFIED; ENDS_SEND :: else -> skip fi
              :: else -> skip fi }
}

init {
  atomic {
    run Receiver();
    run Sender();
#ifdef DEADLINES
    run ReceiveDeadline();
    run SendDeadline();
#endif
#ifdef CLOSE
    run Closer();
#endif
  }
  (finished == 2);
  assert(sent_ok == got_ok && sent_sum == got_sum);  /* exactly once */
#if !defined(DEADLINES) && !defined(CLOSE)
  assert(got_ok == ROUNDS);
#endif
}
