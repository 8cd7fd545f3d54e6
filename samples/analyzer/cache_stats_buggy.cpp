// Analyzer sample: real code's shapes around one real bug. A cache locks its
// map in lookup() and insert(), fills each caller's own statistics struct
// through a pointer, builds and tears itself down without the lock (nothing
// else can see it yet, or any more), and hands out value-type results. Only
// evict() is wrong: it erases from the map without the lock, racing insert().
// `concheck analyze` reports that one write and none of the rest.
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace {
struct lookup_stats {  // one per caller, filled through a pointer
  long probes = 0;
  long hits = 0;
};

struct entry {  // a value type: every reader gets its own copy
  std::string text;
  long uses = 0;
};

void record(lookup_stats* stats, bool hit) {
  stats->probes += 1;
  if (hit) stats->hits += 1;
}

class cache {
 public:
  cache() { reset(); }
  ~cache() { reset(); }

  bool lookup(int key, entry* out, lookup_stats* stats) {
    bool hit = false;
    {
      std::lock_guard<std::mutex> guard(mutex_);
      auto it = entries_.find(key);
      if (it != entries_.end()) {
        it->second.uses += 1;
        *out = it->second;
        hit = true;
      }
    }
    record(stats, hit);
    return hit;
  }
  void insert(int key, std::string text) {
    entry fresh;
    fresh.text = std::move(text);
    std::lock_guard<std::mutex> guard(mutex_);
    entries_[key] = fresh;
    inserts_ += 1;
  }
  void evict(int key) {
    entries_.erase(key);  // the lock is missing here
  }

 private:
  void reset() {  // only from the constructor and the destructor
    entries_.clear();
    inserts_ = 0;
  }

  std::mutex mutex_;
  std::map<int, entry> entries_;
  long inserts_ = 0;
};
}  // namespace

int main() {
  cache shared;
  std::thread writer([&] {
    for (int i = 0; i < 1000; ++i) shared.insert(i, "value");
  });
  std::thread reader([&] {
    lookup_stats stats;
    entry found;
    for (int i = 0; i < 1000; ++i) shared.lookup(i, &found, &stats);
    std::printf("reader: %ld probes, %ld hits\n", stats.probes, stats.hits);
  });
  std::thread evictor([&] {
    for (int i = 0; i < 1000; i += 2) shared.evict(i);
  });
  writer.join();
  reader.join();
  evictor.join();
  return 0;
}
