// `concheck report`: re-renders saved JSON Lines findings; see report_command.hpp.
#include "report_command.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include "concheck/detector/json.hpp"
#include "concheck/detector/render.hpp"
#include "graphviz.hpp"

namespace concheck::cli {
namespace {

using detector::finding;

constexpr int kExitUsage = 2;

std::string usage() {
  return fmt::format(
      "usage: concheck report {} [-o OUT] [--show-internal] [--color]\n"
      "  Renders findings saved with CONCHECK_OPTIONS=format=json (FILE '-' reads stdin).\n"
      "  --format text     every finding's text report (default)\n"
      "  --format dot      one Graphviz graph of the lock-order cycles and deadlocks\n"
      "  --format svg      that graph drawn by graphviz's `dot -Tsvg`\n"
      "  -o OUT            write to OUT instead of stdout\n"
      "  --show-internal   keep frames inside concheck and the standard library\n"
      "  --color           ANSI colours in text output\n",
      kReportArguments);
}

enum class output_format { text, dot, svg };

struct arguments {
  std::string input;
  std::string output;
  output_format format = output_format::text;
  bool show_internal = false;
  bool color = false;
  bool help = false;
};

// Parses the arguments after `report`; returns an error message for a usage error.
std::optional<std::string> parse_arguments(const std::vector<std::string>& argv, arguments& args) {
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
  for (std::size_t i = 0; i < argv.size(); ++i) {
    std::string_view arg = argv[i];
    auto value_of = [&]() -> std::optional<std::string_view> {
      if (i + 1 >= argv.size()) return std::nullopt;
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
std::optional<std::vector<finding>> read_findings(std::istream& in, std::string_view name,
                                                  std::ostream& err) {
  auto parsed = detector::parse_findings_json_lines(in, name);
  if (!parsed) err << "concheck report: " << parsed.error << "\n";
  return std::move(parsed.value);
}

}  // namespace

int run_report_command(const std::vector<std::string>& argv) {
  return run_report_command(argv, report_io{});
}

int run_report_command(const std::vector<std::string>& argv, const report_io& io) {
  std::istream& in = io.in != nullptr ? *io.in : std::cin;
  std::ostream& out = io.out != nullptr ? *io.out : std::cout;
  std::ostream& err = io.err != nullptr ? *io.err : std::cerr;

  arguments args;
  if (auto error = parse_arguments(argv, args)) {
    err << "concheck report: " << *error << "\n" << usage();
    return kExitUsage;
  }
  if (args.help) {
    out << usage();
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
      detector::text_options options;
      options.color = args.color;
      options.show_internal_frames = args.show_internal;
      for (std::size_t i = 0; i < findings->size(); ++i) {
        if (i > 0) rendered.push_back('\n');
        rendered += detector::render_text((*findings)[i], options);
      }
      break;
    }
    case output_format::dot:
      rendered = detector::render_dot(*findings);
      break;
    case output_format::svg: {
      auto svg = dot_to_svg(detector::render_dot(*findings), io.dot_program, err);
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

}  // namespace concheck::cli
