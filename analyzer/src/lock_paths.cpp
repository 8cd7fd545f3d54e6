// Locks as access paths (see lock_paths.hpp).
#include "lock_paths.hpp"

#include <algorithm>

namespace concheck::analyzer::detail {

namespace {

constexpr const char* kCalleeLocal = "?local";

int field_count(const std::string& fields) {
  return static_cast<int>(std::count(fields.begin(), fields.end(), '.'));
}

bool starts(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

// ".a.b.c" cut to its first kMaxOrderFields fields, then ".*" (a path the
// analysis no longer follows: named for lock order, never for self-deadlock).
std::string bounded(const std::string& fields) {
  if (field_count(fields) <= kMaxOrderFields) return fields;
  std::size_t end = 0;
  for (int i = 0; i < kMaxOrderFields; ++i) end = fields.find('.', end + 1);
  return fields.substr(0, end) + ".*";
}

// The fields without the ".*" of a cut path.
std::string followed(const std::string& fields) {
  if (fields.size() >= 2 && fields.compare(fields.size() - 2, 2, ".*") == 0)
    return fields.substr(0, fields.size() - 2);
  return fields;
}

lock_name with_instance(lock_name l, const std::string& root, const std::string& fields) {
  l.instance = interned(root + bounded(fields));
  return l;
}

}  // namespace

lock_path split_lock_path(const std::string& instance) {
  if (instance.empty() || instance == "global") return {instance, ""};
  if (starts(instance, "this") || starts(instance, "?")) {
    std::size_t n = starts(instance, "this") ? 4 : starts(instance, kCalleeLocal) ? 6 : 1;
    return {instance.substr(0, n), instance.substr(n)};
  }
  // A USR ends with "@name"; fields (identifiers) have no '@'. A USR may hold
  // a '.' before its last '@' (a file name), never after it.
  std::size_t at = instance.find_last_of('@');
  std::size_t dot = instance.find('.', at == std::string::npos ? 0 : at);
  if (dot == std::string::npos) return {instance, ""};
  return {instance.substr(0, dot), instance.substr(dot)};
}

bool path_starts_with(const std::string& instance, const std::string& root) {
  return instance.size() >= root.size() && instance.compare(0, root.size(), root) == 0 &&
         (instance.size() == root.size() || instance[root.size()] == '.');
}

lock_name translate_lock(const function_facts& callee, const call_fact& call, lock_name l) {
  const lock_path path = split_lock_path(l.instance.str());
  if (path.root.empty() || path.root == "global" || starts(path.root, "global:") ||
      starts(path.root, "local:"))
    return l;
  if (path.root == "this") {
    return with_instance(l, call.receiver_path.empty() ? std::string("?") : call.receiver_path.str(),
                         path.fields);
  }
  for (std::size_t i = 0; i < callee.params.size(); ++i) {
    if (path.root != callee.params[i]) continue;
    if (path.fields.empty()) {
      for (const auto& [index, arg] : call.lock_args) {
        if (index != i) continue;
        lock_name renamed = arg;
        renamed.recursive = l.recursive || arg.recursive;
        return renamed;
      }
    }
    if (i < call.arg_paths.size() && !call.arg_paths[i].empty())
      return with_instance(l, call.arg_paths[i].str(), path.fields);
    return with_instance(l, "?", path.fields);  // an argument the caller cannot name
  }
  // A local of the callee (an object it made or looked up): the caller
  // cannot name it.
  return with_instance(l, kCalleeLocal, path.fields);
}

bool callee_local(const lock_name& l) {
  return starts(l.instance.str(), kCalleeLocal);
}

bool named_instance(const lock_name& l) {
  const std::string& i = l.instance.str();
  return !i.empty() && !starts(i, "?") && followed(i) == i;
}

std::string order_suffix(const lock_name& l, const std::string& owner_class) {
  lock_path path = split_lock_path(l.instance.str());
  path.fields = followed(bounded(path.fields));
  const std::string& id = l.id.str();
  // A lock reached through a pointer member (`*mu_`: instance "this.mu_")
  // is named by that member: the object it points at is not told apart.
  if (std::size_t fi = id.rfind("@FI@"); fi != std::string::npos) {
    std::string own = "." + id.substr(fi + 4);
    if (path.fields.size() >= own.size() &&
        path.fields.compare(path.fields.size() - own.size(), own.size(), own) == 0)
      path.fields.resize(path.fields.size() - own.size());
  }
  if (path.fields.empty()) return starts(path.root, "global:") ? path.root : "";
  bool own_class = !owner_class.empty() && id.rfind(owner_class + "@FI@", 0) == 0;
  if (path.root != "this" || !own_class) return "";
  return path.fields;
}

std::string order_node(const lock_name& l, const std::string& owner_class) {
  return l.id.str() + "|" + order_suffix(l, owner_class);
}

bool caller_chosen(const function_facts& f, const lock_name& l) {
  if (!order_suffix(l, f.owner_class).empty()) return false;
  const lock_path path = split_lock_path(l.instance.str());
  if (path.root != "this" && std::find(f.params.begin(), f.params.end(), path.root) == f.params.end())
    return false;
  // The object itself, not one reached from it.
  const std::string& id = l.id.str();
  std::size_t fi = id.rfind("@FI@");
  return path.fields.empty() || (fi != std::string::npos && path.fields == "." + id.substr(fi + 4));
}

std::string instance_display(const lock_name& l) {
  lock_path path = split_lock_path(l.instance.str());
  std::string root = path.root;
  if (std::size_t at = root.find_last_of('@'); at != std::string::npos) root = root.substr(at + 1);
  if (root.empty()) root = "?";
  return root + path.fields;
}

}  // namespace concheck::analyzer::detail
