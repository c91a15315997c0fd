// chanbench: Go's channels on the rows chapter 5's `bench` measures, for the comparison in
// ../run.sh. Run with GOMAXPROCS set by the caller (the figures depend on it).
//
//	chanbench -rows pingpong,stream,locked [-n N] [-reps R]
//
// Prints one line per row: "<row> <median> <min> <max> <unit>".
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"time"
)

// Unbuffered ping-pong between two goroutines: round trips per second.
func pingPong(n int) float64 {
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v
		}
	}()
	start := time.Now()
	for i := 0; i < n; i++ {
		ping <- i
		<-pong
	}
	elapsed := time.Since(start).Seconds()
	close(ping)
	return float64(n) / elapsed
}

// One producer, one consumer, a buffer of 1024: messages per second.
func stream(n int) float64 {
	ch := make(chan int, 1024)
	done := make(chan struct{})
	start := time.Now()
	go func() {
		for range ch {
		}
		close(done)
	}()
	for i := 0; i < n; i++ {
		ch <- i
	}
	close(ch)
	<-done
	return float64(n) / time.Since(start).Seconds()
}

// A goroutine locked to its OS thread (runtime.LockOSThread) answering a plain goroutine over
// unbuffered channels: the median round trip in microseconds (the brief's syscall server).
func locked(n int) float64 {
	requests, replies := make(chan int), make(chan int)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		for v := range requests {
			replies <- v
		}
	}()
	samples := make([]float64, n)
	for i := 0; i < n; i++ {
		start := time.Now()
		requests <- i
		<-replies
		samples[i] = float64(time.Since(start).Nanoseconds()) / 1000
	}
	close(requests)
	sort.Float64s(samples)
	return samples[len(samples)/2]
}

func main() {
	rows := flag.String("rows", "pingpong,stream,locked", "rows to measure, comma-separated")
	n := flag.Int("n", 2000000, "messages per stream row (ping-pong: a tenth; locked: a hundredth)")
	reps := flag.Int("reps", 5, "runs per row")
	flag.Parse()
	if *n < 100 || *reps < 1 {
		fmt.Fprintln(os.Stderr, "chanbench: -n must be at least 100 and -reps at least 1")
		os.Exit(2)
	}
	for _, row := range strings.Split(*rows, ",") {
		var measure func() float64
		var unit string
		switch row {
		case "pingpong":
			measure, unit = func() float64 { return pingPong(*n/10) / 1e6 }, "M_round_trips/s"
		case "stream":
			measure, unit = func() float64 { return stream(*n) / 1e6 }, "M_msgs/s"
		case "locked":
			measure, unit = func() float64 { return locked(*n / 100) }, "us_p50"
		default:
			fmt.Fprintf(os.Stderr, "chanbench: unknown row %q\n", row)
			os.Exit(2)
		}
		samples := make([]float64, *reps)
		for i := range samples {
			samples[i] = measure()
		}
		sort.Float64s(samples)
		fmt.Printf("%s %.3f %.3f %.3f %s\n", row, samples[len(samples)/2], samples[0],
			samples[len(samples)-1], unit)
	}
}
