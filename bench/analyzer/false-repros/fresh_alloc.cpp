// False report, cause "fresh-alloc": memory allocated with new inside the
// call and never published is written under a lock held only for reading,
// and the write is taken for a write to shared data (kyotocabinet's
// accept_bulk key arrays in CacheDB, DirDB, HashDB and StashDB, IndexDB::get's
// Record array; zeromq3's epoll_t::add_fd poll entry). 20 findings in the
// corpus at main 1cb0471.
// Expected: no finding (keys is a fresh array local to lookup_all()).
#include <cstddef>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

class Table {
 public:
  size_t lookup_all(const std::vector<std::string>& names) {
    std::shared_lock<std::shared_mutex> g(m_);
    struct Key {
      const char* buf;
      size_t size;
    };
    Key* keys = new Key[names.size()];
    size_t total = 0;
    for (size_t i = 0; i < names.size(); i++) {
      Key* k = keys + i;
      k->buf = names[i].data();   // false report: write to Key::buf
      k->size = names[i].size();  // false report: ... only for reading
      total += k->size + count_;
    }
    delete[] keys;
    return total;
  }
  void add() {
    std::unique_lock<std::shared_mutex> g(m_);
    count_++;
  }

 private:
  std::shared_mutex m_;
  size_t count_ = 0;
};

int main() {
  Table t;
  std::vector<std::string> names{"a", "bc"};
  std::thread w([&] { t.add(); });
  t.lookup_all(names);
  w.join();
}
