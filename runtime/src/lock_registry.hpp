// concheck runtime: lock identity. INTERNAL.
//
// A lock is one lock object for its lifetime (docs/design.md, Vocabulary). Each lock
// concheck has seen has a record (its id, kind, name, creation site). The
// lock's id is found from the pthread object with no lock and no hash: its
// "stamp" (the id with a tag in the high bits) is written into bytes of
// the pthread object that glibc leaves unused: pthread_mutex_t's
// __data.__list.__prev (used only by robust mutexes) and pthread_rwlock_t's
// __data.__pad2. A freshly constructed std::mutex, PTHREAD_*_INITIALIZER and
// pthread_*_init all zero those bytes, so a missing or stale stamp means a
// NEW lock object, even at a reused address (std::mutex's destructor never
// calls pthreads). Robust and process-shared objects cannot be stamped; they
// are found through the address table (slow path, rare).
//
// An address table (hash map address -> record, under the table lock) is
// touched only when a lock is first seen or ends: when a new lock appears at
// an address whose record is still alive, that old lock evidently ended and
// its record is retired. Retiring also tells the monitor to forget the lock,
// so memory stays bounded by the locks alive at once (1,000,000 short-lived
// mutexes reuse a few records). Records live in chunks that are never freed;
// an id -> record table (same lock) serves reports and retirement.
// Cost: hot path = one load from the object (already in cache: it is the
// lock's own cache line).
#pragma once

#include <pthread.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

#include "concheck/detector/monitor.hpp"
#include "concheck/internal/hooks.hpp"
#include "stack_depot.hpp"

namespace concheck::detail {

enum class lock_class : std::uint8_t { mutex, rwlock };

struct lock_record {
  std::atomic<std::uint64_t> stamp{0};  // make_stamp(id); 0: record free
  std::atomic<std::uintptr_t> address{0};
  detector::lock_id id = 0;
  lock_class klass = lock_class::mutex;
  bool stampable = true;
  bool has_user_type = false;
  object_type user_type = object_type::mutex;
  stack_id created = kNoStack;         // first-seen site (std:: locks)
  const char* created_file = nullptr;  // creation site from a concheck primitive
  const char* created_function = nullptr;
  int created_line = 0;
  char name[48] = {};
  std::uint32_t generation = 0;
  lock_record* next_free = nullptr;
};

// What a report needs to know about a lock, copied out under the table lock.
struct lock_info {
  detector::lock_id id = 0;
  std::uintptr_t address = 0;
  lock_class klass = lock_class::mutex;
  bool has_user_type = false;
  object_type user_type = object_type::mutex;
  stack_id created = kNoStack;
  const char* created_file = nullptr;
  const char* created_function = nullptr;
  int created_line = 0;
  std::string name;
};

// A lock as the hot path knows it: just its id (0 = none). `lock->id` works
// on the value so call sites read like pointer uses.
struct lock_handle {
  detector::lock_id id = 0;
  const lock_handle* operator->() const noexcept { return this; }
  explicit operator bool() const noexcept { return id != 0; }
};

// The stamp is the lock id (< 2^40) tagged with a 24-bit constant in the high
// bits, so the hot path needs no table and no record: one load from the
// object. A stale stamp can only come from undefined behaviour (a destroyed
// or freed lock used without re-initialization, a memcpy'd lock); it then
// names a dead lock id, which the monitor treats as a fresh node.
inline constexpr std::uint64_t kStampTag = 0xc0c4ecULL;
inline constexpr std::uint64_t kIdMask = (std::uint64_t{1} << 40) - 1;
inline constexpr unsigned kChunkBits = 12;
inline constexpr std::size_t kChunkSize = std::size_t{1} << kChunkBits;
inline constexpr std::size_t kMaxChunks = 4096;  // 16M lock records alive at once

inline std::uint64_t make_stamp(detector::lock_id id) noexcept {
  return (kStampTag << 40) | (id & kIdMask);
}
inline detector::lock_id id_from_stamp(std::uint64_t stamp) noexcept {
  return (stamp >> 40) == kStampTag ? (stamp & kIdMask) : 0;
}

inline std::uint64_t* mutex_stamp_slot(pthread_mutex_t* m) noexcept {
  static_assert(sizeof(m->__data.__list.__prev) == sizeof(std::uint64_t));
  return reinterpret_cast<std::uint64_t*>(&m->__data.__list.__prev);
}
inline std::uint64_t* rwlock_stamp_slot(pthread_rwlock_t* rw) noexcept {
  static_assert(sizeof(rw->__data.__pad2) == sizeof(std::uint64_t));
  return reinterpret_cast<std::uint64_t*>(&rw->__data.__pad2);
}

// The slow path: first sight of a lock object (or an unstampable one).
lock_handle register_lock(void* object, std::uint64_t* stamp_slot, lock_class klass, bool stampable,
                          std::uintptr_t pc) noexcept;

inline bool mutex_stampable(const pthread_mutex_t* m) noexcept {
  // glibc's kind bits: 16 = robust, 128 = process-shared.
  return (m->__data.__kind & (16 | 128)) == 0;
}

// The lock at `m`, registering it on first sight.
inline lock_handle mutex_record(pthread_mutex_t* m, std::uintptr_t pc) noexcept {
  std::uint64_t* slot = mutex_stamp_slot(m);
  if (const detector::lock_id id = id_from_stamp(__atomic_load_n(slot, __ATOMIC_RELAXED)))
    return lock_handle{id};
  return register_lock(m, slot, lock_class::mutex, mutex_stampable(m), pc);
}

inline lock_handle rwlock_record(pthread_rwlock_t* rw, std::uintptr_t pc) noexcept {
  std::uint64_t* slot = rwlock_stamp_slot(rw);
  if (const detector::lock_id id = id_from_stamp(__atomic_load_n(slot, __ATOMIC_RELAXED)))
    return lock_handle{id};
  return register_lock(rw, slot, lock_class::rwlock, rw->__data.__shared == 0, pc);
}

// The stamped (or, if unstampable, registered) lock at `object`, or none. Never registers.
lock_handle stamped_lock(pthread_mutex_t* m) noexcept;
lock_handle stamped_lock(pthread_rwlock_t* rw) noexcept;
// The live lock at `object` per the address table, or none (never registers).
lock_handle existing_lock(const void* object) noexcept;

// The lock ended: the monitor forgets it and its record is recycled.
void retire_lock(lock_handle lock) noexcept;

// A lock's report data by id; false if the lock is gone.
bool find_lock_info(detector::lock_id id, lock_info& out);

// Name / type / creation site from concheck's primitives.
void describe_lock(lock_handle lock, object_type type, const char* name, const char* file,
                   const char* function, int line) noexcept;
void rename_lock(lock_handle lock, const char* name) noexcept;

// Number of lock records alive (operator delete skips its scan when 0).
extern std::atomic<std::size_t> g_live_locks;

// `size` bytes at `memory` are being freed: every lock they held ends (a
// locked one is reported as destroy-locked by the caller's callback).
void locks_in_freed_memory(void* memory, std::size_t size, std::uintptr_t pc) noexcept;

void lock_registry_lock_for_fork() noexcept;
void lock_registry_unlock_after_fork(bool child) noexcept;

}  // namespace concheck::detail
