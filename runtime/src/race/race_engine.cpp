// concheck runtime, race engine: the accesses (race_runtime.hpp's read,
// write, atomic_access, ranges, reset_range, for_each_location).
//
// Algorithm: FastTrack (Flanagan and Freund, PLDI 2009) over 8-byte granules
// with byte masks (shadow_memory.hpp has the cell and epoch layouts). An
// access is split per granule; each granule's part has a byte mask.
//   Fast path, lock-free, ~2 relaxed loads: a write whose granule's W is this
//   thread's current epoch (same atomicity) with a covering mask returns; so
//   does a plain read whose R, or W (a plain write), is the current epoch
//   with a covering mask, and an atomic read that cannot conflict with W and
//   whose location record has nothing to learn.
//   Exclusive path, lock-free: a granule only this thread has used is
//   updated with plain stores (exclusive_update says why that is safe).
//   A plain write of 32 KiB or more claims the untouched granules of its
//   range in bulk (plain stores, one site lookup: access).
//   Ordered path, lock-free: a plain access to a shared granule whose
//   stored accesses all happened before it, and whose location record has
//   nothing to learn, stores its epoch: a write with a CAS on W
//   (ordered_update), a read with a plain store on R (store_read_epoch);
//   more bytes of this thread's own current-epoch W are a plain store. A
//   plain read in a dense chunk tries both paths' reads in one pass first
//   (read_past_fast_check).
//   A plain 16-byte access at a granule boundary in a dense chunk (a
//   vectorized loop's) is decided granule by granule in one pass
//   (sixteen_access: read_one_pass, write_one_pass), not in the range loop.
//   Sharing path, lock-free: a granule of such a 16-byte access that one
//   other thread used alone, with nothing concurrent to it, has its record
//   made shared with a CAS and its epoch stored as the ordered path does
//   (share_update); the slow path replaces a dense record with a CAS too
//   (update_location).
//   Read-shared path, lock-free: a plain read of a granule whose R is a read
//   set with another concurrent reader updates its own item in the set
//   (update_own_read_item).
//   Slow path, under the granule's stripe lock: check, update, record sites
//   and the location record; report after unlocking.
// Conflict: the byte masks overlap, one side writes, not both are atomic,
// and the earlier epoch is not <= the current thread's clock entry for its
// slot. Writes check W and R (every reader of a read set); reads check W.
// Updates: W becomes the current epoch (masks merge within one epoch, else
// the new mask replaces: merging across epochs would date old bytes later
// and could report a false race). A write covering every byte R names
// clears R (a later access ordered after the write is ordered after the
// read; one concurrent with it races with W). A plain read replaces R
// unless R holds an overlapping read concurrent with it: then R becomes a
// read set (read_sets.hpp) with the intersection of the masks. A read that
// does not overlap the stored one replaces it: neighbours in one granule
// never race falsely; at worst a race is missed.
// Atomics: an atomic load is checked against W but not recorded in R
// (recording it would put every spin loop on the slow path; the price: a
// plain write racing with an atomic load and with no write before it is
// missed). An atomic store records W with the atomic bit, so a later plain
// access still races with it, and checks R (plain reads race with it).
// Per-location record: updated on the slow path only, so once per granule
// per epoch; that is exact for the lockset intersection since an epoch has
// one lockset (race_threads.cpp starts a new epoch at every lock and unlock).
// Memory: 32 or 16 bytes of shadow per touched granule (the chunk's layout,
// shadow_memory.hpp), read sets for granules read concurrently. Each racy granule is reported once.
#include "race/race_engine.hpp"

#include <algorithm>
#include <atomic>

#include "race/access_fast_path.hpp"
#include "race/internal_heap.hpp"
#include "race/lockset_table.hpp"
#include "race/race_context.hpp"
#include "race/race_runtime.hpp"
#include "race/read_sets.hpp"
#include "race/shadow_cold.hpp"
#include "race/shadow_memory.hpp"
#include "race/sync_clocks.hpp"
#include "race/thread_slots.hpp"
#include "race/vector_clock.hpp"
#include "thread_registry.hpp"

namespace concheck::race {

std::atomic<bool> g_enabled{false};

namespace {
std::atomic<race_observer> g_observer{nullptr};
}  // namespace

void set_race_observer(race_observer observer) noexcept {
  g_observer.store(observer, std::memory_order_release);
}

void enable() noexcept {
  g_enabled.store(true, std::memory_order_relaxed);
}

namespace {

// A range access this large faults its shadow in first (shadow_prefault):
// every granule's cell is about to be written, and one system call per
// chunk is cheaper than two page faults per shadow page.
constexpr std::size_t kPrefaultBytes = std::size_t{32} << 10;

struct access_desc {
  std::uint8_t mask;
  bool is_write;
  bool is_atomic;
  std::uint8_t size;  // of the whole access (255 for larger ranges)
  std::uintptr_t pc;
};

struct earlier_access {
  std::uint64_t epoch = 0;
  std::uint8_t mask = 0;
  bool is_write = false;
  bool is_atomic = false;
  std::uint32_t site = 0;
};

// The earlier access `word` (an epoch) did not happen before the current one.
__attribute__((always_inline)) inline bool concurrent(const thread_context& self,
                                                      std::uint64_t word) noexcept {
  const std::uint32_t slot = epoch_slot(word);
  return slot != self.slot && epoch_clock(word) > self.clock.get(slot);
}

inline std::uint64_t shared_read_word(std::uint64_t index, std::uint8_t mask) noexcept {
  return make_epoch(kSharedSlot, index) | mask;
}

// A plain read by `self`: the new R. `free_set` gets a read set R let go of.
std::uint64_t updated_read(const thread_context& self, std::uintptr_t granule, std::uint64_t r,
                           std::uint64_t sites, const access_desc& a, std::uint32_t site,
                           std::uint64_t& free_set) noexcept {
  const std::uint64_t mine = self.epoch | a.mask;
  const std::uint8_t stored = epoch_mask(r);
  if (stored == 0) return mine;
  if (!is_read_shared(r)) {
    if (epoch_slot(r) == self.slot) return (r & ~kMaskBits) == self.epoch ? r | a.mask : mine;
    if ((stored & a.mask) == 0 || !concurrent(self, r)) return mine;
    const std::uint64_t index = read_set_allocate(granule);
    if (index == 0) return mine;  // pool exhausted: the older read is forgotten
    read_set& set = read_set_at(index);
    set.push({r & ~kMaskBits, static_cast<std::uint32_t>(sites >> 32)});
    set.push({self.epoch, site});
    return shared_read_word(index, stored & a.mask);
  }
  const std::uint64_t index = epoch_clock(r);
  if ((stored & a.mask) == 0) {
    free_set = index;
    return mine;
  }
  read_set& set = read_set_at(index);
  for (std::uint32_t i = set.count; i-- > 0;) {
    if (!concurrent(self, set.at(i).epoch)) set.erase(i);  // ordered before this read (read_sets.hpp)
  }
  set.push({self.epoch, site});
  if (set.count <= 1) {
    free_set = index;
    return mine;
  }
  return shared_read_word(index, stored & a.mask);
}

// A write by `self` against R: the first concurrent overlapping read, if any.
bool write_races_read(const thread_context& self, std::uint64_t r, std::uint64_t sites, const access_desc& a,
                      earlier_access& earlier) noexcept {
  const std::uint8_t stored = epoch_mask(r);
  if ((stored & a.mask) == 0) return false;
  if (!is_read_shared(r)) {
    if (!concurrent(self, r)) return false;
    earlier = {r, stored, false, false, static_cast<std::uint32_t>(sites >> 32)};
    return true;
  }
  read_set& set = read_set_at(epoch_clock(r));
  for (std::uint32_t i = 0; i < set.count; ++i) {
    const read_item item = set.at(i);
    if (concurrent(self, item.epoch)) {
      earlier = {item.epoch, stored, false, false, item.site};
      return true;
    }
  }
  return false;
}

// The per-location record after this access; true if a race found now is
// the granule's first (to be reported).
// `location`: the record before this access; `has_epoch`: the granule has
// an epoch (W or R) after it. Under the stripe lock; a dense record is
// replaced with a CAS (cold_ref::replace_location), and if the lock-free
// sharing of the granule (share_update) changed it meanwhile, the update is
// made again from the record found: neither loses the other's lockset.
bool update_location(cold_ref cold, std::uint64_t location, bool has_epoch, const thread_context& self,
                     bool is_atomic, bool raced) noexcept {
  for (;;) {
    auto state = static_cast<sharing>(location & kStateBits);
    std::uint32_t lockset = static_cast<std::uint32_t>(location >> 32);
    const std::uint64_t me = location_owner(self.thread_id);
    std::uint64_t owner = location & kOwnerField;
    switch (state) {
      case sharing::untouched:
        state = sharing::one_thread;
        owner = me;
        break;
      case sharing::one_thread:
        if (owner != me) {
          lockset = self.lockset;
          state = lockset != 0 ? sharing::locked : sharing::synchronized;
        }
        break;
      case sharing::locked:
        // A plain access holding no lock that is ordered after the accesses it
        // conflicts with (main reading a result after joining the workers)
        // needed no lock: the candidate set stays what the locked accesses say.
        if (self.lockset == 0 && !raced && !is_atomic) break;
        [[fallthrough]];
      case sharing::synchronized:
        lockset = lockset_intersection(lockset, self.lockset);
        state = lockset != 0 ? sharing::locked : sharing::synchronized;
        break;
      case sharing::racy:
        lockset = lockset_intersection(lockset, self.lockset);
        break;
    }
    const bool first_race = raced && (location & kLocationReported) == 0;
    if (raced) state = sharing::racy;
    const std::uint64_t updated = static_cast<std::uint64_t>(state) | owner | (std::uint64_t{lockset} << 32) |
                                  (location & (kLocationAtomic | kLocationReported)) |
                                  (is_atomic ? kLocationAtomic : 0) | (raced ? kLocationReported : 0);
    if (updated == location || cold.replace_location(location, updated, has_epoch)) return first_race;
  }
}

void report(const thread_context& self, std::uintptr_t granule, const access_desc& a, std::uint32_t site,
            const earlier_access& earlier) noexcept {
  race_event event;
  const std::uint8_t overlap = a.mask & earlier.mask;
  event.address = granule + static_cast<unsigned>(__builtin_ctz(overlap != 0 ? overlap : a.mask));
  event.current = {self.thread_id, a.is_write, a.is_atomic, a.size, site, self.lockset};
  const std::uint32_t slot = epoch_slot(earlier.epoch);
  const std::uint64_t clock = epoch_clock(earlier.epoch);
  event.earlier = {slot_thread(slot, clock),
                   earlier.is_write,
                   earlier.is_atomic,
                   static_cast<std::uint8_t>(__builtin_popcount(earlier.mask)),
                   earlier.site,
                   slot_lockset(slot, clock)};
  if (race_observer observer = g_observer.load(std::memory_order_acquire)) {
    observer(event);
  } else {
    report_race(event);
  }
}

__attribute__((noinline)) void access_slow(thread_context& self, shadow_cell& cell, cold_ref cold,
                                           std::uintptr_t granule, const access_desc& a) noexcept {
  detail::inside_scope inside;
  ++tls_test_counters.slow_paths;
  const std::uint32_t site = site_of(self, a.pc);
  earlier_access earlier;
  bool raced = false;
  bool first_race = false;
  std::uint64_t free_set = 0;
  {
    spin_guard guard(stripe_lock_for(granule));
    const std::uint64_t w = cell.write.load(std::memory_order_acquire);
    const std::uint64_t r = cell.read.load(std::memory_order_acquire);
    const std::uint64_t sites = cold.write_site() | (std::uint64_t{cold.read_site()} << 32);
    const std::uint64_t location = cold.location(w != 0 || r != 0);
    const std::uint8_t written = epoch_mask(w);
    const bool w_atomic = (w & kAtomicBit) != 0;
    if ((written & a.mask) != 0 && !(a.is_atomic && w_atomic) && concurrent(self, w)) {
      raced = true;
      earlier = {w, written, true, w_atomic, static_cast<std::uint32_t>(sites)};
    }
    if (a.is_write) {
      if (!raced) raced = write_races_read(self, r, sites, a, earlier);
      std::uint64_t new_w = self.epoch | (a.is_atomic ? kAtomicBit : 0) | a.mask;
      if ((w & ~kMaskBits) == (new_w & ~kMaskBits)) new_w |= written;
      // One W per granule: an atomic store next to this thread's plain write
      // of other bytes (a flag beside its payload) keeps the plain write,
      // which a later unsynchronized reader of the payload must race with;
      // the atomic store's record matters only to plain accesses of the flag.
      const bool keep_plain =
          a.is_atomic && !w_atomic && w != 0 && epoch_slot(w) == self.slot && (written & ~a.mask) != 0;
      if (!keep_plain) {
        cold.store_write_site(site);
        cell.write.store(new_w, std::memory_order_relaxed);
      }
      if (epoch_mask(r) != 0 && (epoch_mask(r) & ~a.mask) == 0) {
        if (is_read_shared(r)) free_set = epoch_clock(r);
        cell.read.store(0, std::memory_order_relaxed);
      }
    } else if (!a.is_atomic) {
      const std::uint64_t new_r = updated_read(self, granule, r, sites, a, site, free_set);
      // Stores only what changes: a read added to a read set leaves the cell
      // as it was (its site is in the set), and the cell's cache line then
      // stays shared among the readers of a read-mostly structure.
      if (new_r != r) cell.read.store(new_r, std::memory_order_relaxed);
      // Only the read's site: the write's is another word, which a lock-free
      // exclusive update may have changed since it was loaded.
      if (!is_read_shared(new_r)) cold.store_read_site(site);
    }
    const bool has_epoch =
        (cell.write.load(std::memory_order_relaxed) | cell.read.load(std::memory_order_relaxed)) != 0;
    first_race = update_location(cold, location, has_epoch, self, a.is_atomic, raced);
    read_set_detach(free_set);  // before unlocking: the sweep must not free it too (read_sets.hpp)
  }
  if (free_set != 0) read_set_free(free_set);
  if (first_race) report(self, granule, a, site, earlier);
}

// The lock-free paths' read: this thread's epoch joins R (same epoch: the
// masks merge), the site first, with a plain store. R may have changed
// since the caller loaded it: another thread's read stored meanwhile is then
// lost (a race missed, never one invented: every epoch stored is an access
// that happened), and a read set's index a slow path stored meanwhile is
// overwritten; the set, named by no granule any more, is an orphan that
// the read-set pool's sweep frees (read_sets.hpp). A CAS here cost a tenth
// of a pipeline stage's time and of a read-mostly lookup's.
__attribute__((always_inline)) inline void store_read_epoch(const thread_context& self, shadow_cell& cell,
                                                            cold_ref cold, std::uint8_t mask, std::uint64_t r,
                                                            std::uint32_t site) noexcept {
  const std::uint64_t new_r = (r & ~kMaskBits) == self.epoch ? r | mask : self.epoch | mask;
  cold.store_read_site(site);
  cell.read.store(new_r, std::memory_order_release);
}

// The exclusive path: a granule only this thread has used (W and R empty or
// its own slot's, the location record one_thread with this thread as owner)
// cannot race, and its record has nothing to learn, so it is updated
// without the stripe lock: thread-local data after a lock or unlock (a new
// epoch) costs no atomic read-modify-write. W, R and the sites are stored
// with plain stores (R: store_read_epoch says why that is safe). A slow path of another thread running
// at the same moment can lose one of the two updates (a race then missed,
// or the earlier access's site in a report taken from the other access);
// it cannot make a race appear: every epoch stored is an access that
// happened.
__attribute__((always_inline)) inline bool exclusive_update(thread_context& self, shadow_cell& cell,
                                                            cold_ref cold, const access_desc& a,
                                                            std::uint64_t w) noexcept {
  if (a.is_atomic || (w != 0 && epoch_slot(w) != self.slot)) return false;
  std::uint64_t r = cell.read.load(std::memory_order_relaxed);
  if (r != 0 && epoch_slot(r) != self.slot) return false;  // another thread's read, or a read set
  const std::uint64_t location = cold.location(w != 0 || r != 0);
  std::uint32_t site = 0;
  if (location == 0 && w == 0 && r == 0) {
    // An untouched granule (fresh memory, a new heap block): claimed for
    // this thread without the stripe lock, by a CAS of its record or, in a
    // split chunk whose uniform record is (or becomes) this thread's, by the
    // CAS of its first epoch (shadow_cold.hpp; another record goes to the
    // granule's slot on the slow path). A slow path of another thread
    // claiming it at the same moment may overwrite the claim: the granule
    // then looks first used by that thread (a race between the two first
    // accesses can be missed, as on this path generally).
    if (!cold.claim(static_cast<std::uint64_t>(sharing::one_thread) | location_owner(self.thread_id))) {
      return false;
    }
    site = site_of(self, a.pc);
    std::uint64_t empty = 0;
    if (a.is_write) {
      cold.store_write_site(site);
      return cell.write.compare_exchange_strong(empty, self.epoch | a.mask, std::memory_order_release,
                                                std::memory_order_relaxed);
    }
    cold.store_read_site(site);
    return cell.read.compare_exchange_strong(empty, self.epoch | a.mask, std::memory_order_release,
                                             std::memory_order_relaxed);
  } else if (static_cast<sharing>(location & kStateBits) != sharing::one_thread ||
             (location & kOwnerField) != location_owner(self.thread_id)) {
    return false;
  } else {
    site = site_of(self, a.pc);
  }
  // The site first, then the epoch with release: a slow path that loads the
  // epoch (acquire) and reports it finds its site, not the one before.
  if (a.is_write) {
    std::uint64_t new_w = self.epoch | a.mask;
    if ((w & ~kMaskBits) == self.epoch) new_w |= epoch_mask(w);
    cold.store_write_site(site);
    cell.write.store(new_w, std::memory_order_release);
  } else {
    store_read_epoch(self, cell, cold, a.mask, r, site);
  }
  return true;
}

// The location record has nothing to learn from a plain access by `self`
// (update_location would store what it holds): shared, and its candidate
// lockset already what intersecting self's gives (or, when locked, self
// holds no lock: a lock-free access ordered after the locked ones).
__attribute__((always_inline)) inline bool location_settled_for_plain(std::uint64_t location,
                                                                      const thread_context& self) noexcept {
  switch (static_cast<sharing>(location & kStateBits)) {
    case sharing::synchronized:
      return true;
    case sharing::locked:
      return (location >> 32) == self.lockset || self.lockset == 0;
    case sharing::racy:
      return (location >> 32) == self.lockset;
    case sharing::one_thread:
    case sharing::untouched:
      return false;
  }
  return false;
}
__attribute__((always_inline)) inline bool location_settled_for_plain(cold_ref cold, bool has_epoch,
                                                                      const thread_context& self) noexcept {
  return location_settled_for_plain(cold.location(has_epoch), self);
}

// W of a write of `mask` on the ordered path (below; share_update and
// write_one_pass store it the same way), after the write's site: more bytes
// of this thread's own write in its current epoch (a byte loop) with a plain
// store, as on the exclusive path (no other thread is ordered after this
// epoch yet, so every other access to the granule since W was stored is
// concurrent with it: one that overlapped took the slow path and reported
// the race, one that did not replaced W and is forgotten now: a race missed,
// never one invented); otherwise W replaced with a CAS from `w`, false when
// it fails (the caller's full path decides, storing its own site). Then R
// cleared with a CAS when the write covers another epoch's read; R of this
// thread's own current epoch stays (what it says W says too, and clearing it
// cost a CAS per byte of a read-modify-write byte loop).
__attribute__((always_inline)) inline bool store_ordered_write(const thread_context& self, shadow_cell& cell,
                                                               std::uint64_t w, std::uint64_t r,
                                                               std::uint8_t mask) noexcept {
  const std::uint64_t new_w = self.epoch | mask;
  if ((w & ~kMaskBits) == self.epoch) {
    cell.write.store(new_w | epoch_mask(w), std::memory_order_release);
  } else if (!cell.write.compare_exchange_strong(w, new_w, std::memory_order_release,
                                                 std::memory_order_relaxed)) {
    return false;
  }
  if (epoch_mask(r) != 0 && (epoch_mask(r) & ~mask) == 0 && (r & ~kMaskBits) != self.epoch) {
    cell.read.compare_exchange_strong(r, 0, std::memory_order_relaxed, std::memory_order_relaxed);
  }
  return true;
}

// The ordered path: a plain access to a shared granule whose stored accesses
// all happened before it (W, and R for a write, not concurrent with it, or
// not overlapping) cannot race, and when the location record has nothing to
// learn either, its only effect is the new W or R, stored without the
// stripe lock: W with a CAS, R with a plain store (store_read_epoch). Memory handed between threads (a buffer
// through a queue, an array slot under a lock) took the stripe lock at every
// first access per epoch, and the lock's cache line was the slow path's main
// cost. R in read-shared form goes to the slow path. A write that covers R
// clears it with a CAS (leaving it would be safe: a later write not ordered
// after that read is not ordered after this write either, and races with
// W). The CAS on W makes two lock-free writes see each other (the loser
// takes the slow path and checks the winner's epoch: a write-write race is
// reported); two lock-free reads at one moment can lose one of the two
// (store_read_epoch), and against a slow
// path of another thread at the same moment, which stores with plain
// stores, one of the two updates can be lost, as on the exclusive path: a
// race then missed, never one invented (every epoch stored is an access that
// happened).
__attribute__((always_inline)) inline bool ordered_update(thread_context& self, shadow_cell& cell,
                                                          cold_ref cold, const access_desc& a,
                                                          std::uint64_t w) noexcept {
  if (a.is_atomic) return false;
  if ((epoch_mask(w) & a.mask) != 0 && concurrent(self, w)) return false;
  std::uint64_t r = cell.read.load(std::memory_order_relaxed);
  if (is_read_shared(r)) return false;
  const bool r_overlaps_concurrent = (epoch_mask(r) & a.mask) != 0 && concurrent(self, r);
  // A write: a race, which the slow path reports; a read: two concurrent
  // reads, which the slow path turns into a read set.
  if (r_overlaps_concurrent) return false;
  if (!location_settled_for_plain(cold, (w | r) != 0, self)) return false;
  const std::uint32_t site = site_of(self, a.pc);
  // The site first, then the epoch with release (as exclusive_update). If
  // the CAS on W fails the slow path stores its own site with its epoch.
  if (a.is_write) {
    cold.store_write_site(site);
    if (!store_ordered_write(self, cell, w, r, a.mask)) return false;
  } else {
    store_read_epoch(self, cell, cold, a.mask, r, site);
  }
  return true;
}

// The sharing path: a plain access to a granule of a dense chunk that one
// other thread alone used so far (its record one_thread, another owner),
// with nothing overlapping and concurrent in W or R (no race to report, no
// read set to make). The slow path would make the record shared with this
// thread's lockset (update_location) and store the epoch and site as the
// ordered path does; here the record is replaced with a CAS, without the
// stripe lock, then the site and epoch are stored as ordered_update stores
// them (a write's W with a CAS: when that fails the access goes on to the
// slow path, which finds the record shared already and settled). The slow
// path replaces a dense record with a CAS too (update_location), so two
// threads sharing a granule at one moment, on either path, each leave
// their lockset in it: neither path can name a lock the other access did
// not hold. Against a slow path's epoch stores at the same moment, one of
// the two epochs can be lost, as on the ordered path (a race missed, never
// one invented). Memory handed from one thread to another (a buffer from a
// producer to a pipeline stage) took the stripe lock at the receiver's first
// access of each granule (issue 12: 3.84 M slow paths a repetition of
// pipeline, about 224 instructions each). Taken by sixteen_access only:
// placed in update_granule for every access as well, read_mostly (whose
// readers' first reads of the map's nodes it took: 178 k slow paths fewer
// in 278 k) ran 8 to 20% more user CPU in four of five interleaved batches
// at a load of 14 to 23, for 1% fewer instructions; not understood
// (bench/race/README.md, race-pipe21).
__attribute__((always_inline)) inline bool share_update(thread_context& self, shadow_cell& cell,
                                                        cold_ref cold, const access_desc& a,
                                                        std::uint64_t w) noexcept {
  cold_slot* dense = cold.dense();
  if (a.is_atomic || dense == nullptr) return false;
  std::uint64_t location = dense->location.load(std::memory_order_relaxed);
  if (static_cast<sharing>(location & kStateBits) != sharing::one_thread ||
      (location & kOwnerField) == location_owner(self.thread_id)) {
    return false;
  }
  if ((epoch_mask(w) & a.mask) != 0 && concurrent(self, w)) return false;
  std::uint64_t r = cell.read.load(std::memory_order_relaxed);
  if (is_read_shared(r) || ((epoch_mask(r) & a.mask) != 0 && concurrent(self, r))) return false;
  // update_location's record for this access: shared from now on, with this
  // thread's lockset as the candidate set.
  const std::uint64_t shared =
      static_cast<std::uint64_t>(self.lockset != 0 ? sharing::locked : sharing::synchronized) |
      (location & (kOwnerField | kLocationAtomic | kLocationReported)) | (std::uint64_t{self.lockset} << 32);
  const std::uint32_t site = site_of(self, a.pc);
  if (!dense->location.compare_exchange_strong(location, shared, std::memory_order_relaxed)) return false;
  if (!a.is_write) {
    store_read_epoch(self, cell, cold, a.mask, r, site);
    return true;
  }
  cold.store_write_site(site);
  return store_ordered_write(self, cell, w, r, a.mask);
}

// The read-shared path: a plain read of a granule whose R is a read set, by a
// thread with an inline item in it (found where this thread's memo says it
// was, else by the set's slot hints; never by reading the other readers'
// item lines: a read touches the cell's line and its own item's, as when
// the four items shared one line, and writes only its own). If that item is of the current
// epoch and R's mask covers the read, the read has no effect (the thread
// already read these bytes in this epoch): nothing is stored; R is read
// again after the item, so a set freed or changed meanwhile sends the read
// to the slow path (a write that raced with the recorded read keeps R only
// if it did not cover it, and has reported this granule already).
// Otherwise, when W does not race with it, it covers R's mask and the
// location record has nothing to learn, it is recorded without the stripe
// lock while another reader in the set is concurrent with it: the item's
// epoch becomes the current one (a CAS) and its site this read's; the
// items the slow path would prune (reads ordered before this one) stay:
// each is a read that happened, and a write concurrent with one of them is
// concurrent with this read too, so none invents a race. Otherwise (every
// reader in the set happened before this read, a reader joining the set,
// more than four items) the slow path, which shrinks or extends the set.
// Readers of a structure under a reader lock (read_mostly) read the same
// granules in a new epoch at every lookup, and every such read took the
// stripe lock, pruned and pushed (bench/race/README.md has the figures).
// Whether another reader is concurrent is remembered in the item's line
// (its witness: that reader's slot s and this thread's clock entry for s
// when s's item was seen concurrent): while this thread's entry for s is
// the same, s's item, whose clock only grows, is still concurrent, and the
// other readers' lines, which they write at every lookup, are not read
// (issue 12: reading them moved them between the cores as their CAS had
// moved the one shared line). The witness only chooses between this path
// and the slow path: it is stale when s's item left the set (another
// reader's slow path pruned it), and the set then lives until this thread's
// clock changes (read_mostly: the next writer) or another reader's slow path
// shrinks it; stored into a line a slow path gave to another reader at that
// moment, it makes that reader's choice alike. Neither can lose or invent a
// race: the item's update is exact with or without other readers.
// The item's CAS expects its word with the set's tag (read_sets.hpp), so an
// entry freed and allocated again meanwhile is not changed. A slow path of
// another thread moving items at the same moment (erase) can leave the
// update in a place past the count, or copy the item before its site is
// stored: a read lost (a race missed) or, in a report, the site of this
// thread's previous read of the granule; never a race invented.
__attribute__((always_inline)) inline bool update_own_read_item(thread_context& self, const shadow_cell& cell,
                                                                cold_ref cold, const access_desc& a,
                                                                std::uint64_t w, std::uint64_t r) noexcept {
  const std::uint64_t index = epoch_clock(r);
  read_set& set = read_set_at(index);
  std::uint64_t& memo = self.read_item_memo[index % thread_context::kReadItemMemo];
  std::uint32_t mine = static_cast<std::uint32_t>(memo & 3);
  std::uint64_t item = 0;
  if ((memo >> 2) == index) item = __atomic_load_n(&set.lines[mine].epoch, __ATOMIC_ACQUIRE);
  if (epoch_slot(item) != self.slot || (item & ~kMaskBits) == 0) {
    // Not where it was last: the header's slots (a set this thread has not
    // updated lately, or items moved by a slow path).
    const std::uint32_t count = std::min<std::uint32_t>(__atomic_load_n(&set.count, __ATOMIC_ACQUIRE), 4);
    mine = 4;
    for (std::uint32_t i = 0; i < count; ++i) {
      if (__atomic_load_n(&set.slots[i], __ATOMIC_RELAXED) == self.slot) mine = i;
    }
    if (mine == 4) return false;  // joining the set (or items moving under a slow path)
    item = __atomic_load_n(&set.lines[mine].epoch, __ATOMIC_ACQUIRE);
    if (epoch_slot(item) != self.slot || (item & ~kMaskBits) == 0)
      return false;  // changing under a slow path
    memo = (index << 2) | mine;
  }
  read_item_line& line = set.lines[mine];
  if ((item & ~kMaskBits) == self.epoch) {
    if ((r & a.mask) != a.mask) return false;
    std::atomic_thread_fence(std::memory_order_acquire);
    return cell.read.load(std::memory_order_relaxed) == r;
  }
  if ((epoch_mask(r) & ~a.mask) != 0) return false;                        // the slow path narrows R's mask
  if ((epoch_mask(w) & a.mask) != 0 && concurrent(self, w)) return false;  // a race: reported there
  if (!location_settled_for_plain(cold, true, self)) return false;
  const std::uint64_t witness = __atomic_load_n(&line.witness, __ATOMIC_RELAXED);
  std::uint64_t new_witness = 0;
  if (witness == 0 || self.clock.get(epoch_slot(witness)) != epoch_clock(witness)) {
    const std::uint32_t count = std::min<std::uint32_t>(__atomic_load_n(&set.count, __ATOMIC_ACQUIRE), 4);
    for (std::uint32_t i = 0; i < count; ++i) {
      if (i == mine) continue;
      const std::uint64_t word = __atomic_load_n(&set.lines[i].epoch, __ATOMIC_ACQUIRE);
      if ((word & ~kMaskBits) == 0) return false;  // changing under a slow path
      if (concurrent(self, word)) {
        new_witness = make_epoch(epoch_slot(word), self.clock.get(epoch_slot(word))) | 1;
        break;
      }
    }
    // Without another concurrent reader the slow path shrinks R to this
    // read's epoch and frees the set at once (a CAS on R here would leave it
    // to the pool's sweep: read_mostly's peak RSS went from 40 to 46 MiB,
    // above TSan's 41, for no measurable time).
    if (new_witness == 0) return false;
  }
  const std::uint32_t site = site_of(self, a.pc);
  if (!__atomic_compare_exchange_n(&line.epoch, &item, self.epoch | (item & kMaskBits), false,
                                   __ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
    return false;
  }
  __atomic_store_n(&line.site, site, __ATOMIC_RELAXED);
  if (new_witness != 0) __atomic_store_n(&line.witness, new_witness, __ATOMIC_RELAXED);
  return true;
}

// The same, out of line, for update_granule's callers (the range loop, the
// plain and atomic rests): read_shared_rest has it inlined, and inlining it
// everywhere would grow the range loop, whose size single_loop feels.
__attribute__((noinline)) bool update_own_read_item_call(thread_context& self, const shadow_cell& cell,
                                                         cold_ref cold, const access_desc& a, std::uint64_t w,
                                                         std::uint64_t r) noexcept {
  return update_own_read_item(self, cell, cold, a, w, r);
}

// An atomic load needs the slow path only to learn something new about the
// location: a one-thread location of another owner, a shared one whose
// lockset could still shrink, or a first atomic access.
inline bool location_settled_for_atomic_load(cold_ref cold, bool has_epoch,
                                             const thread_context& self) noexcept {
  const std::uint64_t location = cold.location(has_epoch);
  if ((location & kLocationAtomic) == 0) return false;
  switch (static_cast<sharing>(location & kStateBits)) {
    case sharing::synchronized:
      return true;
    case sharing::racy:
    case sharing::locked:
      return (location >> 32) == self.lockset;
    case sharing::one_thread:
      return (location & kOwnerField) == location_owner(self.thread_id);
    case sharing::untouched:
      return false;
  }
  return false;
}

// What follows a failed fast check: the lock-free paths, else the slow
// path. `r` is R as loaded for a plain read, 0 for any other access.
__attribute__((always_inline)) inline void update_granule(thread_context& self, shadow_cell& cell,
                                                          cold_ref cold, std::uintptr_t granule,
                                                          const access_desc& a, std::uint64_t w,
                                                          std::uint64_t r) noexcept {
  if (is_read_shared(r)) {
    if (update_own_read_item_call(self, cell, cold, a, w, r)) return;
    // Neither of the other lock-free paths takes a read set.
    access_slow(self, cell, cold, granule, a);
    return;
  }
  if (exclusive_update(self, cell, cold, a, w)) return;
  if (ordered_update(self, cell, cold, a, w)) return;
  access_slow(self, cell, cold, granule, a);
}

__attribute__((always_inline)) inline void access_granule(thread_context& self, std::uintptr_t granule,
                                                          const access_desc& a) noexcept {
  shadow_chunk* chunk = shadow_chunk_for_inline(granule);
  if (__builtin_expect(chunk == nullptr, 0)) return;
  const std::uintptr_t cells = chunk->cells.load(std::memory_order_relaxed);
  shadow_cell* cell = shadow_cell_in(cells, granule);
  const cold_ref cold(*cell, granule, cells & kLayoutBits);
  const std::uint64_t w = cell->write.load(std::memory_order_relaxed);
  std::uint64_t r = 0;
  if (a.is_write) {
    const std::uint64_t base = self.epoch | (a.is_atomic ? kAtomicBit : 0);
    if (epoch_covers(w, base, a.mask)) return;
  } else {
    // This thread's plain write in this epoch covers any read it makes now.
    if (epoch_covers(w, self.epoch, a.mask)) return;
    if (!a.is_atomic) {
      r = cell->read.load(std::memory_order_relaxed);
      if (epoch_covers(r, self.epoch, a.mask)) return;
    } else if (((w & a.mask) == 0 || (w & kAtomicBit) != 0 || !concurrent(self, w)) &&
               location_settled_for_atomic_load(cold, (w | cell->read.load(std::memory_order_relaxed)) != 0,
                                                self)) {
      return;
    }
  }
  update_granule(self, *cell, cold, granule, a, w, r);
}

// A large plain write's claim of the untouched whole granules of [granule,
// run_end), all in one chunk: each one's records claimed (a dense cell's
// stored, a split chunk's uniform ones this write's: shadow_cold.hpp), then
// its epoch stored. Returns where it stopped: run_end, or the first granule
// already touched or whose records are another's (the caller makes that one
// an access of its own). The chunk is looked up once, and a split chunk
// with no cold region (no granule with words of its own) adopts its uniform
// words once: one granule at a time, the lookups and the claim cost single_loop's
// 32 MiB memset 100 instructions per granule (issue 12). A cold region
// mapped by another thread during the run (its accesses to this memory race
// with the write) can leave a granule claimed over words of its own: a race
// missed at worst, as for two claims at one moment.
std::uintptr_t bulk_claim_run(const thread_context& self, std::uintptr_t granule, std::uintptr_t run_end,
                              std::uint64_t claimed, std::uint32_t site) noexcept {
  shadow_chunk* chunk = shadow_chunk_for_inline(granule);
  if (chunk == nullptr || granule >= run_end) return granule;
  const std::uintptr_t cells = chunk->cells.load(std::memory_order_relaxed);
  const std::uint64_t epoch = self.epoch | kMaskBits;
  if ((cells & kLayoutBits) != kDenseLayout && chunk->cold.load(std::memory_order_acquire) == nullptr) {
    if (!adopt_uniform(chunk->uniform_location, claimed) || !adopt_uniform(chunk->uniform_write_site, site)) {
      return granule;
    }
    for (; granule < run_end; granule += kGranule) {
      shadow_cell& cell = *shadow_cell_in(cells, granule);
      if ((cell.write.load(std::memory_order_relaxed) | cell.read.load(std::memory_order_relaxed)) != 0)
        break;
      cell.write.store(epoch, std::memory_order_release);
    }
    return granule;
  }
  for (; granule < run_end; granule += kGranule) {
    shadow_cell& cell = *shadow_cell_in(cells, granule);
    if ((cell.write.load(std::memory_order_relaxed) | cell.read.load(std::memory_order_relaxed)) != 0 ||
        !cold_ref(cell, granule, cells & kLayoutBits).bulk_claim(claimed, site)) {
      break;
    }
    cell.write.store(epoch, std::memory_order_release);
  }
  return granule;
}

__attribute__((always_inline)) inline void access(std::uintptr_t address, std::size_t size, std::uintptr_t pc,
                                                  bool is_write, bool is_atomic) noexcept {
  if (!enabled() || size == 0) return;
  thread_context* self = current_context();
  if (__builtin_expect(self == nullptr, 0)) return;
  const std::uintptr_t offset = address & (kGranule - 1);
  if (__builtin_expect(offset + size <= kGranule, 1)) {  // within one granule: most accesses
    const auto mask = static_cast<std::uint8_t>(((1u << size) - 1) << offset);
    access_granule(*self, address - offset, {mask, is_write, is_atomic, static_cast<std::uint8_t>(size), pc});
    return;
  }
  const auto reported_size = static_cast<std::uint8_t>(std::min<std::size_t>(size, 255));
  const std::uintptr_t end = address + size;
  if (size >= kPrefaultBytes) shadow_prefault(address, end);
  // A large plain write (a memset of fresh memory) claims untouched granules
  // in bulk: one site for the whole range, and plain stores instead of
  // exclusive_update's CAS (a granule another thread claims at the same
  // moment may keep a mix of the two claims: a race missed at worst, as on
  // the exclusive path). A quarter of single_loop was this loop, per granule.
  const bool bulk = size >= kPrefaultBytes && is_write && !is_atomic;
  const std::uint32_t bulk_site = bulk ? current_site(pc) : 0;
  const std::uint64_t claimed =
      static_cast<std::uint64_t>(sharing::one_thread) | location_owner(self->thread_id);
  std::uintptr_t at = address;
  while (at < end) {
    const std::uintptr_t granule = at & ~(kGranule - 1);
    const std::uintptr_t stop = std::min(granule + kGranule, end);
    const auto mask = static_cast<std::uint8_t>(((1u << (stop - at)) - 1) << (at - granule));
    if (bulk && mask == kMaskBits) {
      // The untouched whole granules from here to the chunk's end (or the
      // range's last whole granule), claimed in one run; the first one that
      // is not goes on below as one access.
      const std::uintptr_t chunk_end = (granule | ((std::uintptr_t{1} << kChunkShift) - 1)) + 1;
      at = bulk_claim_run(*self, granule, std::min(chunk_end, end & ~(kGranule - 1)), claimed, bulk_site);
      if (at != granule) continue;
    }
    ++tls_test_counters.range_granules;
    access_granule(*self, granule, {mask, is_write, is_atomic, reported_size, pc});
    at = stop;
  }
}

// Zeroes one granule's shadow, returning its read set.
void clear_cell(shadow_cell& cell, cold_ref cold, std::uintptr_t granule) noexcept {
  std::uint64_t free_set = 0;
  {
    spin_guard guard(stripe_lock_for(granule));
    const std::uint64_t r = cell.read.load(std::memory_order_relaxed);
    if (is_read_shared(r)) free_set = epoch_clock(r);
    cell.write.store(0, std::memory_order_relaxed);
    cell.read.store(0, std::memory_order_relaxed);
    cold.clear();
    read_set_detach(free_set);
  }
  if (free_set != 0) read_set_free(free_set);
}

// Zeroes the shadow of the touched granules of [begin, end) (one mapped
// chunk, granule-aligned begin) under their stripe locks, one lock per
// 64-byte block (stripe_lock_for: the eight granules of a block share it),
// and frees the read sets that R named after unlocking. What clear_cell
// does for each granule, under the same lock. A freed heap block (pipeline's
// 512-byte buffers, at every operator delete) took a stripe lock per granule
// (issue 12). `self`, when the thread has a context, counts the locks taken.
void clear_blocks(shadow_chunk& chunk, std::uintptr_t begin, std::uintptr_t end) noexcept {
  constexpr std::uintptr_t kBlock = 64;
  thread_context* self = tls_context;
  for (std::uintptr_t block = begin; block < end;) {
    const std::uintptr_t block_end = std::min((block & ~(kBlock - 1)) + kBlock, end);
    std::uint64_t free_sets[kBlock / kGranule];
    std::uint32_t sets = 0;
    bool locked = false;
    spin_lock& lock = stripe_lock_for(block);
    for (std::uintptr_t granule = block; granule < block_end; granule += kGranule) {
      shadow_cell& cell = chunk.cell(shadow_index(granule));
      const cold_ref cold = cold_of(chunk, granule);
      if (cell.write.load(std::memory_order_relaxed) == 0 && cell.read.load(std::memory_order_relaxed) == 0 &&
          cold.location(false) == 0) {
        continue;
      }
      if (!locked) {
        lock.lock();
        locked = true;
        if (self != nullptr) ++self->reset_stripe_locks;
      }
      const std::uint64_t r = cell.read.load(std::memory_order_relaxed);
      if (is_read_shared(r)) {
        free_sets[sets++] = epoch_clock(r);
        read_set_detach(epoch_clock(r));
      }
      cell.write.store(0, std::memory_order_relaxed);
      cell.read.store(0, std::memory_order_relaxed);
      cold.clear();
    }
    if (locked) lock.unlock();
    for (std::uint32_t i = 0; i < sets; ++i) read_set_free(free_sets[i]);
    block = block_end;
  }
}

}  // namespace

namespace {

// Everything but the commonest case, out of line: the fast path below then
// needs no stack frame and no saved registers, and ends in a tail call.
__attribute__((noinline)) void plain_access_rest(std::uintptr_t address, std::size_t size, std::uintptr_t pc,
                                                 bool is_write) noexcept {
  access(address, size, pc, is_write, false);
}

// The same for a plain access within one granule whose cell plain_access
// found mapped: from its failed fast check on, without looking the context
// and the cell up again (issue 12: plain_access_rest's prologue and lookup
// were a tenth of read_mostly's samples).
// (The access comes as plain_access has it, in registers: building the
// access_desc there cost the fast path a saved register.)
// `tagged_cell`: the cell's address | its chunk's layout tag (one register:
// looking the chunk up again here cost a byte loop a fifth of its time).
__attribute__((noinline)) void plain_granule_rest(thread_context& self, std::uintptr_t tagged_cell,
                                                  std::uintptr_t address, std::size_t size, std::uintptr_t pc,
                                                  bool is_write) noexcept {
  shadow_cell& cell = *reinterpret_cast<shadow_cell*>(tagged_cell & ~kLayoutBits);
  const std::uintptr_t offset = address & (kGranule - 1);
  const std::uintptr_t granule = address - offset;
  const access_desc a{static_cast<std::uint8_t>(((1u << size) - 1) << offset), is_write, false,
                      static_cast<std::uint8_t>(size), pc};
  const std::uint64_t w = cell.write.load(std::memory_order_relaxed);
  const std::uint64_t r = a.is_write ? 0 : cell.read.load(std::memory_order_relaxed);
  const cold_ref cold(cell, granule, tagged_cell & kLayoutBits);
  update_granule(self, cell, cold, granule, a, w, r);
}

// A plain read within one granule whose R is a read set, from
// read_past_fast_check: the read-shared path, else the slow path
// (update_granule's choice for such a read, since neither other lock-free
// path takes a read set), without plain_granule_rest's dispatch (issue 12,
// read_mostly: on a quiet machine about half its reads past the fast check
// meet a read set). R no longer a read set: plain_granule_rest decides.
__attribute__((noinline)) void read_shared_rest(thread_context& self, std::uintptr_t tagged_cell,
                                                std::uintptr_t address, std::size_t size,
                                                std::uintptr_t pc) noexcept {
  shadow_cell& cell = *reinterpret_cast<shadow_cell*>(tagged_cell & ~kLayoutBits);
  // W and R again: with five arguments read_past_fast_check reaches here
  // by a tail call (with seven, two on the stack, it made a call; issue 12).
  const std::uint64_t w = cell.write.load(std::memory_order_relaxed);
  const std::uint64_t r = cell.read.load(std::memory_order_relaxed);
  if (__builtin_expect(!is_read_shared(r), 0)) {  // no longer a read set (a slow path replaced it)
    plain_granule_rest(self, tagged_cell, address, size, pc, false);
    return;
  }
  const std::uintptr_t offset = address & (kGranule - 1);
  const std::uintptr_t granule = address - offset;
  const access_desc a{static_cast<std::uint8_t>(((1u << size) - 1) << offset), false, false,
                      static_cast<std::uint8_t>(size), pc};
  const cold_ref cold(cell, granule, tagged_cell & kLayoutBits);
  if (update_own_read_item(self, cell, cold, a, w, r)) return;
  access_slow(self, cell, cold, granule, a);
}

// read_past_fast_check's read in a split chunk (16-byte cells, no cold slot
// beside the cell, so no one pass): a read set's path, else the full path.
__attribute__((noinline)) void split_read_rest(thread_context& self, std::uintptr_t tagged_cell,
                                               std::uintptr_t address, std::size_t size,
                                               std::uintptr_t pc) noexcept {
  const auto& cell = *reinterpret_cast<const shadow_cell*>(tagged_cell & ~kLayoutBits);
  if (is_read_shared(cell.read.load(std::memory_order_relaxed))) {
    read_shared_rest(self, tagged_cell, address, size, pc);
    return;
  }
  plain_granule_rest(self, tagged_cell, address, size, pc, false);
}

}  // namespace

namespace {

// The one pass of a plain read of `mask` in a granule of a dense chunk whose
// W and R were loaded as `w` and `r`, not covering it (read_past_fast_check
// below says when it decides and why that is update_granule's decision):
// true when it stored the read, false when the full path must decide.
// What read_one_pass and write_one_pass both require of a granule of a
// dense chunk (`dense`: its cold slot) whose W and R were loaded as `w` and
// `r`: R not a read set, nothing overlapping `mask` and concurrent in W or
// R, the granule this thread's alone (`own`: its record one_thread and this
// thread's, W and R its own or empty) or its record settled, and the
// access's site in the memo (`site`). False: the full path decides.
__attribute__((always_inline)) inline bool one_pass_allowed(const thread_context& self,
                                                            const cold_slot& dense, std::uint64_t w,
                                                            std::uint64_t r, std::uint64_t mask,
                                                            std::uintptr_t pc, bool& own,
                                                            std::uint32_t& site) noexcept {
  // `mask` has no bits but the mask field's: w & mask is epoch_mask(w) & mask.
  if (__builtin_expect(is_read_shared(r) || ((w & mask) != 0 && concurrent(self, w)) ||
                           ((r & mask) != 0 && concurrent(self, r)),
                       0)) {
    return false;
  }
  const std::uint64_t location = dense.location.load(std::memory_order_relaxed);
  own = static_cast<sharing>(location & kStateBits) == sharing::one_thread &&
        (location & kOwnerField) == location_owner(self.thread_id) &&
        (w == 0 || epoch_slot(w) == self.slot) && (r == 0 || epoch_slot(r) == self.slot);
  return (own || location_settled_for_plain(location, self)) && memoized_site(self, pc, site);
}

__attribute__((always_inline)) inline bool read_one_pass(const thread_context& self, shadow_cell& cell,
                                                         std::uint64_t w, std::uint64_t r, std::uint64_t mask,
                                                         std::uintptr_t pc) noexcept {
  cold_slot& dense = *reinterpret_cast<cold_slot*>(&cell + 1);  // shadow_memory.hpp: the dense layout
  bool own = false;
  std::uint32_t site = 0;
  if (!one_pass_allowed(self, dense, w, r, mask, pc, own, site)) return false;
  // The site first, then the epoch with release (store_read_epoch).
  dense.read_site.store(site, std::memory_order_relaxed);
  cell.read.store((r & ~kMaskBits) == self.epoch ? r | mask : self.epoch | mask, std::memory_order_release);
  return true;
}

// The one pass of a plain write of `mask` in a granule of a dense chunk, not
// covered by W (`w` as loaded): update_granule's decision for the writes the
// exclusive and the ordered paths take, in one pass as read_one_pass makes
// it for reads. A granule this thread alone used (its record one_thread and
// this thread's, W and R its own or empty): W stored with a plain store, as
// exclusive_update stores it. A shared granule whose record has nothing to
// learn, with no read set and nothing overlapping and concurrent in W or R:
// W replaced with a CAS (a plain store when it is this thread's own epoch),
// and R cleared when the write covers another epoch's read, as
// ordered_update does. False, with nothing stored but perhaps the write's
// site (as when ordered_update's CAS fails), in every other case (an
// untouched granule to claim, a record to update, a race, a site not in the
// memo, a lost CAS): the full path decides.
__attribute__((always_inline)) inline bool write_one_pass(const thread_context& self, shadow_cell& cell,
                                                          std::uint64_t w, std::uint8_t mask,
                                                          std::uintptr_t pc) noexcept {
  std::uint64_t r = cell.read.load(std::memory_order_relaxed);
  cold_slot& dense = *reinterpret_cast<cold_slot*>(&cell + 1);  // shadow_memory.hpp: the dense layout
  bool own = false;
  std::uint32_t site = 0;
  if (!one_pass_allowed(self, dense, w, r, mask, pc, own, site)) return false;
  // The site first, then the epoch with release (exclusive_update).
  dense.write_site.store(site, std::memory_order_relaxed);
  if (own) {  // as exclusive_update: a plain store, R left alone
    const std::uint64_t new_w = self.epoch | mask;
    cell.write.store((w & ~kMaskBits) == self.epoch ? new_w | epoch_mask(w) : new_w,
                     std::memory_order_release);
    return true;
  }
  return store_ordered_write(self, cell, w, r, mask);
}

// One granule of an access from its failed one pass on: the full path
// (update_granule), with the access's own size for reports.
__attribute__((noinline)) void granule_full_path(thread_context& self, std::uintptr_t cells,
                                                 std::uintptr_t granule, std::uint8_t size, std::uintptr_t pc,
                                                 bool is_write) noexcept {
  ++tls_test_counters.sixteen_full_path;
  shadow_cell& cell = *shadow_cell_in(cells, granule);
  const access_desc a{static_cast<std::uint8_t>(kMaskBits), is_write, false, size, pc};
  const std::uint64_t w = cell.write.load(std::memory_order_relaxed);
  const std::uint64_t r = is_write ? 0 : cell.read.load(std::memory_order_relaxed);
  if (epoch_covers(w, self.epoch, kMaskBits) || (!is_write && epoch_covers(r, self.epoch, kMaskBits))) return;
  update_granule(self, cell, cold_ref(cell, granule, cells & kLayoutBits), granule, a, w, r);
}

// A plain 16-byte access at a granule boundary (a vectorized loop's, which
// clang instruments with __tsan_unaligned_read16/write16) whose two
// granules' cells are in one mapped dense chunk: each granule in one pass
// (read_one_pass, write_one_pass; then share_update, for a granule one
// other thread used alone) and, where that does not decide it, on the full
// path (granule_full_path), in address order as the range loop takes them. False, with nothing done, for any
// other access: the caller takes the range loop. In pipeline's stages the range loop, its access descriptors
// and the exclusive path's checks before the ordered path's cost about 225 instructions a granule (issue 12).
__attribute__((noinline)) bool sixteen_access(thread_context& self, std::uintptr_t address, std::uintptr_t pc,
                                              bool is_write) noexcept {
  constexpr std::uintptr_t kChunkTail = ((std::uintptr_t{1} << kChunkShift) - 1) & ~(kGranule - 1);
  if ((address & (kGranule - 1)) != 0 || (address & kChunkTail) == kChunkTail || (address >> 48) != 0) {
    return false;
  }
  const shadow_chunk* chunk = shadow_entry_inline(address);
  if (chunk == nullptr) return false;
  const std::uintptr_t cells = chunk->cells.load(std::memory_order_acquire);
  if ((cells & kLayoutBits) != kDenseLayout) return false;  // unmapped (0) or split
  for (std::uintptr_t granule = address; granule < address + 2 * kGranule; granule += kGranule) {
    shadow_cell& cell = *shadow_cell_in(cells, granule);
    const std::uint64_t w = cell.write.load(std::memory_order_relaxed);
    if (epoch_covers(w, self.epoch, kMaskBits)) continue;
    bool done = false;
    if (is_write) {
      done = write_one_pass(self, cell, w, kMaskBits, pc);
    } else {
      const std::uint64_t r = cell.read.load(std::memory_order_relaxed);
      done = epoch_covers(r, self.epoch, kMaskBits) || read_one_pass(self, cell, w, r, kMaskBits, pc);
    }
    if (!done) {
      // A granule another thread alone used (a buffer handed over): shared here.
      const access_desc a{static_cast<std::uint8_t>(kMaskBits), is_write, false, 2 * kGranule, pc};
      done = share_update(self, cell, cold_ref(cell, granule, kDenseLayout), a, w);
    }
    if (!done) granule_full_path(self, cells, granule, 2 * kGranule, pc, is_write);
  }
  return true;
}

}  // namespace

// The number of bytes a non-zero byte mask of contiguous bytes names.
__attribute__((always_inline)) inline std::size_t mask_width(std::uint64_t mask) noexcept {
  return static_cast<std::size_t>(64 - __builtin_clzll(mask) - __builtin_ctzll(mask));
}

// race_runtime.hpp. A plain read within one granule of a dense chunk past
// its failed fast check (plain_access's below, or the read hooks'), in one
// pass (read_one_pass): when W and R hold no overlapping access concurrent
// with it and the location record has nothing to learn (shared and
// settled, or this thread's own), its only effect is the new R and its
// site, stored as the ordered and exclusive paths store them
// (store_read_epoch). A read whose R is a read set goes straight to
// read_shared_rest; everything else (a concurrent access, a record to
// update, an untouched granule, a split chunk, a site not in the memo) goes
// on to plain_granule_rest, which checks it again in full. The
// decision is update_granule's for these reads (exclusive_update takes a
// granule of this thread's whose W and R are its own or empty,
// ordered_update a settled one with nothing concurrent), without its
// access_desc on the stack, its second and third loads of R, the exclusive
// checks before the ordered ones, and with no call but the tail call, so no
// stack frame: a shared granule read in a new epoch (a lookup under a
// reader lock, read_mostly) is the commonest read past the fast check
// (issue 12).
__attribute__((noinline)) void read_past_fast_check(thread_context& self, std::uintptr_t tagged_cell,
                                                    std::uintptr_t address, std::size_t size,
                                                    std::uintptr_t pc) noexcept {
  if (__builtin_expect((tagged_cell & kLayoutBits) != kDenseLayout, 0)) {
    split_read_rest(self, tagged_cell, address, size, pc);
    return;
  }
  shadow_cell& cell = *reinterpret_cast<shadow_cell*>(tagged_cell - kDenseLayout);
  const std::uintptr_t offset = address & (kGranule - 1);
  const std::uint64_t mask = ((std::uint64_t{1} << size) - 1) << offset;
  const std::uint64_t w = cell.write.load(std::memory_order_relaxed);
  const std::uint64_t r = cell.read.load(std::memory_order_relaxed);
  // Past here `size` is taken again from `mask` (its width), so that it
  // needs no register of its own: the fewer values live, the fewer
  // callee-saved registers the function saves and restores on every read
  // (five before, three now with gcc 12; issue 12).
  if (__builtin_expect(is_read_shared(r), 0)) {
    read_shared_rest(self, tagged_cell, address, mask_width(mask), pc);
    return;
  }
  if (read_one_pass(self, cell, w, r, mask, pc)) return;
  plain_granule_rest(self, tagged_cell, address, mask_width(mask), pc, false);
}

namespace {

// This thread's access in its current epoch covers `mask` of the granule: W
// for any access, R for a read.
__attribute__((always_inline)) inline bool covered_in_epoch(const shadow_cell& cell, std::uint64_t epoch,
                                                            std::uint64_t mask, bool is_write) noexcept {
  if (epoch_covers(cell.write.load(std::memory_order_relaxed), epoch, mask)) return true;
  return !is_write && epoch_covers(cell.read.load(std::memory_order_relaxed), epoch, mask);
}

// A plain access within one granule that this thread already made in its
// current epoch (a write covered by W, a read by W or R): a few loads and a
// return; so is a 16-byte access of two whole granules in one chunk (a
// vectorized loop's, at 16 or at 8 modulo 16: single_loop's final loop's
// reads fall at 8) whose two granules both are, which went through
// plain_access_rest's range loop (issue 12: a fifth of single_loop's
// samples; at 8 modulo 16, 225 instructions a read instead of 89). Anything
// else goes to plain_granule_rest (one granule, a mapped cell) or
// plain_access_rest, which check it again in full.
__attribute__((always_inline)) inline void plain_access(std::uintptr_t address, std::size_t size,
                                                        std::uintptr_t pc, bool is_write) noexcept {
  thread_context* self = tls_context;
  const std::uintptr_t offset = address & (kGranule - 1);
  if (__builtin_expect(
          enabled() && self != nullptr && offset + size <= kGranule && size != 0 && (address >> 48) == 0,
          1)) {
    const shadow_chunk* chunk = shadow_entry_inline(address);
    const std::uintptr_t cells = chunk == nullptr ? 0 : chunk->cells.load(std::memory_order_acquire);
    if (__builtin_expect(cells != 0, 1)) {
      shadow_cell* cell = shadow_cell_in(cells, address);
      const auto mask = static_cast<std::uint64_t>(((1u << size) - 1) << offset);
      if (covered_in_epoch(*cell, self->epoch, mask, is_write)) return;
      const std::uintptr_t tagged_cell = reinterpret_cast<std::uintptr_t>(cell) | (cells & kLayoutBits);
      if (is_write) {
        plain_granule_rest(*self, tagged_cell, address, size, pc, true);
      } else {
        read_past_fast_check(*self, tagged_cell, address, size, pc);
      }
      return;
    }
  } else if (size == 2 * kGranule && enabled()) {
    // The hooks' own check (access_fast_path.hpp), for the engine's other
    // callers; then the one pass of each granule.
    if (sixteen_covered_in_current_epoch(address, is_write)) return;
    if (self != nullptr && sixteen_access(*self, address, pc, is_write)) return;
  }
  plain_access_rest(address, size, pc, is_write);
}

}  // namespace

void read(std::uintptr_t address, std::size_t size, std::uintptr_t pc) noexcept {
  plain_access(address, size, pc, false);
}
void write(std::uintptr_t address, std::size_t size, std::uintptr_t pc) noexcept {
  plain_access(address, size, pc, true);
}
void atomic_access(std::uintptr_t address, std::size_t size, bool is_write, std::uintptr_t pc) noexcept {
  access(address, size, pc, is_write, true);
}
void read_range(std::uintptr_t address, std::size_t size, std::uintptr_t pc) noexcept {
  access(address, size, pc, false, false);
}
void write_range(std::uintptr_t address, std::size_t size, std::uintptr_t pc) noexcept {
  access(address, size, pc, true, false);
}

// Whole chunks in the range are given back to the system (after their read
// sets are returned); cells of partly covered chunks are zeroed. A granule
// only partly inside the range is reset whole (its other bytes' history is
// lost: a race missed at worst).
void reset_range(std::uintptr_t address, std::size_t size) noexcept {
  if (!enabled() || size == 0) return;
  detail::inside_scope inside;
  const std::uintptr_t end = address + size;
  constexpr std::uintptr_t kChunk = std::uintptr_t{1} << kChunkShift;
  std::uintptr_t at = address & ~(kGranule - 1);
  chunk_discarder discarder;
  while (at < end) {
    const std::uintptr_t chunk_begin = at & ~(kChunk - 1);
    const std::uintptr_t chunk_end = chunk_begin + kChunk;
    const std::uintptr_t stop = std::min(chunk_end, end);
    if (shadow_chunk_if_mapped(at) != nullptr) {
      if (at == chunk_begin && stop == chunk_end) {
        for_each_mapped_granule(at, stop,
                                [](shadow_chunk& chunk, std::uint32_t index, std::uintptr_t granule) {
                                  shadow_cell& cell = chunk.cell(index);
                                  if (is_read_shared(cell.read.load(std::memory_order_relaxed))) {
                                    clear_cell(cell, cold_of(chunk, granule), granule);
                                  }
                                });
        discarder.add(chunk_begin);
      } else {
        clear_blocks(*shadow_chunk_if_mapped(at), at, stop);
      }
    }
    if (chunk_end == 0) break;
    at = chunk_end;
  }
}

void for_each_location(std::uintptr_t begin, std::uintptr_t end,
                       void (*fn)(void* context, std::uintptr_t granule, const location_state& state),
                       void* context) noexcept {
  for_each_mapped_granule(begin, end, [&](shadow_chunk& chunk, std::uint32_t index, std::uintptr_t granule) {
    const shadow_cell& cell = chunk.cell(index);
    const std::uint64_t location = cold_of(chunk, granule)
                                       .location((cell.write.load(std::memory_order_relaxed) |
                                                  cell.read.load(std::memory_order_relaxed)) != 0);
    const auto state = static_cast<sharing>(location & kStateBits);
    if (state == sharing::untouched) return;
    location_state record;
    record.state = state;
    record.atomic = (location & kLocationAtomic) != 0;
    record.owner = (location & kOwnerField) >> kOwnerShift;
    record.lockset = static_cast<std::uint32_t>(location >> 32);
    record.bytes = static_cast<std::uint8_t>(epoch_mask(cell.write.load(std::memory_order_relaxed)) |
                                             epoch_mask(cell.read.load(std::memory_order_relaxed)));
    fn(context, granule, record);
  });
}

void after_fork_child() noexcept {
  reset_stripe_locks_after_fork();
  read_sets_after_fork();
  thread_slots_after_fork();
  lockset_table_after_fork();
  sync_clocks_after_fork();
  internal_heap_after_fork();
}

engine_stats get_engine_stats() noexcept {
  engine_stats stats;
  const slot_stats slots = get_slot_stats();
  stats.live_slots = slots.live;
  stats.slot_high_water = slots.high_water;
  stats.contexts = contexts_alive();
  stats.vector_clock_bytes = vector_clock_bytes();
  stats.sync_clocks = sync_clock_count();
  stats.final_clocks = final_clocks_kept();
  stats.read_sets = read_sets_in_use();
  stats.shadow_chunks = shadow_chunks_mapped();
  stats.locksets = locksets_interned();
  return stats;
}

}  // namespace concheck::race
