// printable(): control bytes of names, messages and paths made visible before
// they reach a terminal (a saved log or a suppressions file may hold any
// byte; an ESC sequence in a thread name must not clear the user's screen).
#include <fmt/format.h>

#include "concheck/detector/render.hpp"

namespace concheck::detector {
namespace {

bool is_control(unsigned char c) {
  return c < 0x20 || c == 0x7f;
}

void escape_in_place(std::string& text) {
  for (char c : text) {
    if (is_control(static_cast<unsigned char>(c))) {
      text = printable(text);
      return;
    }
  }
}

void escape_in_place(site& s) {
  escape_in_place(s.function);
  escape_in_place(s.file);
  for (frame& f : s.frames) {
    escape_in_place(f.module);
    escape_in_place(f.function);
    escape_in_place(f.file);
  }
}

}  // namespace

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (!is_control(byte)) {
      out.push_back(c);
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out += fmt::format("\\x{:02x}", byte);
    }
  }
  return out;
}

finding printable(finding f) {
  escape_in_place(f.message);
  escape_in_place(f.hint);
  escape_in_place(f.test);
  escape_in_place(f.replay);
  for (thread_ref& t : f.threads) {
    escape_in_place(t.name);
    escape_in_place(t.created);
  }
  for (lock_ref& l : f.locks) {
    escape_in_place(l.name);
    escape_in_place(l.type);
    escape_in_place(l.variable);
    escape_in_place(l.variable_from);
    escape_in_place(l.created);
  }
  for (site& s : f.sites) escape_in_place(s);
  for (cycle_edge& e : f.cycle) {
    escape_in_place(e.acquired);
    escape_in_place(e.from_acquired);
  }
  for (thread_state& s : f.states) {
    escape_in_place(s.waits_for);
    escape_in_place(s.waiting_at);
  }
  escape_in_place(f.memory.kind);
  escape_in_place(f.memory.name);
  escape_in_place(f.memory.allocated);
  return f;
}

}  // namespace concheck::detector
