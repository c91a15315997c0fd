/* A libuv echo server on one loop, a peer for chapter 4's bench: what the events model
 * would be with a mature event library under it (libuv is the loop under Node.js).
 *
 *   taskset -c 1 echo_server --port 7004      (--port 0: any free port)
 *
 * Each connection owns one 16 KiB buffer (the size our servers use), so memory is bounded
 * by the connections, not by how fast clients send:
 *   - reading: libuv's alloc callback hands out the connection's buffer; the read callback
 *     echoes what arrived with uv_try_write, which usually sends it all at once;
 *   - if the socket would not take it all, the rest goes to uv_write and reading stops
 *     until that write is done (the buffer is still the write's), as the events model's
 *     `writing` state does;
 *   - end-of-stream (the client half-closed) or an error closes the connection. A write is
 *     never pending then: reading, the only way to learn of the end, is stopped while one is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

enum { kBufferSize = 16 * 1024, kBacklog = 4096 /* the kernel caps it at somaxconn */ };

typedef struct {
  uv_tcp_t tcp;     /* first: libuv's callbacks get &tcp, which is the connection */
  uv_write_t write; /* the one write in flight, if any; reading is stopped meanwhile */
  char buffer[kBufferSize];
} Connection;

static void on_closed(uv_handle_t* handle) {
  free(handle); /* the Connection */
}

static void close_connection(Connection* connection) {
  if (!uv_is_closing((uv_handle_t*)&connection->tcp)) {
    uv_close((uv_handle_t*)&connection->tcp, on_closed);
  }
}

static void on_alloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf) {
  (void)suggested;
  Connection* connection = (Connection*)handle;
  *buf = uv_buf_init(connection->buffer, sizeof connection->buffer);
}

static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);

static void on_written(uv_write_t* request, int status) {
  Connection* connection = (Connection*)request->handle;
  if (status < 0 || uv_read_start((uv_stream_t*)&connection->tcp, on_alloc, on_read) != 0) {
    close_connection(connection);
  }
}

static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  Connection* connection = (Connection*)stream;
  if (nread == 0) return; /* EAGAIN: nothing this time */
  if (nread < 0) {        /* UV_EOF, or a reset */
    close_connection(connection);
    return;
  }
  uv_buf_t data = uv_buf_init(buf->base, (unsigned)nread);
  int sent = uv_try_write(stream, &data, 1);
  if (sent == UV_EAGAIN) sent = 0;
  if (sent < 0) {
    close_connection(connection);
    return;
  }
  if (sent == nread) return;
  /* The socket's send buffer is full: queue the rest, stop reading until it is written. */
  uv_buf_t rest = uv_buf_init(buf->base + sent, (unsigned)(nread - sent));
  uv_read_stop(stream);
  if (uv_write(&connection->write, stream, &rest, 1, on_written) != 0) {
    close_connection(connection);
  }
}

static void on_connection(uv_stream_t* listener, int status) {
  if (status < 0) {
    fprintf(stderr, "echo_server: accept: %s\n", uv_strerror(status));
    return;
  }
  Connection* connection = calloc(1, sizeof *connection);
  if (connection == NULL) {
    fprintf(stderr, "echo_server: out of memory\n");
    exit(1);
  }
  uv_tcp_init(listener->loop, &connection->tcp);
  if (uv_accept(listener, (uv_stream_t*)&connection->tcp) != 0) {
    close_connection(connection);
    return;
  }
  uv_tcp_nodelay(&connection->tcp, 1); /* as Go and our servers do */
  if (uv_read_start((uv_stream_t*)&connection->tcp, on_alloc, on_read) != 0) {
    close_connection(connection);
  }
}

static void on_signal(uv_signal_t* signal, int number) {
  (void)number;
  uv_stop(signal->loop);
}

static int parse_port(int argc, char** argv) {
  if (argc == 3 && strcmp(argv[1], "--port") == 0) {
    char* end = NULL;
    long port = strtol(argv[2], &end, 10);
    if (*argv[2] != '\0' && *end == '\0' && port >= 0 && port <= 65535) return (int)port;
  }
  fprintf(stderr, "usage: echo_server --port PORT   (0 to 65535; 0: any free port)\n");
  exit(2);
}

int main(int argc, char** argv) {
  int port = parse_port(argc, argv);
  uv_loop_t* loop = uv_default_loop();

  uv_tcp_t listener;
  struct sockaddr_in address;
  uv_ip4_addr("127.0.0.1", port, &address);
  uv_tcp_init(loop, &listener);
  int error = uv_tcp_bind(&listener, (const struct sockaddr*)&address, 0);
  if (error == 0) error = uv_listen((uv_stream_t*)&listener, kBacklog, on_connection);
  if (error != 0) {
    fprintf(stderr, "echo_server: bind or listen 127.0.0.1:%d: %s\n", port, uv_strerror(error));
    return 1;
  }
  struct sockaddr_in bound;
  int size = sizeof bound;
  uv_tcp_getsockname(&listener, (struct sockaddr*)&bound, &size);
  /* The same line our `serve` prints: compare/run.sh reads the port from it. */
  printf("listening on 127.0.0.1:%d (libuv %s, one loop)\n", ntohs(bound.sin_port),
         uv_version_string());
  fflush(stdout);

  /* Ctrl-C or SIGTERM: leave the loop and exit; open connections end with the process. */
  uv_signal_t interrupt, terminate;
  uv_signal_init(loop, &interrupt);
  uv_signal_start(&interrupt, on_signal, SIGINT);
  uv_signal_init(loop, &terminate);
  uv_signal_start(&terminate, on_signal, SIGTERM);

  uv_run(loop, UV_RUN_DEFAULT);
  return 0;
}
