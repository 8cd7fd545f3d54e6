// The binary encoding of a TU's facts; see facts_wire.hpp.
#include "facts_wire.hpp"

#include <cstdint>
#include <cstring>
#include <map>
#include <stdexcept>
#include <tuple>
#include <type_traits>
#include <utility>

#include "facts.hpp"

namespace concheck::analyzer {
namespace {

// The number of fields of an aggregate: the most initializers T{...} takes.
struct any_field {
  template <typename T>
  operator T() const;  // NOLINT(google-explicit-constructor): only in unevaluated contexts
};

template <typename T, typename... Fields>
constexpr std::size_t field_count() {
  if constexpr (requires { T{Fields{}..., any_field{}}; })
    return field_count<T, Fields..., any_field>();
  else
    return sizeof...(Fields);
}

// Every struct's fields, in declaration order. Add a field here when you add
// one to facts.hpp; the static_asserts below name the struct that differs.
auto fields(location& v) {
  return std::tie(v.file, v.line, v.column);
}
auto fields(lock_name& v) {
  return std::tie(v.id, v.display, v.instance, v.recursive, v.optional);
}
auto fields(held_set& v) {
  return std::tie(v.must, v.may, v.shared_only);
}
auto fields(var_info& v) {
  return std::tie(v.key, v.display, v.kind, v.owner_class, v.atomic, v.thread_local_storage, v.constant,
                  v.guarded_by, v.declared);
}
auto fields(held_lock& v) {
  return std::tie(v.lock, v.where, v.shared);
}
auto fields(access_fact& v) {
  return std::tie(v.var, v.write, v.where, v.held, v.captured, v.via_this, v.base, v.param, v.after_call);
}
auto fields(arg_origin& v) {
  return std::tie(v.what, v.param, v.local, v.fresh_sources);
}
auto fields(param_signs& v) {
  return std::tie(v.param, v.signs);
}
auto fields(arg_value& v) {
  return std::tie(v.index, v.param, v.if_negative, v.if_zero, v.if_positive);
}
auto fields(acquisition_fact& v) {
  return std::tie(v.lock, v.where, v.held, v.try_lock, v.shared, v.group, v.held_locks, v.after_call);
}
auto fields(call_fact& v) {
  return std::tie(v.callee, v.where, v.held, v.lock_args, v.receiver, v.arg_origins, v.receiver_param,
                  v.held_locks, v.receiver_path, v.in_loop, v.arg_values, v.param_guards, v.never_returns,
                  v.after_call, v.deferred, v.receiver_root, v.receiver_local, v.receiver_per_iteration,
                  v.outer_loop, v.receiver_in_this, v.callee_implicit, v.receiver_member, v.reach_end,
                  v.receiver_source, v.receiver_pointer_member, v.arg_paths, v.receiver_fresh,
                  v.receiver_fresh_sources, v.rechecked);
}
auto fields(spawn_fact& v) {
  return std::tie(v.entry, v.entry_display, v.where, v.in_loop, v.reach_end, v.outer_loop);
}
auto fields(start_point& v) {
  return std::tie(v.where, v.in_loop, v.reach_end, v.loop_start);
}
auto fields(cv_wait_fact& v) {
  return std::tie(v.where, v.has_predicate, v.in_loop, v.after_call, v.param_guards, v.timed, v.rechecked);
}
auto fields(blocking_fact& v) {
  return std::tie(v.what, v.where, v.held, v.after_call);
}
auto fields(thread_var_fact& v) {
  return std::tie(v.name, v.where);
}
auto fields(function_facts& v) {
  return std::tie(v.id, v.display, v.where, v.owner_class, v.enclosing, v.is_method, v.is_public,
                  v.is_ctor_or_dtor, v.is_virtual, v.is_lambda, v.is_main, v.params, v.requires_locks,
                  v.released_unheld, v.accesses, v.acquisitions, v.calls, v.spawns, v.joins, v.cv_waits,
                  v.blocking, v.unjoined_threads, v.never_returns, v.exposes_this, v.exposures, v.loop_starts,
                  v.indirect_calls, v.specific_values, v.returns_specific, v.specific_sources,
                  v.returns_fresh, v.fresh_sources, v.walk_cuts);
}
auto fields(class_info& v) {
  return std::tie(v.id, v.display, v.owns_lock, v.takes_own_lock, v.system);
}
auto fields(method_decl& v) {
  return std::tie(v.overrides, v.pure);
}
auto fields(tu_facts& v) {
  return std::tie(v.functions, v.vars, v.classes, v.methods, v.fresh_pointer_members);
}

template <typename T>
constexpr std::size_t listed_fields() {
  return std::tuple_size_v<decltype(fields(std::declval<T&>()))>;
}
#define CONCHECK_WIRE_COMPLETE(T)                                                    \
  static_assert(field_count<T>() == listed_fields<T>(), "facts_wire.cpp: fields(" #T \
                                                        "&) must list "              \
                                                        "every field of " #T " (one was added)")
CONCHECK_WIRE_COMPLETE(location);
CONCHECK_WIRE_COMPLETE(lock_name);
CONCHECK_WIRE_COMPLETE(held_set);
CONCHECK_WIRE_COMPLETE(var_info);
CONCHECK_WIRE_COMPLETE(held_lock);
CONCHECK_WIRE_COMPLETE(access_fact);
CONCHECK_WIRE_COMPLETE(arg_origin);
CONCHECK_WIRE_COMPLETE(param_signs);
CONCHECK_WIRE_COMPLETE(arg_value);
CONCHECK_WIRE_COMPLETE(acquisition_fact);
CONCHECK_WIRE_COMPLETE(call_fact);
CONCHECK_WIRE_COMPLETE(spawn_fact);
CONCHECK_WIRE_COMPLETE(start_point);
CONCHECK_WIRE_COMPLETE(cv_wait_fact);
CONCHECK_WIRE_COMPLETE(blocking_fact);
CONCHECK_WIRE_COMPLETE(thread_var_fact);
CONCHECK_WIRE_COMPLETE(function_facts);
CONCHECK_WIRE_COMPLETE(class_info);
CONCHECK_WIRE_COMPLETE(method_decl);
#undef CONCHECK_WIRE_COMPLETE

template <typename T>
concept has_fields = requires(T& t) {
  fields(t);
};

struct writer {
  std::string out;

  void number(std::uint64_t n) {
    char bytes[8];
    std::memcpy(bytes, &n, 8);
    out.append(bytes, 8);
  }
  void bytes(std::string_view s) {
    number(s.size());
    out.append(s);
  }

  template <typename T>
  void put(const T& v) {
    if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, interned>) {
      bytes(static_cast<const std::string&>(v));
    } else if constexpr (std::is_enum_v<T>) {
      number(static_cast<std::uint64_t>(v));
    } else if constexpr (std::is_integral_v<T>) {
      number(static_cast<std::uint64_t>(static_cast<std::int64_t>(v)));
    } else if constexpr (has_fields<T>) {
      std::apply([&](const auto&... f) { (put(f), ...); }, fields(const_cast<T&>(v)));
    } else if constexpr (requires {
                           v.first;
                           v.second;
                         }) {
      put(v.first);
      put(v.second);
    } else {  // vector, map
      number(v.size());
      for (const auto& item : v) put(item);
    }
  }
};

struct wire_reader {
  std::string_view in;

  std::uint64_t number() {
    if (in.size() < 8) throw std::runtime_error("truncated facts");
    std::uint64_t n = 0;
    std::memcpy(&n, in.data(), 8);
    in.remove_prefix(8);
    return n;
  }
  std::string_view bytes() {
    std::uint64_t n = number();
    if (in.size() < n) throw std::runtime_error("truncated facts");
    std::string_view s = in.substr(0, n);
    in.remove_prefix(n);
    return s;
  }

  template <typename T>
  void get(T& v) {
    if constexpr (std::is_same_v<T, std::string>) {
      v = std::string(bytes());
    } else if constexpr (std::is_same_v<T, interned>) {
      v = interned(bytes());
    } else if constexpr (std::is_enum_v<T>) {
      v = static_cast<T>(number());
    } else if constexpr (std::is_same_v<T, bool>) {
      v = number() != 0;
    } else if constexpr (std::is_integral_v<T>) {
      v = static_cast<T>(static_cast<std::int64_t>(number()));
    } else if constexpr (has_fields<T>) {
      std::apply([&](auto&... f) { (get(f), ...); }, fields(v));
    } else if constexpr (requires {
                           v.first;
                           v.second;
                         }) {
      get(const_cast<std::remove_const_t<decltype(v.first)>&>(v.first));
      get(v.second);
    } else if constexpr (requires { v.emplace_hint(v.end(), std::declval<typename T::value_type>()); }) {
      std::uint64_t n = number();
      for (std::uint64_t i = 0; i < n; ++i) {
        std::pair<typename T::key_type, typename T::mapped_type> item;
        get(item);
        v.emplace_hint(v.end(), std::move(item));
      }
    } else {  // vector
      std::uint64_t n = number();
      if (n > in.size()) throw std::runtime_error("corrupt facts");  // every item takes a byte at least
      v.resize(n);
      for (auto& item : v) get(item);
    }
  }
};

}  // namespace

std::string encode_result(const wire_result& result) {
  writer w;
  w.put(result.parsed);
  w.put(result.parse_error);
  w.put(result.extract_error);
  w.put(result.includes_all);
  w.put(result.includes_top_level);
  w.put(result.includes_parsed_here);
  w.put(result.includes_system_top_level);
  w.number(result.facts.size());
  for (const auto& f : result.facts) w.put(*f);
  return std::move(w.out);
}

wire_result decode_result(std::string_view bytes) {
  wire_reader r{bytes};
  wire_result result;
  r.get(result.parsed);
  r.get(result.parse_error);
  r.get(result.extract_error);
  r.get(result.includes_all);
  r.get(result.includes_top_level);
  r.get(result.includes_parsed_here);
  r.get(result.includes_system_top_level);
  std::uint64_t n = r.number();
  for (std::uint64_t i = 0; i < n; ++i) {
    tu_facts_ptr facts(new tu_facts());
    r.get(*facts);
    result.facts.push_back(std::move(facts));
  }
  if (!r.in.empty()) throw std::runtime_error("trailing bytes after the facts");
  return result;
}

}  // namespace concheck::analyzer
