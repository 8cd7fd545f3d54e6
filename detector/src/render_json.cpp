// render_json: one JSON Lines record per finding, schema in
// docs/report-format.md. Every field is always written (empty when unknown) so
// consumers see one stable shape; json.cpp reads it back.
#include <nlohmann/json.hpp>

#include "concheck/detector/log_records.hpp"
#include "concheck/detector/render.hpp"

namespace concheck::detector {
namespace {

using json = nlohmann::ordered_json;

json to_json(const frame& f) {
  return json{{"pc", f.pc},     {"module", f.module}, {"offset", f.offset},    {"function", f.function},
              {"file", f.file}, {"line", f.line},     {"internal", f.internal}};
}

json to_json(const site& s) {
  json frames = json::array();
  for (const auto& f : s.frames) frames.push_back(to_json(f));
  return json{{"function", s.function}, {"file", s.file}, {"line", s.line}, {"frames", std::move(frames)}};
}

json to_json(const lock_ref& l) {
  return json{{"id", l.id},
              {"name", l.name},
              {"type", l.type},
              {"address", l.address},
              {"created", to_json(l.created)},
              {"variable", l.variable},
              {"variable_from", l.variable_from}};
}

json to_json(const thread_ref& t) {
  return json{{"id", t.id}, {"name", t.name}, {"created", to_json(t.created)}};
}

// Symbol names from a binary are not guaranteed UTF-8: replace bad bytes
// rather than throw inside the runtime's report path.
std::string dump_line(const json& record) {
  return record.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

std::string render_json(const finding& f) {
  json threads = json::array();
  for (const auto& t : f.threads) threads.push_back(to_json(t));
  json locks = json::array();
  for (const auto& l : f.locks) locks.push_back(to_json(l));
  json sites = json::array();
  for (const auto& s : f.sites) sites.push_back(to_json(s));
  json cycle = json::array();
  for (const auto& e : f.cycle) {
    cycle.push_back(json{{"from", e.from},
                         {"to", e.to},
                         {"thread", e.thread},
                         {"from_shared", e.from_shared},
                         {"to_shared", e.to_shared},
                         {"acquired", to_json(e.acquired)},
                         {"from_acquired", to_json(e.from_acquired)}});
  }
  json states = json::array();
  for (const auto& s : f.states) {
    states.push_back(json{{"thread", s.thread},
                          {"holds", s.holds},
                          {"waits_for_lock", s.waits_for_lock ? json(*s.waits_for_lock) : json(nullptr)},
                          {"waits_for", s.waits_for},
                          {"waiting_at", to_json(s.waiting_at)},
                          {"vanished_at_fork", s.vanished_at_fork}});
  }
  json accesses = json::array();
  for (const auto& a : f.accesses) {
    accesses.push_back(json{
        {"thread", a.thread}, {"write", a.write}, {"atomic", a.atomic}, {"size", a.size}, {"held", a.held}});
  }
  const json memory{{"kind", f.memory.kind},
                    {"name", f.memory.name},
                    {"address", f.memory.address},
                    {"size", f.memory.size},
                    {"offset", f.memory.offset},
                    {"thread", f.memory.thread},
                    {"allocated", to_json(f.memory.allocated)}};
  json record{{"schema_version", kReportSchemaVersion},
              {"kind", std::string(to_string(f.kind))},
              {"message", f.message},
              {"hint", f.hint},
              {"threads", std::move(threads)},
              {"locks", std::move(locks)},
              {"sites", std::move(sites)},
              {"cycle", std::move(cycle)},
              {"states", std::move(states)},
              {"accesses", std::move(accesses)},
              {"memory", memory},
              {"test", f.test},
              {"replay", f.replay},
              {"pid", f.pid}};
  return dump_line(record);
}

std::string render_json_notice(std::string_view record, std::string_view level, std::string_view message,
                               int pid) {
  const json out{{"schema_version", kReportSchemaVersion},
                 {"record", std::string(record)},
                 {"level", std::string(level)},
                 {"message", std::string(message)},
                 {"pid", pid}};
  return dump_line(out);
}

std::string render_json(const notice& n) {
  return render_json_notice("notice", n.level, n.message, n.pid);
}

std::string render_json(const accessed_location& l) {
  json locks = json::array();
  for (const auto& lock : l.locks) locks.push_back(to_json(lock));
  const memory_ref& m = l.memory;
  const json record{{"schema_version", kReportSchemaVersion},
                    {"record", "access-summary"},
                    {"pid", l.pid},
                    {"index", l.index},
                    {"count", l.count},
                    {"memory", json{{"kind", m.kind},
                                    {"name", m.name},
                                    {"address", m.address},
                                    {"size", m.size},
                                    {"offset", m.offset},
                                    {"thread", m.thread},
                                    {"allocated", to_json(m.allocated)}}},
                    {"blocks", l.blocks},
                    {"sharing", l.sharing},
                    {"thread", to_json(l.thread)},
                    {"locks", std::move(locks)},
                    {"atomic", l.atomic}};
  return dump_line(record);
}

std::string render_json(const dumped_thread& t) {
  json holds = json::array();
  for (const auto& h : t.holds) {
    holds.push_back(json{{"lock", to_json(h.lock)}, {"shared", h.shared}, {"acquired", to_json(h.acquired)}});
  }
  json wait = nullptr;
  if (t.wait) {
    wait = json{{"kind", t.wait->kind},
                {"target", t.wait->target},
                {"description", t.wait->description},
                {"timed", t.wait->timed},
                {"at", to_json(t.wait->at)}};
  }
  const char* state = !t.consistent ? "changing" : t.wait ? "waiting" : "running";
  const json record{{"schema_version", kReportSchemaVersion},
                    {"record", "thread-dump"},
                    {"pid", t.pid},
                    {"dump", t.dump},
                    {"index", t.index},
                    {"count", t.count},
                    {"thread", to_json(t.thread)},
                    {"state", state},
                    {"holds", std::move(holds)},
                    {"waits", std::move(wait)}};
  return dump_line(record);
}

}  // namespace concheck::detector
