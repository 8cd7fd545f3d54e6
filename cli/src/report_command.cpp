// `concheck report`: re-renders saved JSON Lines findings; see report_command.hpp.
#include "report_command.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <utility>
#include <variant>

#include "concheck/detector/log_records.hpp"
#include "concheck/detector/render.hpp"
#include "graphviz.hpp"

namespace concheck::cli {
namespace {

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

// The bad lines of an input: the first kMaxListed are kept to be listed after
// the output, the rest only counted, so that memory stays bounded.
class bad_lines {
 public:
  static constexpr std::size_t kMaxListed = 10;

  void add(std::string message) {
    ++count_;
    if (listed_.size() < kMaxListed) listed_.push_back(std::move(message));
  }
  bool empty() const { return count_ == 0; }
  void write(std::ostream& err) const {
    for (const auto& message : listed_) err << "concheck report: " << detector::printable(message) << "\n";
    if (count_ > listed_.size()) {
      err << fmt::format("concheck report: ... and {} more bad lines\n", count_ - listed_.size());
    }
  }

 private:
  std::vector<std::string> listed_;
  std::size_t count_ = 0;
};

// Renders the records of a log as they are read: text and DOT are written out
// record by record, so memory holds one line and the DOT node names (bounded,
// detector::dot_stream); only SVG keeps the whole DOT text, which graphviz
// needs at once.
class log_renderer {
 public:
  log_renderer(const arguments& args, std::ostream& out) : args_(args), out_(out) {
    options_.color = args.color;
    options_.show_internal_frames = args.show_internal;
    if (args.format == output_format::dot) out_ << detector::dot_stream::begin();
    if (args.format == output_format::svg) dot_ = detector::dot_stream::begin();
  }

  void add(const detector::finding& f) {
    last_dump_.reset();
    switch (args_.format) {
      case output_format::text:
        separate();
        out_ << detector::render_text(f, options_);
        break;
      case output_format::dot:
        out_ << graph_.add(f);
        break;
      case output_format::svg:
        dot_ += graph_.add(f);
        break;
    }
  }

  void add(const detector::notice& n) {
    last_dump_.reset();
    if (args_.format != output_format::text) {
      ++notices_skipped_;
      return;
    }
    separate();
    out_ << detector::render_text(n);
  }

  void add(const detector::dumped_thread& t) {
    if (args_.format != output_format::text) {
      ++dump_records_skipped_;
      return;
    }
    // The threads of one dump follow each other under one header.
    const std::pair<int, std::uint64_t> dump{t.pid, t.dump};
    if (last_dump_ != dump || t.index == 0) {
      separate();
      out_ << detector::kThreadDumpHeader;
    }
    last_dump_ = dump;
    out_ << detector::render_text(t);
  }

  void add(const detector::accessed_location& l) {
    last_dump_.reset();
    if (args_.format != output_format::text) {
      ++summary_records_skipped_;
      return;
    }
    if (l.index == 0 || last_summary_pid_ != l.pid) {
      separate();
      out_ << detector::kAccessSummaryHeader;
    }
    last_summary_pid_ = l.pid;
    out_ << detector::render_text(l);
  }

  void add(const detector::unknown_record& r) {
    if (unknown_skipped_++ == 0) first_unknown_ = r.record;
  }

  // Ends the output; false (after a message) if graphviz failed.
  bool finish(std::ostream& err, const std::string& dot_program) {
    if (unknown_skipped_ > 0) {
      err << fmt::format(
          "concheck report: skipped {} record{} of a kind this concheck does not know ('{}')\n",
          unknown_skipped_, unknown_skipped_ == 1 ? "" : "s", detector::printable(first_unknown_));
    }
    if (summary_records_skipped_ > 0) {
      err << fmt::format(
          "concheck report: not drawn: {} access-summary record{} (--format text shows them)\n",
          summary_records_skipped_, summary_records_skipped_ == 1 ? "" : "s");
    }
    if (notices_skipped_ + dump_records_skipped_ > 0) {
      err << fmt::format(
          "concheck report: not drawn: {} notice{}, {} thread-dump record{} (--format text shows them)\n",
          notices_skipped_, notices_skipped_ == 1 ? "" : "s", dump_records_skipped_,
          dump_records_skipped_ == 1 ? "" : "s");
    }
    switch (args_.format) {
      case output_format::text:
        break;
      case output_format::dot:
        out_ << graph_.end();
        break;
      case output_format::svg: {
        dot_ += graph_.end();
        auto svg = dot_to_svg(dot_, dot_program, err);
        if (!svg) return false;
        out_ << *svg;
        break;
      }
    }
    return true;
  }

 private:
  void separate() {
    if (rendered_++ > 0) out_ << '\n';
  }

  const arguments& args_;
  std::ostream& out_;
  detector::text_options options_;
  detector::dot_stream graph_;
  std::string dot_;
  std::size_t rendered_ = 0;
  std::optional<std::pair<int, std::uint64_t>> last_dump_;
  std::size_t notices_skipped_ = 0;
  std::size_t dump_records_skipped_ = 0;
  std::size_t summary_records_skipped_ = 0;
  int last_summary_pid_ = -1;
  std::size_t unknown_skipped_ = 0;
  std::string first_unknown_;
};

// Reads `in` to its end, rendering every good record and collecting the bad
// lines; stops at once on input that is no text log (a NUL byte, a line over
// the cap) or a read error. Returns false if anything was wrong (messages on err).
bool render_log(std::istream& in, const std::string& name, log_renderer& renderer, std::ostream& err) {
  using status = detector::json_lines_reader::status;
  detector::json_lines_reader reader(in);
  bad_lines bad;
  std::optional<std::string> fatal;
  std::string line;
  for (bool more = true; more;) {
    switch (reader.next(line)) {
      case status::end:
        more = false;
        continue;
      case status::too_long:
        fatal = fmt::format(
            "{}:{}: line longer than {} MiB (the longest a concheck log holds): not a "
            "concheck log?",
            name, reader.line_number(), detector::kMaxLogLineBytes >> 20);
        more = false;
        continue;
      case status::nul_byte:
        fatal = fmt::format(
            "{}:{}: a NUL byte at column {}: this is not a text file (a concheck log is "
            "JSON Lines)",
            name, reader.line_number(), reader.nul_column());
        more = false;
        continue;
      case status::read_error:
        fatal = fmt::format("{}: read error after line {}", name, reader.line_number() - 1);
        more = false;
        continue;
      case status::line:
        break;
    }
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto parsed = detector::parse_log_record(line);
    if (!parsed) {
      if (reader.unterminated()) {
        bad.add(
            fmt::format("{}:{}: the last line is cut short (the file ends in the middle of a record: "
                        "was the writing process killed?): {}",
                        name, reader.line_number(), parsed.error));
      } else {
        bad.add(fmt::format("{}:{}: {}", name, reader.line_number(), parsed.error));
      }
      continue;
    }
    std::visit([&](const auto& record) { renderer.add(record); }, *parsed.value);
  }
  bad.write(err);
  if (fatal) err << "concheck report: " << detector::printable(*fatal) << "\n";
  if (!fatal && reader.bytes_read() == 0) {
    err << fmt::format("concheck report: {} is empty (0 bytes): no records to render\n",
                       detector::printable(name));
    return false;
  }
  return bad.empty() && !fatal;
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
    err << "concheck report: " << detector::printable(*error) << "\n" << usage();
    return kExitUsage;
  }
  if (args.help) {
    out << usage();
    return 0;
  }

  std::ifstream file;
  std::istream* input = &in;
  std::string name = "<stdin>";
  if (args.input != "-") {
    name = args.input;
    std::error_code ignored;
    if (std::filesystem::is_directory(args.input, ignored)) {
      err << fmt::format("concheck report: cannot read {}: it is a directory\n", detector::printable(name));
      return kExitUsage;
    }
    file.open(args.input, std::ios::binary);
    if (!file) {
      err << fmt::format("concheck report: cannot read {}: {}\n", detector::printable(name),
                         std::strerror(errno));
      return kExitUsage;
    }
    input = &file;
  }

  std::ofstream output_file;
  std::ostream* output = &out;
  if (!args.output.empty()) {
    output_file.open(args.output, std::ios::binary | std::ios::trunc);
    if (!output_file) {
      err << fmt::format("concheck report: cannot write {}: {}\n", detector::printable(args.output),
                         std::strerror(errno));
      return kExitUsage;
    }
    output = &output_file;
  }

  log_renderer renderer(args, *output);
  bool ok = render_log(*input, name, renderer, err);
  ok = renderer.finish(err, io.dot_program) && ok;
  output->flush();
  if (!args.output.empty()) output_file.close();
  if (!*output) {
    err << fmt::format("concheck report: error writing {}\n",
                       args.output.empty() ? std::string("the output") : detector::printable(args.output));
    return kExitUsage;
  }
  return ok ? 0 : kExitUsage;
}

}  // namespace concheck::cli
