// Where a demo prints: the terminal, or a string (so tests can check what a demo printed
// without starting a process). Demos take an Output& and never write to stdout directly.
// Any thread may print; each write() appears whole.
#pragma once

#include <fmt/format.h>

#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

namespace rt {

class Output {
 public:
  // Prints to `file`, flushing after every write so output interleaves with other threads'
  // in the order written (demos print as events happen).
  explicit Output(std::FILE* file) : file_(file) {}
  // Appends to `*text`, which must outlive this Output.
  explicit Output(std::string* text) : text_(text) {}

  void write(std::string_view s);

  template <class... Args>
  void print(fmt::format_string<Args...> format, Args&&... args) {
    write(fmt::format(format, std::forward<Args>(args)...));
  }

  // True when printing to an interactive terminal (progress lines are drawn only there).
  bool is_terminal() const;

 private:
  std::mutex mutex_;  // guards text_'s contents and keeps each write() whole
  std::FILE* file_ = nullptr;
  std::string* text_ = nullptr;
};

}  // namespace rt
