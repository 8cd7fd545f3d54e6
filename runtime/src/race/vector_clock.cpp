// concheck runtime, race engine: vector clocks (vector_clock.hpp).
#include "race/vector_clock.hpp"

#include <atomic>
#include <cstring>
#include <utility>

#include "race/internal_heap.hpp"

namespace concheck::race {
namespace {
std::atomic<std::uint64_t> g_bytes{0};
}  // namespace

std::uint64_t vector_clock_bytes() noexcept {
  return g_bytes.load(std::memory_order_relaxed);
}

vector_clock::~vector_clock() {
  clear();
}

vector_clock::vector_clock(vector_clock&& other) noexcept {
  *this = std::move(other);
}

vector_clock& vector_clock::operator=(vector_clock&& other) noexcept {
  if (this != &other) {
    clear();
    if (other.on_heap()) {
      data_ = std::exchange(other.data_, other.inline_);
    } else {
      data_ = inline_;
    }
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, kInlineSlots);
    std::memcpy(inline_, other.inline_, sizeof(inline_));
    std::memset(other.inline_, 0, sizeof(other.inline_));
  }
  return *this;
}

void vector_clock::clear() noexcept {
  if (on_heap()) {
    g_bytes.fetch_sub(capacity_ * sizeof(std::uint64_t), std::memory_order_relaxed);
    internal_release(data_, capacity_ * sizeof(std::uint64_t));
  }
  data_ = inline_;
  size_ = 0;
  capacity_ = kInlineSlots;
  std::memset(inline_, 0, sizeof(inline_));
}

bool vector_clock::reserve(std::uint32_t size) noexcept {
  if (size <= size_) return true;
  if (size > capacity_) {
    std::uint32_t capacity = capacity_ < 8 ? 8 : capacity_;
    while (capacity < size) capacity *= 2;
    // The internal heap, not malloc: entries between the program's blocks
    // spread its heap and its shadow (internal_heap.hpp).
    void* grown = on_heap() ? internal_reallocate(data_, capacity_ * sizeof(std::uint64_t),
                                                  capacity * sizeof(std::uint64_t))
                            : internal_allocate(capacity * sizeof(std::uint64_t));
    if (grown == nullptr) return false;  // out of memory: the clock keeps its width (fewer orders seen)
    if (!on_heap()) {
      std::memcpy(grown, inline_, size_ * sizeof(std::uint64_t));
      g_bytes.fetch_add(capacity * sizeof(std::uint64_t), std::memory_order_relaxed);
    } else {
      g_bytes.fetch_add((capacity - capacity_) * sizeof(std::uint64_t), std::memory_order_relaxed);
    }
    data_ = static_cast<std::uint64_t*>(grown);
    capacity_ = capacity;
  }
  std::memset(data() + size_, 0, (size - size_) * sizeof(std::uint64_t));
  size_ = size;
  return true;
}

void vector_clock::set(std::uint32_t slot, std::uint64_t clock) noexcept {
  if (reserve(slot + 1)) data()[slot] = clock;
}

void vector_clock::join(const vector_clock& other) noexcept {
  if (!reserve(other.size_)) return;
  std::uint64_t* mine = data();
  const std::uint64_t* theirs = other.data();
  for (std::uint32_t i = 0; i < other.size_; ++i) {
    if (theirs[i] > mine[i]) mine[i] = theirs[i];
  }
}

void vector_clock::assign(const vector_clock& other) noexcept {
  if (this == &other) return;
  if (!reserve(other.size_)) return;
  if (other.size_ != 0) std::memcpy(data(), other.data(), other.size_ * sizeof(std::uint64_t));
  if (size_ > other.size_)
    std::memset(data() + other.size_, 0, (size_ - other.size_) * sizeof(std::uint64_t));
}

bool vector_clock::ordered_before(const vector_clock& other) const noexcept {
  const std::uint64_t* mine = data();
  for (std::uint32_t i = 0; i < size_; ++i) {
    if (mine[i] > other.get(i)) return false;
  }
  return true;
}

}  // namespace concheck::race
