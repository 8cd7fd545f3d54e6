// expect: clean
// A/B in both orders, always under one gate lock G: cannot deadlock.
#include <mutex>

int main() {
  std::mutex g, a, b;
  {
    std::lock_guard<std::mutex> lg(g);
    std::lock_guard<std::mutex> la(a);
    std::lock_guard<std::mutex> lb(b);
  }
  {
    std::lock_guard<std::mutex> lg(g);
    std::lock_guard<std::mutex> lb(b);
    std::lock_guard<std::mutex> la(a);
  }
  return 0;
}
