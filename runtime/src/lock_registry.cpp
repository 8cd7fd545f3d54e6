// concheck runtime: lock identity (see lock_registry.hpp).
#include "lock_registry.hpp"

#include <sys/mman.h>

#include <cstring>
#include <new>
#include <unordered_map>
#include <vector>

#include "concheck/detector/internal_lock.hpp"
#include "race/race_sync.hpp"
#include "runtime_core.hpp"
#include "spin_lock_index.hpp"
#include "thread_registry.hpp"

namespace concheck::detail {

constinit std::atomic<std::size_t> g_live_locks{0};

namespace {

constinit internal_lock g_table_lock{lock_rank::lock_table};
constinit lock_record* g_chunks[kMaxChunks] CONCHECK_GUARDED_BY(g_table_lock) = {};
constinit lock_record* g_free_records CONCHECK_GUARDED_BY(g_table_lock) = nullptr;
constinit std::size_t g_chunks_used CONCHECK_GUARDED_BY(g_table_lock) = 0;
constinit std::uint64_t g_next_lock_id CONCHECK_GUARDED_BY(g_table_lock) = 1;
constinit spin_lock_index g_spin_index;  // writers: table lock

struct tables {
  std::unordered_map<std::uintptr_t, lock_record*> by_address;
  std::unordered_map<detector::lock_id, lock_record*> by_id;
};

// Never destroyed: locks are used during static destruction too.
tables& the_tables() {
  alignas(tables) static unsigned char storage[sizeof(tables)];
  static tables* instance = new (storage) tables();
  return *instance;
}

// A free record, or a new chunk's worth of them.
lock_record* allocate_record() noexcept CONCHECK_REQUIRES(g_table_lock) {
  if (g_free_records == nullptr) {
    if (g_chunks_used == kMaxChunks) return nullptr;
    void* memory = mmap(nullptr, sizeof(lock_record) * kChunkSize, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) return nullptr;
    auto* chunk = static_cast<lock_record*>(memory);
    for (std::size_t i = kChunkSize; i-- > 0;) {
      auto* record = new (&chunk[i]) lock_record();
      record->next_free = g_free_records;
      g_free_records = record;
    }
    g_chunks[g_chunks_used++] = chunk;
  }
  lock_record* record = g_free_records;
  g_free_records = record->next_free;
  return record;
}

lock_record* record_by_id(detector::lock_id id) noexcept {
  auto& t = the_tables();
  auto it = t.by_id.find(id);
  return it == t.by_id.end() ? nullptr : it->second;
}

// Detaches a live record from the tables (table lock held). Returns its id.
detector::lock_id detach_record(lock_record* record) noexcept {
  const detector::lock_id id = record->id;
  auto& t = the_tables();
  auto it = t.by_address.find(record->address.load(std::memory_order_relaxed));
  if (it != t.by_address.end() && it->second == record) t.by_address.erase(it);
  if (record->klass == lock_class::spin) g_spin_index.erase(record->address.load(std::memory_order_relaxed));
  t.by_id.erase(id);
  record->stamp.store(0, std::memory_order_release);
  record->address.store(0, std::memory_order_relaxed);
  ++record->generation;
  g_live_locks.fetch_sub(1, std::memory_order_relaxed);
  return id;
}

void free_record(lock_record* record) noexcept {
  internal_guard guard(g_table_lock);
  record->next_free = g_free_records;
  g_free_records = record;
}

}  // namespace

lock_handle register_lock(void* object, std::uint64_t* stamp_slot, lock_class klass, bool stampable,
                          std::uintptr_t pc) noexcept {
  inside_scope inside;
  runtime_init();
  if (stamp_slot != nullptr) {
    // A lock that ended is not a new one: its use is the bug (checked
    // whatever glibc did to the object since, e.g. a destroyed mutex's kind).
    if (const ended_lock ended = ended_from_stamp(__atomic_load_n(stamp_slot, __ATOMIC_RELAXED), object);
        ended.id) {
      report_use_after_destroy(object, klass, ended, pc);
      return lock_handle{};
    }
  }
  const auto address = reinterpret_cast<std::uintptr_t>(object);
  if (!stampable) {
    // Found through the address table on every operation (rare objects).
    internal_guard guard(g_table_lock);
    auto& t = the_tables();
    auto it = t.by_address.find(address);
    if (it != t.by_address.end() && it->second->klass == klass && !it->second->stampable)
      return lock_handle{it->second->id};
  }
  // The first-seen site of a std:: lock is its "creation" site in reports: a
  // full stack (once per lock object; the depot dedups), else the caller's pc.
  stack_id created = pc != 0 ? capture_stack(1) : kNoStack;
  if (created == kNoStack && pc != 0) created = stack_from_pc(pc);
  lock_record* retired = nullptr;
  detector::lock_id retired_id = 0;
  lock_handle made;
  {
    internal_guard guard(g_table_lock);
    auto& t = the_tables();
    if (stampable) {
      if (const detector::lock_id id = id_from_stamp(__atomic_load_n(stamp_slot, __ATOMIC_ACQUIRE), object)) {
        return lock_handle{id};  // another thread registered it meanwhile
      }
    }
    auto it = t.by_address.find(address);
    if (it != t.by_address.end()) {
      if (!stampable && it->second->klass == klass && !it->second->stampable)
        return lock_handle{it->second->id};
      // The object at this address was re-created (its stamp is gone): the old lock ended.
      retired = it->second;
      retired_id = detach_record(retired);
    }
    lock_record* record = allocate_record();
    if (record == nullptr) return lock_handle{};
    record->id = g_next_lock_id++;
    record->address.store(address, std::memory_order_relaxed);
    record->klass = klass;
    record->stampable = stampable;
    record->has_user_type = false;
    record->created = created;
    record->created_file = nullptr;
    record->created_function = nullptr;
    record->created_line = 0;
    record->name[0] = '\0';
    const std::uint64_t stamp = make_stamp(record->id, object);
    record->stamp.store(stamp, std::memory_order_release);
    if (stampable) __atomic_store_n(stamp_slot, stamp, __ATOMIC_RELEASE);
    // A spin lock that does not fit in the index is still found here (slower).
    if (klass == lock_class::spin) g_spin_index.put(address, spin_lock_index::entry{record->id, false});
    t.by_address[address] = record;
    t.by_id[record->id] = record;
    g_live_locks.fetch_add(1, std::memory_order_relaxed);
    made = lock_handle{record->id};
  }
  if (retired != nullptr) {
    the_monitor().on_lock_destroyed(retired_id);
    free_record(retired);
  }
  return made;
}

lock_handle existing_lock(const void* object) noexcept {
  inside_scope inside;
  internal_guard guard(g_table_lock);
  auto& t = the_tables();
  auto it = t.by_address.find(reinterpret_cast<std::uintptr_t>(object));
  return it == t.by_address.end() ? lock_handle{} : lock_handle{it->second->id};
}

lock_handle stamped_lock(pthread_mutex_t* m) noexcept {
  if (const detector::lock_id id = id_from_stamp(__atomic_load_n(mutex_stamp_slot(m), __ATOMIC_RELAXED), m)) {
    return lock_handle{id};
  }
  return mutex_stampable(m) ? lock_handle{} : existing_lock(m);
}

lock_handle stamped_lock(pthread_rwlock_t* rw) noexcept {
  if (const detector::lock_id id =
          id_from_stamp(__atomic_load_n(rwlock_stamp_slot(rw), __ATOMIC_RELAXED), rw)) {
    return lock_handle{id};
  }
  return rw->__data.__shared == 0 ? lock_handle{} : existing_lock(rw);
}

detector::lock_id spin_live_id(const pthread_spinlock_t* lock) noexcept {
  spin_lock_index::entry found;
  if (!g_spin_index.find(reinterpret_cast<std::uintptr_t>(lock), found) || found.ended) return 0;
  return found.id;
}

lock_handle spin_record(pthread_spinlock_t* lock, std::uintptr_t pc) noexcept {
  const auto address = reinterpret_cast<std::uintptr_t>(lock);
  spin_lock_index::entry found;
  if (g_spin_index.find(address, found) && found.id != 0) {
    if (!found.ended) return lock_handle{found.id};
    inside_scope inside;
    report_use_after_destroy(const_cast<int*>(lock), lock_class::spin, ended_lock{found.id, false}, pc);
    return lock_handle{};
  }
  // Unknown to the index (first sight, a full index, a table in change): the
  // locked path, which finds a lock the index could not hold by its address.
  return register_lock(const_cast<int*>(lock), nullptr, lock_class::spin, false, pc);
}

void spin_lock_initialized(pthread_spinlock_t* lock) noexcept {
  inside_scope inside;
  const auto address = reinterpret_cast<std::uintptr_t>(lock);
  lock_handle live;
  {
    internal_guard guard(g_table_lock);
    const spin_lock_index::entry found = g_spin_index.find_locked(address);
    if (found.ended) g_spin_index.erase(address);
    auto& t = the_tables();
    auto it = t.by_address.find(address);
    if (it != t.by_address.end()) live = lock_handle{it->second->id};
  }
  // Initialized again without a destroy: the lock that was here ended.
  retire_lock(live);
}

void spin_lock_ended(pthread_spinlock_t* lock) noexcept {
  inside_scope inside;
  const auto address = reinterpret_cast<std::uintptr_t>(lock);
  lock_handle live;
  {
    internal_guard guard(g_table_lock);
    auto& t = the_tables();
    auto it = t.by_address.find(address);
    if (it != t.by_address.end() && it->second->klass == lock_class::spin) live = lock_handle{it->second->id};
  }
  if (!live) return;
  retire_lock(live);
  internal_guard guard(g_table_lock);
  g_spin_index.put(address, spin_lock_index::entry{live.id, true});
}

void end_lock(lock_handle lock, void* object, bool freed) noexcept {
  if (!lock) return;
  inside_scope inside;
  lock_info info;
  if (!find_lock_info(lock.id, info)) return;
  retire_lock(lock);
  if (!info.stampable || info.address != reinterpret_cast<std::uintptr_t>(object)) return;
  // The ended stamp replaces the live one (nothing else wrote there since).
  std::uint64_t* slot = nullptr;
  if (info.klass == lock_class::mutex) slot = mutex_stamp_slot(static_cast<pthread_mutex_t*>(object));
  if (info.klass == lock_class::rwlock) slot = rwlock_stamp_slot(static_cast<pthread_rwlock_t*>(object));
  if (slot == nullptr) return;
  std::uint64_t expected = make_stamp(lock.id, object);
  __atomic_compare_exchange_n(slot, &expected, make_stamp(lock.id, object, freed ? kFreedTag : kDestroyedTag),
                              false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

void retire_lock(lock_handle lock) noexcept {
  if (!lock) return;
  inside_scope inside;
  lock_record* record = nullptr;
  {
    internal_guard guard(g_table_lock);
    record = record_by_id(lock.id);
    if (record == nullptr) return;
    detach_record(record);
  }
  // The lock is gone: it no longer counts as held by the thread ending it
  // (a freed locked std::mutex is reported once, as destroy-locked).
  if (thread_record* self = tls_thread) {
    while (the_monitor().before_unlock(self->state, lock.id)) {
    }
  }
  the_monitor().on_lock_destroyed(lock.id);
  race_on_lock_ended(lock.id);
  free_record(record);
}

bool find_lock_info(detector::lock_id id, lock_info& out) {
  inside_scope inside;
  internal_guard guard(g_table_lock);
  const lock_record* found = record_by_id(id);
  if (found == nullptr) return false;
  const lock_record& r = *found;
  out.id = r.id;
  out.address = r.address.load(std::memory_order_relaxed);
  out.klass = r.klass;
  out.stampable = r.stampable;
  out.has_user_type = r.has_user_type;
  out.user_type = r.user_type;
  out.created = r.created;
  out.created_file = r.created_file;
  out.created_function = r.created_function;
  out.created_line = r.created_line;
  out.name = r.name;
  return true;
}

void describe_lock(lock_handle lock, object_type type, const char* name, const char* file,
                   const char* function, int line) noexcept {
  if (!lock) return;
  inside_scope inside;
  internal_guard guard(g_table_lock);
  lock_record* record = record_by_id(lock.id);
  if (record == nullptr) return;
  record->has_user_type = true;
  record->user_type = type;
  record->created_file = file;
  record->created_function = function;
  record->created_line = line;
  std::strncpy(record->name, name != nullptr ? name : "", sizeof record->name - 1);
  record->name[sizeof record->name - 1] = '\0';
}

void rename_lock(lock_handle lock, const char* name) noexcept {
  if (!lock) return;
  inside_scope inside;
  internal_guard guard(g_table_lock);
  lock_record* record = record_by_id(lock.id);
  if (record == nullptr) return;
  std::strncpy(record->name, name != nullptr ? name : "", sizeof record->name - 1);
  record->name[sizeof record->name - 1] = '\0';
}

namespace {

constexpr std::size_t kMutexStampOffset = 24;   // offsetof(pthread_mutex_t, __data.__list.__prev)
constexpr std::size_t kRwlockStampOffset = 40;  // offsetof(pthread_rwlock_t, __data.__pad2)

// The lock `id` of class `klass` lived at `object`, inside memory being freed:
// a locked one is reported, and its life ends.
bool end_freed_lock(detector::lock_id id, lock_class klass, void* object, std::uintptr_t pc) noexcept {
  lock_info info;
  if (!find_lock_info(id, info) || info.klass != klass ||
      info.address != reinterpret_cast<std::uintptr_t>(object))
    return false;
  bool locked = false;
  if (klass == lock_class::mutex) {
    locked = static_cast<pthread_mutex_t*>(object)->__data.__lock != 0;
  } else {
    // glibc: bit 1 of __readers = write-locked, bits 3.. = reader count.
    const unsigned readers = static_cast<pthread_rwlock_t*>(object)->__data.__readers;
    locked = (readers & 2u) != 0 || (readers >> 3) != 0;
  }
  if (locked) report_destroy_locked(lock_handle{id}, true, pc);
  end_lock(lock_handle{id}, object, true);
  return true;
}

// Small blocks: read the block's words for stamps, O(size).
bool scan_block_for_stamps(unsigned char* bytes, std::size_t size, std::uintptr_t pc) noexcept {
  bool ended = false;
  for (std::size_t offset = kMutexStampOffset; offset + sizeof(std::uint64_t) <= size; offset += 8) {
    std::uint64_t word;
    std::memcpy(&word, bytes + offset, sizeof word);
    // A stamp names the object it was written for: a mutex 24 bytes before
    // it, or a rwlock 40 bytes before it (the tag and address bits filter).
    void* object = bytes + offset - kMutexStampOffset;
    lock_class klass = lock_class::mutex;
    detector::lock_id id = id_from_stamp(word, object);
    if (id == 0 && offset >= kRwlockStampOffset) {
      object = bytes + offset - kRwlockStampOffset;
      klass = lock_class::rwlock;
      id = id_from_stamp(word, object);
    }
    if (id != 0) ended = end_freed_lock(id, klass, object, pc) || ended;
  }
  return ended;
}

// Large blocks: walk the lock records for addresses inside the block,
// O(records), so freeing a big buffer neither reads it nor faults in its
// untouched pages.
bool walk_records_in_block(std::uintptr_t begin, std::size_t size, std::uintptr_t pc) noexcept {
  struct candidate {
    detector::lock_id id;
    lock_class klass;
    std::uintptr_t address;
  };
  std::vector<candidate> found;
  {
    internal_guard guard(g_table_lock);
    for (std::size_t c = 0; c < g_chunks_used; ++c) {
      for (std::size_t i = 0; i < kChunkSize; ++i) {
        const lock_record& record = g_chunks[c][i];
        const std::uintptr_t address = record.address.load(std::memory_order_relaxed);
        if (record.stamp.load(std::memory_order_relaxed) == 0 || !record.stampable || address < begin ||
            address - begin >= size ||
            (record.klass != lock_class::mutex && record.klass != lock_class::rwlock))
          continue;
        found.push_back(candidate{record.id, record.klass, address});
      }
    }
  }
  bool ended = false;
  for (const candidate& c : found) {
    auto* object = reinterpret_cast<void*>(c.address);
    // Only while the object still carries this lock's stamp (as the scan would see it).
    const std::size_t stamp_offset = c.klass == lock_class::mutex ? kMutexStampOffset : kRwlockStampOffset;
    if (c.address - begin + stamp_offset + sizeof(std::uint64_t) > size) continue;
    std::uint64_t word;
    std::memcpy(&word, reinterpret_cast<unsigned char*>(object) + stamp_offset, sizeof word);
    if (id_from_stamp(word, object) == c.id) ended = end_freed_lock(c.id, c.klass, object, pc) || ended;
  }
  return ended;
}

std::size_t allocated_records() noexcept {
  internal_guard guard(g_table_lock);
  return g_chunks_used * kChunkSize;
}

}  // namespace

bool locks_in_freed_memory(void* memory, std::size_t size, std::uintptr_t pc) noexcept {
  if (size / sizeof(std::uint64_t) <= kChunkSize || size / sizeof(std::uint64_t) <= allocated_records()) {
    return scan_block_for_stamps(static_cast<unsigned char*>(memory), size, pc);
  }
  return walk_records_in_block(reinterpret_cast<std::uintptr_t>(memory), size, pc);
}

void lock_registry_lock_for_fork() noexcept CONCHECK_NO_THREAD_SAFETY_ANALYSIS {
  g_table_lock.lock();
}

void lock_registry_unlock_after_fork(bool child) noexcept CONCHECK_NO_THREAD_SAFETY_ANALYSIS {
  if (child) {
    g_table_lock.reset_after_fork();
  } else {
    g_table_lock.unlock();
  }
}

}  // namespace concheck::detail
