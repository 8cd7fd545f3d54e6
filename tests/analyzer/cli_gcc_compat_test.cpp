// `concheck analyze -p` on code written for GCC: a GCC compile command gets
// the flags of gcc_compat.hpp, so GCC-only leniency (a __sync compare-and-swap
// on a void* with integer operands, as Kyoto Cabinet's spin lock does) does
// not make the file unparseable; a clang command gets nothing and still fails.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_test_support.hpp"
#include "gcc_compat.hpp"

namespace concheck::cli_test {
namespace {

using testing::HasSubstr;

const char* const kSpinLock =
    "struct spin {\n"
    "  void* opq_ = nullptr;\n"
    "  bool try_take() { return __sync_bool_compare_and_swap(&opq_, 0, 1); }\n"
    "};\n"
    "int main() { spin s; return s.try_take() ? 0 : 1; }\n";

cli_result analyze_with(const std::string& compiler) {
  scratch_dir dir;
  dir.file("src/spin.cpp", kSpinLock);
  nlohmann::json db = nlohmann::json::array();
  db.push_back({{"directory", dir / "build"},
                {"file", "../src/spin.cpp"},
                {"command", compiler + " -std=gnu++20 -c ../src/spin.cpp -o spin.o"}});
  dir.file("build/compile_commands.json", db.dump());
  return run_concheck(on_stubs({"analyze", "-p", dir / "build"}), dir.path().string());
}

TEST(CliGccCompat, GccCommandParsesGccLenientAtomicBuiltins) {
  auto r = analyze_with("/usr/bin/g++");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
}

TEST(CliGccCompat, ClangCommandGetsNoGccFlags) {
  auto r = analyze_with("/usr/bin/clang++");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("cannot initialize a parameter of type 'void *'"));
}

TEST(CliGccCompat, FlagsOnlyForGccNames) {
  using analyzer::detail::gcc_compat_flags;
  for (const char* gcc : {"/usr/bin/g++", "gcc", "x86_64-linux-gnu-g++-12", "cc", "/usr/bin/c++"})
    EXPECT_FALSE(gcc_compat_flags(gcc).empty()) << gcc;
  for (const char* other : {"/usr/bin/clang++", "clang-14", "/opt/icpx"})
    EXPECT_TRUE(gcc_compat_flags(other).empty()) << other;
}

}  // namespace
}  // namespace concheck::cli_test
