// echo-load: a load generator for echo servers that shares no code with chapter 4's own
// client, so that the two can check each other. N connections, one message in flight on
// each (pipeline 1): write S bytes, read S bytes back, compare them with what was sent,
// repeat, for D seconds. Then one row: msgs/s, MB/s, latency percentiles, errors.
//
//	taskset -c 0 echo-load -port 7003 -conns 100 -duration 2 -procs 1
//
// Every connection's wait is bounded: each socket's deadline is the end of the run plus
// -timeout, so a server that stops answering ends the run with an error, not a hang.
// Exit status 1 if a connection failed or no echo came back.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

type options struct {
	port     int
	conns    int
	size     int
	duration time.Duration
	timeout  time.Duration
	name     string
}

// What one connection did; written only by its goroutine, read after all have ended.
type result struct {
	messages  atomic.Int64 // echoes verified (read by the progress line while running)
	latencies []time.Duration
	err       error
}

func main() {
	var o options
	var seconds float64
	var procs int
	var header bool
	flag.IntVar(&o.port, "port", 0, "the server's TCP port on 127.0.0.1 (required)")
	flag.IntVar(&o.conns, "conns", 100, "connections")
	flag.IntVar(&o.size, "size", 64, "bytes per message")
	flag.Float64Var(&seconds, "duration", 2, "seconds to run")
	flag.DurationVar(&o.timeout, "timeout", 10*time.Second,
		"how long past the end a connection may wait for its last echo")
	flag.IntVar(&procs, "procs", 0, "GOMAXPROCS (0: leave it as the environment set it)")
	flag.StringVar(&o.name, "name", "", "the server column's label (default: the port)")
	flag.BoolVar(&header, "header", true, "print the title and the column names before the row")
	flag.Parse()
	switch {
	case o.port < 1 || o.port > 65535:
		usage("-port must be from 1 to 65535")
	case o.conns < 1 || o.conns > 100000:
		usage("-conns must be from 1 to 100000")
	case o.size < 1 || o.size > 1<<24:
		usage("-size must be from 1 to 16777216")
	case seconds <= 0 || seconds > 3600:
		usage("-duration must be more than 0 and at most 3600 seconds")
	}
	o.duration = time.Duration(seconds * float64(time.Second))
	if o.name == "" {
		o.name = fmt.Sprint(o.port)
	}
	if procs > 0 {
		runtime.GOMAXPROCS(procs)
	}

	results, elapsed := run(o)

	var all []time.Duration
	var failed []error
	for i := range results {
		all = append(all, results[i].latencies...)
		if results[i].err != nil {
			failed = append(failed, results[i].err)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	if header {
		fmt.Printf("echo-load (Go %s, GOMAXPROCS %d): %d B messages, pipeline 1, %g s per run\n",
			runtime.Version(), runtime.GOMAXPROCS(0), o.size, seconds)
		fmt.Printf("%-8s  %11s  %9s  %8s  %6s  %8s  %8s  %8s  %6s\n", "server", "connections",
			"messages", "msgs/s", "MB/s", "p50 us", "p99 us", "p999 us", "errors")
	}
	rate := float64(len(all)) / elapsed.Seconds()
	fmt.Printf("%-8s  %11d  %9d  %8.0f  %6.2f  %8.1f  %8.1f  %8.1f  %6d\n", o.name, o.conns,
		len(all), rate, rate*float64(o.size)/1e6, percentile(all, 0.50), percentile(all, 0.99),
		percentile(all, 0.999), len(failed))
	for i, err := range failed {
		if i == 5 {
			fmt.Fprintf(os.Stderr, "echo-load: ... and %d more errors\n", len(failed)-i)
			break
		}
		fmt.Fprintf(os.Stderr, "echo-load: %v\n", err)
	}
	if len(failed) > 0 || len(all) == 0 {
		os.Exit(1)
	}
}

func usage(message string) {
	fmt.Fprintf(os.Stderr, "echo-load: %s\n", message)
	flag.Usage()
	os.Exit(2)
}

// run connects every connection first, then starts the clock and lets them all echo for
// the duration. It returns each connection's result and the time from the start to the
// last connection's end.
func run(o options) ([]result, time.Duration) {
	results := make([]result, o.conns)
	address := fmt.Sprintf("127.0.0.1:%d", o.port)
	var connected, finished sync.WaitGroup
	connected.Add(o.conns)
	finished.Add(o.conns)
	start := make(chan struct{})
	var end time.Time // written before start is closed, read after
	for i := 0; i < o.conns; i++ {
		go func(id int) {
			defer finished.Done()
			conn, err := net.DialTimeout("tcp4", address, o.timeout)
			connected.Done()
			if err != nil {
				results[id].err = fmt.Errorf("connection %d: %w", id, err)
				return
			}
			defer conn.Close()
			<-start
			results[id].err = echo(conn.(*net.TCPConn), id, end, o, &results[id])
		}(i)
	}
	connected.Wait()
	begin := time.Now()
	end = begin.Add(o.duration)
	close(start)
	stopProgress := progress(results)
	finished.Wait()
	stopProgress()
	return results, time.Since(begin)
}

// echo runs one connection until `end`, then half-closes it and expects end-of-stream:
// a byte the server sends that was never asked for is an error too.
func echo(conn *net.TCPConn, id int, end time.Time, o options, r *result) error {
	if err := conn.SetDeadline(end.Add(o.timeout)); err != nil {
		return fmt.Errorf("connection %d: %w", id, err)
	}
	message := make([]byte, o.size)
	reply := make([]byte, o.size)
	r.latencies = make([]time.Duration, 0, 1024)
	for number := 0; ; number++ {
		sent := time.Now()
		if !sent.Before(end) {
			break
		}
		fill(message, id, number)
		if err := exchange(conn, message, reply); err != nil {
			return fmt.Errorf("connection %d, message %d: %w", id, number, err)
		}
		latency := time.Since(sent)
		if !bytes.Equal(reply, message) {
			at := firstDifference(reply, message)
			return fmt.Errorf("connection %d, message %d, byte %d of %d: got %#02x, expected %#02x",
				id, number, at, o.size, reply[at], message[at])
		}
		r.latencies = append(r.latencies, latency)
		r.messages.Add(1)
	}
	if err := conn.CloseWrite(); err != nil {
		return fmt.Errorf("connection %d: half-close: %w", id, err)
	}
	n, err := conn.Read(reply[:1])
	if n > 0 {
		return fmt.Errorf("connection %d: the server sent bytes that were never sent to it", id)
	}
	if !errors.Is(err, io.EOF) {
		return fmt.Errorf("connection %d: after the half-close: %v (expected end-of-stream)", id, err)
	}
	return nil
}

// Messages up to this size are written, then read back: the sockets' buffers hold them
// whole. A larger one is written by a second goroutine while this one reads, or client and
// server could both wait for the other to read.
const writeBesideReadAbove = 64 * 1024

// exchange sends `message` and reads its echo into `reply`.
func exchange(conn *net.TCPConn, message, reply []byte) error {
	if len(message) <= writeBesideReadAbove {
		if _, err := conn.Write(message); err != nil {
			return err
		}
		_, err := io.ReadFull(conn, reply)
		return err
	}
	written := make(chan error, 1)
	go func() {
		_, err := conn.Write(message)
		written <- err
	}()
	_, readErr := io.ReadFull(conn, reply)
	if err := <-written; err != nil {
		return err
	}
	return readErr
}

// fill writes message `number` of connection `id`: xorshift64 bytes seeded by both, so a
// byte lost, duplicated, reordered or taken from another message or connection differs.
// The seed goes through splitmix64's mixer first: without it, seeds that differ only in
// their high bits (the connection) would give the same first bytes.
func fill(message []byte, id, number int) {
	state := uint64(id)<<32 | uint64(uint32(number))
	state += 0x9e3779b97f4a7c15
	state = (state ^ state>>30) * 0xbf58476d1ce4e5b9
	state = (state ^ state>>27) * 0x94d049bb133111eb
	state ^= state >> 31
	if state == 0 {
		state = 1 // xorshift's one fixed point
	}
	for i := range message {
		state ^= state << 13
		state ^= state >> 7
		state ^= state << 17
		message[i] = byte(state)
	}
}

func firstDifference(a, b []byte) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return len(a)
}

// percentile by nearest rank over sorted latencies, in microseconds (0 if there are none).
func percentile(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p*float64(len(sorted))+0.5) - 1
	if rank < 0 {
		rank = 0
	}
	if rank >= len(sorted) {
		rank = len(sorted) - 1
	}
	return float64(sorted[rank]) / float64(time.Microsecond)
}

// progress prints the echoes so far to stderr twice a second, if stderr is a terminal.
// The returned function stops it and clears the line.
func progress(results []result) func() {
	info, err := os.Stderr.Stat()
	if err != nil || info.Mode()&os.ModeCharDevice == 0 {
		return func() {}
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		ticker := time.NewTicker(500 * time.Millisecond)
		defer ticker.Stop()
		for {
			select {
			case <-done:
				fmt.Fprint(os.Stderr, "\r\033[K")
				return
			case <-ticker.C:
				var total int64
				for i := range results {
					total += results[i].messages.Load()
				}
				fmt.Fprintf(os.Stderr, "\recho-load: %d echoes", total)
			}
		}
	}()
	return func() {
		close(done)
		<-stopped
	}
}
