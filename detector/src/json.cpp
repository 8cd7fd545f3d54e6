// parse_finding_json: reads one record of docs/report-format.md back into a
// finding. Strict about types (a wrong type is an error naming the field's
// path), lenient about absent optional fields and unknown extra fields.
#include "concheck/detector/json.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "concheck/detector/log_records.hpp"

namespace concheck::detector {
namespace {

using json = nlohmann::json;

// Thrown inside the parser only; turned into finding_parse_result::error.
struct field_error {
  std::string message;
};

[[noreturn]] void fail(const std::string& path, std::string_view expected, const json& value) {
  throw field_error{fmt::format("field '{}': expected {}, got {}", path, expected, value.type_name())};
}

// Looks up an optional member; null when absent.
const json* member(const json& object, const char* name) {
  auto it = object.find(name);
  return it == object.end() ? nullptr : &*it;
}

std::string join(const std::string& path, const char* name) {
  return path.empty() ? std::string(name) : fmt::format("{}.{}", path, name);
}

void read(const json& object, const std::string& path, const char* name, std::string& out) {
  const json* value = member(object, name);
  if (value == nullptr) return;
  if (!value->is_string()) fail(join(path, name), "a string", *value);
  out = value->get<std::string>();
}

void read(const json& object, const std::string& path, const char* name, bool& out) {
  const json* value = member(object, name);
  if (value == nullptr) return;
  if (!value->is_boolean()) fail(join(path, name), "true or false", *value);
  out = value->get<bool>();
}

std::uint64_t as_u64(const json& value, const std::string& path) {
  if (!value.is_number_unsigned()) fail(path, "an unsigned integer", value);
  return value.get<std::uint64_t>();
}

void read(const json& object, const std::string& path, const char* name, std::uint64_t& out) {
  if (const json* value = member(object, name)) out = as_u64(*value, join(path, name));
}

void read(const json& object, const std::string& path, const char* name, int& out) {
  const json* value = member(object, name);
  if (value == nullptr) return;
  if (!value->is_number_integer()) fail(join(path, name), "an integer", *value);
  auto number = value->get<std::int64_t>();
  if (number < INT32_MIN || number > INT32_MAX) fail(join(path, name), "a 32-bit integer", *value);
  out = static_cast<int>(number);
}

// Calls `each(element, element_path)` for every element of an optional array.
template <typename F>
void for_each(const json& object, const std::string& path, const char* name, F each) {
  const json* value = member(object, name);
  if (value == nullptr || value->is_null()) return;
  std::string field = join(path, name);
  if (!value->is_array()) fail(field, "an array", *value);
  for (std::size_t i = 0; i < value->size(); ++i) {
    const json& element = (*value)[i];
    std::string element_path = fmt::format("{}[{}]", field, i);
    each(element, element_path);
  }
}

void require_object(const json& value, const std::string& path) {
  if (!value.is_object()) fail(path, "an object", value);
}

frame read_frame(const json& object, const std::string& path) {
  require_object(object, path);
  frame f;
  read(object, path, "pc", f.pc);
  read(object, path, "module", f.module);
  read(object, path, "offset", f.offset);
  read(object, path, "function", f.function);
  read(object, path, "file", f.file);
  read(object, path, "line", f.line);
  read(object, path, "internal", f.internal);
  return f;
}

site read_site(const json& object, const std::string& path) {
  require_object(object, path);
  site s;
  read(object, path, "function", s.function);
  read(object, path, "file", s.file);
  read(object, path, "line", s.line);
  for_each(object, path, "frames",
           [&](const json& e, const std::string& p) { s.frames.push_back(read_frame(e, p)); });
  return s;
}

void read(const json& object, const std::string& path, const char* name, site& out) {
  if (const json* value = member(object, name)) out = read_site(*value, join(path, name));
}

void check_version(const json& record) {
  require_object(record, "record");
  const json* version = member(record, "schema_version");
  if (version == nullptr) throw field_error{"missing 'schema_version' (not a concheck report?)"};
  if (!version->is_number_integer()) fail("schema_version", "an integer", *version);
  if (version->get<std::int64_t>() != kReportSchemaVersion) {
    throw field_error{fmt::format("unsupported schema_version {} (this concheck reads version {})",
                                  version->dump(), kReportSchemaVersion)};
  }
}

thread_ref read_thread(const json& e, const std::string& p) {
  require_object(e, p);
  thread_ref t;
  read(e, p, "id", t.id);
  read(e, p, "name", t.name);
  read(e, p, "created", t.created);
  return t;
}

lock_ref read_lock(const json& e, const std::string& p) {
  require_object(e, p);
  lock_ref l;
  read(e, p, "id", l.id);
  read(e, p, "name", l.name);
  read(e, p, "type", l.type);
  read(e, p, "address", l.address);
  read(e, p, "created", l.created);
  read(e, p, "variable", l.variable);
  read(e, p, "variable_from", l.variable_from);
  return l;
}

void read_memory(const json& object, const std::string& p, memory_ref& out) {
  require_object(object, p);
  read(object, p, "kind", out.kind);
  read(object, p, "name", out.name);
  read(object, p, "address", out.address);
  read(object, p, "size", out.size);
  read(object, p, "offset", out.offset);
  read(object, p, "thread", out.thread);
  read(object, p, "allocated", out.allocated);
}

finding read_finding(const json& record) {
  check_version(record);
  const json* kind = member(record, "kind");
  if (kind == nullptr) throw field_error{"missing 'kind'"};
  if (!kind->is_string()) fail("kind", "a string", *kind);
  auto parsed_kind = finding_kind_from_string(kind->get<std::string>());
  if (!parsed_kind) throw field_error{fmt::format("unknown kind '{}'", kind->get<std::string>())};

  finding f;
  f.kind = *parsed_kind;
  const std::string root;
  read(record, root, "message", f.message);
  read(record, root, "hint", f.hint);
  read(record, root, "test", f.test);
  read(record, root, "replay", f.replay);
  read(record, root, "pid", f.pid);
  for_each(record, root, "threads",
           [&](const json& e, const std::string& p) { f.threads.push_back(read_thread(e, p)); });
  for_each(record, root, "locks",
           [&](const json& e, const std::string& p) { f.locks.push_back(read_lock(e, p)); });
  for_each(record, root, "sites",
           [&](const json& e, const std::string& p) { f.sites.push_back(read_site(e, p)); });
  for_each(record, root, "cycle", [&](const json& e, const std::string& p) {
    require_object(e, p);
    cycle_edge c;
    read(e, p, "from", c.from);
    read(e, p, "to", c.to);
    read(e, p, "thread", c.thread);
    read(e, p, "from_shared", c.from_shared);
    read(e, p, "to_shared", c.to_shared);
    read(e, p, "acquired", c.acquired);
    read(e, p, "from_acquired", c.from_acquired);
    f.cycle.push_back(std::move(c));
  });
  for_each(record, root, "states", [&](const json& e, const std::string& p) {
    require_object(e, p);
    thread_state s;
    read(e, p, "thread", s.thread);
    for_each(e, p, "holds", [&](const json& h, const std::string& hp) { s.holds.push_back(as_u64(h, hp)); });
    if (const json* waits = member(e, "waits_for_lock"); waits != nullptr && !waits->is_null()) {
      s.waits_for_lock = as_u64(*waits, join(p, "waits_for_lock"));
    }
    read(e, p, "waits_for", s.waits_for);
    read(e, p, "waiting_at", s.waiting_at);
    read(e, p, "vanished_at_fork", s.vanished_at_fork);
    f.states.push_back(std::move(s));
  });
  for_each(record, root, "accesses", [&](const json& e, const std::string& p) {
    require_object(e, p);
    access_ref a;
    read(e, p, "thread", a.thread);
    read(e, p, "write", a.write);
    read(e, p, "atomic", a.atomic);
    std::uint64_t size = 0;
    read(e, p, "size", size);
    a.size = static_cast<std::uint32_t>(size);
    for_each(e, p, "held", [&](const json& h, const std::string& hp) { a.held.push_back(as_u64(h, hp)); });
    f.accesses.push_back(std::move(a));
  });
  if (const json* memory = member(record, "memory"); memory != nullptr && !memory->is_null()) {
    read_memory(*memory, "memory", f.memory);
  }
  return f;
}

notice read_notice(const json& record) {
  notice n;
  const std::string root;
  read(record, root, "level", n.level);
  read(record, root, "message", n.message);
  read(record, root, "pid", n.pid);
  return n;
}

dumped_thread read_dumped_thread(const json& record) {
  dumped_thread t;
  const std::string root;
  read(record, root, "pid", t.pid);
  read(record, root, "dump", t.dump);
  read(record, root, "index", t.index);
  read(record, root, "count", t.count);
  if (const json* thread = member(record, "thread")) t.thread = read_thread(*thread, "thread");
  std::string state;
  read(record, root, "state", state);
  t.consistent = state != "changing";
  for_each(record, root, "holds", [&](const json& e, const std::string& p) {
    require_object(e, p);
    dumped_hold h;
    if (const json* lock = member(e, "lock")) h.lock = read_lock(*lock, join(p, "lock"));
    read(e, p, "shared", h.shared);
    read(e, p, "acquired", h.acquired);
    t.holds.push_back(std::move(h));
  });
  if (const json* wait = member(record, "waits"); wait != nullptr && !wait->is_null()) {
    require_object(*wait, "waits");
    dumped_wait w;
    read(*wait, "waits", "kind", w.kind);
    read(*wait, "waits", "target", w.target);
    read(*wait, "waits", "description", w.description);
    read(*wait, "waits", "timed", w.timed);
    read(*wait, "waits", "at", w.at);
    t.wait = std::move(w);
  }
  return t;
}

accessed_location read_accessed_location(const json& record) {
  accessed_location l;
  const std::string root;
  read(record, root, "pid", l.pid);
  read(record, root, "index", l.index);
  read(record, root, "count", l.count);
  read(record, root, "blocks", l.blocks);
  read(record, root, "sharing", l.sharing);
  read(record, root, "atomic", l.atomic);
  if (const json* thread = member(record, "thread"); thread != nullptr && !thread->is_null()) {
    l.thread = read_thread(*thread, "thread");
  }
  for_each(record, root, "locks",
           [&](const json& e, const std::string& p) { l.locks.push_back(read_lock(e, p)); });
  if (const json* memory = member(record, "memory"); memory != nullptr && !memory->is_null()) {
    read_memory(*memory, "memory", l.memory);
  }
  return l;
}

log_record read_log_record(const json& record) {
  check_version(record);
  const json* kind = member(record, "record");
  if (kind == nullptr) return read_finding(record);
  if (!kind->is_string()) fail("record", "a string", *kind);
  const std::string name = kind->get<std::string>();
  if (name == "notice") return read_notice(record);
  if (name == "thread-dump") return read_dumped_thread(record);
  if (name == "access-summary") return read_accessed_location(record);
  return unknown_record{name};
}

// Parses `line` as JSON, then `read` turns it into the result's value.
template <typename Result, typename Reader>
Result parse_with(std::string_view line, Reader read_value) {
  Result result;
  json record;
  try {
    record = json::parse(line.begin(), line.end());
  } catch (const json::parse_error& error) {
    // Drop nlohmann's "[json.exception.parse_error.101] " prefix; keep the position.
    std::string_view what = error.what();
    if (auto end = what.find("] "); what.starts_with("[json.exception") && end != std::string_view::npos) {
      what.remove_prefix(end + 2);
    }
    result.error = fmt::format("malformed JSON: {}", what);
    return result;
  }
  try {
    result.value = read_value(record);
  } catch (const field_error& error) {
    result.error = error.message;
  }
  return result;
}

}  // namespace

finding_parse_result parse_finding_json(std::string_view line) {
  return parse_with<finding_parse_result>(line, read_finding);
}

log_record_parse_result parse_log_record(std::string_view line) {
  return parse_with<log_record_parse_result>(line, read_log_record);
}

}  // namespace concheck::detector
