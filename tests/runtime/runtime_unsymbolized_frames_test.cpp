// Frames without a source file: a program whose locking and thread creation
// happen in a shared library built with no debug information
// (scenarios/nodebug_lib.cpp, -g0). Every such frame and site must read as
// function and module+offset (`libnodebug_scenario.so+0x1234 in
// nodebug_lock_pair()`, `#0 nodebug_lock_pair() (/path/libnodebug_scenario.so+0x1234)`),
// in reports and in thread dumps alike: never an empty "at " or a ":0".
#include <regex>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "concheck/detector/json.hpp"
#include "runtime_test_support.hpp"

namespace runtime_e2e {
namespace {

struct nodebug_variant {
  const char* name;
  std::string environment;
  std::string program;
};

std::vector<nodebug_variant> nodebug_variants() {
  std::vector<nodebug_variant> out{
      {"preload", std::string("LD_PRELOAD=") + CONCHECK_PRELOAD_LIBRARY, CONCHECK_NODEBUG_PLAIN}};
#if !defined(__SANITIZE_ADDRESS__)
  // Under ASan the static archive does not interpose pthread_mutex_lock in a
  // program that calls no other function of its interpose_mutex.o: libasan,
  // linked first, defines the symbol that --undefined names, so the member
  // is never pulled (the scenario program pulls it through pthread_mutex_init).
  out.push_back({"static", "", CONCHECK_NODEBUG_STATIC});
#endif
  return out;
}

bool contains(const std::string& text, const std::string& pattern) {
  return std::regex_search(text, std::regex(pattern));
}

void expect_no_empty_location(const std::string& output, const std::string& context) {
  for (const char* broken : {"at in ", " at :", ":0\n", ":0 ", "at \n", "(acquired at )"}) {
    EXPECT_EQ(output.find(broken), std::string::npos) << "'" << broken << "' in " << context << "\n"
                                                      << output;
  }
}

const std::string kModuleOffset = R"(libnodebug_scenario\.so\+0x[0-9a-f]+)";

TEST(unsymbolized_frames, InversionInALibraryWithoutDebugInfoShowsModuleAndOffset) {
  for (const auto& v : nodebug_variants()) {
    std::string output;
    const int status =
        run_command(v.environment + " CONCHECK_OPTIONS=color=never", v.program + " inversion", output);
    EXPECT_EQ(status, 0) << v.name << "\n" << output;
    ASSERT_NE(output.find("concheck: lock-order-inversion"), std::string::npos) << v.name << "\n" << output;
    // Sites: module+offset, then the function from the symbol table.
    EXPECT_TRUE(
        contains(output, "acquired .* at " + kModuleOffset + R"( in nodebug_lock_pair\(\) while holding)"))
        << v.name << "\n"
        << output;
    // Frame lines: the function, then the module's path and offset.
    EXPECT_TRUE(contains(output, R"(#0 nodebug_lock_pair\(\) \(/[^ ]*)" + kModuleOffset + R"(\)\n)"))
        << v.name << "\n"
        << output;
    // The threads were created inside the library.
    EXPECT_TRUE(contains(output, R"(T1: created at )" + kModuleOffset + R"( in nodebug_spawn\(\))"))
        << v.name << "\n"
        << output;
    EXPECT_TRUE(contains(
        output, "SUMMARY: concheck: lock-order-inversion " + kModuleOffset + R"( in nodebug_lock_pair\(\))"))
        << v.name << "\n"
        << output;
    expect_no_empty_location(output, v.name);
  }
}

// The JSON report carries what the text is made of: no file, a function, the
// module's path and the offset in it.
TEST(unsymbolized_frames, JsonFramesCarryModuleAndOffset) {
  std::string output;
  const int status =
      run_command(std::string("LD_PRELOAD=") + CONCHECK_PRELOAD_LIBRARY + " CONCHECK_OPTIONS=format=json",
                  std::string(CONCHECK_NODEBUG_PLAIN) + " inversion", output);
  EXPECT_EQ(status, 0) << output;
  const auto lines = concheck::test::json_lines(output);
  ASSERT_EQ(lines.size(), 1u) << output;
  const auto parsed = concheck::detector::parse_finding_json(lines[0]);
  ASSERT_TRUE(parsed) << parsed.error;
  ASSERT_FALSE(parsed.value->cycle.empty());
  const auto& acquired = parsed.value->cycle[0].acquired;
  EXPECT_EQ(acquired.function, "nodebug_lock_pair");
  EXPECT_EQ(acquired.file, "");
  bool found = false;
  for (const auto& frame : acquired.frames) {
    if (frame.function != "nodebug_lock_pair") continue;
    found = true;
    EXPECT_TRUE(frame.file.empty());
    EXPECT_EQ(frame.line, 0);
    EXPECT_TRUE(contains(frame.module, R"(/libnodebug_scenario\.so$)")) << frame.module;
    EXPECT_NE(frame.offset, 0u);
    EXPECT_FALSE(frame.internal);
  }
  EXPECT_TRUE(found) << lines[0];
}

TEST(unsymbolized_frames, ThreadDumpShowsModuleAndOffset) {
  for (const auto& v : nodebug_variants()) {
    std::string output;
    const int status =
        run_command(v.environment + " CONCHECK_OPTIONS=dump_threads_signal=10", v.program + " dump", output);
    EXPECT_EQ(status, 0) << v.name << "\n" << output;
    ASSERT_NE(output.find("==== concheck: threads ===="), std::string::npos) << v.name << "\n" << output;
    EXPECT_TRUE(contains(output, R"(T1 created at )" + kModuleOffset + R"( in nodebug_spawn\(\)\n)"))
        << v.name << "\n"
        << output;
    EXPECT_TRUE(contains(output, R"(holds .* acquired at )" + kModuleOffset + R"( in nodebug_lock\(\)\n)"))
        << v.name << "\n"
        << output;
    EXPECT_NE(output.find("dump: finished"), std::string::npos) << v.name << "\n" << output;
    expect_no_empty_location(output, v.name);
  }
}

}  // namespace
}  // namespace runtime_e2e
