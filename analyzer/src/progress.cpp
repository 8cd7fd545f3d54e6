// The progress line on stderr; see progress.hpp.
#include "progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

namespace concheck::analyzer {

progress_line::progress_line(std::size_t total, std::optional<bool> forced)
    : total_(total),
      enabled_(forced ? *forced : (::isatty(STDERR_FILENO) == 1 && total >= kAutomaticThreshold)) {}

progress_line::~progress_line() {
  clear();
}

void progress_line::done(const std::string& file) {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  ++done_;
  std::string name = file.size() > 60 ? "..." + file.substr(file.size() - 57) : file;
  fmt::print(stderr, "\r\033[K[{}/{}] {}", done_, total_, name);
  std::fflush(stderr);
  shown_ = true;
}

void progress_line::clear() {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (!shown_) return;
  fmt::print(stderr, "\r\033[K");
  std::fflush(stderr);
  shown_ = false;
}

}  // namespace concheck::analyzer
