// Hand-built findings, filled the way the runtime fills them (names, sites with
// symbolized stacks, internal frames marked), shared by the renderer, JSON,
// key, suppression and `concheck report` tests.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "concheck/detector/finding.hpp"

namespace concheck::detector::samples {

inline frame user_frame(std::string function, std::string file, int line, std::uint64_t offset) {
  return frame{0x400000 + offset,
               "/home/ada/bank/build/bank_test",
               offset,
               std::move(function),
               std::move(file),
               line,
               false};
}

inline frame internal_frame(std::string function, std::string file, int line) {
  return frame{0x7f0000001000,
               "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
               0x1000,
               std::move(function),
               std::move(file),
               line,
               true};
}

// A site as make_site() builds it: concheck and std frames first, then the user's.
inline site user_site(std::string function, std::string file, int line, std::vector<frame> callers = {}) {
  site s;
  s.function = function;
  s.file = file;
  s.line = line;
  s.frames.push_back(internal_frame("concheck::mutex::lock()", "/work/main/runtime/src/mutex.cpp", 31));
  s.frames.push_back(internal_frame("std::lock_guard<concheck::mutex>::lock_guard(concheck::mutex&)",
                                    "/usr/include/c++/12/bits/std_mutex.h", 229));
  s.frames.push_back(
      user_frame(std::move(function), std::move(file), line, static_cast<std::uint64_t>(line) * 16));
  for (auto& caller : callers) s.frames.push_back(std::move(caller));
  s.frames.push_back(internal_frame("std::thread::_State_impl<...>::_M_run()",
                                    "/usr/include/c++/12/bits/std_thread.h", 211));
  return s;
}

inline site creation_site(std::string function, std::string file, int line) {
  site s;
  s.function = function;
  s.file = file;
  s.line = line;
  s.frames.push_back(
      user_frame(std::move(function), std::move(file), line, static_cast<std::uint64_t>(line) * 16));
  return s;
}

// A lock as the runtime describes it; `variable` is what the program calls an unnamed one.
inline lock_ref make_lock(std::uint64_t id, std::string name, std::string type, std::uint64_t address,
                          site created, std::string variable = "", std::string variable_from = "") {
  lock_ref out;
  out.id = id;
  out.name = std::move(name);
  out.type = std::move(type);
  out.address = address;
  out.created = std::move(created);
  out.variable = std::move(variable);
  out.variable_from = std::move(variable_from);
  return out;
}

// The bank: worker-1 moves money holding accounts[3] then audit; the auditor
// takes audit then accounts[3].
inline finding bank_inversion() {
  finding f;
  f.kind = finding_kind::lock_order_inversion;
  f.message =
      "Thread 'auditor' (T3) acquired 'accounts[3]' while holding 'audit'; thread 'worker-1' (T2) "
      "acquires them in the opposite order";
  f.threads = {
      {2, "worker-1", creation_site("main", "/home/ada/bank/bank_test.cpp", 20)},
      {3, "auditor", creation_site("main", "/home/ada/bank/bank_test.cpp", 21)},
  };
  f.locks = {
      make_lock(3, "accounts[3]", "concheck::mutex", 0x7ffd1000,
                creation_site("make_accounts", "/home/ada/bank/bank.cpp", 12)),
      make_lock(7, "audit", "concheck::mutex", 0x7ffd2000,
                creation_site("bank::bank", "/home/ada/bank/bank.cpp", 15)),
  };
  cycle_edge first;
  first.from = 3;
  first.to = 7;
  first.thread = 2;
  first.acquired = user_site("transfer", "/home/ada/bank/bank.cpp", 40,
                             {user_frame("worker_main", "/home/ada/bank/bank_test.cpp", 61, 0x900)});
  first.from_acquired = user_site("transfer", "/home/ada/bank/bank.cpp", 38);
  cycle_edge second;
  second.from = 7;
  second.to = 3;
  second.thread = 3;
  second.acquired = user_site("audit_all", "/home/ada/bank/bank.cpp", 52);
  second.from_acquired = user_site("run_audit", "/home/ada/bank/bank.cpp", 47);
  f.cycle = {first, second};
  f.sites = {second.acquired};
  f.test = "Bank.TransfersAndAudit";
  f.pid = 4242;
  return f;
}

// Unnamed locks: type + creation site, then address, then bare id; a reader edge.
inline finding unnamed_inversion() {
  finding f;
  f.kind = finding_kind::lock_order_inversion;
  f.message = "lock order inversion between three unnamed locks";
  f.threads = {{1, "", {}}, {0, "main", {}}};
  f.locks = {
      make_lock(11, "", "std::mutex", 0x5581000, creation_site("", "/src/file.cpp", 12)),
      make_lock(12, "", "std::shared_mutex", 0x5582000, {}),
      make_lock(13, "", "", 0, {}),
  };
  cycle_edge a{11,
               12,
               1,
               false,
               true,
               creation_site("reader", "/src/file.cpp", 30),
               creation_site("reader", "/src/file.cpp", 29)};
  cycle_edge b{12, 13, 0, true, false, creation_site("writer", "/src/file.cpp", 40), {}};
  cycle_edge c{13, 11, 0, false, false, {}, {}};
  f.cycle = {a, b, c};
  f.sites = {a.acquired};
  f.hint = "take the shared lock last";
  f.pid = 17;
  return f;
}

// Plain std::mutex code (samples/bank_std_buggy.cpp): no lock has a user's
// name, so the runtime names each after the expression its first lock site
// locks; a global pthread_rwlock_t is named by its symbol and taken for reading.
inline finding std_mutex_inversion() {
  finding f;
  f.kind = finding_kind::lock_order_inversion;
  f.message =
      "T1 acquires 'to.guard' while holding 'from.guard' (M1): the locks of a cycle of 4 can deadlock";
  f.threads = {{1, "", creation_site("main", "/src/bank_std.cpp", 33)},
               {2, "", creation_site("main", "/src/bank_std.cpp", 37)}};
  lock_ref from_guard =
      make_lock(1, "", "std::mutex", 0x7ffc10, user_site("transfer", "/src/bank_std.cpp", 19));
  from_guard.variable = "from.guard";
  from_guard.variable_from = "source";
  lock_ref to_guard =
      make_lock(3, "", "std::mutex", 0x7ffc40, user_site("transfer", "/src/bank_std.cpp", 20));
  to_guard.variable = "to.guard";
  to_guard.variable_from = "source";
  // A second account's guard, first locked on the same line: same text, told apart by id.
  lock_ref other_from =
      make_lock(2, "", "std::mutex", 0x7ffc70, user_site("transfer", "/src/bank_std.cpp", 19));
  other_from.variable = "from.guard";
  other_from.variable_from = "source";
  lock_ref journal =
      make_lock(4, "", "pthread_rwlock_t", 0x404040, user_site("audit", "/src/bank_std.cpp", 27));
  journal.variable = "g_journal";
  journal.variable_from = "symbol";
  f.locks = {from_guard, to_guard, other_from, journal};
  cycle_edge a{1,
               3,
               1,
               false,
               false,
               user_site("transfer", "/src/bank_std.cpp", 20),
               user_site("transfer", "/src/bank_std.cpp", 19)};
  cycle_edge b{3,
               4,
               1,
               false,
               true,
               user_site("audit", "/src/bank_std.cpp", 27),
               user_site("transfer", "/src/bank_std.cpp", 20)};
  cycle_edge c{4,
               2,
               2,
               true,
               false,
               user_site("transfer", "/src/bank_std.cpp", 19),
               user_site("audit", "/src/bank_std.cpp", 27)};
  cycle_edge d{2,
               1,
               2,
               false,
               false,
               user_site("transfer", "/src/bank_std.cpp", 20),
               user_site("transfer", "/src/bank_std.cpp", 19)};
  f.cycle = {a, b, c, d};
  f.sites = {d.acquired};
  f.pid = 31;
  return f;
}

// main holds 'registry' and joins the loader, which blocks on 'registry'.
inline finding join_while_holding() {
  finding f;
  f.kind = finding_kind::deadlock;
  f.message =
      "2 threads wait for each other in a cycle: T0 'main' waits for join T1; T1 'loader' waits for "
      "'g_registry'";
  f.threads = {{0, "main", {}}, {1, "loader", creation_site("main", "/src/plugins.cpp", 30)}};
  lock_ref registry = make_lock(6, "", "std::mutex", 0x4050a0, user_site("main", "/src/plugins.cpp", 31));
  registry.variable = "g_registry";
  registry.variable_from = "symbol";
  f.locks = {registry};
  thread_state main_thread{0, {6}, std::nullopt, "join T1", creation_site("main", "/src/plugins.cpp", 32)};
  thread_state loader{1, {}, 6, "", user_site("load_plugins", "/src/plugins.cpp", 12)};
  f.states = {main_thread, loader};
  f.sites = {main_thread.waiting_at, loader.waiting_at};
  f.pid = 77;
  return f;
}

// A real AB/BA deadlock: both threads blocked, each holding what the other wants.
inline finding ab_ba_deadlock() {
  finding f = bank_inversion();
  f.kind = finding_kind::deadlock;
  f.message = "threads 'worker-1' (T2) and 'auditor' (T3) are blocked on each other";
  thread_state worker{2, {3}, 7, "", f.cycle[0].acquired};
  thread_state auditor{3, {7}, 3, "", f.cycle[1].acquired};
  f.states = {worker, auditor};
  f.sites = {};
  f.replay = "v1:random:42:17";
  return f;
}

// Every thread waits with no timeout and no lock cycle: a lost wakeup.
inline finding lost_wakeup() {
  finding f;
  f.kind = finding_kind::deadlock;
  f.message = "every thread is blocked and nothing can wake them: a lost wakeup";
  f.threads = {{0, "main", {}}, {1, "consumer", creation_site("main", "/src/queue_test.cpp", 9)}};
  thread_state main_thread{
      0, {}, std::nullopt, "join 'consumer' (T1)", creation_site("main", "/src/queue_test.cpp", 14)};
  thread_state consumer{
      1, {}, std::nullopt, "condition variable 'not_empty'", user_site("queue::pop", "/src/queue.hpp", 33)};
  f.states = {main_thread, consumer};
  f.pid = 99;
  return f;
}

// outer() calls inner() under the same non-recursive lock.
inline finding self_deadlock() {
  finding f;
  f.kind = finding_kind::self_deadlock;
  f.message = "thread 'main' (T0) locks 'registry' again while holding it";
  f.threads = {{0, "main", {}}};
  f.locks = {
      make_lock(5, "registry", "concheck::mutex", 0x7fff10, creation_site("main", "/src/rlock.cpp", 5))};
  f.sites = {user_site("inner", "/src/rlock.cpp", 12, {user_frame("outer", "/src/rlock.cpp", 18, 0x120)}),
             user_site("outer", "/src/rlock.cpp", 17)};
  f.pid = 1234;
  return f;
}

inline finding destroy_locked() {
  finding f;
  f.kind = finding_kind::destroy_locked;
  f.message = "std::mutex at cache.cpp:8 destroyed while thread T4 holds it";
  f.threads = {{0, "main", {}}, {4, "", creation_site("start_workers", "/src/cache.cpp", 20)}};
  f.locks = {make_lock(9, "", "std::mutex", 0x55aa00, creation_site("cache::cache", "/src/cache.cpp", 8))};
  f.sites = {user_site("cache::~cache", "/src/cache.cpp", 11),
             user_site("cache::refresh", "/src/cache.cpp", 30)};
  f.pid = 555;
  return f;
}

// A site of an instrumented access: the shadow call stack, no concheck frames.
inline site access_site(std::string function, std::string file, int line, std::vector<frame> callers = {}) {
  site s = creation_site(std::move(function), std::move(file), line);
  for (auto& caller : callers) s.frames.push_back(std::move(caller));
  return s;
}

// The counter lesson: two workers increment a global without the lock the
// other one holds.
inline finding global_race() {
  finding f;
  f.kind = finding_kind::data_race;
  f.message =
      "write of 4 bytes at global 'hits' by T2 races with an earlier write by T1: no lock they both hold, "
      "and no other synchronization, orders them";
  f.threads = {{2, "counter-2", creation_site("main", "/src/counter.cpp", 30)},
               {1, "counter-1", creation_site("main", "/src/counter.cpp", 29)}};
  f.locks = {make_lock(4, "stats", "std::mutex", 0x55aa40, creation_site("main", "/src/counter.cpp", 12))};
  f.sites = {
      access_site("count", "/src/counter.cpp", 18, {user_frame("worker", "/src/counter.cpp", 24, 0x300)}),
      access_site("count", "/src/counter.cpp", 18, {user_frame("worker", "/src/counter.cpp", 24, 0x300)})};
  f.accesses = {{2, true, false, 4, {}}, {1, true, false, 4, {4}}};
  f.memory = {"global", "hits", 0x55aa00, 4, 0, 0, {}};
  f.pid = 777;
  return f;
}

// A heap block shared without a lock: the report names where it was allocated.
inline finding heap_race() {
  finding f;
  f.kind = finding_kind::data_race;
  f.message =
      "read of 8 bytes at a heap block (8 bytes into 24 bytes) by T3 races with an earlier write by T2";
  f.threads = {{3, "", creation_site("main", "/src/stats.cpp", 40)},
               {2, "", creation_site("main", "/src/stats.cpp", 39)}};
  f.sites = {access_site("report", "/src/stats.cpp", 22), access_site("record", "/src/stats.cpp", 15)};
  f.accesses = {{3, false, false, 8, {}}, {2, true, true, 8, {}}};
  f.memory = {"heap", "", 0x7f1200000018, 24, 8, 0, access_site("main", "/src/stats.cpp", 35)};
  f.pid = 778;
  return f;
}

// A 42-lock ring: every lock must appear, none elided.
inline finding long_cycle(int length = 42) {
  finding f;
  f.kind = finding_kind::lock_order_inversion;
  f.message = "a long cycle";
  f.threads = {{1, "ring", {}}};
  for (int i = 0; i < length; ++i) {
    f.locks.push_back(make_lock(static_cast<std::uint64_t>(100 + i), "ring[" + std::to_string(i) + "]",
                                "concheck::mutex", 0, {}));
  }
  for (int i = 0; i < length; ++i) {
    cycle_edge e;
    e.from = static_cast<std::uint64_t>(100 + i);
    e.to = static_cast<std::uint64_t>(100 + (i + 1) % length);
    e.thread = 1;
    e.acquired = creation_site("step", "/src/ring.cpp", 10 + i);
    f.cycle.push_back(e);
  }
  return f;
}

// One minimal finding of every kind, for properties all layouts share.
inline std::vector<finding> one_of_each_kind() {
  std::vector<finding> all;
  int k = 0;
  for (finding_kind kind : kAllFindingKinds) {
    finding f;
    f.kind = kind;
    f.message = "sample";
    f.threads = {{1, "worker", creation_site("main", "/src/all.cpp", 3)}};
    f.locks = {make_lock(2, "m", "concheck::mutex", 0, {})};
    f.sites = {user_site("work", "/src/all.cpp", 10 + k++)};
    all.push_back(std::move(f));
  }
  return all;
}

}  // namespace concheck::detector::samples
