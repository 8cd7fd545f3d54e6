// concheck threads: std::thread and std::jthread with a name.
//
// concheck::thread and concheck::jthread have the standard API (constructors
// taking a callable and its arguments, join, detach, joinable, get_id,
// native_handle, swap, hardware_concurrency; jthread also request_stop,
// get_stop_source, get_stop_token, and passes a std::stop_token to a callable
// that takes one first). What they add is an optional first argument,
// concheck::thread_name, which names the new thread in every report and dump
// (and in the OS: pthread_setname_np, truncated to 15 bytes) and records
// where it was created:
//
//   concheck::thread worker(concheck::thread_name("worker-1"), run, std::ref(queue));
//
// The name is set by the new thread itself before it calls the callable, and
// the creation site is handed to concheck just before pthread_create, so the
// thread is known by its name from its first event. Without a thread_name they
// behave exactly like std::thread/std::jthread (which concheck also sees, with
// the creation site taken from the stack).
#pragma once

#include <functional>
#include <source_location>
#include <stop_token>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>

#include "concheck/internal/hooks.hpp"
#include "concheck/internal/primitive_support.hpp"

namespace concheck {

// The name and creation site of a new thread. The site is where the
// thread_name is constructed, i.e. the line that creates the thread.
class thread_name {
 public:
  explicit thread_name(object_name name, std::source_location created = std::source_location::current())
      : name_(std::move(name)), created_(created) {}

  const char* c_str() const noexcept { return name_.c_str(); }
  std::source_location created() const noexcept { return created_; }

 private:
  object_name name_;
  std::source_location created_;
};

namespace detail {

template <class T>
inline constexpr bool is_thread_name_v = std::is_same_v<std::remove_cvref_t<T>, thread_name>;

// Copies the callable and its arguments in the creating thread (as
// std::thread does) and returns the new thread's body: name itself, then run.
// With `with_stop_token` the body takes the jthread's std::stop_token and
// passes it on when the callable accepts one first, as std::jthread does.
template <bool with_stop_token, class F, class... Args>
auto named_thread_body(const thread_name& name, F&& function, Args&&... args) {
  std::string own_name = name.c_str() != nullptr ? std::string(name.c_str()) : std::string();
  std::tuple<std::decay_t<F>, std::decay_t<Args>...> task(std::forward<F>(function),
                                                          std::forward<Args>(args)...);
  if constexpr (with_stop_token) {
    return [own_name = std::move(own_name), task = std::move(task)](std::stop_token stop) mutable {
      if (!own_name.empty()) set_current_thread_name(own_name.c_str());
      if constexpr (std::is_invocable_v<std::decay_t<F>, std::stop_token, std::decay_t<Args>...>) {
        std::apply(
            [&stop](auto&& callable, auto&&... rest) {
              std::invoke(std::move(callable), std::move(stop), std::move(rest)...);
            },
            std::move(task));
      } else {
        std::apply([](auto&&... parts) { std::invoke(std::move(parts)...); }, std::move(task));
      }
    };
  } else {
    return [own_name = std::move(own_name), task = std::move(task)]() mutable {
      if (!own_name.empty()) set_current_thread_name(own_name.c_str());
      std::apply([](auto&&... parts) { std::invoke(std::move(parts)...); }, std::move(task));
    };
  }
}

}  // namespace detail

// Like std::thread, with an optional thread_name first argument.
class thread {
 public:
  using id = std::thread::id;
  using native_handle_type = std::thread::native_handle_type;

  thread() noexcept = default;

  // Starts a thread running `function(args...)`, exactly like std::thread.
  template <class F, class... Args>
  requires(!std::is_same_v<std::remove_cvref_t<F>, thread> &&
           !detail::is_thread_name_v<F>) explicit thread(F&& function, Args&&... args)
      : native_(std::forward<F>(function), std::forward<Args>(args)...) {}

  // Starts a thread named `name` running `function(args...)`. The callable and
  // arguments are copied (decayed) in the calling thread, as by std::thread.
  // Throws std::system_error when the thread cannot be started.
  template <class F, class... Args>
  thread(const thread_name& name, F&& function, Args&&... args)
      : native_((
            detail::set_next_thread_site(name.created(), name.c_str()),
            detail::named_thread_body<false>(name, std::forward<F>(function), std::forward<Args>(args)...))) {
  }

  // Requires: not joinable (joined or detached), as std::thread: otherwise
  // std::terminate is called.
  ~thread() = default;
  thread(thread&&) noexcept = default;
  // Move-assigning over a joinable thread calls std::terminate, as std::thread.
  thread& operator=(thread&&) noexcept = default;

  bool joinable() const noexcept { return native_.joinable(); }
  // Blocks until the thread finishes. A join that can never return (the thread
  // waits for the joiner) is reported as `deadlock`. Throws std::system_error
  // when not joinable or when joining itself.
  void join() { native_.join(); }
  // Lets the thread run on its own. Throws std::system_error when not joinable.
  void detach() { native_.detach(); }
  id get_id() const noexcept { return native_.get_id(); }
  native_handle_type native_handle() { return native_.native_handle(); }
  void swap(thread& other) noexcept { native_.swap(other.native_); }
  static unsigned int hardware_concurrency() noexcept { return std::thread::hardware_concurrency(); }

 private:
  std::thread native_;
};

inline void swap(thread& left, thread& right) noexcept {
  left.swap(right);
}

// Like std::jthread (joins on destruction after requesting a stop), with an
// optional thread_name first argument.
class jthread {
 public:
  using id = std::jthread::id;
  using native_handle_type = std::jthread::native_handle_type;

  jthread() noexcept = default;

  template <class F, class... Args>
  requires(!std::is_same_v<std::remove_cvref_t<F>, jthread> &&
           !detail::is_thread_name_v<F>) explicit jthread(F&& function, Args&&... args)
      : native_(std::forward<F>(function), std::forward<Args>(args)...) {}

  // Starts a thread named `name`; `function` gets the stop token first when it
  // accepts one, as with std::jthread.
  template <class F, class... Args>
  jthread(const thread_name& name, F&& function, Args&&... args)
      : native_((
            detail::set_next_thread_site(name.created(), name.c_str()),
            detail::named_thread_body<true>(name, std::forward<F>(function), std::forward<Args>(args)...))) {}

  // Requests a stop and joins, as std::jthread. Move-assigning over a
  // joinable jthread does the same to the old thread first.
  ~jthread() = default;
  jthread(jthread&&) noexcept = default;
  jthread& operator=(jthread&&) noexcept = default;

  // As thread: join() blocks until the thread ends (a join that can never
  // return is part of a `deadlock` report) and throws std::system_error when
  // not joinable or joining itself; detach() throws when not joinable.
  bool joinable() const noexcept { return native_.joinable(); }
  void join() { native_.join(); }
  void detach() { native_.detach(); }
  id get_id() const noexcept { return native_.get_id(); }
  native_handle_type native_handle() { return native_.native_handle(); }
  void swap(jthread& other) noexcept { native_.swap(other.native_); }
  static unsigned int hardware_concurrency() noexcept { return std::jthread::hardware_concurrency(); }

  // The thread's stop state: the token its callable received, the source to
  // request a stop with, and request_stop() (true if this call made the request).
  std::stop_source get_stop_source() noexcept { return native_.get_stop_source(); }
  std::stop_token get_stop_token() const noexcept { return native_.get_stop_token(); }
  bool request_stop() noexcept { return native_.request_stop(); }

 private:
  std::jthread native_;
};

inline void swap(jthread& left, jthread& right) noexcept {
  left.swap(right);
}

}  // namespace concheck
