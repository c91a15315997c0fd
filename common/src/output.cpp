#include "rt/output.hpp"

#include "rt/terminal.hpp"

namespace rt {

void Output::write(std::string_view s) {
  std::lock_guard lock(mutex_);
  if (text_ != nullptr) {
    text_->append(s);
    return;
  }
  std::fwrite(s.data(), 1, s.size(), file_);
  std::fflush(file_);
}

bool Output::is_terminal() const {
  return file_ != nullptr && rt::is_terminal(file_);
}

}  // namespace rt
