#include "client.hpp"

#include <algorithm>
#include <deque>
#include <memory>

#include "pattern.hpp"
#include "rt/net/net.hpp"
#include "rt/progress.hpp"
#include "rt/table.hpp"
#include "rt/terminal.hpp"

namespace ch04 {

namespace {

using rt::net::Clock;
constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::size_t kMaxReportedErrors = 5;
// After the run should end (duration, Ctrl-C), connections get this long to drain; then the
// loop is cancelled, so a server that stopped answering cannot hang the client.
constexpr auto kDrainTime = std::chrono::seconds(2);

// What every fiber of the run shares; all on the loop thread, so plain fields.
// The run's phases: connecting (until every connect attempt ended), warm-up (messages sent
// and verified, not counted), measuring (messages sent from here on are counted), draining
// (no more sending; the echoes in flight come back, for at most kDrainTime).
struct Run {
  const ClientOptions& options;
  std::size_t connecting = 0;                      // connect attempts not yet ended
  std::vector<rt::fiber::Fiber*> waiting_to_send;  // connected, parked until connecting == 0
  bool measuring = false;                          // the warm-up is over
  bool stop = false;                               // the writers send no more messages
  bool drain_expired = false;  // the drain time ran out: echoes still missing are errors
  std::size_t connected = 0;
  std::size_t alive = 0;  // connections not yet finished
  std::uint64_t messages = 0;
  std::uint64_t warmup_messages = 0;
  std::uint64_t bytes = 0;
  std::vector<double> latencies_us;
  std::uint64_t errors = 0;
  std::vector<std::string> first_errors;
  Clock::time_point started;
  Clock::time_point every_connect_ended;
  Clock::time_point last_connected;
  std::optional<Clock::time_point> first_send;
  std::optional<Clock::time_point> measured_from;
  std::optional<Clock::time_point> stopped_at;
  Clock::time_point last_echo;  // the last counted one

  void error(std::string message) {
    ++errors;
    if (first_errors.size() < kMaxReportedErrors) first_errors.push_back(std::move(message));
  }

  // A connect attempt ended (connected, failed or cancelled). The last one lets every
  // connection send: nothing is sent while others still connect.
  void connect_attempt_ended() {
    if (--connecting > 0) return;
    every_connect_ended = Clock::now();
    // With no warm-up the window opens now, before any writer runs: every message counts.
    if (options.warmup_s <= 0) start_measuring();
    for (auto* fiber : std::exchange(waiting_to_send, {})) {
      rt::fiber::this_fiber::scheduler().unpark(*fiber);
    }
    rt::net::Loop::current().spawn({.name = "clock"}, [this] { time_the_run(); });
  }
  // Parks the calling connection until every connection is up.
  void wait_for_every_connect() {
    if (connecting == 0) return;
    waiting_to_send.push_back(&rt::fiber::this_fiber::current());
    rt::fiber::this_fiber::park();
  }

  void start_measuring() {
    if (measuring || stop) return;
    measuring = true;
    measured_from = last_echo = Clock::now();
    if (options.on_measure_start) options.on_measure_start();
  }
  void stop_sending() {
    if (stop) return;
    stop = true;
    stopped_at = Clock::now();
    if (measuring && options.on_measure_stop) options.on_measure_stop();
  }

  // The "clock" fiber: the warm-up, then the duration (with --messages, the writers stop).
  void time_the_run() {
    auto seconds = [](double s) {
      return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
    };
    try {
      if (options.warmup_s > 0) {
        rt::net::sleep_for(seconds(options.warmup_s));
        start_measuring();
      }
      if (options.duration_s > 0) {
        rt::net::sleep_for(seconds(options.duration_s));
        stop_sending();
      }
    } catch (const rt::net::Cancelled&) {
      // every connection finished, or the drain time ran out
    }
  }
};

// One connection: the reader fiber runs read_echoes(); it spawns the writer fiber.
struct Connection {
  Run& run;
  std::uint64_t id;
  rt::net::Stream stream;
  std::uint64_t sent = 0;           // messages written
  std::uint64_t sent_measured = 0;  // of those, sent after the warm-up (counted)
  std::uint64_t received = 0;       // echoes read and verified
  struct InFlight {
    Clock::time_point sent;
    bool counted;  // sent after the warm-up
  };
  std::deque<InFlight> in_flight;             // oldest first
  rt::fiber::Fiber* parked_writer = nullptr;  // the writer, parked while the window is full
  bool writer_done = false;
  bool reader_done = false;  // the writer must not wait for echoes any more
  bool failed = false;       // a wrong byte or a socket error: drain, count once

  bool window_full() const {
    return sent - received >= static_cast<std::uint64_t>(run.options.pipeline);
  }
  bool more_to_send() const {
    if (run.stop || failed || reader_done) return false;
    return run.options.messages == 0 || sent_measured < run.options.messages;
  }
  void wake_writer() {
    if (parked_writer != nullptr) {
      rt::fiber::this_fiber::scheduler().unpark(*std::exchange(parked_writer, nullptr));
    }
  }

  void fail(std::string message) {
    if (!failed) run.error(std::move(message));
    failed = true;
    wake_writer();
  }

  void write_messages() {
    std::vector<std::byte> message(run.options.size);
    try {
      for (std::uint64_t number = 0;; ++number) {
        while (window_full() && !failed && !reader_done) {
          parked_writer = &rt::fiber::this_fiber::current();
          rt::fiber::this_fiber::park();
        }
        if (!more_to_send()) break;
        fill_pattern(message, id, number);
        // Counted as sent before it is written: the echo of a large message starts arriving
        // while write_all is still parked on the rest.
        auto now = Clock::now();
        if (!run.first_send) run.first_send = now;
        in_flight.push_back({now, run.measuring});
        ++sent;
        if (run.measuring) ++sent_measured;
        stream.write_all(message);
      }
      writer_done = true;
      stream.shutdown_send();  // the server echoes the rest, then closes
    } catch (const rt::net::Cancelled&) {
      writer_done = true;
    } catch (const rt::OsError& error) {
      writer_done = true;
      fail(fmt::format("connection {}: {}", id, error.what()));
    }
  }

  // Reads echoes until the server closes; verifies each byte as it arrives.
  void read_echoes() {
    const std::size_t size = run.options.size;
    std::vector<std::byte> buffer(std::min(size == 0 ? 1 : size, kReadChunk));
    std::size_t offset = 0;  // bytes of message `received` read so far
    for (;;) {
      std::size_t n = stream.read_some(buffer);
      if (n == 0) break;
      if (failed) continue;  // out of step: drain until the server closes
      std::span<const std::byte> data(buffer.data(), n);
      while (!data.empty() && !failed) {
        if (received >= sent) {
          fail(
              fmt::format("connection {}: {} bytes arrived that were never sent", id, data.size()));
          break;
        }
        std::size_t take = std::min(data.size(), size - offset);
        if (auto wrong =
                check_pattern(data.first(take), id, received, offset, size, run.options.upper)) {
          fail(*wrong);
          break;
        }
        data = data.subspan(take);
        offset += take;
        if (offset == size) {
          message_done();
          offset = 0;
        }
      }
    }
    if (!failed && (received != sent || offset != 0)) {
      fail(
          fmt::format("connection {}: the server closed after {} of {} echoes ({} bytes of "
                      "the next)",
                      id, received, sent, offset));
    }
  }

  void message_done() {
    auto now = Clock::now();
    auto message = in_flight.front();
    in_flight.pop_front();
    ++received;
    if (message.counted) {
      run.latencies_us.push_back(
          std::chrono::duration<double, std::micro>(now - message.sent).count());
      ++run.messages;
      run.bytes += run.options.size;
      run.last_echo = now;
    } else {
      ++run.warmup_messages;
    }
    wake_writer();
  }

  // The reader fiber's body.
  void run_connection() {
    bool connected = false;
    try {
      stream = rt::net::Stream::connect(run.options.host, run.options.port,
                                        rt::net::Deadline::after(std::chrono::seconds(10)));
      connected = true;
      ++run.connected;
      run.last_connected = Clock::now();
    } catch (const rt::net::Cancelled&) {
    } catch (const std::exception& error) {
      fail(fmt::format("connection {}: {}", id, error.what()));
    }
    run.connect_attempt_ended();
    if (connected) {
      run.wait_for_every_connect();
      exchange_messages();
    }
    stream.close();
  }

  // Connected, and so is every other connection: the writer sends, this fiber reads.
  void exchange_messages() {
    try {
      auto writer = rt::net::Loop::current().spawn({.name = "writer", .stack_size = 64 * 1024},
                                                   [this] { write_messages(); });
      try {
        read_echoes();
      } catch (const rt::net::Cancelled&) {
        if (run.drain_expired && !failed && received < sent) {
          fail(
              fmt::format("connection {}: {} of {} echoes never came back (cut after {} s "
                          "of waiting for them)",
                          id, sent - received, sent, kDrainTime.count()));
        }
      } catch (const rt::OsError& error) {
        fail(fmt::format("connection {}: {}", id, error.what()));
      }
      reader_done = true;
      wake_writer();
      writer.join();
    } catch (const rt::net::Cancelled&) {
    } catch (const std::exception& error) {
      fail(fmt::format("connection {}: {}", id, error.what()));
    }
  }
};

}  // namespace

ClientResult run_load(const ClientOptions& options) {
  Run run{.options = options};
  rt::net::Loop loop;
  std::vector<std::unique_ptr<Connection>> connections;
  run.started = Clock::now();
  run.connecting = static_cast<std::size_t>(options.connections);
  for (int i = 0; i < options.connections; ++i) {
    auto& c = connections.emplace_back(
        std::make_unique<Connection>(Connection{.run = run, .id = static_cast<std::uint64_t>(i)}));
    ++run.alive;
    loop.spawn({.name = "reader", .stack_size = 64 * 1024}, [&run, &c = *c, &loop] {
      c.run_connection();
      if (--run.alive == 0) loop.cancel_all();  // ends the ticker's and the clock's sleeps
    });
  }
  bool interrupted = false;
  // The ticker: the progress line, Ctrl-C, and the drain limit.
  loop.spawn({.name = "ticker"}, [&] {
    std::uint64_t total = options.messages * static_cast<std::uint64_t>(options.connections);
    rt::Progress progress("echo messages", options.duration_s > 0 ? 0 : total);
    try {
      for (;;) {
        rt::net::sleep_for(std::chrono::milliseconds(100));
        progress.update(run.messages);
        if (!run.stop && rt::interrupted()) {
          interrupted = true;
          run.stop_sending();
        }
        if (run.stop && Clock::now() >= *run.stopped_at + kDrainTime) {
          run.drain_expired = true;
          loop.cancel_all();
        }
      }
    } catch (const rt::net::Cancelled&) {
      // every connection finished (or the drain time ran out)
    }
  });
  loop.run();
  run.stop_sending();  // with --messages: the window closes with the last echo

  ClientResult result;
  result.connections = run.connected;
  result.messages = run.messages;
  result.bytes = run.bytes;
  result.warmup_messages = run.warmup_messages;
  auto seconds = [](Clock::duration d) { return std::chrono::duration<double>(d).count(); };
  result.connect_seconds = seconds(run.every_connect_ended - run.started);
  if (run.measured_from) {
    result.warmup_seconds = seconds(*run.measured_from - run.every_connect_ended);
    result.seconds = seconds(run.last_echo - *run.measured_from);
    result.measured_from = *run.measured_from;
  }
  result.last_connected = run.last_connected;
  result.first_send = run.first_send.value_or(Clock::time_point{});
  result.latency_us = rt::summarize(run.latencies_us);
  result.errors = run.errors;
  result.first_errors = std::move(run.first_errors);
  result.interrupted = interrupted;
  return result;
}

std::string figure_cell(const ClientResult& result, double value, int decimals) {
  return result.messages == 0 ? std::string(rt::kNotMeasured) : rt::format_number(value, decimals);
}

void client(const ClientOptions& options, rt::Output& out) {
  auto r = run_load(options);
  rt::Table table(
      fmt::format("echo client: {} connections to {}:{}, {} B messages, pipeline {}, "
                  "warm-up {} s",
                  options.connections, options.host, options.port, options.size, options.pipeline,
                  options.warmup_s),
      {"connections", "messages", "msgs/s", "MB/s", "p50 us", "p99 us", "p999 us", "errors"});
  table.add_row({std::to_string(r.connections), std::to_string(r.messages),
                 figure_cell(r, r.messages_per_second(), 0),
                 figure_cell(r, r.megabytes_per_second(), 1),
                 figure_cell(r, r.latency_us.median, 1), figure_cell(r, r.latency_us.p99, 1),
                 figure_cell(r, r.latency_us.p999, 1), std::to_string(r.errors)});
  if (options.json) {
    table.print_json(out);
  } else {
    table.print(out);
    out.print(
        "measured {:.2f} s, from the end of the warm-up ({} echoes, not counted) that began "
        "once every connection was up ({:.3f} s of connecting)\n",
        r.seconds, r.warmup_messages, r.connect_seconds);
    if (r.messages == 0) out.print("-: no echo completed within the measured window\n");
    if (r.interrupted) out.print("interrupted (Ctrl-C): the figures cover the run until then\n");
    if (r.messages > 0 && r.latency_us.count < 1000) {
      out.print("p999 of fewer than 1,000 echoes is their maximum\n");
    }
  }
  for (const auto& e : r.first_errors) out.print("error: {}\n", e);
  if (r.errors > r.first_errors.size()) {
    out.print("... and {} more errors\n", r.errors - r.first_errors.size());
  }
  if (r.errors > 0) {
    throw std::runtime_error(fmt::format("{} of {} connections failed (see the errors above)",
                                         r.errors, options.connections));
  }
  if (r.messages == 0) {
    // No error, and nothing measured (Ctrl-C before the first echo): figures of nothing are
    // no result.
    throw std::runtime_error("no echo came back: nothing was measured");
  }
}

}  // namespace ch04
