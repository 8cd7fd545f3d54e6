// Symbolization: a captured stack names this file, line and function; inlined
// calls are expanded; module + offset are always set; frames inside concheck
// and the standard library are marked internal, so a site points at user code.
#include "symbolize.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <functional>

#include "site_frames.hpp"
#include "stack_depot.hpp"

namespace {

using concheck::detail::stack_id;
using ::testing::EndsWith;
using ::testing::HasSubstr;

int g_capture_line = 0;
int g_inlined_line = 0;

[[gnu::noinline]] stack_id user_function_that_captures() {
  g_capture_line = __LINE__ + 1;
  const stack_id id = concheck::detail::capture_stack();
  asm volatile("" ::: "memory");
  return id;
}

[[gnu::always_inline]] inline stack_id inlined_helper() {
  g_inlined_line = __LINE__ + 1;
  return concheck::detail::capture_stack();
}

[[gnu::noinline]] stack_id outer_of_inlined() {
  const stack_id id = inlined_helper();
  asm volatile("" ::: "memory");
  return id;
}

TEST(symbolize, site_is_this_files_line_and_function) {
  const concheck::detector::site site = concheck::detail::make_site(user_function_that_captures());
  EXPECT_THAT(site.file, EndsWith("tests/runtime_support/symbolize_test.cpp"));
  EXPECT_EQ(site.line, g_capture_line);
  EXPECT_THAT(site.function, HasSubstr("user_function_that_captures"));
  ASSERT_FALSE(site.frames.empty());
  // The next frames are this test body, then GoogleTest and libc.
  EXPECT_THAT(site.frames[1].function, HasSubstr("site_is_this_files_line_and_function"));
  for (const auto& f : site.frames) {
    EXPECT_FALSE(f.module.empty()) << f.function;
    EXPECT_EQ(f.module.front(), '/') << f.module;
  }
  EXPECT_NE(site.frames[0].offset, 0u);
  EXPECT_NE(site.frames[0].offset, site.frames[0].pc);  // relative to the module (PIE)
}

TEST(symbolize, inlined_frames_are_expanded) {
  const auto frames = concheck::detail::symbolize_stack(outer_of_inlined());
  ASSERT_GE(frames.size(), 2u);
  EXPECT_THAT(frames[0].function, HasSubstr("inlined_helper"));
  EXPECT_EQ(frames[0].line, g_inlined_line);
  EXPECT_THAT(frames[1].function, HasSubstr("outer_of_inlined"));
  EXPECT_EQ(frames[0].pc, frames[1].pc);  // one return address, two frames
}

TEST(symbolize, site_skips_standard_library_frames) {
  int line = 0;
  stack_id id = 0;
  std::function<void()> through_std = [&] {
    line = __LINE__ + 1;
    id = concheck::detail::capture_stack();
  };
  through_std();
  const concheck::detector::site site = concheck::detail::make_site(id);
  EXPECT_EQ(site.line, line);
  EXPECT_THAT(site.file, EndsWith("symbolize_test.cpp"));
  // std::function's frames (inlined or not) come from libstdc++'s headers.
  bool saw_std_frame = false;
  for (const auto& f : site.frames) {
    if (f.file.rfind("/usr/include/c++/", 0) == 0) {
      saw_std_frame = true;
      EXPECT_TRUE(f.internal) << f.function;
    }
  }
  EXPECT_TRUE(saw_std_frame);
  EXPECT_FALSE(site.frames.front().internal);
}

TEST(symbolize, empty_stack_gives_empty_site) {
  EXPECT_TRUE(concheck::detail::make_site(concheck::detail::kNoStack).empty());
  EXPECT_TRUE(concheck::detail::symbolize_stack(concheck::detail::kNoStack).empty());
}

TEST(symbolize, unknown_pc_keeps_address) {
  const auto frames = concheck::detail::symbolize_pc(0x10);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].pc, 0x10u);
  EXPECT_TRUE(frames[0].file.empty());
}

concheck::detector::frame frame_of(std::string function, std::string file = "", std::string module = "") {
  concheck::detector::frame f;
  f.function = std::move(function);
  f.file = std::move(file);
  f.module = std::move(module);
  return f;
}

TEST(symbolize, internal_frame_classification) {
  using concheck::detail::is_internal_frame;
  EXPECT_TRUE(is_internal_frame(frame_of("std::mutex::lock()")));
  EXPECT_TRUE(is_internal_frame(frame_of("void std::__invoke_impl<void, F>(std::__invoke_other, F&&)")));
  EXPECT_TRUE(is_internal_frame(frame_of("__gnu_cxx::__normal_iterator<int*>::operator++()")));
  EXPECT_TRUE(is_internal_frame(frame_of("concheck::detail::on_lock(void const*)")));
  EXPECT_TRUE(is_internal_frame(frame_of("concheck::mutex::lock()")));
  EXPECT_TRUE(is_internal_frame(frame_of("pthread_mutex_lock")));
  EXPECT_TRUE(is_internal_frame(frame_of("start_thread")));
  EXPECT_TRUE(is_internal_frame(frame_of("clone3")));
  EXPECT_TRUE(is_internal_frame(frame_of("", "/usr/include/c++/12/bits/std_mutex.h")));
  EXPECT_TRUE(is_internal_frame(frame_of("lock", "/usr/include/c++/12/bits/std_mutex.h")));
  EXPECT_TRUE(is_internal_frame(frame_of("", "/usr/include/x86_64-linux-gnu/c++/12/bits/gthr-default.h")));
  EXPECT_TRUE(is_internal_frame(frame_of("", "", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6")));
  EXPECT_TRUE(is_internal_frame(frame_of("", "", "/usr/lib/x86_64-linux-gnu/libc.so.6")));
  EXPECT_TRUE(is_internal_frame(frame_of("", "", "/opt/lib/libconcheck.so.0")));
  EXPECT_TRUE(is_internal_frame(frame_of("", "", "/opt/lib/libconcheck_preload.so")));
  EXPECT_TRUE(is_internal_frame(frame_of("", "/usr/local/include/concheck/mutex.hpp")));
  // clang writes libstdc++'s headers through its own folder.
  EXPECT_TRUE(is_internal_frame(
      frame_of("construct_at",
               "/usr/bin/../lib/gcc/x86_64-linux-gnu/12/../../../../include/c++/12/bits/stl_construct.h")));
  EXPECT_FALSE(is_internal_frame(frame_of("f()", "/home/u/src/../src/./worker.cpp")));
  // concheck's own library sources, found relative to this test's tree.
  const std::string root =
      std::string(__FILE__).substr(0, std::string(__FILE__).find("tests/runtime_support/"));
  EXPECT_TRUE(is_internal_frame(frame_of("helper()", root + "runtime/src/registry.cpp")));
  EXPECT_TRUE(is_internal_frame(frame_of("helper()", root + "detector/src/render_text.cpp")));

  EXPECT_FALSE(
      is_internal_frame(frame_of("transfer(account&, account&)", "/home/u/bank.cpp", "/home/u/bank")));
  EXPECT_FALSE(is_internal_frame(frame_of("helper()", __FILE__)));  // tests are user code
  EXPECT_FALSE(is_internal_frame(frame_of("(anonymous namespace)::worker(int)")));
  EXPECT_FALSE(is_internal_frame(frame_of("bank::Suite_Test::TestBody()::{lambda()#1}::operator()() const")));
  EXPECT_FALSE(is_internal_frame(frame_of("clone_account(account const&)")));
  EXPECT_FALSE(is_internal_frame(frame_of("stdx::f()")));
  EXPECT_FALSE(is_internal_frame(frame_of("my::std::f()")));
  EXPECT_FALSE(is_internal_frame(frame_of("f()", "/usr/include/boost/thread.hpp")));
  // Issue 3: a user's (or our tests') namespace concheck is user code; the
  // file decides, the namespace only when there is no file.
  EXPECT_FALSE(is_internal_frame(frame_of("concheck::my_test::worker()", "/home/u/tests/worker_test.cpp")));
  EXPECT_FALSE(is_internal_frame(frame_of("concheck::helper()", __FILE__)));
  EXPECT_TRUE(
      is_internal_frame(frame_of("concheck::mutex::lock()", root + "runtime/include/concheck/mutex.hpp")));
  EXPECT_TRUE(
      is_internal_frame(frame_of("concheck::detail::on_lock()", root + "runtime/src/lock_registry.cpp")));
}

// libbacktrace found no inlined chain for std::thread's constructor inlined
// into main through vector::emplace_back (gcc 12 -O2): its one frame is the
// header's line. main gets a frame of its own (a site then names main, not
// the library), and a complete chain is only named.
TEST(symbolize, user_function_of_a_truncated_inline_chain_gets_its_own_frame) {
  using concheck::detail::name_outermost_frame;
  std::vector<concheck::detector::frame> truncated{
      frame_of("thread<void (&)(int)>", "/usr/include/c++/12/bits/std_thread.h")};
  name_outermost_frame(truncated, "main");
  ASSERT_EQ(truncated.size(), 2u);
  EXPECT_EQ(truncated[1].function, "main");
  EXPECT_TRUE(truncated[1].file.empty());
  EXPECT_FALSE(concheck::detail::is_internal_frame(truncated[1]));
  for (concheck::detector::frame& f : truncated) f.internal = concheck::detail::is_internal_frame(f);
  const concheck::detector::frame* site = concheck::detail::site_frame(truncated, "");
  ASSERT_NE(site, nullptr);
  EXPECT_EQ(site->function, "main");

  std::vector<concheck::detector::frame> whole{frame_of("lock", "/usr/include/c++/12/bits/std_mutex.h"),
                                               frame_of("TestBody", "/home/u/t.cpp")};
  name_outermost_frame(whole, "Suite_Test::TestBody()");
  ASSERT_EQ(whole.size(), 2u);
  EXPECT_EQ(whole[1].function, "Suite_Test::TestBody()");

  // A library function's own header frame is only named.
  std::vector<concheck::detector::frame> library{frame_of("lock", "/usr/include/c++/12/bits/std_mutex.h")};
  name_outermost_frame(library, "std::mutex::lock()");
  ASSERT_EQ(library.size(), 1u);
  EXPECT_EQ(library[0].function, "std::mutex::lock()");
}

TEST(symbolize, qualified_name_strips_return_type_and_parameters) {
  using concheck::detail::function_qualified_name;
  EXPECT_EQ(function_qualified_name("void ns::f<int>(int)"), "ns::f<int>");
  EXPECT_EQ(function_qualified_name("ns::f()"), "ns::f");
  EXPECT_EQ(function_qualified_name("std::vector<int, std::allocator<int> >::push_back(int const&)"),
            "std::vector<int, std::allocator<int> >::push_back");
  EXPECT_EQ(function_qualified_name("(anonymous namespace)::worker(int)"), "(anonymous namespace)::worker");
  EXPECT_EQ(function_qualified_name("bool a::operator<(a const&) const"), "a::operator<");
  EXPECT_EQ(function_qualified_name("X::operator()() const"), "X::operator()");
  EXPECT_EQ(function_qualified_name("pthread_mutex_lock"), "pthread_mutex_lock");
  // clang names std::construct_at with its decltype return type.
  EXPECT_EQ(
      function_qualified_name("decltype (::new ((void*)(0)) std::thread(std::declval<void (&)(int)>())) "
                              "std::construct_at<std::thread, void (&)(int)>(std::thread*, void (&)(int))"),
      "std::construct_at<std::thread, void (&)(int)>");
}

// Not a pass/fail check: prints the cost of symbolizing, cold and warm, for
// the record (see docs and the final report).
TEST(symbolize, cost) {
  const stack_id id = user_function_that_captures();
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  const auto frames = concheck::detail::symbolize_stack(id);
  const auto t1 = clock::now();
  constexpr int kWarm = 1000;
  for (int i = 0; i < kWarm; ++i) static_cast<void>(concheck::detail::symbolize_stack(id));
  const auto t2 = clock::now();
  const double first_ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
  const double warm_us = std::chrono::duration<double, std::micro>(t2 - t1).count() / kWarm;
  std::printf(
      "[ cost     ] symbolize %zu frames: first %.2f ms (cold unless an earlier test ran), "
      "cached %.2f us per stack\n",
      frames.size(), first_ms, warm_us);
  EXPECT_FALSE(frames.empty());
}

}  // namespace
