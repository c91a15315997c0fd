#!/usr/bin/env bash
# Verifies the channel's park/notify protocol (model/waiter.pml) with spin, exhaustively,
# for a thread receiver and a fiber receiver (2 senders, capacity 1); a rendezvous's
# hand-to-hand path between a select's send case and a receiver (model/rendezvous.pml); its
# cell, where plain sends wait for a receiver to take their value (model/cell.pml); and
# the loop's inbox and its one-wake-per-sleep flag (model/loop_inbox.pml, 3 wakers). Then it
# checks that the check can fail: each mutant below is a real bug, and spin must find it.
# Needs spin and a C compiler (Debian: spin, gcc). About two and a half minutes on one CPU,
# half that on two (tools/spin_runs.sh runs one model per CPU). The 3-sender protocol
# (-DSENDERS=3 -DNO_DEADLINE) and the cell with deadlines and a close together are too large
# for CI; model/README.md says how they were checked.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
models="$here/../model"
source "$here/../../tools/spin_runs.sh"  # the loop both chapters' checks share

# name | model | spin -D options | what must happen | search
runs=(
  "protocol, thread receiver|waiter.pml||pass"
  "protocol, fiber receiver|waiter.pml|-DRECEIVER_IS_FIBER|pass"
  "mutant: no re-check after registering|waiter.pml|-DMUTANT_NO_RECHECK|fail"
  "mutant: the wait-ending CAS as a load and a store|waiter.pml|-DMUTANT_BLIND_STORE|fail"
  "mutant: the sender looks for a waiter before its put|waiter.pml|-DMUTANT_NOTIFY_BEFORE_PUT|fail"
  "mutant: a put never wakes the receiver|waiter.pml|-DMUTANT_NO_NOTIFY_RECEIVER|fail"
  "mutant: a take never wakes a sender|waiter.pml|-DMUTANT_NO_NOTIFY_SENDER|fail"
  "mutant: the re-check forgets the deadline|waiter.pml|-DMUTANT_NO_DEADLINE_RECHECK|fail"
  "mutant: a fiber keeps a stale unpark|waiter.pml|-DRECEIVER_IS_FIBER -DMUTANT_FIBER_KEEPS_STALE_UNPARK|fail"
  "mutant: a cancelled sender keeps its wakeup (3 senders)|waiter.pml|-DSENDERS=3 -DNO_DEADLINE -DMUTANT_NO_PASS_ON|fail|bfs"
  "rendezvous: select offer meets receiver, none lost|rendezvous.pml||pass"
  "rendezvous: the same with deadlines and close|rendezvous.pml|-DDEADLINES -DCLOSE|pass"
  "mutant: the offer's re-check ignores receivers|rendezvous.pml|-DMUTANT_SENDER_IGNORES_RECEIVERS|fail"
  "mutant: the receive's re-check ignores offers|rendezvous.pml|-DMUTANT_RECEIVER_IGNORES_OFFERS|fail"
  "mutant: take_offer ends the wait without a CAS|rendezvous.pml|-DDEADLINES -DMUTANT_BLIND_TAKE|fail"
  "mutant: hand_over ends the wait without a CAS|rendezvous.pml|-DDEADLINES -DMUTANT_BLIND_HAND_OVER|fail"
  "rendezvous cell: two senders, one receiver|cell.pml||pass"
  "rendezvous cell: with a deadline on each party|cell.pml|-DDEADLINES|pass"
  "rendezvous cell: with a close at any moment|cell.pml|-DCLOSE|pass"
  "mutant: the receive's re-check forgets the cell|cell.pml|-DMUTANT_RECEIVER_IGNORES_CELL|fail"
  "mutant: the owner's re-check forgets the take|cell.pml|-DMUTANT_OWNER_IGNORES_TAKEN|fail"
  "mutant: the retract as a load and a store|cell.pml|-DDEADLINES -DMUTANT_BLIND_RETRACT|fail"
  "mutant: a freed cell wakes no waiting sender|cell.pml|-DMUTANT_RELEASE_WAKES_NOBODY|fail"
  "loop inbox: one wake per sleep, none lost|loop_inbox.pml||pass"
  "mutant: the loop sleeps without re-reading its inbox|loop_inbox.pml|-DMUTANT_NO_RECHECK|fail"
  "mutant: a waker looks at the state before its push|loop_inbox.pml|-DMUTANT_LOOK_BEFORE_PUSH|fail"
  "mutant: every waker wakes a sleeping loop|loop_inbox.pml|-DMUTANT_NO_DEDUP|fail"
)
failed=0
spin_runs "$models" "${runs[@]}" || failed=1
if [ "$failed" -ne 0 ]; then
  echo "model check FAILED" >&2
  exit 1
fi
echo "model check passed: the protocols hold (both receivers; the rendezvous and its cell; the loop's inbox); every mutant was caught"
