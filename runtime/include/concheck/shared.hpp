// concheck: race detection for code that is not compiled with instrumentation.
//
// Race detection normally sees every access of code compiled with
// -fsanitize=thread (docs/race.md). Code that cannot be (a prebuilt library's
// callbacks, a file built by another toolchain) can still say what it reads
// and writes:
//
//   CONCHECK_READ(x);  CONCHECK_WRITE(x);    // before reading / writing lvalue x
//   concheck::shared<int> hits{0};           // a value whose every access is checked
//   hits = hits + 1;                         // a read then a write, each checked
//   hits.update([](int& h) { ++h; });        // one read-modify-write
//
// Each annotated access takes part in happens-before race detection exactly
// like an instrumented one: ordered by the locks, condition variables,
// semaphores, thread starts and joins the runtime sees, reported as a
// data-race finding with both sites, and counted in the access summary
// (option access_summary). The first annotation turns race detection on.
// The site of an access is the line that calls the annotation: the members
// below are forced inline, so the call into libconcheck is made from that
// line (its return address names it).
// Cost: a call into libconcheck per annotated access, a few ns when the
// location's last access was the same thread's in the same epoch.
#pragma once

#include <cstddef>
#include <utility>

namespace concheck {

// `size` bytes at `address` are read / written now by the calling thread.
// `pc`: the code address of the access (0: the caller of this function).
void annotate_read(const volatile void* address, std::size_t size, const void* pc = nullptr) noexcept;
void annotate_write(const volatile void* address, std::size_t size, const void* pc = nullptr) noexcept;

// A T whose accesses are checked. Not atomic: it is the plain variable it
// replaces, made visible to the detector.
template <class T>
class shared {
 public:
  shared() = default;
  explicit shared(T value) : value_(std::move(value)) {}
  shared(const shared&) = delete;
  shared& operator=(const shared&) = delete;

  [[gnu::always_inline]] T load() const {
    annotate_read(&value_, sizeof(T));
    return value_;
  }
  [[gnu::always_inline]] void store(T value) {
    annotate_write(&value_, sizeof(T));
    value_ = std::move(value);
  }
  // Calls f(T&) as one read-modify-write; returns what f returns.
  template <class F>
  [[gnu::always_inline]] decltype(auto) update(F&& f) {
    annotate_read(&value_, sizeof(T));
    annotate_write(&value_, sizeof(T));
    return std::forward<F>(f)(value_);
  }

  [[gnu::always_inline]] operator T() const { return load(); }
  [[gnu::always_inline]] shared& operator=(T value) {
    store(std::move(value));
    return *this;
  }

 private:
  T value_{};
};

}  // namespace concheck

// Annotate an access to the lvalue `x` (evaluated once, not read or written).
#define CONCHECK_READ(x) ::concheck::annotate_read(&(x), sizeof(x))
#define CONCHECK_WRITE(x) ::concheck::annotate_write(&(x), sizeof(x))
