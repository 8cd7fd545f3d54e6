// The process-wide string pool behind `interned`; see interned.hpp.
#include "interned.hpp"

#include <mutex>
#include <unordered_set>

namespace concheck::analyzer {
namespace {

struct pool {
  std::mutex mutex;
  std::unordered_set<std::string> strings;  // guarded by mutex; nodes never move
};

pool& the_pool() {
  static auto* p = new pool();  // never destroyed: interned strings outlive static destructors
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
