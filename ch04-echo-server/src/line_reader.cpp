// rt::net::LineReader: a buffer between a Stream and a line protocol.
#include "rt/net/line_reader.hpp"

#include <fmt/format.h>

#include <array>
#include <span>

namespace rt::net {

LineTooLong::LineTooLong(std::size_t max_line)
    : std::length_error(fmt::format("a line longer than {} bytes", max_line)) {}

LineReader::LineReader(Stream& stream, std::size_t max_line)
    : stream_(stream), max_line_(max_line) {}

std::optional<std::string> LineReader::read_line(Deadline deadline) {
  for (;;) {
    if (too_long_) throw LineTooLong(max_line_);
    std::size_t end = buffer_.find('\n', scanned_);
    if (end != std::string::npos) {
      std::size_t length = end > 0 && buffer_[end - 1] == '\r' ? end - 1 : end;
      if (length > max_line_) break;
      std::string line = buffer_.substr(0, length);
      buffer_.erase(0, end + 1);
      scanned_ = 0;
      return line;
    }
    scanned_ = buffer_.size();
    if (buffer_.size() > max_line_ + 1) break;  // + 1: a "\r" may still precede the "\n"
    if (ended_) {
      if (buffer_.empty()) return std::nullopt;
      std::string last = std::move(buffer_);  // a last line without its "\n"
      buffer_.clear();
      scanned_ = 0;
      return last;
    }
    std::array<std::byte, 4096> chunk;
    std::size_t n = stream_.read_some(chunk, deadline);
    if (n == 0) ended_ = true;
    buffer_.append(reinterpret_cast<const char*>(chunk.data()), n);
  }
  too_long_ = true;
  throw LineTooLong(max_line_);
}

}  // namespace rt::net
