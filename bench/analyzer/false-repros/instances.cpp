// False report, cause "instances": every object of a class is taken for one
// object. A value type (leveldb's Slice, Status, per-call WriteBatch; re2's
// Prog and Regexp under construction; zeromq's msg_t and addresses;
// kyotocabinet's TinyHashMap) is reported because one instance of it is a
// member of a class whose methods lock. 136 findings in the corpus.
// Expected: no finding (parse() works on its own copy).
#include <cstddef>
#include <mutex>
#include <thread>

struct Slice {
  const char* data;
  std::size_t size;
  void remove_prefix(std::size_t n) {
    data += n;  // false report: write to Slice::data
    size -= n;  // false report: write to Slice::size
  }
};

class Db {
 public:
  void set(Slice s) {
    std::lock_guard<std::mutex> g(m_);
    last_ = s;
    last_.remove_prefix(0);
  }

 private:
  std::mutex m_;
  Slice last_{"", 0};
};

std::size_t parse(Slice s) {
  s.remove_prefix(1);
  return s.size;
}

int main() {
  Db db;
  std::thread t([&] { db.set(Slice{"ab", 2}); });
  std::size_t n = parse(Slice{"xy", 2});
  t.join();
  return static_cast<int>(n);
}
