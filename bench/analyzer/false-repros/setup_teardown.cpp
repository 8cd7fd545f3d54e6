// False report, cause "setup-teardown": one unlocked caller in a constructor
// or destructor makes a helper "unprotected". Seen in leveldb (~LRUCache ->
// Unref -> LRU_Remove/LRU_Append, HandleTable::Resize from its constructor,
// SetCapacity from ShardedLRUCache's constructor, Version::Ref/Unref),
// kyotocabinet (File::open/close), re2 (~DFA -> ClearCache). 38 findings.
// Expected: no finding (unref() runs unlocked only in the destructor).
#include <mutex>
#include <thread>

class Cache {
 public:
  Cache() { grow(); }
  ~Cache() { unref(); }
  void acquire() {
    std::lock_guard<std::mutex> g(m_);
    ++refs_;
  }
  void release() {
    std::lock_guard<std::mutex> g(m_);
    unref();
  }

 private:
  void unref() { --refs_; }        // false report: write to Cache::refs_
  void grow() { capacity_ *= 2; }  // false report if acquire() also wrote it locked
  std::mutex m_;
  int refs_ = 1;
  int capacity_ = 1;
};

int main() {
  Cache c;
  std::thread t([&] {
    c.acquire();
    c.release();
  });
  t.join();
}
