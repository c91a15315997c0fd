// Go's goroutines on the rows of ch06-scheduler's demos, for compare/run.sh: spawn (many
// goroutines alive at once: time and resident memory per goroutine) and pingpong (two
// goroutines over an unbuffered channel). GOMAXPROCS comes from the environment.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
)

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

func median(xs []float64) (float64, float64, float64) {
	sort.Float64s(xs)
	return xs[len(xs)/2], xs[0], xs[len(xs)-1]
}

func main() {
	rows := flag.String("rows", "spawn,pingpong", "rows to run")
	fibers := flag.Int("fibers", 100000, "goroutines alive at once (spawn)")
	trips := flag.Int("round-trips", 1000000, "round trips (pingpong)")
	reps := flag.Int("reps", 5, "runs per row")
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
		default:
			fmt.Fprintf(os.Stderr, "unknown row %q\n", row)
			os.Exit(2)
		}
	}
}
