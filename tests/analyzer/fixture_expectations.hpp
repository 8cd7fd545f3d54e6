// Expectations written in a fixture's sources, next to the code they are
// about (the way clang-tidy's check tests write CHECK-MESSAGES): each
// diagnostic the analyzer must report is one comment line, its notes follow
// on the next lines.
//
//   x = 4;
//   // expect@-1:3: warning: write to 'x' without holding a lock; ... [concheck-unprotected-write]
//   // expect@-34:3: note: 'x' is accessed here with 'm' held
//   // expect@b.cpp:7:31: note: 'inventory_mutex' acquired here
//
// After `expect@` comes the line: `-N`/`+N` counts from the comment's own
// line, `N` is a line of this file, `FILE:N` a line of another file of the
// fixture; then the column, the kind and the text exactly as the analyzer's
// text output prints them (file names reduced to their base name). A note
// belongs to the warning expectation right above it. A fixture that must
// produce nothing says `// expect-no-diagnostics`, so that a fixture whose
// expectations were lost or mistyped fails instead of passing vacuously.
//
// render() gives the expected output in the analyzer's order (warnings by
// file, line, column, rule; each followed by its notes): the fixture test
// compares it with the actual output as one text, so a failure shows both.
#pragma once

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

namespace concheck::analyzer_test {

struct expected_line {
  std::string file;  // base name
  unsigned line = 0;
  unsigned column = 0;
  std::string kind;  // "warning" or "note"
  std::string text;
  std::string rendered() const {
    return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + kind + ": " + text;
  }
};

struct expected_diagnostic {
  expected_line warning;
  std::vector<expected_line> notes;
};

struct fixture_expectations {
  std::vector<expected_diagnostic> diagnostics;
  bool no_diagnostics = false;      // an `expect-no-diagnostics` marker was seen
  std::vector<std::string> errors;  // malformed expectations, "file:line: what"

  // The expected text output, in the analyzer's order.
  std::string render() const {
    auto sorted = diagnostics;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const expected_diagnostic& a, const expected_diagnostic& b) {
                       return std::tie(a.warning.file, a.warning.line, a.warning.column, a.warning.text) <
                              std::tie(b.warning.file, b.warning.line, b.warning.column, b.warning.text);
                     });
    std::string out;
    for (const auto& d : sorted) {
      out += d.warning.rendered() + "\n";
      for (const auto& n : d.notes) out += n.rendered() + "\n";
    }
    return out;
  }

  // Reads the expectations of one source file (`file` is its base name,
  // `text` its contents) and adds them.
  void add_source(const std::string& file, const std::string& text) {
    std::istringstream in(text);
    unsigned number = 0;
    expected_diagnostic* last_warning = nullptr;  // a note attaches here
    for (std::string line; std::getline(in, line);) {
      ++number;
      auto start = line.find_first_not_of(" \t");
      if (start == std::string::npos || line.compare(start, 2, "//") != 0) {
        last_warning = nullptr;
        continue;
      }
      std::string comment = line.substr(line.find_first_not_of(' ', start + 2));
      if (comment == "expect-no-diagnostics") {
        no_diagnostics = true;
        continue;
      }
      if (comment.rfind("expect", 0) != 0) {
        last_warning = nullptr;
        continue;
      }
      expected_line e;
      std::string where = file + ":" + std::to_string(number) + ": ";
      if (!parse(comment, file, number, e)) {
        errors.push_back(where + "cannot read the expectation '" + comment +
                         "' (expected `expect@LINE:COLUMN: warning|note: TEXT`)");
        last_warning = nullptr;
        continue;
      }
      if (e.kind == "warning") {
        diagnostics.push_back({e, {}});
        last_warning = &diagnostics.back();
      } else if (last_warning == nullptr) {
        errors.push_back(where + "a note expectation must follow its warning expectation");
      } else {
        last_warning->notes.push_back(e);
      }
    }
  }

 private:
  static bool read_number(const std::string& s, std::size_t& pos, unsigned& value) {
    std::size_t begin = pos;
    value = 0;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos])))
      value = value * 10 + (s[pos++] - '0');
    return pos > begin;
  }

  // `expect@WHERE:COLUMN: KIND: TEXT` on line `number` of `file`.
  static bool parse(const std::string& comment, const std::string& file, unsigned number, expected_line& e) {
    const std::string prefix = "expect@";
    if (comment.rfind(prefix, 0) != 0) return false;
    std::size_t pos = prefix.size();
    e.file = file;
    if (pos < comment.size() && (comment[pos] == '+' || comment[pos] == '-')) {
      bool minus = comment[pos++] == '-';
      unsigned offset = 0;
      if (!read_number(comment, pos, offset) || (minus && offset >= number)) return false;
      e.line = minus ? number - offset : number + offset;
    } else if (!read_number(comment, pos, e.line)) {
      std::size_t colon = comment.find(':', pos);
      if (colon == std::string::npos) return false;
      e.file = comment.substr(pos, colon - pos);
      pos = colon + 1;
      if (!read_number(comment, pos, e.line)) return false;
    }
    if (pos >= comment.size() || comment[pos++] != ':' || !read_number(comment, pos, e.column)) return false;
    for (const char* kind : {"warning", "note"}) {
      std::string marker = std::string(": ") + kind + ": ";
      if (comment.compare(pos, marker.size(), marker) == 0) {
        e.kind = kind;
        e.text = comment.substr(pos + marker.size());
        return !e.text.empty() && e.line > 0 && e.column > 0;
      }
    }
    return false;
  }
};

}  // namespace concheck::analyzer_test
