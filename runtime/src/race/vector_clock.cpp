// concheck runtime, race engine: vector clocks (vector_clock.hpp).
#include "race/vector_clock.hpp"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <utility>

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

vector_clock::vector_clock(vector_clock&& other) noexcept
    : entries_(std::exchange(other.entries_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      capacity_(std::exchange(other.capacity_, 0)) {}

vector_clock& vector_clock::operator=(vector_clock&& other) noexcept {
  if (this != &other) {
    clear();
    entries_ = std::exchange(other.entries_, nullptr);
    size_ = std::exchange(other.size_, 0);
    capacity_ = std::exchange(other.capacity_, 0);
  }
  return *this;
}

void vector_clock::clear() noexcept {
  if (entries_ != nullptr) {
    g_bytes.fetch_sub(capacity_ * sizeof(std::uint64_t), std::memory_order_relaxed);
    std::free(entries_);
  }
  entries_ = nullptr;
  size_ = 0;
  capacity_ = 0;
}

bool vector_clock::reserve(std::uint32_t size) noexcept {
  if (size <= size_) return true;
  if (size > capacity_) {
    std::uint32_t capacity = capacity_ == 0 ? 8 : capacity_;
    while (capacity < size) capacity *= 2;
    void* grown = std::realloc(entries_, capacity * sizeof(std::uint64_t));
    if (grown == nullptr) return false;  // out of memory: the clock keeps its width (fewer orders seen)
    g_bytes.fetch_add((capacity - capacity_) * sizeof(std::uint64_t), std::memory_order_relaxed);
    entries_ = static_cast<std::uint64_t*>(grown);
    capacity_ = capacity;
  }
  std::memset(entries_ + size_, 0, (size - size_) * sizeof(std::uint64_t));
  size_ = size;
  return true;
}

void vector_clock::set(std::uint32_t slot, std::uint64_t clock) noexcept {
  if (reserve(slot + 1)) entries_[slot] = clock;
}

void vector_clock::join(const vector_clock& other) noexcept {
  if (!reserve(other.size_)) return;
  for (std::uint32_t i = 0; i < other.size_; ++i) {
    if (other.entries_[i] > entries_[i]) entries_[i] = other.entries_[i];
  }
}

void vector_clock::assign(const vector_clock& other) noexcept {
  if (this == &other) return;
  if (!reserve(other.size_)) return;
  if (other.size_ != 0) std::memcpy(entries_, other.entries_, other.size_ * sizeof(std::uint64_t));
  if (size_ > other.size_)
    std::memset(entries_ + other.size_, 0, (size_ - other.size_) * sizeof(std::uint64_t));
}

bool vector_clock::ordered_before(const vector_clock& other) const noexcept {
  for (std::uint32_t i = 0; i < size_; ++i) {
    if (entries_[i] > other.get(i)) return false;
  }
  return true;
}

}  // namespace concheck::race
