// Analyzer sample: real code's shapes, fixed. The same cache with evict()
// taking the lock: every access to the shared map is under the cache's mutex,
// the per-caller statistics are written through a pointer to the caller's own
// struct, the constructor and destructor run before and after any sharing, and
// results are copies. `concheck analyze` finds nothing, where an analyzer that
// ignores ownership, contexts and instances reports each of those.
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
    std::lock_guard<std::mutex> guard(mutex_);
    entries_.erase(key);
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
