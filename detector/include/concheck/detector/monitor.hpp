// concheck detector: the monitor engine, the rules of monitor mode.
//
// The monitor consumes lock events (before-lock, after-lock, before-unlock,
// destroy, condition-variable waits) and returns what they reveal: potential
// deadlocks (lock-order inversions), self-deadlocks, unlocks of locks not held,
// condition-variable misuse. It knows nothing about pthreads or real threads:
// the runtime drives it from its interposed functions, unit tests drive it with
// synthetic event sequences, the deterministic scheduler will drive it too.
// Identities are plain numbers: lock ids (never reused for another lock
// object), thread ids, and opaque stack references (the runtime's stack ids).
//
// The rules (docs/design.md, Hard cases):
//  - An order edge held -> wanted is recorded BEFORE the acquisition blocks, so
//    the closing edge of a real AB/BA deadlock is seen before the threads hang.
//  - Only acquisitions that can block forever add edges. try-lock and timed
//    acquisitions add none, but the lock they take is a `from` for later edges;
//    so std::lock / std::scoped_lock (lock one, try the rest) are clean.
//  - Gate locks: each edge keeps the set of other locks held at every one of
//    its occurrences (intersected); a cycle whose edges share one such lock
//    cannot deadlock and is not reported.
//  - Modes: at each lock of a cycle the incoming edge's request and the
//    outgoing edge's hold must conflict (not both shared) for the cycle to
//    deadlock; a reader-reader cycle is not reported.
//  - A blocking acquisition of a non-recursive lock the thread already holds
//    (in a conflicting mode) is a self-deadlock.
//  - Cycles of any length and any number of held locks; nothing is forgotten
//    while its locks live. on_lock_destroyed() forgets a dead lock entirely,
//    which bounds memory by the locks alive at once.
//
// Locking: a monitor_thread is read and written only by its own thread, except
// for the lock-free snapshot (seqlock) that the wait-for graph builder reads.
// The shared state (order graph, edge payloads) is guarded by the monitor's
// internal lock (std::atomic, never a pthread or user-visible lock), taken
// only on a slow path: an edge this thread has not seen in this context
// before, a destroy. The condition-variable bindings have 64 striped locks of
// their own (detector/src/cv_bindings.hpp), so a wait never takes the
// monitor's lock. Results are returned by value after the lock is released,
// so callers may report (and even end the process) without holding it.
//
// Cost: an acquisition while holding no lock is O(1) with no shared write; one
// while holding k <= 16 locks is O(k) lookups in the thread's edge cache; one
// while holding more is one lookup of the held sequence's context (amortized
// O(1) for LIFO locking) plus, when the acquisition is new, an O(k) scan. What
// is recorded is one *acquisition* per distinct (held-lock sequence, lock),
// not one edge per held lock (monitor_state.hpp): memory is O(locks +
// contexts + acquisitions), so a chain of n nested locks costs O(n), not n^2/2
// edges. A new acquisition is one lock_order_graph insertion (Pearce-Kelly);
// if it closes a cycle, or while refused (cycle-closing) acquisitions exist,
// one 0-1 breadth-first search over the graph, O(locks + contexts +
// acquisitions), finds for every held lock the shortest cycle through it.
// Judging a cycle (gates, modes) and searching longer ones when the shortest
// is not reportable (depth-first, at most 4,096 edges and 64 cycles) share a
// budget of 2,048 units per call; a cycle whose refinement runs out of budget
// is reported without it (no gate or reader-reader exemption) rather than
// the call spinning. Known limits: a reportable cycle beyond the depth-first
// bound can be missed; an edge is described by the acquisition site first
// recorded for its held sequence.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace concheck::detector {

using lock_id = std::uint64_t;  // 0 is "no lock"
using thread_id = std::uint64_t;
using stack_ref = std::uint32_t;  // opaque (the runtime's stack id); 0 = none

enum class lock_mode : std::uint8_t { exclusive, shared };

// How an acquisition may wait.
enum class acquire_kind : std::uint8_t {
  blocking,  // lock(), rdlock(), wrlock(): may wait forever: adds order edges
  try_lock,  // never waits
  timed,     // gives up after a timeout
};

// What a lock does when its holder acquires it again.
enum class relock_behavior : std::uint8_t {
  blocks,     // plain mutex: waits forever (self-deadlock)
  recursive,  // recursive mutex: counts
  fails,      // error-checking mutex: returns an error, never waits
  rwlock,     // reader-writer lock: shared after shared counts; exclusive after
              // shared blocks (self-deadlock); anything after exclusive fails
};

struct lock_event {
  lock_id lock = 0;
  lock_mode mode = lock_mode::exclusive;
  acquire_kind kind = acquire_kind::blocking;
  relock_behavior relock = relock_behavior::blocks;
  std::uintptr_t pc = 0;  // caller of the operation (cheap site)
};

// One lock a thread holds.
struct held_lock {
  lock_id lock = 0;
  std::uintptr_t pc = 0;  // where it was acquired (caller's return address)
  stack_ref stack = 0;    // full stack of that acquisition, when one was captured
  lock_mode mode = lock_mode::exclusive;
  std::uint32_t depth = 1;  // recursive acquisitions
};

// One edge of a reported cycle: `thread` acquired `to` at `to_stack` while
// holding `from`, acquired at `from_stack` (first occurrence of the edge).
struct cycle_edge_view {
  lock_id from = 0;
  lock_id to = 0;
  thread_id thread = 0;
  stack_ref from_stack = 0;
  stack_ref to_stack = 0;
  std::uintptr_t from_pc = 0;  // when no full stack was captured for `from`
  bool from_shared = false;
  bool to_shared = false;
};

// A callback that captures the current stack (called at most once per
// acquisition, only when it adds a new edge). Returns 0 if it cannot.
using stack_capture_fn = stack_ref (*)(void* context);

// A finalizer-quality 64-bit mix (splitmix64), for hashing lock ids.
inline std::uint64_t mix64(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// The per-thread part of the monitor. Owned by its thread (the runtime keeps
// it in its thread record); moved nowhere. Held locks are stored in a chunked
// array (16 inline, then chunks doubling in size, never moved while the thread
// lives), so no count is too large and another thread can read a snapshot.
//
// Hot path (inline, below; no shared write, no lock, no allocation): an
// acquisition that fast_acquire_ok() accepts (the lock is not held, and for a
// blocking one every order edge it would add is already in the thread's edge
// cache in the same context) needs no before_lock(): the caller takes the
// real lock and calls acquired_fast() (= after_lock with no stack, known not
// held). release_fast() pops the newest entry if it is `lock` at depth 1 (=
// before_unlock). When they decline, the caller uses the monitor's full
// functions, whose results are the same.
class monitor_thread {
 public:
  explicit monitor_thread(thread_id id) noexcept;
  ~monitor_thread();
  monitor_thread(const monitor_thread&) = delete;
  monitor_thread& operator=(const monitor_thread&) = delete;

  thread_id id() const noexcept { return id_; }
  // Recycles the state for another thread (held locks and the edge cache are cleared).
  void reset(thread_id id) noexcept;

  std::size_t held_count() const noexcept { return count_.load(std::memory_order_relaxed); }
  // The i-th held lock, oldest first (owner thread only).
  held_lock held(std::size_t index) const noexcept;
  // Copies the entry for `lock` to `out` and returns true if it is held (owner thread only).
  bool find_held(lock_id lock, held_lock& out) const noexcept;
  std::vector<held_lock> held_locks() const;

  // Seqlock counter: odd while the owner changes its held locks or its wait;
  // bumped on every change, so equal even values before and after a read mean
  // the read saw one consistent state. Also the thread's "progress" counter.
  std::uint64_t sequence() const noexcept { return seq_.load(std::memory_order_acquire); }
  // Reads the held locks from any thread. Returns false if the owner was
  // changing them (retry later); on success `sequence_out` is the sequence read.
  bool snapshot_held(std::vector<held_lock>& out, std::uint64_t& sequence_out) const;

  // The owner marks a change it makes outside the monitor (e.g. its wait
  // state in the runtime) so snapshot readers notice it.
  void begin_change() noexcept {
    seq_.store(seq_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
  }
  void end_change() noexcept {
    seq_.store(seq_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }

  // Hot path (owner thread only; see the class comment). True if acquiring
  // `lock` in `mode` needs nothing from before_lock(): the thread does not
  // hold it, and a blocking acquisition adds no edge this thread has not
  // already recorded in the same context. O(held) cache probes.
  bool fast_acquire_ok(lock_id lock, lock_mode mode, acquire_kind kind) const noexcept;
  // The acquisition fast_acquire_ok() accepted succeeded (= after_lock(..., 0, true)).
  void acquired_fast(lock_id lock, std::uintptr_t pc, lock_mode mode) noexcept;
  // Releases `lock` if it is the newest entry at depth 1 (LIFO release); false
  // otherwise (then call monitor::before_unlock, nothing changed).
  bool release_fast(lock_id lock) noexcept;

 private:
  friend class monitor;

  // One held lock. Fields are atomics so another thread can take a snapshot
  // (seqlock, see sequence()); the owner writes them with relaxed stores,
  // which cost what plain stores cost on the architectures we run on.
  struct slot {
    std::atomic<lock_id> lock{0};
    std::atomic<std::uintptr_t> pc{0};
    std::atomic<stack_ref> stack{0};
    std::atomic<std::uint32_t> depth{0};
    std::atomic<std::uint8_t> mode{0};
    // The monitor's id for the held locks up to and including this one (0:
    // not known yet). Owner thread only; not part of a snapshot.
    std::atomic<std::uint64_t> context{0};

    held_lock load() const noexcept {
      held_lock out;
      out.lock = lock.load(std::memory_order_relaxed);
      out.pc = pc.load(std::memory_order_relaxed);
      out.stack = stack.load(std::memory_order_relaxed);
      out.depth = depth.load(std::memory_order_relaxed);
      out.mode = static_cast<lock_mode>(mode.load(std::memory_order_relaxed));
      return out;
    }
    void store(const held_lock& entry) noexcept {
      lock.store(entry.lock, std::memory_order_relaxed);
      pc.store(entry.pc, std::memory_order_relaxed);
      stack.store(entry.stack, std::memory_order_relaxed);
      depth.store(entry.depth, std::memory_order_relaxed);
      mode.store(static_cast<std::uint8_t>(entry.mode), std::memory_order_relaxed);
      context.store(0, std::memory_order_relaxed);  // the sequence below changed
    }
  };

  // The edges a thread has already reported to the shared graph, in the same
  // context: keyed by (from, to, context) where the context hashes the other
  // held exclusive locks (the gate candidates) and the modes. A hit means the
  // shared payload cannot change, so the acquisition needs no shared state; a
  // miss (or an evicted entry) only costs a slow path. Four-way set
  // associative (newest first), so a few hot edges mapping to one set do not
  // evict each other; the set index is a multiplicative hash of (from, to).
  // Starts at 256 entries (6 KiB, allocated on the thread's first nested
  // blocking acquisition) and doubles (keeping its entries), up to 4096
  // entries (96 KiB), each time the slow path has seen misses for half as
  // many edges as the cache has entries: sized to the thread's working set of
  // edges (an ordered transfer between 64 accounts has 2016). Owner thread only.
  // A signal handler can interrupt the owner's lock-free lookup and grow the
  // cache in its own slow path: a lookup reads one table pointer, and each
  // table carries its own size, and tables replaced by a larger one stay
  // allocated until the thread's record goes (at most 90 KiB more).
  struct edge_cache {
    struct entry {
      lock_id from = 0;
      lock_id to = 0;
      std::uint64_t context = 0;
    };
    static constexpr std::size_t kWays = 4;
    static constexpr std::size_t kInitialSets = 64;
    static constexpr std::size_t kMaxSets = 1024;
    static constexpr std::size_t kMaxTables = 5;  // 64, 128, ..., 1024 sets
    struct table {
      std::size_t sets = 0;
      unsigned shift = 64;               // 64 - log2(sets): the index is the hash's top bits
      std::unique_ptr<entry[]> entries;  // kWays per set
    };
    std::unique_ptr<table> tables[kMaxTables];  // every table made, the current last
    table* current = nullptr;
    std::size_t misses = 0;

    static const entry* set_of(const table& t, lock_id from, lock_id to) noexcept {
      const std::uint64_t h = ((from << 32) ^ (from >> 32) ^ to) * 0x9e3779b97f4a7c15ULL;
      return &t.entries[kWays * static_cast<std::size_t>(h >> t.shift)];
    }
    bool contains(lock_id from, lock_id to, std::uint64_t context) const noexcept {
      const table* t = current;
      if (t == nullptr) return false;
      const entry* e = set_of(*t, from, to);
      for (std::size_t w = 0; w < kWays; ++w) {
        if (e[w].from == from && e[w].to == to && e[w].context == context) return true;
      }
      return false;
    }
    // Slow path only (monitor_thread.cpp).
    static std::unique_ptr<table> make_table(std::size_t sets) noexcept;
    void insert(lock_id from, lock_id to, std::uint64_t context) noexcept;
    void note_miss() noexcept;  // may grow (and empty) the cache
    void clear() noexcept;
  };

  // The cache context of edge held -> wanted: the hash-sum of the other
  // exclusive locks held (`gate_sum` minus the held lock's own share) and
  // both modes.
  static std::uint64_t edge_context(std::uint64_t gate_sum, lock_mode held_mode, std::uint64_t held_hash,
                                    lock_mode wanted_mode) noexcept {
    const std::uint64_t own = held_mode == lock_mode::exclusive ? held_hash : 0;
    return (gate_sum - own) ^ (held_mode == lock_mode::shared ? 0x5bd1e995ULL : 0) ^
           (wanted_mode == lock_mode::shared ? 0xc2b2ae35ULL : 0);
  }

  slot& slot_at(std::size_t index) const noexcept;
  void push(const held_lock& entry) noexcept;
  void push_slow(const held_lock& entry) noexcept;  // out of line: push() for the inline hot path
  void remove_at(std::size_t index) noexcept;
  std::size_t index_of(lock_id lock) const noexcept;

  static constexpr std::size_t kInline = 16;
  static constexpr std::size_t kChunks = 40;

  thread_id id_;
  std::atomic<std::uint64_t> seq_{0};
  std::atomic<std::size_t> count_{0};
  mutable slot inline_[kInline];
  std::atomic<slot*> chunks_[kChunks] = {};
  edge_cache cache_;
};

// What a before_lock() call found.
struct before_lock_result {
  bool self_deadlock = false;  // blocking re-acquisition of a held non-recursive lock
  bool already_held = false;   // the thread holds the lock already (recursion or misuse)
  held_lock held;              // that entry, when already_held
  stack_ref stack = 0;         // the stack captured for new edges (pass to after_lock)
  // New potential deadlocks closed by this acquisition: each an ordered cycle
  // starting with the closing edge (held -> this lock) and ending back at it.
  std::vector<std::vector<cycle_edge_view>> inversions;
};

// What a condition-variable wait is doing wrong.
enum class cv_misuse : std::uint8_t {
  none,
  mutex_not_held,  // the waiting thread does not hold the mutex it passes
  two_mutexes,     // another thread waits on the same cv with another mutex
};

struct cv_check {
  cv_misuse misuse = cv_misuse::none;
  lock_id other_mutex = 0;  // two_mutexes: the mutex the other waiters use
};

struct monitor_stats {
  // The graph's nodes are locks and contexts; its edges stand for
  // acquisitions (monitor.cpp): graph_edges counts the acquisitions in the
  // order, edge_payloads all of them including refused (cycle-closing) ones.
  std::size_t graph_nodes = 0;
  std::size_t graph_edges = 0;
  std::size_t edge_payloads = 0;
  std::size_t refused_edges = 0;
  std::size_t contexts = 0;  // distinct held-lock sequences recorded
  std::size_t cv_bindings = 0;
  std::size_t reported_cycles = 0;
  std::uint64_t graph_search_work = 0;  // edges examined by graph searches (lock_order_graph::search_work)
};

class monitor {
 public:
  monitor();
  ~monitor();
  monitor(const monitor&) = delete;
  monitor& operator=(const monitor&) = delete;

  // Before `thread` acquires `event.lock`. For a blocking acquisition, records
  // the order edges from every held lock (capturing a stack through `capture`
  // only if an edge is new) and returns the cycles they close; also detects a
  // self-deadlock. A potential deadlock is returned once per process.
  before_lock_result before_lock(monitor_thread& thread, const lock_event& event,
                                 stack_capture_fn capture = nullptr, void* context = nullptr);
  // After the acquisition succeeded. `stack` is before_lock's captured stack (or 0).
  // `known_not_held`: the caller knows the thread did not hold the lock (e.g.
  // before_lock said so, or it held nothing), which skips a search.
  void after_lock(monitor_thread& thread, const lock_event& event, stack_ref stack = 0,
                  bool known_not_held = false) noexcept;
  // Before the release. Returns false if the thread does not hold the lock
  // (unlock-not-owned); the held set is then unchanged.
  bool before_unlock(monitor_thread& thread, lock_id lock) noexcept;

  // The lock object ended (destroyed, freed, or its address reused): its node,
  // edges and payloads are forgotten. Threads that still hold it keep their entry.
  void on_lock_destroyed(lock_id lock);

  // A wait on condition variable `cv` (any stable number naming it) with
  // `mutex`, before the wait releases the mutex. Call cv_wait_end() after the
  // wait returned (the mutex re-acquired) in every case. These three take
  // one stripe lock of the bindings, never the monitor's lock; no allocation
  // once the bindings have grown (cv_bindings.hpp).
  cv_check cv_wait_begin(monitor_thread& thread, std::uint64_t cv, lock_id mutex);
  void cv_wait_end(std::uint64_t cv) noexcept;
  void on_cv_destroyed(std::uint64_t cv) noexcept;

  // Releases the mutex around a cv wait / re-acquires it afterwards, keeping
  // its original acquisition site. Returns the entry removed (lock 0 if not held).
  held_lock release_for_wait(monitor_thread& thread, lock_id mutex) noexcept;
  void reacquire_after_wait(monitor_thread& thread, const held_lock& entry) noexcept;

  // fork(): hold the internal lock across fork so the child's copy is consistent.
  void lock_for_fork() noexcept;
  void unlock_after_fork() noexcept;
  // In a forked child, after unlock_after_fork(): no thread waits on a
  // condition variable there, so every cv binding is dropped (a parent's
  // waiter must not make a child's wait with another mutex look like misuse).
  void after_fork_child() noexcept;

  monitor_stats stats();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// ---- monitor_thread hot path (inline: called from the interposed functions) ----

[[gnu::always_inline]] inline bool monitor_thread::fast_acquire_ok(lock_id lock, lock_mode mode,
                                                                   acquire_kind kind) const noexcept {
  const std::size_t count = count_.load(std::memory_order_relaxed);
  if (__builtin_expect(count == 0, 1)) return true;
  if (count > kInline) return false;  // rare: the full path handles chunks
  // The lock hashes are computed here, not stored at push time: an
  // acquisition while holding nothing (the commonest) never needs them.
  std::uint64_t hashes[kInline];
  std::uint64_t gate_sum = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const slot& s = inline_[i];
    const lock_id held = s.lock.load(std::memory_order_relaxed);
    if (held == lock) return false;  // re-acquisition: full rules
    hashes[i] = mix64(held);
    if (s.mode.load(std::memory_order_relaxed) == static_cast<std::uint8_t>(lock_mode::exclusive)) {
      gate_sum += hashes[i];
    }
  }
  if (kind != acquire_kind::blocking) return true;  // adds no edge
  const edge_cache& cache = cache_;
  if (cache.current == nullptr) return false;
  for (std::size_t i = 0; i < count; ++i) {
    const slot& s = inline_[i];
    const auto held_mode = static_cast<lock_mode>(s.mode.load(std::memory_order_relaxed));
    const std::uint64_t context = edge_context(gate_sum, held_mode, hashes[i], mode);
    if (!cache.contains(s.lock.load(std::memory_order_relaxed), lock, context)) return false;
  }
  return true;
}

[[gnu::always_inline]] inline void monitor_thread::acquired_fast(lock_id lock, std::uintptr_t pc,
                                                                 lock_mode mode) noexcept {
  const std::size_t n = count_.load(std::memory_order_relaxed);
  begin_change();
  if (__builtin_expect(n < kInline, 1)) {
    inline_[n].store(held_lock{lock, pc, 0, mode, 1});
    count_.store(n + 1, std::memory_order_relaxed);
  } else {
    push_slow(held_lock{lock, pc, 0, mode, 1});
  }
  end_change();
}

[[gnu::always_inline]] inline bool monitor_thread::release_fast(lock_id lock) noexcept {
  const std::size_t n = count_.load(std::memory_order_relaxed);
  if (n == 0 || n > kInline) return false;
  slot& top = inline_[n - 1];
  if (top.lock.load(std::memory_order_relaxed) != lock || top.depth.load(std::memory_order_relaxed) != 1) {
    return false;
  }
  begin_change();
  count_.store(n - 1, std::memory_order_relaxed);
  end_change();
  return true;
}

}  // namespace concheck::detector
