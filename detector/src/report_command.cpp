// `concheck report`: re-renders saved JSON Lines findings; see report_command.hpp.
#include "concheck/detector/report_command.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string_view>
#include <vector>

#include "concheck/detector/json.hpp"
#include "concheck/detector/render.hpp"

extern char** environ;

namespace concheck::detector {
namespace {

constexpr int kExitUsage = 2;

constexpr std::string_view kUsage =
    "usage: concheck report FILE.jsonl [--format text|dot|svg] [-o OUT] [--show-internal] [--color]\n"
    "  Renders findings saved with CONCHECK_OPTIONS=format=json (FILE '-' reads stdin).\n"
    "  --format text     every finding's text report (default)\n"
    "  --format dot      one Graphviz graph of the lock-order cycles and deadlocks\n"
    "  --format svg      that graph drawn by graphviz's `dot -Tsvg`\n"
    "  -o OUT            write to OUT instead of stdout\n"
    "  --show-internal   keep frames inside concheck and the standard library\n"
    "  --color           ANSI colours in text output\n";

enum class output_format { text, dot, svg };

struct arguments {
  std::string input;
  std::string output;
  output_format format = output_format::text;
  bool show_internal = false;
  bool color = false;
  bool help = false;
};

// Parses argv; returns an error message for a usage error.
std::optional<std::string> parse_arguments(int argc, char** argv, arguments& args) {
  bool have_input = false;
  auto set_format = [&](std::string_view value) -> std::optional<std::string> {
    if (value == "text") {
      args.format = output_format::text;
    } else if (value == "dot") {
      args.format = output_format::dot;
    } else if (value == "svg") {
      args.format = output_format::svg;
    } else {
      return fmt::format("unknown --format '{}' (expected text, dot or svg)", value);
    }
    return std::nullopt;
  };
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i] != nullptr ? argv[i] : "";
    auto value_of = [&]() -> std::optional<std::string_view> {
      if (i + 1 >= argc || argv[i + 1] == nullptr) return std::nullopt;
      return std::string_view(argv[++i]);
    };
    if (arg == "-h" || arg == "--help") {
      args.help = true;
    } else if (arg == "--format" || arg == "-f") {
      auto value = value_of();
      if (!value) return fmt::format("{} needs a value (text, dot or svg)", arg);
      if (auto error = set_format(*value)) return error;
    } else if (arg.starts_with("--format=")) {
      if (auto error = set_format(arg.substr(9))) return error;
    } else if (arg == "-o" || arg == "--output") {
      auto value = value_of();
      if (!value || value->empty()) return fmt::format("{} needs a file name", arg);
      args.output = std::string(*value);
    } else if (arg.starts_with("--output=")) {
      args.output = std::string(arg.substr(9));
      if (args.output.empty()) return std::string("--output= needs a file name");
    } else if (arg == "--show-internal") {
      args.show_internal = true;
    } else if (arg == "--color") {
      args.color = true;
    } else if (arg.size() > 1 && arg.front() == '-') {
      return fmt::format("unknown option '{}'", arg);
    } else {
      if (have_input) return fmt::format("more than one input file ('{}' and '{}')", args.input, arg);
      if (arg.empty()) return std::string("empty input file name");
      args.input = std::string(arg);
      have_input = true;
    }
  }
  if (!have_input && !args.help) return std::string("missing input file (FILE.jsonl, or - for stdin)");
  return std::nullopt;
}

// Reads every finding; on error writes "NAME:LINE: message" to err.
std::optional<std::vector<finding>> read_findings(std::istream& in, const std::string& name,
                                                  std::ostream& err) {
  std::vector<finding> findings;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto parsed = parse_finding_json(line);
    if (!parsed) {
      err << fmt::format("concheck report: {}:{}: {}\n", name, number, parsed.error);
      return std::nullopt;
    }
    findings.push_back(std::move(*parsed.value));
  }
  if (in.bad()) {
    err << fmt::format("concheck report: {}: read error after line {}\n", name, number);
    return std::nullopt;
  }
  return findings;
}

std::string read_whole_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// Runs `dot_program -Tsvg` on `dot` in a private temporary directory. Returns
// the SVG, or nullopt after writing the reason to err.
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

}  // namespace

int run_report_command(int argc, char** argv) {
  return run_report_command(argc, argv, report_io{});
}

int run_report_command(int argc, char** argv, const report_io& io) {
  std::istream& in = io.in != nullptr ? *io.in : std::cin;
  std::ostream& out = io.out != nullptr ? *io.out : std::cout;
  std::ostream& err = io.err != nullptr ? *io.err : std::cerr;

  arguments args;
  if (auto error = parse_arguments(argc, argv, args)) {
    err << "concheck report: " << *error << "\n" << kUsage;
    return kExitUsage;
  }
  if (args.help) {
    out << kUsage;
    return 0;
  }

  std::optional<std::vector<finding>> findings;
  if (args.input == "-") {
    findings = read_findings(in, "<stdin>", err);
  } else {
    std::error_code ignored;
    if (std::filesystem::is_directory(args.input, ignored)) {
      err << fmt::format("concheck report: cannot read {}: it is a directory\n", args.input);
      return kExitUsage;
    }
    std::ifstream file(args.input, std::ios::binary);
    if (!file) {
      err << fmt::format("concheck report: cannot read {}: {}\n", args.input, std::strerror(errno));
      return kExitUsage;
    }
    findings = read_findings(file, args.input, err);
  }
  if (!findings) return kExitUsage;

  std::string rendered;
  switch (args.format) {
    case output_format::text: {
      text_options options;
      options.color = args.color;
      options.show_internal_frames = args.show_internal;
      for (std::size_t i = 0; i < findings->size(); ++i) {
        if (i > 0) rendered.push_back('\n');
        rendered += render_text((*findings)[i], options);
      }
      break;
    }
    case output_format::dot:
      rendered = render_dot(*findings);
      break;
    case output_format::svg: {
      auto svg = dot_to_svg(render_dot(*findings), io.dot_program, err);
      if (!svg) return kExitUsage;
      rendered = std::move(*svg);
      break;
    }
  }

  if (args.output.empty()) {
    out << rendered;
    out.flush();
    return out ? 0 : kExitUsage;
  }
  std::ofstream file(args.output, std::ios::binary | std::ios::trunc);
  if (!file) {
    err << fmt::format("concheck report: cannot write {}: {}\n", args.output, std::strerror(errno));
    return kExitUsage;
  }
  file << rendered;
  file.close();
  if (!file) {
    err << fmt::format("concheck report: error writing {}\n", args.output);
    return kExitUsage;
  }
  return 0;
}

}  // namespace concheck::detector
