// render_dot: the lock-order picture. Nodes are locks (boxes) and, for
// deadlocks without lock edges, threads (ellipses); every cycle edge is red and
// labelled with the acquiring thread and site. Locks of different processes
// never merge (node names carry the pid), locks of one process do.
#include <fmt/format.h>

#include <iterator>
#include <string_view>
#include <unordered_set>

#include "concheck/detector/render.hpp"

namespace concheck::detector {
namespace {

// A DOT double-quoted string body: escape quotes and backslashes; newlines
// become DOT's centered line break.
std::string escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string lock_node(const finding& f, std::uint64_t id) {
  return fmt::format("p{}_L{}", f.pid, id);
}
std::string thread_node(const finding& f, std::uint64_t id) {
  return fmt::format("p{}_T{}", f.pid, id);
}

struct dot_writer {
  std::string out;
  std::unordered_set<std::string> nodes;

  template <typename... Args>
  void line(fmt::format_string<Args...> format, Args&&... args) {
    fmt::format_to(std::back_inserter(out), format, std::forward<Args>(args)...);
    out.push_back('\n');
  }

  void lock(const finding& f, std::uint64_t id) {
    std::string name = lock_node(f, id);
    if (!nodes.insert(name).second) return;
    std::string label = lock_display_name(f, id);
    const lock_ref* ref = f.find_lock(id);
    if (ref != nullptr && (!ref->name.empty() || !ref->variable.empty()) && !ref->type.empty())
      label += "\n" + ref->type;
    line("  \"{}\" [label=\"{}\"];", name, escape(label));
  }

  void thread(const finding& f, std::uint64_t id) {
    std::string name = thread_node(f, id);
    if (!nodes.insert(name).second) return;
    line("  \"{}\" [shape=ellipse, label=\"{}\"];", name, escape(thread_display_name(f, id)));
  }

  void cycle(const finding& f) {
    for (const auto& edge : f.cycle) {
      lock(f, edge.from);
      lock(f, edge.to);
    }
    for (const auto& edge : f.cycle) {
      std::string label =
          fmt::format("{}\n{}", thread_display_name(f, edge.thread), site_display(edge.acquired));
      if (edge.to_shared || edge.from_shared) label += "\n(shared)";
      line("  \"{}\" -> \"{}\" [color=red, fontcolor=red, penwidth=2, label=\"{}\"];",
           lock_node(f, edge.from), lock_node(f, edge.to), escape(label));
    }
  }

  // Who holds what and who waits for what: the wait-for picture of a deadlock
  // reported without lock-order edges.
  void states(const finding& f) {
    for (const auto& state : f.states) {
      thread(f, state.thread);
      for (std::uint64_t held : state.holds) {
        lock(f, held);
        line("  \"{}\" -> \"{}\" [color=gray40, style=dashed, label=\"held by\"];", lock_node(f, held),
             thread_node(f, state.thread));
      }
      if (state.waits_for_lock) {
        lock(f, *state.waits_for_lock);
        line("  \"{}\" -> \"{}\" [color=red, fontcolor=red, penwidth=2, label=\"{}\"];",
             thread_node(f, state.thread), lock_node(f, *state.waits_for_lock),
             escape("waits at\n" + site_display(state.waiting_at)));
      } else if (!state.waits_for.empty()) {
        // Not a lock (a join, a condition variable): a note node says what.
        std::string note = fmt::format("p{}_W{}", f.pid, state.thread);
        line("  \"{}\" [shape=note, label=\"{}\"];", note, escape(state.waits_for));
        line("  \"{}\" -> \"{}\" [color=red, fontcolor=red, penwidth=2, label=\"{}\"];",
             thread_node(f, state.thread), note, escape("waits at\n" + site_display(state.waiting_at)));
      }
    }
  }
};

}  // namespace

std::string dot_stream::begin() {
  return "digraph concheck {\n"
         "  rankdir=LR;\n"
         "  node [shape=box, fontname=\"monospace\"];\n"
         "  edge [fontname=\"monospace\", fontsize=10];\n";
}

std::string dot_stream::add(const finding& f) {
  // Bounded memory over any number of findings: past the limit the set starts
  // again, and a node met after that is declared a second time, which DOT
  // reads as the same node.
  if (nodes_.size() > kMaxRememberedNodes) nodes_.clear();
  dot_writer w;
  w.nodes.swap(nodes_);
  if (!f.cycle.empty()) {
    w.line("  // {}: {}", to_string(f.kind), escape(f.message));
    w.cycle(f);
    ++drawn_;
  } else if (f.kind == finding_kind::deadlock && !f.states.empty()) {
    w.line("  // {}: {}", to_string(f.kind), escape(f.message));
    w.states(f);
    ++drawn_;
  }
  w.nodes.swap(nodes_);
  return std::move(w.out);
}

std::string dot_stream::end() const {
  std::string out;
  if (drawn_ == 0) out += "  label=\"no lock-order cycles or deadlocks in these findings\";\n";
  out += "}\n";
  return out;
}

std::string render_dot(const std::vector<finding>& findings) {
  dot_stream stream;
  std::string out = dot_stream::begin();
  for (const auto& f : findings) out += stream.add(f);
  out += stream.end();
  return out;
}

}  // namespace concheck::detector
