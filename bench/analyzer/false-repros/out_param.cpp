// False report, cause "out-param": a caller's local filled through a pointer
// is taken for shared data. Seen in leveldb (ParseInternalKey's *result,
// Version::Get's State passed as void*, ReadBlock's BlockContents),
// kyotocabinet (HashDB::read_record's Record), 63 findings in the corpus.
// Expected: no finding (every Out written here is a local of query()).
#include <mutex>
#include <thread>

struct Out {
  int a = 0;
};

class Store {
 public:
  void publish() {
    std::lock_guard<std::mutex> g(m_);
    latest_.a = 2;  // Out::a under a lock: makes Out look shared
  }
  int query() {
    Out local;
    fill(&local);
    int b = 0;
    visit(&b, [](void* arg) { static_cast<Out*>(arg)->a = 3; });
    return local.a + b;
  }

 private:
  static void fill(Out* o) { o->a = 1; }  // false report: write to Out::a
  static void visit(void*, void (*fn)(void*)) {
    Out state;
    fn(&state);
  }
  std::mutex m_;
  Out latest_;
};

int main() {
  Store s;
  std::thread t([&] { s.publish(); });
  int r = s.query();
  t.join();
  return r;
}
