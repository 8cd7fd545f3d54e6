// Helpers for the CLI tests: run the built `concheck` as a child process
// (through the shared runner, tests/support/child_process.hpp, whose timeout
// turns a hang into a failure) and capture its exit status, stdout and
// stderr; a scratch folder per test; small programs to analyze.
//
// Most tests analyze their programs against the standard-library stubs
// (stubs/README.md) with on_stubs(): a parse takes milliseconds instead of
// about a second. The few that must see the real headers say so by not
// using it.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "child_process.hpp"

namespace concheck::cli_test {

namespace fs = std::filesystem;

using cli_result = concheck::test::child_result;

inline std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// A temporary folder, removed with everything in it at the end of the test.
class scratch_dir {
 public:
  scratch_dir() {
    std::string pattern = (fs::temp_directory_path() / "concheck-cli-test-XXXXXX").string();
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    path_ = ::mkdtemp(buffer.data());
  }
  ~scratch_dir() {
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path_, ec);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;

  const fs::path& path() const { return path_; }
  std::string file(const std::string& name, const std::string& text) const {
    write_file(path_ / name, text);
    return (path_ / name).string();
  }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

// Runs `concheck ARGS...` in `cwd` (default: the current folder).
inline cli_result run_concheck(const std::vector<std::string>& args, const std::string& cwd = {},
                               std::chrono::seconds timeout = std::chrono::seconds(180)) {
  std::vector<std::string> argv = {CONCHECK_CLI_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  concheck::test::child_options options;
  options.cwd = cwd;
  options.timeout = timeout;
  return concheck::test::run_child(argv, options);
}

// `args` (a `concheck analyze` command line) with the compiler flags that
// replace the real C++ library by the stubs, after `--` (added, or extended
// when `args` has one).
inline std::vector<std::string> on_stubs(std::vector<std::string> args) {
  bool has_separator = false;
  for (const auto& a : args) has_separator = has_separator || a == "--";
  if (!has_separator) args.push_back("--");
  args.insert(args.end(), {"-nostdinc++", "-isystem", CONCHECK_ANALYZER_STUBS_DIR});
  return args;
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream s(text);
  for (std::string line; std::getline(s, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

// A counter race: `counter` is written with `counter_mutex` held in one
// thread and without it in the other. Line 7 holds the unprotected write.
// `comment_on_write` goes at the end of that line, `line_before_write` on
// the line before it (which is otherwise a blank line).
inline std::string counter_race(const std::string& comment_on_write = "",
                                const std::string& line_before_write = "") {
  return "#include <mutex>\n"                                                                      // 1
         "#include <thread>\n"                                                                     // 2
         "std::mutex counter_mutex;\n"                                                             // 3
         "int counter = 0;\n"                                                                      // 4
         "void locked_increment() { std::lock_guard<std::mutex> g(counter_mutex); ++counter; }\n"  // 5
         + line_before_write +
         "\n"  // 6
         "void racy_increment() { ++counter; }" +
         comment_on_write +
         "\n"  // 7
         "int main() {\n"
         "  std::thread a(locked_increment), b(racy_increment);\n"
         "  a.join();\n"
         "  b.join();\n"
         "}\n";
}

// `text` with every `from` replaced by `to`: distinct names for programs
// analyzed together (with -p, one global in two files is one variable).
inline std::string renamed(std::string text, const std::string& from, const std::string& to) {
  for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size()))
    text.replace(pos, from.size(), to);
  return text;
}

// The same program with the lock taken on both paths: no finding.
inline std::string counter_fixed() {
  return "#include <mutex>\n"
         "#include <thread>\n"
         "std::mutex counter_mutex;\n"
         "int counter = 0;\n"
         "void locked_increment() { std::lock_guard<std::mutex> g(counter_mutex); ++counter; }\n"
         "\n"
         "void other_increment() { std::lock_guard<std::mutex> g(counter_mutex); ++counter; }\n"
         "int main() {\n"
         "  std::thread a(locked_increment), b(other_increment);\n"
         "  a.join();\n"
         "  b.join();\n"
         "}\n";
}

}  // namespace concheck::cli_test
