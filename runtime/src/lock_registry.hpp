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
// calls pthreads). The stamp is tied to the object's address, so the bytes of
// a copied object (`obj b = a;`) name no lock at the copy's address: the copy
// is a new lock. When a lock ends by pthread_*_destroy or by its memory being
// freed, a "destroyed" stamp (another tag, same id) is left in its place, so
// a later use of that object is reported (`use-after-destroy`) until an init
// or a new object zeroes it. Robust and process-shared objects cannot be
// stamped; they are found through the address table (slow path, rare).
// pthread_spinlock_t (an int) has no spare bytes at all: spin locks are found
// through spin_lock_index.hpp, an address-keyed table read without a lock.
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

enum class lock_class : std::uint8_t { mutex, rwlock, spin };

// The pthread type of a class, as reports name it.
inline const char* lock_class_type(lock_class klass) noexcept {
  switch (klass) {
    case lock_class::mutex:
      return "pthread_mutex_t";
    case lock_class::rwlock:
      return "pthread_rwlock_t";
    case lock_class::spin:
      return "pthread_spinlock_t";
  }
  return "pthread_mutex_t";
}

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
  bool stampable = true;
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

// The stamp is the lock id (< 2^40) in the low bits and, in the high 24 bits,
// a constant tag XORed with bits 3..26 of the object's address, so the hot
// path needs no table and no record: one load from the object and a compare.
// A copy of the object at another address carries a stamp that does not
// match its own address (unless the two addresses differ by a multiple of
// 128 MiB), so it is a new lock. A stale stamp at the same address can only
// come from undefined behaviour (a lock reused without re-initialization
// after its life ended some way concheck did not see); it names a dead lock
// id, which the monitor treats as a fresh node.
inline constexpr std::uint64_t kStampTag = 0xc0c4ecULL;
// A lock that ended: destroyed (pthread_*_destroy, a primitive's destructor)
// or freed (free / operator delete of the memory holding it).
inline constexpr std::uint64_t kDestroyedTag = 0xde57edULL;
inline constexpr std::uint64_t kFreedTag = 0xf4eedfULL;
inline constexpr std::uint64_t kIdMask = (std::uint64_t{1} << 40) - 1;
inline constexpr unsigned kChunkBits = 12;
inline constexpr std::size_t kChunkSize = std::size_t{1} << kChunkBits;
inline constexpr std::size_t kMaxChunks = 4096;  // 16M lock records alive at once

inline std::uint64_t address_check(const void* object) noexcept {
  return (reinterpret_cast<std::uintptr_t>(object) >> 3) & 0xffffff;
}
inline std::uint64_t make_stamp(detector::lock_id id, const void* object,
                                std::uint64_t tag = kStampTag) noexcept {
  return ((tag ^ address_check(object)) << 40) | (id & kIdMask);
}
// The live lock id in `stamp` if it was written for `object`, else 0.
inline detector::lock_id id_from_stamp(std::uint64_t stamp, const void* object) noexcept {
  return (stamp >> 40) == (kStampTag ^ address_check(object)) ? (stamp & kIdMask) : 0;
}

// What an ended lock's stamp says: its id (0: not an ended lock) and how it ended.
struct ended_lock {
  detector::lock_id id = 0;
  bool freed = false;
};
inline ended_lock ended_from_stamp(std::uint64_t stamp, const void* object) noexcept {
  const std::uint64_t tag = (stamp >> 40) ^ address_check(object);
  if (tag == kDestroyedTag) return ended_lock{stamp & kIdMask, false};
  if (tag == kFreedTag) return ended_lock{stamp & kIdMask, true};
  return {};
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

// The lock at `m`, registering it on first sight. None (and reported as
// use-after-destroy) if the object is a lock that ended: callers then forward
// the call uninstrumented.
// Whether the lock at `object` ended with its memory freed (its stamp says
// so). Its bytes are no longer a lock, and whatever reuses the memory may
// have written over them: the interposers report the use (register_lock)
// and return EINVAL, as glibc does for a destroyed mutex, instead of handing
// the bytes to glibc, which asserts, crashes or hangs on them.
inline bool freed_lock(const std::uint64_t* slot, const void* object) noexcept {
  return ended_from_stamp(__atomic_load_n(slot, __ATOMIC_RELAXED), object).freed;
}
inline bool freed_mutex(pthread_mutex_t* m) noexcept {
  return freed_lock(mutex_stamp_slot(m), m);
}
inline bool freed_rwlock(pthread_rwlock_t* rw) noexcept {
  return freed_lock(rwlock_stamp_slot(rw), rw);
}

inline lock_handle mutex_record(pthread_mutex_t* m, std::uintptr_t pc) noexcept {
  std::uint64_t* slot = mutex_stamp_slot(m);
  if (const detector::lock_id id = id_from_stamp(__atomic_load_n(slot, __ATOMIC_RELAXED), m))
    return lock_handle{id};
  return register_lock(m, slot, lock_class::mutex, mutex_stampable(m), pc);
}

inline lock_handle rwlock_record(pthread_rwlock_t* rw, std::uintptr_t pc) noexcept {
  std::uint64_t* slot = rwlock_stamp_slot(rw);
  if (const detector::lock_id id = id_from_stamp(__atomic_load_n(slot, __ATOMIC_RELAXED), rw))
    return lock_handle{id};
  return register_lock(rw, slot, lock_class::rwlock, rw->__data.__shared == 0, pc);
}

// The spin lock at `lock`, registering it on first sight (none if it ended:
// reported as use-after-destroy). spin_live_id: the id if known without a
// lock (the hot path), else 0.
lock_handle spin_record(pthread_spinlock_t* lock, std::uintptr_t pc) noexcept;
detector::lock_id spin_live_id(const pthread_spinlock_t* lock) noexcept;
// The spin lock at `lock` ends (destroy) or a new one starts there (init).
void spin_lock_ended(pthread_spinlock_t* lock) noexcept;
void spin_lock_initialized(pthread_spinlock_t* lock) noexcept;

// The stamped (or, if unstampable, registered) lock at `object`, or none. Never registers.
lock_handle stamped_lock(pthread_mutex_t* m) noexcept;
lock_handle stamped_lock(pthread_rwlock_t* rw) noexcept;
// The live lock at `object` per the address table, or none (never registers).
lock_handle existing_lock(const void* object) noexcept;

// The lock ended: the monitor forgets it and its record is recycled.
void retire_lock(lock_handle lock) noexcept;
// The lock at `object` ended by destroy (or, `freed`, by a free of its
// memory): retires it and leaves its ended stamp, so a later use is reported.
void end_lock(lock_handle lock, void* object, bool freed) noexcept;

// A lock's report data by id; false if the lock is gone.
bool find_lock_info(detector::lock_id id, lock_info& out);

// Name / type / creation site from concheck's primitives.
void describe_lock(lock_handle lock, object_type type, const char* name, const char* file,
                   const char* function, int line) noexcept;
void rename_lock(lock_handle lock, const char* name) noexcept;

// Number of lock records alive (operator delete skips its scan when 0).
extern std::atomic<std::size_t> g_live_locks;

// `size` bytes at `memory` are being freed: every lock they held ends (a
// locked one is reported as destroy-locked). Cost: a block of up to
// max(4096, lock records) words is read for stamps, O(size); a larger one is
// checked by walking the lock records instead, O(records), so freeing a big
// buffer never reads it (nor faults in its untouched pages). Returns whether
// a lock ended there.
bool locks_in_freed_memory(void* memory, std::size_t size, std::uintptr_t pc) noexcept;

void lock_registry_lock_for_fork() noexcept;
void lock_registry_unlock_after_fork(bool child) noexcept;

}  // namespace concheck::detail
