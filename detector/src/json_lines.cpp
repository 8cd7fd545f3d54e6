// Reading a JSON Lines log a line at a time (log_records.hpp), and a whole
// report of findings over it (json.hpp).
#include <fmt/format.h>

#include <cstring>
#include <istream>

#include "concheck/detector/json.hpp"
#include "concheck/detector/log_records.hpp"

namespace concheck::detector {

json_lines_reader::json_lines_reader(std::istream& in, std::size_t max_line)
    : in_(in), max_line_(max_line), chunk_(new char[kChunkBytes]) {}

// Cost: each byte is looked at by two memchr calls (newline, NUL) and copied
// once; memory is the chunk plus the longest line handed out.
json_lines_reader::status json_lines_reader::next(std::string& line) {
  line.clear();
  unterminated_ = false;
  if (done_) return status::end;
  ++line_number_;
  for (;;) {
    if (pos_ == end_) {
      if (!eof_) {
        in_.read(chunk_.get(), static_cast<std::streamsize>(kChunkBytes));
        const auto n = static_cast<std::size_t>(in_.gcount());
        if (in_.bad()) {
          done_ = true;
          return status::read_error;
        }
        if (n < kChunkBytes) eof_ = true;
        pos_ = 0;
        end_ = n;
        bytes_read_ += n;
        continue;
      }
      done_ = true;
      if (line.empty()) {
        --line_number_;
        return status::end;
      }
      unterminated_ = true;
      return status::line;
    }
    const char* begin = chunk_.get() + pos_;
    const auto available = end_ - pos_;
    const char* newline = static_cast<const char*>(std::memchr(begin, '\n', available));
    const std::size_t length = newline != nullptr ? static_cast<std::size_t>(newline - begin) : available;
    if (const void* nul = std::memchr(begin, '\0', length)) {
      nul_column_ = line.size() + static_cast<std::size_t>(static_cast<const char*>(nul) - begin) + 1;
      done_ = true;
      return status::nul_byte;
    }
    if (line.size() + length > max_line_) {
      done_ = true;
      return status::too_long;
    }
    line.append(begin, length);
    pos_ += length;
    if (newline != nullptr) {
      ++pos_;
      return status::line;
    }
  }
}

findings_parse_result parse_findings_json_lines(std::istream& in, std::string_view name) {
  findings_parse_result result;
  std::vector<finding> findings;
  json_lines_reader reader(in);
  std::string line;
  for (;;) {
    const auto status = reader.next(line);
    if (status == json_lines_reader::status::end) break;
    const int number = reader.line_number();
    switch (status) {
      case json_lines_reader::status::line:
        break;
      case json_lines_reader::status::end:
        break;
      case json_lines_reader::status::too_long:
        result.error = fmt::format("{}:{}: line longer than {} bytes", name, number, kMaxLogLineBytes);
        return result;
      case json_lines_reader::status::nul_byte:
        result.error = fmt::format("{}:{}: a NUL byte at column {}", name, number, reader.nul_column());
        return result;
      case json_lines_reader::status::read_error:
        result.error = fmt::format("{}: read error after line {}", name, number - 1);
        return result;
    }
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto parsed = parse_log_record(line);
    if (!parsed) {
      result.error = fmt::format("{}:{}: {}", name, number, parsed.error);
      return result;
    }
    // Records that are not findings (notices, thread dumps) are not wanted here.
    if (auto* f = std::get_if<finding>(&*parsed.value)) findings.push_back(std::move(*f));
  }
  result.value = std::move(findings);
  return result;
}

}  // namespace concheck::detector
