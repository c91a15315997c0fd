/* Chapter 2's short-receive rule (include/rt/poll/drain_mark.hpp, as IoSocket uses it in
 * src/io_operation_readiness.cpp), against an edge-triggered queue: after a receive that came
 * back short, the next receive waits for an edge without calling recv() first. The property: the reader never waits for an edge while data or the
 * peer's FIN is in the socket and no edge for it is still to come. A lost edge shows as the
 * reader parked forever (an invalid end state) or, with -DPEER_WAITS, the peer waiting
 * forever for the reader to catch up.
 *
 * Processes:
 * - peer: sends MESSAGES messages, then its FIN. Each arrival is two steps, as in the kernel:
 *   the data (or FIN) is queued, then the wakeup callback puts the socket on epoll's ready
 *   list (ep_poll_callback: once per arrival, whether or not the socket was readable before).
 *   With -DPEER_WAITS it sends the FIN only after the reader has taken every message, so that
 *   no FIN can rescue a reader stuck on a lost edge.
 * - poller (a worker in epoll_wait): takes the socket off the ready list and reports what it
 *   reads now (ep_item_poll: readable if data or FIN is there, hangup if FIN; an item with
 *   nothing to report is dropped), then calls on_event under the socket's lock.
 * - reader (a fiber in read_some): start() under the socket's lock; if the operation is left
 *   pending it parks until on_event finishes it.
 * The socket's lock is modelled by atomic blocks: start() and on_event() never interleave,
 * but the harvest (epoll_wait) runs outside the lock, at any moment (chapter 6: another
 * worker's poll).
 *
 * A receive takes everything queued, and its buffer is larger than all of it, so every receive
 * that gets data is short (the echo case: 64 B messages into a 16 KiB buffer).
 *
 * Mutants (each must be caught):
 *   -DMUTANT_NO_HUNG_UP           a short receive marks the socket drained even after a hangup
 *   -DMUTANT_CLEAR_ONLY_PENDING   an event clears the mark only if a receive is waiting
 */

#ifndef MESSAGES
#define MESSAGES 2
#endif

byte queued = 0;     /* messages in the socket's receive queue */
bool fin = false;    /* the peer's FIN is in the socket */
bool on_ready = false; /* the socket is on epoll's ready list (an edge to report) */

/* IoSocket, under the socket's lock */
bool drained = false;  /* DrainMark::drained_ */
bool hung_up = false;  /* DrainMark::hung_up_ */
bool pending = false;  /* a receive waits in receiving_ */

/* the outcome of the last receive: 0 none, 1 data, 2 end (0 bytes) */
byte result = 0;
byte received = 0;     /* messages the reader has taken */
bool reader_done = false;

/* One non-blocking recv(): everything queued (short), else the end, else EAGAIN. */
inline attempt(finished) {
  if
  :: queued > 0 ->
       received = received + queued; queued = 0; result = 1; finished = true;
#ifdef MUTANT_NO_HUNG_UP
       drained = true
#else
       drained = !hung_up
#endif
  :: queued == 0 && fin -> result = 2; finished = true
  :: else -> finished = false
  fi
}

active proctype peer() {
  byte sent = 0;
  do
  :: sent < MESSAGES ->
       queued++; sent++;
       on_ready = true      /* the wakeup callback */
  :: sent == MESSAGES -> break
  od;
#ifdef PEER_WAITS
  received == MESSAGES;
#endif
  fin = true;
  on_ready = true
}

active proctype poller() {
  bool readable, hangup, finished;
end_wait:
  do
  :: atomic {
       on_ready ->
         on_ready = false;
         readable = queued > 0 || fin;
         hangup = fin
     };
     if
     :: !readable && !hangup -> skip   /* nothing to report: epoll drops the item */
     :: else ->
          atomic {   /* on_event(), under the socket's lock */
#ifdef MUTANT_CLEAR_ONLY_PENDING
            if :: pending -> drained = false :: else -> skip fi;
#else
            drained = false;
#endif
            if :: hangup -> hung_up = true :: else -> skip fi;
            if
            :: pending ->
                 attempt(finished);
                 if :: finished -> pending = false :: else -> skip fi
            :: else -> skip
            fi
          }
     fi
  od
}

active proctype reader() {
  bool finished;
  do
  :: atomic {   /* start(), under the socket's lock */
       result = 0;
       if
       :: !drained -> attempt(finished)
       :: else -> finished = false
       fi;
       if :: !finished -> pending = true :: else -> skip fi
     };
     !pending;   /* parked until on_event finished the receive */
     if
     :: result == 2 -> break
     :: else -> skip   /* data: echo it, then receive again */
     fi
  od;
  assert(received == MESSAGES);
  reader_done = true
}
