// finding_key: see finding_key.hpp for what is keyed and why.
#include "concheck/detector/finding_key.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace concheck::detector {
namespace {

// Code-location identity of a site, "" when it has none.
std::string site_identity(const site& where) {
  if (!where.file.empty() || !where.function.empty()) {
    return fmt::format("{}:{}:{}", where.file, where.line, where.function);
  }
  const frame* chosen = nullptr;
  for (const auto& f : where.frames) {
    if (!f.internal) {
      chosen = &f;
      break;
    }
  }
  if (chosen == nullptr && !where.frames.empty()) chosen = &where.frames.front();
  if (chosen == nullptr) return {};
  if (!chosen->file.empty() || !chosen->function.empty()) {
    return fmt::format("{}:{}:{}", chosen->file, chosen->line, chosen->function);
  }
  if (!chosen->module.empty()) return fmt::format("{}+{:#x}", chosen->module, chosen->offset);
  return fmt::format("pc{:#x}", chosen->pc);
}

// The site and the user frame that called it. Two cycles through one helper
// (`lock_both(a, b)` from two unrelated callers) differ only there; the same
// code path over fresh lock objects (a loop) has the same caller too.
std::string site_with_caller(const site& where) {
  std::string identity = site_identity(where);
  if (identity.empty() || where.file.empty()) return identity;
  auto at = std::find_if(where.frames.begin(), where.frames.end(), [&](const frame& f) {
    return !f.internal && f.line == where.line && f.file == where.file && f.function == where.function;
  });
  if (at == where.frames.end()) return identity;
  auto caller = std::find_if(at + 1, where.frames.end(), [](const frame& f) { return !f.internal; });
  if (caller == where.frames.end() || (caller->file.empty() && caller->function.empty())) return identity;
  return fmt::format("{}<{}:{}:{}", identity, caller->file, caller->line, caller->function);
}

std::string sorted_join(std::vector<std::string> parts) {
  std::sort(parts.begin(), parts.end());
  return fmt::format("{}", fmt::join(parts, "|"));
}

std::string cycle_identity(const finding& f) {
  std::vector<std::string> edges;
  for (const auto& edge : f.cycle) {
    std::string held = site_with_caller(edge.from_acquired);
    std::string taken = site_with_caller(edge.acquired);
    if (taken.empty()) {
      // No code location: the lock ids are all that tells cycles apart.
      edges.push_back(fmt::format("#{}->#{}", edge.from, edge.to));
    } else {
      edges.push_back(fmt::format("{}->{}", held, taken));
    }
  }
  return sorted_join(std::move(edges));
}

}  // namespace

std::string finding_key(const finding& f) {
  const std::string_view kind = to_string(f.kind);
  switch (f.kind) {
    case finding_kind::lock_order_inversion:
      if (!f.cycle.empty()) return fmt::format("{}|{}", kind, cycle_identity(f));
      break;
    case finding_kind::deadlock: {
      std::vector<std::string> waits;
      for (const auto& state : f.states) {
        std::string where = site_identity(state.waiting_at);
        if (!where.empty()) waits.push_back(where);
      }
      if (!waits.empty()) return fmt::format("{}|{}", kind, sorted_join(std::move(waits)));
      if (!f.cycle.empty()) return fmt::format("{}|{}", kind, cycle_identity(f));
      break;
    }
    case finding_kind::data_race: {
      std::vector<std::string> accesses;
      for (const auto& where : f.sites) accesses.push_back(site_identity(where));
      if (!accesses.empty()) return fmt::format("{}|{}", kind, sorted_join(std::move(accesses)));
      break;
    }
    case finding_kind::destroy_locked:
    case finding_kind::unlock_not_owned:
    case finding_kind::use_after_destroy:
      // Two locks misused at one line are two findings; one lock misused
      // again and again is one. A lock is told apart by where it was created
      // (or first seen) and its address.
      if (!f.sites.empty() && !f.locks.empty()) {
        std::string where = site_identity(f.sites.front());
        const lock_ref& lock = f.locks.front();
        if (!where.empty()) {
          return fmt::format("{}|{}|lock:{}@{:#x}", kind, where, site_identity(lock.created), lock.address);
        }
      }
      [[fallthrough]];
    default:
      if (!f.sites.empty()) {
        std::string where = site_identity(f.sites.front());
        if (!where.empty()) return fmt::format("{}|{}", kind, where);
      }
      break;
  }
  return fmt::format("{}|message:{}", kind, f.message);
}

}  // namespace concheck::detector
