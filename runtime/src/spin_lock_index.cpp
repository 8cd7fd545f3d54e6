// concheck runtime: spin lock identity (see spin_lock_index.hpp).
#include "spin_lock_index.hpp"

#include <sys/mman.h>

namespace concheck::detail {

std::size_t spin_lock_index::locate(const slot* slots, std::uintptr_t address) const noexcept {
  std::size_t i = home(address);
  for (std::size_t probes = 0; probes < kSlots; ++probes, i = (i + 1) & (kSlots - 1)) {
    const std::uintptr_t at = slots[i].address.load(std::memory_order_relaxed);
    if (at == address) return i;
    if (at == 0) break;
  }
  return kSlots;
}

bool spin_lock_index::find(std::uintptr_t address, entry& out) const noexcept {
  const slot* slots = slots_.load(std::memory_order_acquire);
  if (slots == nullptr) {
    out = entry{};
    return true;
  }
  for (int attempt = 0; attempt < 4; ++attempt) {
    const std::uint64_t before = sequence_.load(std::memory_order_acquire);
    if ((before & 1) != 0) continue;
    const std::size_t i = locate(slots, address);
    const std::uint64_t value = i == kSlots ? 0 : slots[i].value.load(std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_acquire);
    if (sequence_.load(std::memory_order_relaxed) == before) {
      out = decode(value);
      return true;
    }
  }
  return false;
}

spin_lock_index::entry spin_lock_index::find_locked(std::uintptr_t address) const noexcept {
  const slot* slots = slots_.load(std::memory_order_relaxed);
  if (slots == nullptr) return entry{};
  const std::size_t i = locate(slots, address);
  return i == kSlots ? entry{} : decode(slots[i].value.load(std::memory_order_relaxed));
}

void spin_lock_index::begin_write() noexcept {
  sequence_.store(sequence_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
}

void spin_lock_index::end_write() noexcept {
  sequence_.store(sequence_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

bool spin_lock_index::make_room() noexcept {
  slot* slots = slots_.load(std::memory_order_relaxed);
  // Rebuild in place: take every entry out, then put back the live ones (and
  // the ended ones while they fit in half the table). A reader that overlaps
  // sees an odd sequence and retries.
  struct kept {
    std::uintptr_t address;
    std::uint64_t value;
  };
  void* scratch =
      mmap(nullptr, sizeof(kept) * kSlots, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (scratch == MAP_FAILED) return false;
  auto* entries = static_cast<kept*>(scratch);
  std::size_t live = 0;
  std::size_t ended = 0;
  for (std::size_t i = 0; i < kSlots; ++i) {
    const std::uintptr_t at = slots[i].address.load(std::memory_order_relaxed);
    if (at == 0 || at == kTombstone) continue;
    const std::uint64_t value = slots[i].value.load(std::memory_order_relaxed);
    if ((value & kEndedBit) == 0) entries[live++] = kept{at, value};
  }
  for (std::size_t i = 0; i < kSlots; ++i) {
    const std::uintptr_t at = slots[i].address.load(std::memory_order_relaxed);
    if (at == 0 || at == kTombstone) continue;
    const std::uint64_t value = slots[i].value.load(std::memory_order_relaxed);
    if ((value & kEndedBit) != 0 && live + ended < kSlots / 2) entries[live + ended++] = kept{at, value};
  }
  begin_write();
  for (std::size_t i = 0; i < kSlots; ++i) {
    slots[i].address.store(0, std::memory_order_relaxed);
    slots[i].value.store(0, std::memory_order_relaxed);
  }
  for (std::size_t k = 0; k < live + ended; ++k) {
    std::size_t i = home(entries[k].address);
    while (slots[i].address.load(std::memory_order_relaxed) != 0) i = (i + 1) & (kSlots - 1);
    slots[i].value.store(entries[k].value, std::memory_order_relaxed);
    slots[i].address.store(entries[k].address, std::memory_order_relaxed);
  }
  end_write();
  used_ = live + ended;
  munmap(scratch, sizeof(kept) * kSlots);
  return used_ < kMaxUsed;
}

bool spin_lock_index::put(std::uintptr_t address, entry value) noexcept {
  slot* slots = slots_.load(std::memory_order_relaxed);
  if (slots == nullptr) {
    void* memory =
        mmap(nullptr, sizeof(slot) * kSlots, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) return false;
    slots = static_cast<slot*>(memory);  // zero pages: every slot empty
    slots_.store(slots, std::memory_order_release);
  }
  if (const std::size_t i = locate(slots, address); i != kSlots) {
    begin_write();
    slots[i].value.store(encode(value), std::memory_order_relaxed);
    end_write();
    return true;
  }
  if (used_ + 1 >= kMaxUsed && !make_room()) return false;
  // The first tombstone or empty slot on the probe path.
  std::size_t i = home(address);
  for (;;) {
    const std::uintptr_t at = slots[i].address.load(std::memory_order_relaxed);
    if (at == 0 || at == kTombstone) break;
    i = (i + 1) & (kSlots - 1);
  }
  const bool reuses_tombstone = slots[i].address.load(std::memory_order_relaxed) == kTombstone;
  begin_write();
  slots[i].value.store(encode(value), std::memory_order_relaxed);
  slots[i].address.store(address, std::memory_order_relaxed);
  end_write();
  if (!reuses_tombstone) ++used_;
  return true;
}

void spin_lock_index::erase(std::uintptr_t address) noexcept {
  slot* slots = slots_.load(std::memory_order_relaxed);
  if (slots == nullptr) return;
  const std::size_t i = locate(slots, address);
  if (i == kSlots) return;
  begin_write();
  slots[i].address.store(kTombstone, std::memory_order_relaxed);
  slots[i].value.store(0, std::memory_order_relaxed);
  end_write();
}

}  // namespace concheck::detail
