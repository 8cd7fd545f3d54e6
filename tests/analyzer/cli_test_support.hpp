// Helpers for the CLI tests: run the built `concheck` as a child process and
// capture its exit status, stdout and stderr; a scratch folder per test.
// The child gets an alarm so that a hang ends as a failure, never a stuck suite.
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace concheck::cli_test {

namespace fs = std::filesystem;

struct cli_result {
  int exit_code = -1;  // -1: killed by a signal (a crash or the alarm)
  int signal = 0;
  std::string out;
  std::string err;
};

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
                               unsigned timeout_seconds = 180) {
  scratch_dir io;
  std::string out_path = io / "stdout", err_path = io / "stderr";
  pid_t pid = ::fork();
  if (pid == 0) {
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(127);
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int in = ::open("/dev/null", O_RDONLY);
    if (out < 0 || err < 0 || in < 0) ::_exit(127);
    ::dup2(out, 1);
    ::dup2(err, 2);
    ::dup2(in, 0);
    std::vector<char*> argv;
    std::string program = CONCHECK_CLI_PATH;
    argv.push_back(program.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::alarm(timeout_seconds);
    ::execv(program.c_str(), argv.data());
    ::_exit(127);
  }
  cli_result result;
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  result.out = read_file(out_path);
  result.err = read_file(err_path);
  return result;
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
