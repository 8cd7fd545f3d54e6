// program_runtime.hpp: the ELF section that marks an executable linked with
// the static runtime is found (also after strip), and is absent from a plain
// program, from a non-ELF file and from a missing one; a bare name is
// looked up in $PATH.
#include "program_runtime.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace {

using concheck::cli::carries_static_runtime;
using concheck::cli::resolve_program;

TEST(ProgramRuntime, TheStaticRuntimeMarksTheExecutable) {
  EXPECT_TRUE(carries_static_runtime(CONCHECK_RUN_TARGET_STATIC));
  EXPECT_FALSE(carries_static_runtime(CONCHECK_RUN_TARGET));
}

TEST(ProgramRuntime, StripKeepsTheMark) {
  const std::string stripped = ::testing::TempDir() + "run_target_static_stripped";
  const std::string command = std::string("strip -o ") + stripped + " " + CONCHECK_RUN_TARGET_STATIC;
  if (std::system(command.c_str()) != 0) GTEST_SKIP() << "no strip";
  EXPECT_TRUE(carries_static_runtime(stripped));
  ::unlink(stripped.c_str());
}

TEST(ProgramRuntime, AnythingElseIsNotMarked) {
  const std::string text = ::testing::TempDir() + "not_elf.txt";
  std::ofstream(text) << "#!/bin/sh\necho .concheck_runtime\n";
  EXPECT_FALSE(carries_static_runtime(text));
  ::unlink(text.c_str());
  const std::string truncated = ::testing::TempDir() + "truncated_elf";
  std::ofstream(truncated) << "\x7f"
                              "ELF\x02\x01\x01";
  EXPECT_FALSE(carries_static_runtime(truncated));
  ::unlink(truncated.c_str());
  EXPECT_FALSE(carries_static_runtime("/nonexistent/program"));
}

TEST(ProgramRuntime, ABareNameIsFoundInPath) {
  EXPECT_EQ(resolve_program("/bin/sh"), "/bin/sh");
  EXPECT_FALSE(resolve_program("sh").empty());
  EXPECT_EQ(resolve_program("no-such-program-concheck"), "");
}

}  // namespace
