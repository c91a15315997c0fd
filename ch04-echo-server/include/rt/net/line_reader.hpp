// rt::net::LineReader: whole lines from a Stream, the framing of every line protocol (SMTP,
// Redis' inline commands, an HTTP head). TCP delivers bytes, not messages: one read_some may
// return half a line or three lines and a half, so a protocol needs a buffer between the
// stream and its parser. This is that buffer for "\n"-terminated lines.
//
//   LineReader lines(stream);
//   while (auto line = lines.read_line(Deadline::after(30s))) handle(*line);
//
// Contract:
// - read_line returns the next line without its "\n" (and without a "\r" just before it),
//   reading from the stream only when no whole line is buffered, so lines that arrived
//   together are returned without another read. At the end of the stream it returns the last
//   line even without its "\n", then nullopt (and nullopt again after that).
// - A line longer than max_line bytes (its "\n" not counted) throws LineTooLong, and the
//   reader stops being usable (every later call throws it again): a peer that never sends
//   "\n" must not make the server buffer without bound.
// - Errors and deadlines are the Stream's (TimedOut leaves the buffered bytes in place: the
//   next call continues the same line). Same threads and fibers as the Stream.
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "rt/net/stream.hpp"
#include "rt/net/timer.hpp"

namespace rt::net {

class LineTooLong : public std::length_error {
 public:
  explicit LineTooLong(std::size_t max_line);
};

class LineReader {
 public:
  // Reads from `stream`, which must outlive the reader.
  explicit LineReader(Stream& stream, std::size_t max_line = 8192);

  std::optional<std::string> read_line(Deadline deadline = Deadline::never());

  // Bytes read from the stream and not yet returned as a line: a protocol that switches
  // from lines to raw bytes (an HTTP body after its head) takes them from here first.
  std::string_view buffered() const noexcept { return buffer_; }

 private:
  Stream& stream_;
  std::size_t max_line_;
  std::string buffer_;       // read from the stream, not yet returned
  std::size_t scanned_ = 0;  // buffer_'s first scanned_ bytes hold no "\n": each byte is
                             // searched once, however many reads a long line takes
  bool ended_ = false;       // the stream returned 0 (its end)
  bool too_long_ = false;    // a line passed max_line_: the reader is done
};

}  // namespace rt::net
