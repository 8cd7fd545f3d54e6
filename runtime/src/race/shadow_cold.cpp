// concheck runtime, race engine: the split chunks' cold words
// (shadow_cold.hpp).
#include "race/shadow_cold.hpp"

namespace concheck::race {

namespace {

// The granule's slot in its split chunk's cold region if mapped, else null.
cold_slot* split_slot(const shadow_chunk& chunk, std::uint32_t index) noexcept {
  chunk_cold* cold = chunk.cold.load(std::memory_order_acquire);
  return cold == nullptr ? nullptr : &cold->slots[index];
}

// The same, mapping the cold region if needed (null if mapping failed).
cold_slot* mapped_slot(shadow_chunk& chunk, std::uint32_t index) noexcept {
  chunk_cold* cold = shadow_cold_mapping(chunk);
  return cold == nullptr ? nullptr : &cold->slots[index];
}

std::atomic<std::uint32_t>& site_word(cold_slot& slot, bool is_write) noexcept {
  return is_write ? slot.write_site : slot.read_site;
}

}  // namespace

std::uint32_t split_site(const shadow_chunk& chunk, std::uint32_t index, bool is_write) noexcept {
  if (cold_slot* own = split_slot(chunk, index)) {
    const std::uint32_t value = site_word(*own, is_write).load(std::memory_order_relaxed);
    if (value != 0) return value == kNoSite ? 0 : value;
  }
  return (is_write ? chunk.uniform_write_site : chunk.uniform_read_site).load(std::memory_order_relaxed);
}

std::uint64_t split_location(const shadow_chunk& chunk, std::uint32_t index, bool has_epoch) noexcept {
  if (const cold_slot* own = split_slot(chunk, index)) {
    const std::uint64_t record = own->location.load(std::memory_order_relaxed);
    if (record != 0) return record;
  }
  return has_epoch ? chunk.uniform_location.load(std::memory_order_relaxed) : 0;
}

void store_split_site(shadow_chunk& chunk, std::uint32_t index, std::uint32_t site, bool is_write) noexcept {
  cold_slot* own = split_slot(chunk, index);
  if (own == nullptr || site_word(*own, is_write).load(std::memory_order_relaxed) == 0) {
    if (adopt_uniform(is_write ? chunk.uniform_write_site : chunk.uniform_read_site, site)) return;
    if (own == nullptr && (own = mapped_slot(chunk, index)) == nullptr) return;
  }
  site_word(*own, is_write).store(site == 0 ? kNoSite : site, std::memory_order_relaxed);
}

void store_split_location(shadow_chunk& chunk, std::uint32_t index, std::uint64_t location,
                          bool has_epoch) noexcept {
  cold_slot* own = split_slot(chunk, index);
  if ((own == nullptr || own->location.load(std::memory_order_relaxed) == 0) && has_epoch &&
      adopt_uniform(chunk.uniform_location, location)) {
    return;
  }
  if (own == nullptr && (own = mapped_slot(chunk, index)) == nullptr) return;
  own->location.store(location, std::memory_order_relaxed);
}

bool claim_split(shadow_chunk& chunk, std::uint64_t claimed) noexcept {
  return adopt_uniform(chunk.uniform_location, claimed);
}

bool bulk_claim_split(shadow_chunk& chunk, std::uint32_t index, std::uint64_t claimed,
                      std::uint32_t site) noexcept {
  if (const cold_slot* own = split_slot(chunk, index)) {
    if ((own->write_site.load(std::memory_order_relaxed) | own->location.load(std::memory_order_relaxed)) !=
        0) {
      return false;
    }
  }
  return adopt_uniform(chunk.uniform_location, claimed) && adopt_uniform(chunk.uniform_write_site, site);
}

void clear_split(shadow_chunk& chunk, std::uint32_t index) noexcept {
  cold_slot* own = split_slot(chunk, index);
  if (own == nullptr) return;
  if ((own->write_site.load(std::memory_order_relaxed) | own->read_site.load(std::memory_order_relaxed) |
       own->location.load(std::memory_order_relaxed)) != 0) {
    own->write_site.store(0, std::memory_order_relaxed);
    own->read_site.store(0, std::memory_order_relaxed);
    own->location.store(0, std::memory_order_relaxed);
  }
}

}  // namespace concheck::race
