// The frame a site points at (site_frames.hpp): past concheck's and the
// standard library's frames and past lock wrappers, to the user's code that
// took the lock. Frames are made by hand, innermost first, as the symbolizer
// would give them.
#include "site_frames.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

namespace {

using concheck::detail::is_wrapper_frame;
using concheck::detail::site_frame;
using concheck::detail::validate_wrapper_patterns;
using concheck::detector::frame;

frame internal(std::string function) {
  frame f;
  f.function = std::move(function);
  f.internal = true;
  return f;
}

frame user(std::string function) {
  frame f;
  f.function = std::move(function);
  f.file = "/src/app.cpp";
  return f;
}

// The function of the frame a site over `frames` points at.
std::string chosen(const std::vector<frame>& frames, std::string_view patterns = "") {
  const frame* f = site_frame(frames, patterns);
  return f == nullptr ? std::string("<none>") : f->function;
}

TEST(site_frames, member_named_like_a_lock_operation_is_a_wrapper) {
  const std::vector<frame> frames{internal("pthread_mutex_lock"), user("Mutex::lock()"),
                                  user("f1(Mutex&, Mutex&)"), user("main")};
  EXPECT_EQ(chosen(frames), "f1(Mutex&, Mutex&)");
  for (const char* name : {"port::Mutex::Lock()", "Lock::Unlock()", "ns::RwLock::ReaderLock()",
                           "Spin<int>::try_lock()", "(anonymous namespace)::Mutex::unlock_shared()"}) {
    const std::vector<frame> one{internal("pthread_mutex_lock"), user(name), user("caller()")};
    EXPECT_EQ(chosen(one), "caller()") << name;
  }
}

TEST(site_frames, guard_constructor_and_destructor_calling_a_lock_operation_are_wrappers) {
  // LevelDB/Abseil style: MutexLock l(&mu) calls mu->Lock().
  EXPECT_EQ(chosen({internal("pthread_mutex_lock"), user("port::Mutex::Lock()"),
                    user("MutexLock::MutexLock(port::Mutex*)"), user("DB::Write()")}),
            "DB::Write()");
  EXPECT_EQ(chosen({internal("pthread_mutex_unlock"), user("port::Mutex::Unlock()"),
                    user("MutexLock::~MutexLock()"), user("DB::Write()")}),
            "DB::Write()");
  // A guard over a raw pthread mutex, and a template guard over std::mutex.
  EXPECT_EQ(chosen({internal("pthread_mutex_lock"), user("ScopedLock::ScopedLock(pthread_mutex_t*)"),
                    user("worker()")}),
            "worker()");
  EXPECT_EQ(chosen({internal("pthread_mutex_lock"), internal("std::mutex::lock()"),
                    user("Guard<std::mutex>::Guard(std::mutex&)"), user("worker()")}),
            "worker()");
}

TEST(site_frames, other_constructors_and_functions_are_the_users_code) {
  // A constructor that takes a lock through a std guard is not itself a guard.
  EXPECT_EQ(chosen({internal("pthread_mutex_lock"), internal("std::mutex::lock()"),
                    internal("std::lock_guard<std::mutex>::lock_guard(std::mutex&)"),
                    user("Account::Account()"), user("main")}),
            "Account::Account()");
  // A destructor that destroys a lock.
  EXPECT_EQ(chosen({internal("pthread_mutex_destroy"), user("cache::~cache()"), user("main")}),
            "cache::~cache()");
  // Functions whose names merely contain "lock".
  EXPECT_EQ(chosen({internal("pthread_mutex_lock"), user("lock_in_order(Mutex&)"), user("main")}),
            "lock_in_order(Mutex&)");
  EXPECT_EQ(chosen({internal("pthread_mutex_lock"), user("Pool::release()"), user("main")}),
            "Pool::release()");
}

// acquire/release (any case) are lock operations on a lockable's class only.
TEST(site_frames, acquire_and_release_of_a_lock_class_are_wrappers) {
  EXPECT_EQ(chosen({internal("pthread_mutex_lock"), user("base::Lock::Acquire()"), user("Cache::Get()")}),
            "Cache::Get()");
  EXPECT_EQ(chosen({internal("pthread_mutex_unlock"), user("(anonymous namespace)::lock::release()"),
                    user("both(lock&, lock&)")}),
            "both(lock&, lock&)");
  EXPECT_EQ(chosen({internal("pthread_mutex_lock"), user("SpinMutex<4>::acquire()"), user("main")}), "main");
  EXPECT_EQ(chosen({internal("pthread_mutex_lock"), user("Pool::acquire()"), user("main")}),
            "Pool::acquire()");
  EXPECT_EQ(chosen({internal("pthread_mutex_lock"), user("acquire()"), user("main")}), "acquire()");
}

TEST(site_frames, user_patterns_name_more_wrappers) {
  const std::vector<frame> frames{internal("pthread_mutex_lock"), user("base::Spinlock::Grab()"),
                                  user("Server::Handle()")};
  EXPECT_EQ(chosen(frames), "base::Spinlock::Grab()");
  EXPECT_EQ(chosen(frames, "Spinlock*Grab"), "Server::Handle()");
  EXPECT_EQ(chosen(frames, "*Spinlock*Grab"), "Server::Handle()");
  EXPECT_EQ(chosen(frames, "other,Grab"), "Server::Handle()");  // its own name
  EXPECT_EQ(chosen(frames, "Gra"), "base::Spinlock::Grab()");   // whole-name match only
  // A guard whose callee is a user-named wrapper is a guard too.
  EXPECT_EQ(chosen({internal("pthread_mutex_lock"), user("take(Mutex&)"), user("Holder::Holder(Mutex&)"),
                    user("main")},
                   "take"),
            "main");
}

TEST(site_frames, falls_back_when_every_user_frame_is_a_wrapper) {
  EXPECT_EQ(chosen({internal("pthread_mutex_lock"), user("Mutex::lock()")}), "Mutex::lock()");
  EXPECT_EQ(chosen({internal("pthread_mutex_lock"), internal("start_thread")}), "pthread_mutex_lock");
  EXPECT_EQ(site_frame({}, ""), nullptr);
}

TEST(site_frames, is_wrapper_frame_looks_at_the_frame_asked) {
  const std::vector<frame> frames{internal("pthread_mutex_lock"), user("Mutex::lock()"), user("f()")};
  EXPECT_TRUE(is_wrapper_frame(frames, 1, ""));
  EXPECT_FALSE(is_wrapper_frame(frames, 2, ""));
  EXPECT_FALSE(is_wrapper_frame(frames, 3, ""));  // out of range
}

TEST(site_frames, patterns_must_not_be_empty) {
  EXPECT_EQ(validate_wrapper_patterns(""), "");
  EXPECT_EQ(validate_wrapper_patterns("a,b*c"), "");
  EXPECT_NE(validate_wrapper_patterns("a,,b"), "");
  EXPECT_NE(validate_wrapper_patterns("a,"), "");
  EXPECT_NE(validate_wrapper_patterns(","), "");
}

}  // namespace
