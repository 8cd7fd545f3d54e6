#include "lockset.hpp"

#include <algorithm>

namespace concheck::analyzer::detail {

void flow_state::narrow(const param_signs& test) {
  if (test.param < 0 || test.signs == kAnySign) return;
  for (auto& known : signs) {
    if (known.param == test.param) {
      known.signs &= test.signs;
      return;
    }
  }
  signs.push_back(test);
}

void flow_state::add(const lock_name& lock, const std::string& holder, bool shared, bool must,
                     const location& where) {
  held.push_back(held_entry{lock, holder, shared, must, where});
}

std::vector<held_lock> flow_state::held_locks() const {
  std::vector<held_lock> out;
  if (unreachable) return out;
  for (const auto& e : held) {
    if (e.must) out.push_back(held_lock{e.lock, e.where, e.shared});
  }
  return out;
}

bool flow_state::release(const std::string& lock_id) {
  auto it = std::find_if(held.begin(), held.end(),
                         [&](const held_entry& e) { return e.lock.id == lock_id && e.holder.empty(); });
  if (it == held.end())
    it = std::find_if(held.begin(), held.end(), [&](const held_entry& e) { return e.lock.id == lock_id; });
  if (it == held.end()) return false;
  held.erase(it);
  return true;
}

void flow_state::release_holder(const std::string& holder) {
  std::erase_if(held, [&](const held_entry& e) { return e.holder == holder; });
}

bool flow_state::holds_via(const std::string& holder) const {
  return std::any_of(held.begin(), held.end(), [&](const held_entry& e) { return e.holder == holder; });
}

void flow_state::set_holder_must(const std::string& holder) {
  for (auto& e : held) {
    if (e.holder == holder) e.must = true;
  }
}

void flow_state::change_holder(const std::string& from, const std::string& to) {
  for (auto& e : held) {
    if (e.holder == from) e.holder = to;
  }
}

held_set flow_state::snapshot() const {
  held_set out;
  if (unreachable) return out;
  for (const auto& e : held) {
    out.may.push_back(e.lock);
    if (e.must) out.must.push_back(e.lock);
  }
  for (const auto& e : held) {
    bool exclusive = std::any_of(held.begin(), held.end(),
                                 [&](const held_entry& o) { return o.lock.id == e.lock.id && !o.shared; });
    if (!exclusive) out.shared_only.push_back(e.lock);
  }
  for (auto* v : {&out.may, &out.must, &out.shared_only}) {
    std::sort(v->begin(), v->end());
    // One lock held several ways is optional only if every hold is.
    std::size_t kept = 0;
    for (std::size_t i = 0; i < v->size(); ++i) {
      if (kept != 0 && (*v)[kept - 1] == (*v)[i]) {
        (*v)[kept - 1].optional = (*v)[kept - 1].optional && (*v)[i].optional;
        continue;
      }
      if (kept != i) (*v)[kept] = std::move((*v)[i]);
      ++kept;
    }
    v->erase(v->begin() + static_cast<std::ptrdiff_t>(kept), v->end());
  }
  return out;
}

flow_state join(const flow_state& a, const flow_state& b) {
  if (a.unreachable) return b;
  if (b.unreachable) return a;
  flow_state out;
  std::size_t common = 0;
  while (common < a.after_calls.size() && common < b.after_calls.size() &&
         a.after_calls[common] == b.after_calls[common])
    ++common;
  out.after_calls.assign(a.after_calls.begin(), a.after_calls.begin() + static_cast<std::ptrdiff_t>(common));
  for (const auto& sa : a.signs) {
    for (const auto& sb : b.signs) {
      sign_set either = sa.signs | sb.signs;
      if (sb.param == sa.param && either != kAnySign) out.signs.push_back(param_signs{sa.param, either});
    }
  }
  std::vector<bool> used(b.held.size(), false);
  for (const auto& e : a.held) {
    held_entry joined = e;
    joined.must = false;
    for (std::size_t i = 0; i < b.held.size(); ++i) {
      if (!used[i] && b.held[i].lock.id == e.lock.id && b.held[i].holder == e.holder) {
        used[i] = true;
        joined.must = e.must && b.held[i].must;
        break;
      }
    }
    out.held.push_back(joined);
  }
  for (std::size_t i = 0; i < b.held.size(); ++i) {
    if (used[i]) continue;
    held_entry joined = b.held[i];
    joined.must = false;
    out.held.push_back(joined);
  }
  return out;
}

}  // namespace concheck::analyzer::detail
