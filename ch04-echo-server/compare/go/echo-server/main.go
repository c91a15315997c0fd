// The idiomatic Go echo server, a peer for chapter 4's bench: one goroutine per
// connection, each a read/write loop over a 16 KiB buffer (the size our servers use).
// Go's netpoller parks the goroutine in Read and Write, as rt::net parks a fiber; with
// GOMAXPROCS=1 every goroutine runs on one OS thread, the setting to compare with our
// one-thread models.
//
//	GOMAXPROCS=1 taskset -c 1 echo-server -port 7003
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"
)

const bufferSize = 16 * 1024

func main() {
	port := flag.Int("port", 7003, "TCP port on 127.0.0.1 (0: any free port)")
	upper := flag.Bool("upper", false, "reply with ASCII letters upper-cased")
	flag.Parse()
	if *port < 0 || *port > 65535 {
		fmt.Fprintf(os.Stderr, "echo-server: -port %d is not a port (0 to 65535)\n", *port)
		os.Exit(2)
	}

	listener, err := net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", *port))
	if err != nil {
		fmt.Fprintf(os.Stderr, "echo-server: %v\n", err)
		os.Exit(1)
	}
	// The same line our `serve` prints: compare/run.sh reads the port from it.
	fmt.Printf("listening on %s (go %s, GOMAXPROCS %d)\n", listener.Addr(), runtime.Version(),
		runtime.GOMAXPROCS(0))

	// Ctrl-C or SIGTERM: stop accepting, exit. Open connections end with the process.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-stop
		listener.Close()
	}()

	var backoff time.Duration
	for {
		conn, err := listener.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			// Out of descriptors, say: wait and retry, 1 ms doubling to 1 s (net/http's
			// Server does the same), so a full descriptor table is no busy loop.
			if backoff *= 2; backoff == 0 {
				backoff = time.Millisecond
			} else if backoff > time.Second {
				backoff = time.Second
			}
			fmt.Fprintf(os.Stderr, "echo-server: accept: %v (retrying in %v)\n", err, backoff)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		go serve(conn, *upper)
	}
}

// serve echoes until the client closes its side (or the connection breaks). Go sets
// TCP_NODELAY on every TCP connection by default, as our servers do.
func serve(conn net.Conn, upper bool) {
	defer conn.Close()
	buffer := make([]byte, bufferSize)
	for {
		n, err := conn.Read(buffer)
		if n > 0 {
			if upper {
				toUpper(buffer[:n])
			}
			if _, werr := conn.Write(buffer[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				fmt.Fprintf(os.Stderr, "echo-server: %v\n", err)
			}
			return
		}
	}
}

func toUpper(data []byte) {
	for i, c := range data {
		if c >= 'a' && c <= 'z' {
			data[i] = c - 'a' + 'A'
		}
	}
}
