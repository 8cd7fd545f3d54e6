// concheck runtime: thread and lock descriptions, dump_threads (registry.hpp).
#include "registry_dump.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <cstring>
#include <new>
#include <unordered_map>

#include "concheck/detector/internal_lock.hpp"
#include "concheck/detector/log_records.hpp"
#include "concheck/detector/render.hpp"
#include "concheck/mutex.hpp"
#include "concheck/registry.hpp"
#include "lock_names.hpp"
#include "real_functions.hpp"
#include "report_sink.hpp"
#include "site_frames.hpp"
#include "stack_depot.hpp"

namespace concheck::detail {
namespace {

std::string_view type_name(const lock_info& info) {
  if (info.has_user_type) {
    switch (info.user_type) {
      case object_type::mutex:
        return "concheck::mutex";
      case object_type::recursive_mutex:
        return "concheck::recursive_mutex";
      case object_type::timed_mutex:
        return "concheck::timed_mutex";
      case object_type::recursive_timed_mutex:
        return "concheck::recursive_timed_mutex";
      case object_type::shared_mutex:
        return "concheck::shared_mutex";
      case object_type::shared_timed_mutex:
        return "concheck::shared_timed_mutex";
      case object_type::condition_variable:
        return "concheck::condition_variable";
      case object_type::condition_variable_any:
        return "concheck::condition_variable_any";
    }
  }
  return lock_class_type(info.klass);
}

detector::site site_from_location(const char* file, const char* function, int line) {
  detector::site out;
  out.file = file != nullptr ? file : "";
  out.function = function != nullptr ? function : "";
  out.line = line;
  return out;
}

struct cv_description {
  std::string name;
  const char* file = nullptr;
  int line = 0;
  bool any = false;
};

constinit internal_lock g_cv_lock{lock_rank::cv_names};
// Allocated once and never freed: usable during static destruction.
std::unordered_map<std::uint64_t, cv_description>& cv_table() {
  static auto* table = new std::unordered_map<std::uint64_t, cv_description>();
  return *table;
}

}  // namespace

void remember_condition_variable(const void* cv, bool any, const char* name, const char* file,
                                 int line) noexcept {
  inside_scope inside;
  try {
    cv_description description;
    description.name = name != nullptr ? name : "";
    description.file = file;
    description.line = line;
    description.any = any;
    auto& table = cv_table();
    internal_guard guard(g_cv_lock);
    table[reinterpret_cast<std::uint64_t>(cv)] = std::move(description);
  } catch (...) {
  }
}

void forget_condition_variable(const void* cv) noexcept {
  inside_scope inside;
  auto& table = cv_table();
  internal_guard guard(g_cv_lock);
  table.erase(reinterpret_cast<std::uint64_t>(cv));
}

bool rename_condition_variable(const void* cv, const char* name) noexcept {
  inside_scope inside;
  try {
    auto& table = cv_table();
    internal_guard guard(g_cv_lock);
    auto it = table.find(reinterpret_cast<std::uint64_t>(cv));
    if (it == table.end()) return false;
    it->second.name = name != nullptr ? name : "";
    return true;
  } catch (...) {
    return true;
  }
}

std::string condition_variable_display_name(std::uint64_t cv) {
  cv_description description;
  bool known = false;
  {
    inside_scope inside;
    auto& table = cv_table();
    internal_guard guard(g_cv_lock);
    auto it = table.find(cv);
    if (it != table.end()) {
      description = it->second;
      known = true;
    }
  }
  if (!known) return fmt::format("condition variable {:#x}", cv);
  if (!description.name.empty()) return fmt::format("condition variable '{}'", description.name);
  const char* type = description.any ? "concheck::condition_variable_any" : "concheck::condition_variable";
  if (description.file == nullptr) return fmt::format("{} {:#x}", type, cv);
  const char* slash = std::strrchr(description.file, '/');
  return fmt::format("{} created at {}:{}", type, slash != nullptr ? slash + 1 : description.file,
                     description.line);
}

std::string describe_wait_target(detector::wait_kind kind, std::uint64_t target) {
  switch (kind) {
    case detector::wait_kind::lock:
      return detail::lock_display_name(make_lock_ref(target));
    case detector::wait_kind::join:
      return fmt::format("T{} to exit", target);
    case detector::wait_kind::condition:
      return condition_variable_display_name(target);
    default:
      return fmt::format("{} {:#x}", detector::to_string(kind), target);
  }
}

void condition_variables_after_fork_child() noexcept {
  g_cv_lock.reset_after_fork();
}

detector::site site_from_pc(std::uintptr_t pc) {
  if (pc == 0) return {};
  return make_site(stack_from_pc(pc));
}

detector::site held_lock_site(const detector::held_lock& held) {
  if (held.stack != 0) return make_site(held.stack);
  detector::site site = site_from_pc(held.pc);
  for (const detector::frame& f : site.frames) {
    if (!f.internal) return site;
  }
  lock_info info;
  if (!find_lock_info(held.lock, info) || !info.has_user_type || info.klass != lock_class::mutex) return site;
  const void* caller = concheck::detail::pthread_mutex_holder::last_acquirer(
      reinterpret_cast<const pthread_mutex_t*>(info.address));
  if (caller == nullptr) return site;
  detector::site outer = site_from_pc(reinterpret_cast<std::uintptr_t>(caller));
  site.frames.insert(site.frames.end(), outer.frames.begin(), outer.frames.end());
  locate_site(site);
  return site;
}

detector::thread_ref make_thread_ref(detector::thread_id id) {
  detector::thread_ref out;
  out.id = id;
  thread_info info;
  if (!find_thread_info(id, info)) return out;
  out.name = info.name;
  if (info.created_file != nullptr) {
    out.created = site_from_location(info.created_file, info.created_function, info.created_line);
  } else if (info.created != kNoStack) {
    out.created = make_site(info.created);
  }
  return out;
}

std::string lock_type_from_first_use(const detector::site& first_use, lock_class klass) {
  bool caller_has_lines = false;
  for (const detector::frame& f : first_use.frames) {
    if (!f.internal) {
      caller_has_lines = !f.file.empty() && f.line > 0;
      break;  // the caller: the frames farther out are not part of this call
    }
    const std::string_view function = f.function;
    if (function.substr(0, 5) != "std::" || function.substr(0, 7) == "std::__") continue;
    const std::size_t paren = function.find('(');
    const std::string_view qualified = function.substr(0, paren);
    const std::size_t last = qualified.rfind("::");
    if (last == std::string_view::npos || last <= 5) continue;
    const std::string_view type = qualified.substr(0, last);
    if (type.find('<') != std::string_view::npos) continue;  // lock_guard<...> and friends
    // First seen by the wait (registered there): std::condition_variable waits with a std::mutex.
    if (type == "std::condition_variable" && klass == lock_class::mutex) return "std::mutex";
    if (type.find("mutex") == std::string_view::npos) continue;
    return std::string(type);
  }
  if (klass == lock_class::mutex && !caller_has_lines) return kUntoldMutexType;
  return lock_class_type(klass);
}

detector::lock_ref make_lock_ref(const lock_info& info) {
  detector::lock_ref out;
  out.id = info.id;
  out.name = info.name;
  out.type = std::string(type_name(info));
  out.address = info.address;
  if (info.created_file != nullptr) {
    out.created = site_from_location(info.created_file, info.created_function, info.created_line);
  } else if (info.created != kNoStack) {
    out.created = make_site(info.created);
    if (!info.has_user_type) out.type = lock_type_from_first_use(out.created, info.klass);
  } else if (!info.has_user_type && info.klass == lock_class::mutex) {
    out.type = kUntoldMutexType;  // no stack: nothing tells std::mutex from a direct call
  }
  name_unnamed_lock(out);
  return out;
}

detector::lock_ref make_lock_ref(detector::lock_id id) {
  lock_info info;
  if (!find_lock_info(id, info)) {
    detector::lock_ref out;
    out.id = id;
    out.type = "lock";
    return out;
  }
  return make_lock_ref(info);
}

std::string lock_display_name(const detector::lock_ref& lock) {
  return detector::lock_display_name(lock);
}

std::string thread_display_name(const detector::thread_ref& thread) {
  if (!thread.name.empty()) return fmt::format("T{} '{}'", thread.id, thread.name);
  return fmt::format("T{}", thread.id);
}

std::vector<detector::dumped_thread> collect_thread_dump() {
  inside_scope inside;
  std::vector<detector::dumped_thread> out;
  std::vector<detector::held_lock> held;
  for (thread_record* r = first_thread_record(); r != nullptr; r = r->next) {
    if (!r->alive.load(std::memory_order_acquire)) continue;
    detector::dumped_thread& dumped = out.emplace_back();
    dumped.thread = make_thread_ref(r->state.id());
    std::uint64_t sequence = 0;
    bool consistent = false;
    for (int attempt = 0; attempt < 100 && !consistent; ++attempt)
      consistent = r->state.snapshot_held(held, sequence);
    if (!consistent) {
      dumped.consistent = false;
      continue;
    }
    for (const detector::held_lock& h : held) {
      dumped.holds.push_back(
          {make_lock_ref(h.lock), h.mode == detector::lock_mode::shared, held_lock_site(h)});
    }
    const auto kind = r->wait_kind.load(std::memory_order_relaxed);
    if (kind != detector::wait_kind::none) {
      detector::dumped_wait wait;
      wait.kind = std::string(detector::to_string(kind));
      wait.target = r->wait_target.load(std::memory_order_relaxed);
      const stack_id stack = r->wait_stack.load(std::memory_order_relaxed);
      wait.at =
          stack != kNoStack ? make_site(stack) : site_from_pc(r->wait_pc.load(std::memory_order_relaxed));
      wait.description = describe_wait_target(kind, wait.target);
      wait.timed = r->wait_timed.load(std::memory_order_relaxed);
      dumped.wait = std::move(wait);
    }
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i].index = i;
    out[i].count = out.size();
  }
  return out;
}

std::string render_thread_dump_text(const std::vector<detector::dumped_thread>& threads) {
  std::string out(detector::kThreadDumpHeader);
  for (const detector::dumped_thread& t : threads) out += detector::render_text(t);
  return out;
}

void dump_threads_to_log() noexcept {
  try {
    emit_thread_dump(collect_thread_dump());
  } catch (...) {
  }
}

}  // namespace concheck::detail

namespace concheck {

void set_thread_name(std::string_view name) noexcept {
  char buffer[64];
  const std::size_t n = std::min(name.size(), sizeof buffer - 1);
  name.copy(buffer, n);
  buffer[n] = '\0';
  detail::set_current_thread_name(buffer);
}

void dump_threads() noexcept {
  detail::dump_threads_to_log();
}

void dump_threads(std::FILE* out) noexcept {
  if (out == nullptr) return;
  try {
    const std::string text = detail::render_thread_dump_text(detail::collect_thread_dump());
    std::fwrite(text.data(), 1, text.size(), out);
    std::fflush(out);
  } catch (...) {
  }
}

}  // namespace concheck
