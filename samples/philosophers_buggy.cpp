// Lesson 4, buggy: dining philosophers. Five philosophers sit around a table
// with one fork between each pair; each picks up the left fork, then the right
// one. If all five pick up their left fork at once, nobody ever eats. Here
// each philosopher waits for the previous one to finish (an event per seat),
// so this run cannot hang, yet concheck reports the five-fork cycle
// fork[0] => fork[1] => ... => fork[4] => fork[0] as a `lock-order-inversion`.
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

void dine(concheck::mutex& left, concheck::mutex& right, int& meals) {
  std::lock_guard<concheck::mutex> take_left(left);
  std::lock_guard<concheck::mutex> take_right(right);  // philosopher-4 closes the cycle here
  meals += 1;
}

}  // namespace

int main() {
  std::vector<std::unique_ptr<concheck::mutex>> forks;
  std::vector<std::unique_ptr<concheck::event>> finished;
  for (int i = 0; i < kSeats; ++i) {
    // The creation site is passed on: a defaulted std::source_location would
    // be evaluated inside std::make_unique and name <memory> as the site.
    forks.push_back(std::make_unique<concheck::mutex>("fork[" + std::to_string(i) + "]",
                                                      std::source_location::current()));
    finished.push_back(std::make_unique<concheck::event>("finished[" + std::to_string(i) + "]",
                                                         std::source_location::current()));
  }
  std::array<int, kSeats> meals{};
  std::vector<concheck::thread> philosophers;
  for (int seat = 0; seat < kSeats; ++seat) {
    philosophers.emplace_back(concheck::thread_name("philosopher-" + std::to_string(seat)), [&, seat] {
      if (seat > 0) finished[seat - 1]->wait();  // forced order: one at a time
      dine(*forks[seat], *forks[(seat + 1) % kSeats], meals[seat]);
      finished[seat]->set();
    });
  }
  for (concheck::thread& philosopher : philosophers) philosopher.join();
  int total = 0;
  for (int m : meals) total += m;
  std::printf("philosophers_buggy: %d meals; this run finished, another could starve everyone\n", total);
  return 0;
}
