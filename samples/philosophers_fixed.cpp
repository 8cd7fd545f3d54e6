// Lesson 4, fixed: resource ordering. Forks are numbered and every
// philosopher picks up the lower-numbered of its two forks first, so the last
// philosopher takes fork[0] before fork[4] and the cycle is gone. (Taking
// both with std::scoped_lock works too.) All five now dine at the same time,
// three meals each, lined up by a barrier; no interleaving can deadlock and
// concheck stays quiet.
#include <algorithm>
#include <array>
#include <concheck/concheck.hpp>
#include <cstdio>
#include <memory>
#include <mutex>
#include <source_location>
#include <string>
#include <vector>

namespace {

constexpr int kSeats = 5;
constexpr int kMeals = 3;

void dine(concheck::mutex& lower, concheck::mutex& higher, int& meals) {
  std::lock_guard<concheck::mutex> first(lower);
  std::lock_guard<concheck::mutex> second(higher);
  meals += 1;
}

}  // namespace

int main() {
  std::vector<std::unique_ptr<concheck::mutex>> forks;
  for (int i = 0; i < kSeats; ++i) {
    // The creation site is passed on: a defaulted std::source_location would
    // be evaluated inside std::make_unique and name <memory> as the site.
    forks.push_back(std::make_unique<concheck::mutex>("fork[" + std::to_string(i) + "]",
                                                      std::source_location::current()));
  }
  concheck::barrier sit_down(kSeats, "sit_down");
  std::array<int, kSeats> meals{};
  std::vector<concheck::thread> philosophers;
  for (int seat = 0; seat < kSeats; ++seat) {
    philosophers.emplace_back(concheck::thread_name("philosopher-" + std::to_string(seat)), [&, seat] {
      const int left = seat;
      const int right = (seat + 1) % kSeats;
      sit_down.arrive_and_wait();
      for (int meal = 0; meal < kMeals; ++meal) {
        dine(*forks[std::min(left, right)], *forks[std::max(left, right)], meals[seat]);
      }
    });
  }
  for (concheck::thread& philosopher : philosophers) philosopher.join();
  int total = 0;
  for (int m : meals) total += m;
  std::printf("philosophers_fixed: %d meals\n", total);
  return total == kSeats * kMeals ? 0 : 1;
}
