// Go's goroutines on the rows of ch06-scheduler's demos, for compare/run.sh: spawn (many
// goroutines alive at once: time and resident memory per goroutine), pingpong (two
// goroutines over an unbuffered channel), handoff (a goroutine blocked in a read on a pipe,
// goroutines queued behind it, and what a system call's entersyscall/exitsyscall cost) and
// locked (a syscall server goroutine, with runtime.LockOSThread and without) and preempt (a
// goroutine readied behind goroutines that spin without a check point).
// GOMAXPROCS comes from the environment.
package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	_ "unsafe" // go:linkname
)

// runtime.nanotime is nosplit: a call to it has no stack check, so it is no preemption point.
//
//go:linkname nanotime runtime.nanotime
func nanotime() int64

// residentBytes reads the resident set from /proc/self/statm (Linux), as the C++ side does.
func residentBytes() float64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	var size, resident int64
	fmt.Sscan(string(data), &size, &resident)
	return float64(resident * int64(os.Getpagesize()))
}

func spawn(n int) (usEach, kibEach float64) {
	gate := make(chan struct{})
	var started sync.WaitGroup
	started.Add(n)
	before := residentBytes()
	t0 := time.Now()
	for i := 0; i < n; i++ {
		go func() {
			started.Done()
			<-gate
		}()
	}
	started.Wait()
	elapsed := time.Since(t0)
	after := residentBytes()
	close(gate)
	return float64(elapsed.Nanoseconds()) / float64(n) / 1000, (after - before) / float64(n) / 1024
}

func pingpong(n int) float64 {
	ping := make(chan int)
	pong := make(chan int)
	go func() {
		for v := range ping {
			pong <- v
		}
		close(pong)
	}()
	t0 := time.Now()
	for i := 0; i < n; i++ {
		ping <- i
		<-pong
	}
	elapsed := time.Since(t0)
	close(ping)
	return float64(n) / elapsed.Seconds() / 1e6
}

var sink atomic.Uint64 // keeps the goroutines' arithmetic

// handoff: the ch06-scheduler demo of that name. A goroutine spawns `others` goroutines (each
// `work` iterations of arithmetic), queued on its P, then blocks in read(2) on a pipe, a raw
// system call (os.Pipe's files would park on the netpoller instead), until a timer's goroutine
// writes the byte `blockMs` later. Times are from the read's start: the first other's start,
// the last other's end, and the read's return.
func handoff(others, blockMs, work int) (firstUs, allMs, blockedMs float64) {
	var fds [2]int
	if err := syscall.Pipe(fds[:]); err != nil {
		panic(err)
	}
	defer syscall.Close(fds[0])
	defer syscall.Close(fds[1])
	base := time.Now()
	var first, last, entered, returned atomic.Int64
	first.Store(math.MaxInt64)
	done := make(chan struct{})
	go func() {
		var wg sync.WaitGroup
		for i := 0; i < others; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				start := time.Since(base).Nanoseconds()
				for seen := first.Load(); start < seen && !first.CompareAndSwap(seen, start); seen = first.Load() {
				}
				x := uint64(1)
				for k := 0; k < work; k++ {
					x = x*6364136223846793005 + 1
				}
				sink.Add(x)
				end := time.Since(base).Nanoseconds()
				for seen := last.Load(); end > seen && !last.CompareAndSwap(seen, end); seen = last.Load() {
				}
			}()
		}
		time.AfterFunc(time.Duration(blockMs)*time.Millisecond, func() {
			syscall.Write(fds[1], []byte{1})
		})
		entered.Store(time.Since(base).Nanoseconds())
		var b [1]byte
		syscall.Read(fds[0], b[:])
		returned.Store(time.Since(base).Nanoseconds())
		wg.Wait()
		close(done)
	}()
	<-done
	e := entered.Load()
	return math.Max(0, float64(first.Load()-e)/1e3), float64(last.Load()-e) / 1e6,
		float64(returned.Load()-e) / 1e6
}

// syscallPair: what entersyscall and exitsyscall add to a system call, as Go's getpid through
// syscall.Syscall (which calls them) minus the same through syscall.RawSyscall (which does not).
func syscallPair() float64 {
	const n = 1000000
	t0 := time.Now()
	for i := 0; i < n; i++ {
		syscall.Syscall(syscall.SYS_GETPID, 0, 0, 0)
	}
	with := time.Since(t0)
	t0 = time.Now()
	for i := 0; i < n; i++ {
		syscall.RawSyscall(syscall.SYS_GETPID, 0, 0, 0)
	}
	without := time.Since(t0)
	return float64((with - without).Nanoseconds()) / n
}

// locked: the ch06-scheduler demo of that name, Go's half (Go has no N:1 form). A syscall
// server goroutine, locked to its thread with runtime.LockOSThread or not, serves requests
// over an unbuffered channel; `clients` goroutines each make `requests` round trips, a reply
// channel each. Requests per second, and the round trip's 50th and 99th percentiles in us.
func locked(lock bool, clients, requests int) (perSecond, p50, p99 float64) {
	type request struct{ client, value int }
	reqs := make(chan request)
	replies := make([]chan int, clients)
	for c := range replies {
		replies[c] = make(chan int, 1)
	}
	ready := make(chan struct{})
	go func() {
		if lock {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
		}
		close(ready)
		for r := range reqs {
			replies[r.client] <- r.value + 1
		}
	}()
	<-ready
	latencies := make([][]time.Duration, clients)
	var wg sync.WaitGroup
	t0 := time.Now()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			mine := make([]time.Duration, 0, requests)
			for i := 0; i < requests; i++ {
				sent := time.Now()
				reqs <- request{c, i}
				<-replies[c]
				mine = append(mine, time.Since(sent))
			}
			latencies[c] = mine
		}(c)
	}
	wg.Wait()
	elapsed := time.Since(t0)
	close(reqs)
	var all []float64
	for _, mine := range latencies {
		for _, d := range mine {
			all = append(all, float64(d.Nanoseconds())/1e3)
		}
	}
	sort.Float64s(all)
	return float64(len(all)) / elapsed.Seconds(), all[len(all)/2], all[len(all)*99/100]
}

// preempt: the ch06-scheduler demo of that name, with its spinning hog. One goroutine per P
// computes for hogMs with no call but nanotime (no check point at all), and the main
// goroutine, asleep for 1 ms from the hogs' start, becomes runnable behind them: how long it
// then waited for a P. GODEBUG=asyncpreemptoff=1 leaves Go only its check points: none here.
func preempt(hogMs int) (waitMs float64) {
	procs := runtime.GOMAXPROCS(0)
	var done sync.WaitGroup
	done.Add(procs)
	t0 := time.Now()
	for p := 0; p < procs; p++ {
		go func() {
			defer done.Done()
			until := nanotime() + int64(hogMs)*1e6
			x := uint64(0)
			for i := uint64(1); ; i++ {
				x = x*6364136223846793005 + i
				if i&0xffff == 0 && nanotime() >= until {
					break
				}
			}
			sink.Add(x)
		}()
	}
	time.Sleep(time.Millisecond) // the hogs take the P(s); main's timer fires 1 ms in

	waitMs = float64(time.Since(t0).Microseconds())/1000 - 1
	done.Wait()
	return waitMs
}

func median(xs []float64) (float64, float64, float64) {
	sort.Float64s(xs)
	return xs[len(xs)/2], xs[0], xs[len(xs)-1]
}

func main() {
	rows := flag.String("rows", "spawn,pingpong", "rows to run")
	fibers := flag.Int("fibers", 100000, "goroutines alive at once (spawn)")
	trips := flag.Int("round-trips", 1000000, "round trips (pingpong)")
	reps := flag.Int("reps", 5, "runs per row")
	others := flag.Int("others", 100, "goroutines queued behind the blocked one (handoff)")
	blockMs := flag.Int("block-ms", 50, "how long the read blocks (handoff)")
	work := flag.Int("work", 20000, "arithmetic iterations per other goroutine (handoff)")
	clients := flag.Int("clients", 4, "client goroutines (locked)")
	requests := flag.Int("requests", 5000, "round trips per client (locked)")
	hogMs := flag.Int("hog-ms", 100, "how long each spinning goroutine runs (preempt)")
	flag.Parse()
	fmt.Printf("GOMAXPROCS=%d\n", runtime.GOMAXPROCS(0))
	for _, row := range strings.Split(*rows, ",") {
		switch row {
		case "spawn":
			// Once per process: a second run would reuse the first run's goroutines and stacks
			// (Go keeps them on free lists), as a second run in our process would reuse the
			// stack pool. run.sh starts the process several times instead.
			us, kib := spawn(*fibers)
			fmt.Printf("spawn, %d alive: %.2f us per goroutine, %.2f KiB resident per goroutine\n",
				*fibers, us, kib)
		case "pingpong":
			var rates []float64
			for r := 0; r < *reps; r++ {
				rates = append(rates, pingpong(*trips))
			}
			m, lo, hi := median(rates)
			fmt.Printf("pingpong          %8.2f %8.2f %8.2f M round trips/s\n", m, lo, hi)
		case "handoff":
			first, all, blocked := handoff(*others, *blockMs, *work)
			fmt.Printf("handoff: a goroutine blocks %d ms in read(2) on a pipe, %d queued behind it\n",
				*blockMs, *others)
			fmt.Printf("  first other ran after %.0f us, all done after %.2f ms, read blocked %.1f ms\n",
				first, all, blocked)
			fmt.Printf("  entersyscall+exitsyscall: %.0f ns per system call (getpid: Syscall - RawSyscall)\n",
				syscallPair())
		case "locked":
			fmt.Printf("locked: a syscall server and %d client goroutine(s), %d round trips each\n",
				*clients, *requests)
			for _, lock := range []bool{false, true} {
				name := "unlocked"
				if lock {
					name = "LockOSThread"
				}
				perSecond, p50, p99 := locked(lock, *clients, *requests)
				fmt.Printf("  %-12s %10.0f requests/s, round trip p50 %.2f us, p99 %.2f us\n",
					name, perSecond, p50, p99)
			}
		case "preempt":
			var waits []float64
			for r := 0; r < *reps; r++ {
				waits = append(waits, preempt(*hogMs))
			}
			m, lo, hi := median(waits)
			fmt.Printf("preempt: %d spinning goroutine(s) of %d ms; a goroutine readied 1 ms in "+
				"waited %.2f ms (median of %d; %.2f-%.2f)\n",
				runtime.GOMAXPROCS(0), *hogMs, m, *reps, lo, hi)
		default:
			fmt.Fprintf(os.Stderr, "unknown row %q\n", row)
			os.Exit(2)
		}
	}
}
