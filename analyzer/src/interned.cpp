// The process-wide string pool behind `interned`; see interned.hpp.
#include "interned.hpp"

#include <pthread.h>

#include <mutex>
#include <unordered_set>

namespace concheck::analyzer {
namespace {

struct pool {
  std::mutex mutex;
  std::unordered_set<std::string> strings;  // guarded by mutex; nodes never move
};

pool& the_pool() {
  // Never destroyed: interned strings outlive static destructors. Locked
  // across fork() (parse_limits.hpp): a child forked while another thread
  // interns would otherwise inherit a mutex nobody will ever unlock.
  static pool* p = [] {
    auto* created = new pool();
    ::pthread_atfork([] { the_pool().mutex.lock(); }, [] { the_pool().mutex.unlock(); },
                     [] { the_pool().mutex.unlock(); });
    return created;
  }();
  return *p;
}

const std::string& empty_string() {
  static const std::string empty;
  return empty;
}

}  // namespace

interned::interned() noexcept : text_(&empty_string()) {}

interned::interned(std::string_view text) : text_(&empty_string()) {
  if (text.empty()) return;
  pool& p = the_pool();
  std::lock_guard<std::mutex> lock(p.mutex);
  text_ = &*p.strings.emplace(text).first;
}

}  // namespace concheck::analyzer
