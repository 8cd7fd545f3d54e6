// concheck::blocking_queue<T>: a thread-safe queue for producers and
// consumers, like Python's queue.Queue / LifoQueue / PriorityQueue.
//
// The order is a template parameter (queue_order::fifo, lifo or priority; for
// priority the greatest element by Compare leaves first, as with
// std::priority_queue, so std::greater<T> gives smallest-first). The capacity
// is bounded or not (0 = unbounded). put/get block; try_put/try_get never
// block; put_for/get_for/put_until/get_until give up after a time. task_done()
// and join() let a producer wait until every item put has been processed.
// close() shuts the queue down: further puts fail, blocked producers and
// consumers wake, and consumers drain what is left.
//
// There is no standard counterpart. The queue is one concheck::mutex (named
// like the queue) and three concheck::condition_variables ("<name>.not_empty",
// "<name>.not_full", "<name>.all_done"), so a consumer waiting on a queue
// nobody fills is part of a `deadlock` report, not a silent hang. Every
// operation is O(1) (fifo, lifo) or O(log n) (priority) under that mutex.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <source_location>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "concheck/condition_variable.hpp"
#include "concheck/internal/primitive_support.hpp"
#include "concheck/mutex.hpp"

namespace concheck {

enum class queue_order { fifo, lifo, priority };

// Thrown by put() on a closed queue and by get() on a closed, drained queue.
class queue_closed : public std::runtime_error {
 public:
  queue_closed() : std::runtime_error("concheck::blocking_queue: the queue is closed") {}
};

template <class T, queue_order Order = queue_order::fifo, class Compare = std::less<T>>
class blocking_queue {
 public:
  using value_type = T;
  static constexpr std::size_t unbounded = 0;

  // A queue holding at most `capacity` items (unbounded: no limit).
  explicit blocking_queue(std::size_t capacity = unbounded, object_name name = {},
                          std::source_location created = std::source_location::current())
      : blocking_queue(capacity, Compare(), std::move(name), created) {}
  explicit blocking_queue(object_name name, std::source_location created = std::source_location::current())
      : blocking_queue(unbounded, Compare(), std::move(name), created) {}
  blocking_queue(std::size_t capacity, Compare compare, object_name name = {},
                 std::source_location created = std::source_location::current())
      : capacity_(capacity),
        compare_(std::move(compare)),
        mutex_(name, created),
        not_empty_(name.with_suffix(".not_empty"), created),
        not_full_(name.with_suffix(".not_full"), created),
        all_done_(name.with_suffix(".all_done"), created) {}
  blocking_queue(const blocking_queue&) = delete;
  blocking_queue& operator=(const blocking_queue&) = delete;

  // Adds `item`, blocking while the queue is full.
  // Throws queue_closed if the queue is (or gets) closed; the item is dropped.
  void put(T item) {
    std::unique_lock<mutex> lock(mutex_);
    not_full_.wait(lock, [this] { return closed_ || !full_locked(); });
    if (closed_) throw queue_closed();
    push_locked(std::move(item));
  }
  // Adds the item if there is room; never blocks. False (item untouched) when
  // full or closed.
  bool try_put(const T& item) { return put_until_impl(item, nullptr); }
  bool try_put(T&& item) { return put_until_impl(std::move(item), nullptr); }
  // Adds the item, waiting at most `timeout` / until `deadline` for room.
  // False (item untouched) on timeout or when closed.
  template <class U, class Rep, class Period>
  bool put_for(U&& item, const std::chrono::duration<Rep, Period>& timeout) {
    const auto deadline = detail::deadline_after(timeout);
    return put_until_impl(std::forward<U>(item), &deadline);
  }
  template <class U, class Clock, class Duration>
  bool put_until(U&& item, const std::chrono::time_point<Clock, Duration>& deadline) {
    return put_until_impl(std::forward<U>(item), &deadline);
  }

  // Removes and returns the next item, blocking while the queue is empty.
  // Throws queue_closed once the queue is closed and empty.
  T get() {
    std::unique_lock<mutex> lock(mutex_);
    not_empty_.wait(lock, [this] { return closed_ || !items_.empty(); });
    if (items_.empty()) throw queue_closed();
    return pop_locked();
  }
  // The next item if there is one; never blocks.
  std::optional<T> try_get() {
    std::lock_guard<mutex> guard(mutex_);
    if (items_.empty()) return std::nullopt;
    return pop_locked();
  }
  // The next item, waiting at most `timeout` / until `deadline`; nullopt on
  // timeout or when the queue is closed and empty.
  template <class Rep, class Period>
  std::optional<T> get_for(const std::chrono::duration<Rep, Period>& timeout) {
    return get_until(detail::deadline_after(timeout));
  }
  template <class Clock, class Duration>
  std::optional<T> get_until(const std::chrono::time_point<Clock, Duration>& deadline) {
    std::unique_lock<mutex> lock(mutex_);
    if (!not_empty_.wait_until(lock, deadline, [this] { return closed_ || !items_.empty(); }) ||
        items_.empty()) {
      return std::nullopt;
    }
    return pop_locked();
  }

  // Marks one item taken with get() as processed; join() returns when every
  // item ever put has been marked. Misuse: more task_done() calls than items
  // put throws std::system_error(invalid_argument).
  void task_done() {
    std::lock_guard<mutex> guard(mutex_);
    if (unfinished_ == 0) {
      detail::throw_system_error(EINVAL,
                                 "concheck::blocking_queue::task_done: called more times than items put");
    }
    if (--unfinished_ == 0) all_done_.notify_all();
  }
  // Blocks until every item put so far has been marked with task_done().
  void join() {
    std::unique_lock<mutex> lock(mutex_);
    all_done_.wait(lock, [this] { return unfinished_ == 0; });
  }

  // Closes the queue: puts fail from now on, and every blocked put/get wakes
  // (gets keep returning the remaining items, then report the closure).
  void close() {
    std::lock_guard<mutex> guard(mutex_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }
  bool is_closed() const {
    std::lock_guard<mutex> guard(mutex_);
    return closed_;
  }

  std::size_t size() const {
    std::lock_guard<mutex> guard(mutex_);
    return items_.size();
  }
  bool empty() const { return size() == 0; }
  bool full() const {
    std::lock_guard<mutex> guard(mutex_);
    return full_locked();
  }
  std::size_t capacity() const noexcept { return capacity_; }

  // Renames the queue's mutex and condition variables in later reports.
  void set_name(const object_name& name) {
    mutex_.set_name(name);
    not_empty_.set_name(name.with_suffix(".not_empty"));
    not_full_.set_name(name.with_suffix(".not_full"));
    all_done_.set_name(name.with_suffix(".all_done"));
  }

 private:
  using storage = std::conditional_t<Order == queue_order::priority, std::vector<T>, std::deque<T>>;

  bool full_locked() const noexcept { return capacity_ != unbounded && items_.size() >= capacity_; }

  // `deadline` null: do not wait at all.
  template <class U, class TimePoint>
  bool put_until_impl(U&& item, const TimePoint* deadline) {
    std::unique_lock<mutex> lock(mutex_);
    const auto room = [this] { return closed_ || !full_locked(); };
    if (deadline != nullptr) {
      if (!not_full_.wait_until(lock, *deadline, room)) return false;
    } else if (!room()) {
      return false;
    }
    if (closed_) return false;
    push_locked(std::forward<U>(item));
    return true;
  }
  template <class U>
  bool put_until_impl(U&& item, std::nullptr_t) {
    return put_until_impl(std::forward<U>(item),
                          static_cast<const std::chrono::steady_clock::time_point*>(nullptr));
  }

  template <class U>
  void push_locked(U&& item) {
    items_.push_back(std::forward<U>(item));
    if constexpr (Order == queue_order::priority) std::push_heap(items_.begin(), items_.end(), compare_);
    ++unfinished_;
    not_empty_.notify_one();
  }

  T pop_locked() {
    std::optional<T> item;
    if constexpr (Order == queue_order::fifo) {
      item.emplace(std::move(items_.front()));
      items_.pop_front();
    } else if constexpr (Order == queue_order::lifo) {
      item.emplace(std::move(items_.back()));
      items_.pop_back();
    } else {
      std::pop_heap(items_.begin(), items_.end(), compare_);
      item.emplace(std::move(items_.back()));
      items_.pop_back();
    }
    not_full_.notify_one();
    return std::move(*item);
  }

  const std::size_t capacity_;
  Compare compare_;
  storage items_;
  std::size_t unfinished_ = 0;  // items put and not yet marked task_done()
  bool closed_ = false;
  mutable mutex mutex_;
  condition_variable not_empty_;
  condition_variable not_full_;
  condition_variable all_done_;
};

}  // namespace concheck
