// Running graphviz's `dot -Tsvg`; see graphviz.hpp.
#include "graphviz.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

extern char** environ;

namespace concheck::cli {
namespace {

std::string read_whole_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace

std::optional<std::string> dot_to_svg(const std::string& dot, const std::string& dot_program,
                                      std::ostream& err) {
  const char* tmp = std::getenv("TMPDIR");
  std::string dir_template =
      fmt::format("{}/concheck-report-XXXXXX", tmp != nullptr && *tmp != '\0' ? tmp : "/tmp");
  std::vector<char> dir_buffer(dir_template.begin(), dir_template.end());
  dir_buffer.push_back('\0');
  if (mkdtemp(dir_buffer.data()) == nullptr) {
    err << fmt::format("concheck report: cannot create a temporary directory in {}: {}\n",
                       tmp != nullptr ? tmp : "/tmp", std::strerror(errno));
    return std::nullopt;
  }
  const std::string dir = dir_buffer.data();
  const std::string dot_path = dir + "/graph.dot";
  const std::string svg_path = dir + "/graph.svg";
  const std::string log_path = dir + "/dot.log";
  auto cleanup = [&] {
    ::unlink(dot_path.c_str());
    ::unlink(svg_path.c_str());
    ::unlink(log_path.c_str());
    ::rmdir(dir.c_str());
  };
  {
    std::ofstream file(dot_path, std::ios::binary);
    file << dot;
    if (!file) {
      err << fmt::format("concheck report: cannot write {}\n", dot_path);
      cleanup();
      return std::nullopt;
    }
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<std::string> arg_storage{dot_program, "-Tsvg", dot_path, "-o", svg_path};
  std::vector<char*> spawn_args;
  for (auto& arg : arg_storage) spawn_args.push_back(arg.data());
  spawn_args.push_back(nullptr);
  pid_t child = 0;
  int spawn_error = posix_spawnp(&child, dot_program.c_str(), &actions, nullptr, spawn_args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawn_error != 0) {
    if (spawn_error == ENOENT) {
      err << fmt::format(
          "concheck report: --format svg needs graphviz's '{}' program, which is not in PATH; "
          "install the graphviz package (apt install graphviz) or use --format dot\n",
          dot_program);
    } else {
      err << fmt::format("concheck report: cannot run '{}': {}\n", dot_program, std::strerror(spawn_error));
    }
    cleanup();
    return std::nullopt;
  }
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string log = read_whole_file(log_path);
    err << fmt::format(
        "concheck report: '{} -Tsvg' failed ({}){}{}", dot_program,
        WIFEXITED(status) ? fmt::format("exit status {}", WEXITSTATUS(status)) : "killed by a signal",
        log.empty() ? "" : ":\n", log.empty() ? "\n" : log);
    cleanup();
    return std::nullopt;
  }
  std::string svg = read_whole_file(svg_path);
  cleanup();
  return svg;
}

}  // namespace concheck::cli
