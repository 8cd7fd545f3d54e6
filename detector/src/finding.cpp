#include "concheck/detector/finding.hpp"

namespace concheck::detector {

// Switches with no default: generated from finding_kinds.inc, so every kind
// has a case.
std::string_view to_string(finding_kind kind) noexcept {
  switch (kind) {
#define CONCHECK_FINDING_KIND(enumerator, name, ...) \
  case finding_kind::enumerator:                     \
    return name;
#include "concheck/detector/finding_kinds.inc"
#undef CONCHECK_FINDING_KIND
  }
  return "unknown-kind";  // only for a value outside the enum
}

std::string_view describe(finding_kind kind) noexcept {
  switch (kind) {
#define CONCHECK_FINDING_KIND(enumerator, name, headline, ...) \
  case finding_kind::enumerator:                               \
    return headline;
#include "concheck/detector/finding_kinds.inc"
#undef CONCHECK_FINDING_KIND
  }
  return "unknown kind";
}

std::optional<finding_kind> finding_kind_from_string(std::string_view name) noexcept {
  for (finding_kind kind : kAllFindingKinds) {
    if (to_string(kind) == name) return kind;
  }
  return std::nullopt;
}

const lock_ref* finding::find_lock(std::uint64_t id) const noexcept {
  for (const auto& lock : locks) {
    if (lock.id == id) return &lock;
  }
  return nullptr;
}

const thread_ref* finding::find_thread(std::uint64_t id) const noexcept {
  for (const auto& thread : threads) {
    if (thread.id == id) return &thread;
  }
  return nullptr;
}

}  // namespace concheck::detector
