// False report, cause "ownership-handoff": one thread fills a buffer, hands
// it to a worker thread it starts and makes a new one for itself
// (kyotocabinet's MapReduce::flush_cache and its MapVisitor). 6 findings.
// Expected: no finding (each buffer has one user at a time).
#include <mutex>
#include <thread>
#include <vector>

class MapReduce {
 public:
  void emit(int v) {
    cache_->push_back(v);
    if (cache_->size() > 2) flush();
  }
  void finish() {
    for (auto& t : flushers_) t.join();
    std::lock_guard<std::mutex> g(m_);
    total_ += static_cast<int>(cache_->size());
    delete cache_;
  }

 private:
  void flush() {
    std::vector<int>* old = cache_;
    cache_ = new std::vector<int>;  // false report: write to MapReduce::cache_
    flushers_.emplace_back([this, old] {
      std::lock_guard<std::mutex> g(m_);
      total_ += static_cast<int>(old->size());
      delete old;
    });
  }
  std::mutex m_;
  std::vector<int>* cache_ = new std::vector<int>;
  std::vector<std::thread> flushers_;
  int total_ = 0;
};

int main() {
  MapReduce mr;
  for (int i = 0; i < 10; ++i) mr.emit(i);
  mr.finish();
}
