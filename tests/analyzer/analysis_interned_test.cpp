// interned strings: one copy per text, ordered by text, safe from many threads.
#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

#include "interned.hpp"

namespace concheck::analyzer {
namespace {

TEST(analysis_interned, same_text_is_one_copy) {
  std::string built = std::string("c:@N@bank@S@account@FI@") + "mu_";
  interned a("c:@N@bank@S@account@FI@mu_");
  interned b(built);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.c_str(), b.c_str());  // the same storage, not an equal copy
  EXPECT_EQ(a, built);
  EXPECT_NE(a, interned("c:@N@bank@S@account@FI@other_"));
}

TEST(analysis_interned, empty_and_default_are_equal_and_empty) {
  interned none;
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(none, interned(""));
  EXPECT_EQ(none.str(), "");
}

TEST(analysis_interned, orders_by_text_whatever_the_interning_order) {
  interned z("zz-interned-first");
  interned a("aa-interned-second");
  EXPECT_LT(a, z);
  std::set<interned> sorted{z, a, interned("mm")};
  std::vector<std::string> order;
  for (const auto& s : sorted) order.push_back(s);
  EXPECT_EQ(order, (std::vector<std::string>{"aa-interned-second", "mm", "zz-interned-first"}));
}

TEST(analysis_interned, reads_as_a_string) {
  interned file("/src/bank.cpp");
  EXPECT_EQ(file + ":12", "/src/bank.cpp:12");
  EXPECT_EQ("at " + file, "at /src/bank.cpp");
  EXPECT_EQ(fmt::format("{}:{}", file, 3), "/src/bank.cpp:3");
  EXPECT_EQ(file.rfind('/'), 4u);
  const std::string& as_string = file;
  EXPECT_EQ(as_string.size(), file.size());
}

TEST(analysis_interned, threads_interning_the_same_texts_agree) {
  constexpr int kThreads = 4;
  constexpr int kTexts = 500;
  std::vector<std::vector<const char*>> seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&seen, t] {
      for (int i = 0; i < kTexts; ++i) seen[t].push_back(interned("text-" + std::to_string(i)).c_str());
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 1; t < kThreads; ++t) EXPECT_EQ(seen[t], seen[0]);
}

}  // namespace
}  // namespace concheck::analyzer
