// concheck runtime: thread and lock descriptions, dump_threads (registry.hpp).
#include "registry_dump.hpp"

#include <fmt/format.h>

#include <cstdio>

#include "concheck/registry.hpp"
#include "real_functions.hpp"
#include "report_sink.hpp"
#include "stack_depot.hpp"

namespace concheck::detail {
namespace {

std::string_view type_name(const lock_info& info) {
  if (info.has_user_type) {
    switch (info.user_type) {
      case object_type::mutex: return "concheck::mutex";
      case object_type::recursive_mutex: return "concheck::recursive_mutex";
      case object_type::timed_mutex: return "concheck::timed_mutex";
      case object_type::recursive_timed_mutex: return "concheck::recursive_timed_mutex";
      case object_type::shared_mutex: return "concheck::shared_mutex";
      case object_type::shared_timed_mutex: return "concheck::shared_timed_mutex";
      case object_type::condition_variable: return "concheck::condition_variable";
      case object_type::condition_variable_any: return "concheck::condition_variable_any";
    }
  }
  return info.klass == lock_class::rwlock ? "pthread_rwlock_t" : "pthread_mutex_t";
}

detector::site site_from_location(const char* file, const char* function, int line) {
  detector::site out;
  out.file = file != nullptr ? file : "";
  out.function = function != nullptr ? function : "";
  out.line = line;
  return out;
}

}  // namespace

detector::site site_from_pc(std::uintptr_t pc) {
  if (pc == 0) return {};
  return make_site(stack_from_pc(pc));
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

// The standard type behind a pthread lock, read from the first-use stack:
// "std::mutex::lock()" -> "std::mutex". Empty if no std:: lock frame is there.
std::string std_type_from_site(const detector::site& site) {
  for (const detector::frame& f : site.frames) {
    const std::string_view function = f.function;
    if (function.substr(0, 5) != "std::" || function.substr(0, 7) == "std::__") continue;
    const std::size_t paren = function.find('(');
    const std::string_view qualified = function.substr(0, paren);
    const std::size_t last = qualified.rfind("::");
    if (last == std::string_view::npos || last <= 5) continue;
    const std::string_view type = qualified.substr(0, last);
    if (type.find('<') != std::string_view::npos) continue;  // lock_guard<...> and friends
    if (type.find("mutex") == std::string_view::npos) continue;
    return std::string(type);
  }
  return {};
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
    if (!info.has_user_type) {
      std::string standard = std_type_from_site(out.created);
      if (!standard.empty()) out.type = std::move(standard);
    }
  }
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
  if (!lock.name.empty()) return fmt::format("'{}'", lock.name);
  return fmt::format("{} M{}", lock.type, lock.id);
}

std::string thread_display_name(const detector::thread_ref& thread) {
  if (!thread.name.empty()) return fmt::format("T{} '{}'", thread.id, thread.name);
  return fmt::format("T{}", thread.id);
}

std::string describe_threads() {
  inside_scope inside;
  std::string out = "==== concheck: threads ====\n";
  std::vector<detector::held_lock> held;
  for (thread_record* r = first_thread_record(); r != nullptr; r = r->next) {
    if (!r->alive.load(std::memory_order_acquire)) continue;
    const detector::thread_ref ref = make_thread_ref(r->state.id());
    out += fmt::format("{}", thread_display_name(ref));
    if (!ref.created.empty()) out += fmt::format(" created at {}:{}", ref.created.file, ref.created.line);
    out += "\n";
    std::uint64_t sequence = 0;
    bool consistent = false;
    for (int attempt = 0; attempt < 100 && !consistent; ++attempt) consistent = r->state.snapshot_held(held, sequence);
    if (!consistent) {
      out += "  (state changing)\n";
      continue;
    }
    for (const detector::held_lock& h : held) {
      const detector::lock_ref lock = make_lock_ref(h.lock);
      const detector::site where = h.stack != 0 ? make_site(h.stack) : site_from_pc(h.pc);
      out += fmt::format("  holds {}{} acquired at {}:{}\n", lock_display_name(lock),
                         h.mode == detector::lock_mode::shared ? " (shared)" : "", where.file, where.line);
    }
    const auto kind = r->wait_kind.load(std::memory_order_relaxed);
    if (kind != detector::wait_kind::none) {
      const std::uint64_t target = r->wait_target.load(std::memory_order_relaxed);
      const stack_id stack = r->wait_stack.load(std::memory_order_relaxed);
      const detector::site where =
          stack != kNoStack ? make_site(stack) : site_from_pc(r->wait_pc.load(std::memory_order_relaxed));
      std::string what;
      if (kind == detector::wait_kind::lock) {
        what = lock_display_name(make_lock_ref(target));
      } else if (kind == detector::wait_kind::join) {
        what = fmt::format("T{} to exit", target);
      } else {
        what = fmt::format("{} {:#x}", detector::to_string(kind), target);
      }
      out += fmt::format("  waits for {}{} at {}:{}\n", what,
                         r->wait_timed.load(std::memory_order_relaxed) ? " (with timeout)" : "", where.file,
                         where.line);
    } else {
      out += "  running\n";
    }
  }
  return out;
}

void dump_threads_to_log() noexcept {
  try {
    log_write(describe_threads());
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

void dump_threads() noexcept { detail::dump_threads_to_log(); }

void dump_threads(std::FILE* out) noexcept {
  if (out == nullptr) return;
  try {
    const std::string text = detail::describe_threads();
    std::fwrite(text.data(), 1, text.size(), out);
    std::fflush(out);
  } catch (...) {
  }
}

}  // namespace concheck
