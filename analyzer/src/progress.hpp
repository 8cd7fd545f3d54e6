// concheck analyzer: the progress line on stderr ("[12/85] src/foo.cpp").
//
// Shown only when asked, or by default when stderr is a terminal and there
// are many files, so logs and pipes never see carriage returns. Thread-safe:
// workers call done() concurrently; one mutex serializes the writes (a few
// per second at most, nothing on a hot path). The destructor erases the line.
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>

namespace concheck::analyzer {

class progress_line {
 public:
  // `forced`: the user's --progress / --no-progress; unset = automatic.
  progress_line(std::size_t total, std::optional<bool> forced);
  ~progress_line();
  progress_line(const progress_line&) = delete;
  progress_line& operator=(const progress_line&) = delete;

  void done(const std::string& file);
  // Erases the line before another message goes to stderr.
  void clear();

  static constexpr std::size_t kAutomaticThreshold = 8;  // files before the line appears

 private:
  std::mutex mutex_;
  std::size_t total_;
  std::size_t done_ = 0;  // guarded by mutex_
  bool enabled_;
  bool shown_ = false;  // guarded by mutex_
};

}  // namespace concheck::analyzer
