// False report, cause "call-once": writes inside std::call_once are made by
// one thread, and every other caller waits for them (re2's Prog::GetDFA and
// Regexp::Incref's overflow map). 5 findings in the corpus.
// Expected: no finding.
#include <mutex>
#include <thread>

class Prog {
 public:
  int* dfa() {
    std::call_once(
        once_, [](Prog* p) { p->dfa_ = new int(1); }, this);  // false report
    return dfa_;
  }

 private:
  std::once_flag once_;
  int* dfa_ = nullptr;
};

int main() {
  Prog p;
  std::thread t([&] { p.dfa(); });
  p.dfa();
  t.join();
}
