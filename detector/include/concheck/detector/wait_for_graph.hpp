// concheck detector: the wait-for graph, for real deadlocks.
//
// A snapshot of what every live thread is doing: which locks it holds (and in
// which mode) and what it waits for (a lock, another thread's exit, a
// condition variable, a semaphore, a barrier). A thread waiting for a lock
// waits for every thread that holds it in a conflicting mode; a thread joining
// another waits for that thread. A cycle of such waits among threads blocked
// with no timeout can never resolve: a real deadlock. A process in which every
// live thread is blocked with no timeout (a lost wakeup, a join cycle, a wait
// nobody will ever end) is deadlocked too, whatever the waits are.
//
// The runtime fills a graph from consistent per-thread snapshots (see
// monitor_thread::snapshot_held) each time it checks; the deterministic
// scheduler can fill it from its own state. Pure data: no locking (the caller
// owns it); find_cycle is a DFS, O(threads + holds).
#pragma once

#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "concheck/detector/monitor.hpp"

namespace concheck::detector {

enum class wait_kind : std::uint8_t {
  none,       // running
  lock,       // target = lock id
  join,       // target = thread id
  condition,  // target = condition variable (address or id)
  semaphore,  // target = semaphore
  barrier,    // target = barrier
  futex,      // target = the futex word's address (explore mode: std::atomic::wait, std::latch, ...)
};

std::string_view to_string(wait_kind kind) noexcept;

struct thread_wait {
  thread_id thread = 0;
  wait_kind kind = wait_kind::none;
  std::uint64_t target = 0;
  bool shared = false;  // lock waits: the mode requested
  bool timed = false;   // the wait gives up by itself
};

class wait_for_graph {
 public:
  void clear();
  // Every live thread once (kind none for a running thread).
  void add_thread(const thread_wait& wait);
  void add_hold(thread_id thread, lock_id lock, lock_mode mode);

  // A cycle of untimed waits through `start`: threads in wait order (each
  // waits for the next; the last waits for `start`), or empty.
  std::vector<thread_id> find_cycle(thread_id start) const;
  // A cycle through any thread, or empty.
  std::vector<thread_id> find_any_cycle() const;
  // True if there is at least one thread and every one is blocked with no
  // timeout. A join of a thread not in the graph (ended or ending) is not
  // blocked: it returns once that thread is gone. The caller must also count
  // threads the graph cannot show (starting, or exiting after they left the
  // registry) as running.
  bool all_blocked_untimed() const;
  // This one wait is blocked with no timeout (see all_blocked_untimed).
  bool blocked_untimed(const thread_wait& wait) const;

  const std::vector<thread_wait>& threads() const noexcept { return threads_; }
  // The threads `thread` waits for (lock holders in a conflicting mode, or the joined thread).
  std::vector<thread_id> waits_for(thread_id thread) const;

 private:
  struct hold {
    thread_id thread;
    lock_mode mode;
  };
  std::vector<thread_wait> threads_;
  std::unordered_map<thread_id, std::size_t> index_;
  std::unordered_map<lock_id, std::vector<hold>> holders_;
};

}  // namespace concheck::detector
