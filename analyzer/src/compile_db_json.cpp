// The strict JSON reader and the compile_commands.json shape check; see compile_db_json.hpp.
#include "compile_db_json.hpp"

#include <fmt/format.h>

namespace concheck::analyzer {
namespace {

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool is_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    unsigned need = 0;
    unsigned long code = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF) {
      need = 1;
      code = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      need = 2;
      code = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      need = 3;
      code = c & 0x07;
    } else {
      return false;
    }
    if (i + need >= s.size()) return false;
    for (unsigned k = 1; k <= need; ++k) {
      auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      code = (code << 6) | (d & 0x3F);
    }
    if ((need == 2 && code < 0x800) || (need == 3 && (code < 0x10000 || code > 0x10FFFF)) ||
        (code >= 0xD800 && code <= 0xDFFF))
      return false;
    i += need + 1;
  }
  return true;
}

void append_utf8(std::string& out, unsigned long code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

struct parse_failure {
  std::size_t at;
  std::string message;
};

class reader {
 public:
  explicit reader(std::string_view text) : text_(text) {}

  json_value document() {
    skip_space();
    json_value v = value(0, "a JSON value");
    skip_space();
    if (pos_ < text_.size())
      fail(fmt::format("expected the end of the file after the value, found {}", found()));
    return v;
  }

  // Line and column of byte `at` (only called once, for an error).
  std::pair<unsigned, unsigned> position(std::size_t at) const {
    unsigned line = 1;
    std::size_t line_start = 0;
    for (std::size_t i = 0; i < at && i < text_.size(); ++i)
      if (text_[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    return {line, static_cast<unsigned>(at - line_start + 1)};
  }

 private:
  [[noreturn]] void fail(std::string message) { throw parse_failure{pos_, std::move(message)}; }

  // How the next byte reads in a message: "']'", "the end of the file".
  std::string found() const {
    if (pos_ >= text_.size()) return "the end of the file";
    auto c = static_cast<unsigned char>(text_[pos_]);
    if (c >= 0x20 && c < 0x7F) return fmt::format("'{}'", static_cast<char>(c));
    return fmt::format("byte 0x{:02x}", c);
  }

  void skip_space() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r')) {
      if (text_[pos_] == '\n') {
        ++line_;
        line_start_ = pos_ + 1;
      }
      ++pos_;
    }
  }

  bool take(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  json_value value(unsigned depth, std::string_view what) {
    if (depth > kMaxNesting) fail(fmt::format("nesting deeper than {} levels", kMaxNesting));
    json_value v;
    v.line = line_;
    v.column = static_cast<unsigned>(pos_ - line_start_ + 1);
    v.begin = pos_;
    if (pos_ >= text_.size()) fail(fmt::format("expected {}, found the end of the file", what));
    char c = text_[pos_];
    if (c == '[') {
      v.type = json_value::kind::array;
      array(v, depth);
    } else if (c == '{') {
      v.type = json_value::kind::object;
      object(v, depth);
    } else if (c == '"') {
      v.type = json_value::kind::string;
      string(v);
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      v.type = json_value::kind::number;
      number(v);
    } else if (literal("true")) {
      v.type = json_value::kind::boolean;
      v.boolean = true;
    } else if (literal("false")) {
      v.type = json_value::kind::boolean;
    } else if (literal("null")) {
      v.type = json_value::kind::null;
    } else {
      fail(fmt::format("expected {}, found {}", what, found()));
    }
    v.end = pos_;
    return v;
  }

  bool literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  void array(json_value& v, unsigned depth) {
    ++pos_;  // '['
    skip_space();
    if (take(']')) return;
    for (;;) {
      skip_space();
      if (pos_ < text_.size() && text_[pos_] == ']' && !v.items.empty())
        fail("expected a value after ',', found ']' (JSON allows no trailing comma)");
      v.items.push_back(value(depth + 1, "a value"));
      skip_space();
      if (take(']')) return;
      if (!take(',')) fail(fmt::format("expected ',' or ']' after an array element, found {}", found()));
    }
  }

  void object(json_value& v, unsigned depth) {
    ++pos_;  // '{'
    skip_space();
    if (take('}')) return;
    for (;;) {
      skip_space();
      if (pos_ < text_.size() && text_[pos_] == '}' && !v.members.empty())
        fail("expected a member name after ',', found '}' (JSON allows no trailing comma)");
      if (pos_ >= text_.size() || text_[pos_] != '"')
        fail(fmt::format("expected a member name in double quotes, found {}", found()));
      json_value name;
      string(name);
      skip_space();
      if (!take(':'))
        fail(fmt::format("expected ':' after the member name \"{}\", found {}", name.text, found()));
      skip_space();
      v.members.emplace_back(std::move(name.text), value(depth + 1, "a value"));
      skip_space();
      if (take('}')) return;
      if (!take(',')) fail(fmt::format("expected ',' or '}}' after an object member, found {}", found()));
    }
  }

  unsigned hex4() {
    unsigned code = 0;
    for (int k = 0; k < 4; ++k) {
      if (pos_ >= text_.size()) fail("expected four hex digits after \\u, found the end of the file");
      char c = text_[pos_];
      unsigned digit = 0;
      if (c >= '0' && c <= '9')
        digit = static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f')
        digit = static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        digit = static_cast<unsigned>(c - 'A' + 10);
      else
        fail(fmt::format("expected four hex digits after \\u, found {}", found()));
      code = code * 16 + digit;
      ++pos_;
    }
    return code;
  }

  void string(json_value& v) {
    ++pos_;  // '"'
    bool escaped_invalid = false;
    for (;;) {
      if (pos_ >= text_.size()) fail("the file ends inside a string; expected its closing '\"'");
      char c = text_[pos_];
      if (c == '"') {
        ++pos_;
        break;
      }
      if (static_cast<unsigned char>(c) < 0x20)
        fail(c == '\n' ? "a string runs past the end of its line; expected its closing '\"'"
                       : "a control character inside a string must be escaped");
      if (c != '\\') {
        v.text += c;
        ++pos_;
        continue;
      }
      ++pos_;
      if (pos_ >= text_.size()) fail("the file ends inside a string; expected its closing '\"'");
      char e = text_[pos_++];
      switch (e) {
        case '"':
          v.text += '"';
          break;
        case '\\':
          v.text += '\\';
          break;
        case '/':
          v.text += '/';
          break;
        case 'b':
          v.text += '\b';
          break;
        case 'f':
          v.text += '\f';
          break;
        case 'n':
          v.text += '\n';
          break;
        case 'r':
          v.text += '\r';
          break;
        case 't':
          v.text += '\t';
          break;
        case 'u': {
          unsigned long code = hex4();
          if (code >= 0xD800 && code <= 0xDBFF && text_.substr(pos_, 2) == "\\u") {
            pos_ += 2;
            unsigned long low = hex4();
            if (low >= 0xDC00 && low <= 0xDFFF)
              code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
            else
              escaped_invalid = true;
          } else if (code >= 0xD800 && code <= 0xDFFF) {
            escaped_invalid = true;  // a lone surrogate names no character
          }
          append_utf8(v.text, code);
          break;
        }
        default:
          --pos_;
          fail(fmt::format("unknown escape '\\{}' in a string", e));
      }
    }
    v.valid_utf8 = !escaped_invalid && is_utf8(v.text);
  }

  void number(json_value& v) {
    std::size_t start = pos_;
    take('-');
    if (take('0')) {
    } else if (pos_ < text_.size() && text_[pos_] >= '1' && text_[pos_] <= '9') {
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    } else {
      fail(fmt::format("expected a digit in a number, found {}", found()));
    }
    if (take('.')) {
      if (pos_ >= text_.size() || text_[pos_] < '0' || text_[pos_] > '9')
        fail(fmt::format("expected a digit after '.', found {}", found()));
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    }
    if (take('e') || take('E')) {
      if (!take('+')) take('-');
      if (pos_ >= text_.size() || text_[pos_] < '0' || text_[pos_] > '9')
        fail(fmt::format("expected a digit in the exponent, found {}", found()));
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    }
    v.text = std::string(text_.substr(start, pos_ - start));
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  unsigned line_ = 1;
  std::size_t line_start_ = 0;
};

// The first of an entry's strings that is not UTF-8, as a member name; "" if none.
std::string first_non_utf8(const json_value& entry) {
  for (const auto& [name, v] : entry.members) {
    if (v.type == json_value::kind::string && !v.valid_utf8) return fmt::format("\"{}\"", name);
    if (v.type == json_value::kind::array)
      for (std::size_t i = 0; i < v.items.size(); ++i)
        if (v.items[i].type == json_value::kind::string && !v.items[i].valid_utf8)
          return fmt::format("\"{}\" item {}", name, i + 1);
  }
  return {};
}

}  // namespace

const json_value* json_value::member(std::string_view name) const {
  for (const auto& [key, v] : members)
    if (key == name) return &v;
  return nullptr;
}

const char* json_kind_name(json_value::kind kind) {
  switch (kind) {
    case json_value::kind::null:
      return "null";
    case json_value::kind::boolean:
      return "a boolean";
    case json_value::kind::number:
      return "a number";
    case json_value::kind::string:
      return "a string";
    case json_value::kind::array:
      return "an array";
    case json_value::kind::object:
      return "an object";
  }
  return "a value";
}

json_read_result read_json(std::string_view text) {
  json_read_result result;
  reader r(text);
  try {
    result.value = r.document();
    result.ok = true;
  } catch (const parse_failure& failure) {
    auto [line, column] = r.position(failure.at);
    result.line = line;
    result.column = column;
    result.error = failure.message;
  }
  return result;
}

compile_db_text read_compile_db(const std::string& path, std::string_view text) {
  compile_db_text out;
  auto error_at = [&](unsigned line, unsigned column, const std::string& what) {
    return fmt::format("{}:{}:{}: error: malformed compile_commands.json: {}", path, line, column, what);
  };
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    out.fatal = error_at(1, 1, "the file is empty; expected an array of entries ('[' ... ']')");
    return out;
  }
  json_read_result doc = read_json(text);
  if (!doc.ok) {
    out.fatal = error_at(doc.line, doc.column, doc.error);
    return out;
  }
  const json_value& db = doc.value;
  if (db.type != json_value::kind::array) {
    out.fatal = error_at(
        db.line, db.column,
        fmt::format("expected an array of entries ('[' ... ']'), found {}", json_kind_name(db.type)));
    return out;
  }
  out.entries = db.items.size();
  if (db.items.empty()) {
    out.fatal = fmt::format("{}: error: compile_commands.json has no entries", path);
    return out;
  }
  std::vector<const json_value*> kept;
  for (std::size_t i = 0; i < db.items.size(); ++i) {
    const json_value& entry = db.items[i];
    const std::size_t index = i + 1;
    if (entry.type != json_value::kind::object) {
      out.fatal = error_at(entry.line, entry.column,
                           fmt::format("entry {} is {}; expected an object with \"directory\", \"file\" and "
                                       "\"command\" or \"arguments\"",
                                       index, json_kind_name(entry.type)));
      return out;
    }
    for (const char* name : {"directory", "file"}) {
      const json_value* v = entry.member(name);
      if (v == nullptr) {
        out.fatal =
            error_at(entry.line, entry.column,
                     fmt::format("entry {} has no \"{}\" (each entry needs \"directory\", \"file\" and "
                                 "\"command\" or \"arguments\")",
                                 index, name));
        return out;
      }
      if (v->type != json_value::kind::string) {
        out.fatal = error_at(
            v->line, v->column,
            fmt::format("entry {}: \"{}\" must be a string, found {}", index, name, json_kind_name(v->type)));
        return out;
      }
    }
    const json_value* command = entry.member("command");
    const json_value* arguments = entry.member("arguments");
    if (command == nullptr && arguments == nullptr) {
      out.fatal = error_at(entry.line, entry.column,
                           fmt::format("entry {} has neither \"command\" nor \"arguments\"", index));
      return out;
    }
    if (command != nullptr && command->type != json_value::kind::string) {
      out.fatal = error_at(command->line, command->column,
                           fmt::format("entry {}: \"command\" must be a string, found {}", index,
                                       json_kind_name(command->type)));
      return out;
    }
    if (arguments != nullptr) {
      if (arguments->type != json_value::kind::array) {
        out.fatal = error_at(arguments->line, arguments->column,
                             fmt::format("entry {}: \"arguments\" must be an array of strings, found {}",
                                         index, json_kind_name(arguments->type)));
        return out;
      }
      for (std::size_t a = 0; a < arguments->items.size(); ++a) {
        const json_value& item = arguments->items[a];
        if (item.type != json_value::kind::string) {
          out.fatal = error_at(item.line, item.column,
                               fmt::format("entry {}: \"arguments\" item {} must be a string, found {}",
                                           index, a + 1, json_kind_name(item.type)));
          return out;
        }
      }
    }
    if (std::string bad = first_non_utf8(entry); !bad.empty()) {
      out.warnings.push_back(fmt::format(
          "{}:{}:{}: warning: entry {} skipped: its {} is not valid UTF-8 (the other entries are analyzed)",
          path, entry.line, entry.column, index, bad));
      continue;
    }
    kept.push_back(&entry);
  }
  out.kept = kept.size();
  if (!out.warnings.empty()) {
    out.filtered = "[\n";
    for (std::size_t k = 0; k < kept.size(); ++k) {
      if (k > 0) out.filtered += ",\n";
      out.filtered += text.substr(kept[k]->begin, kept[k]->end - kept[k]->begin);
    }
    out.filtered += "\n]\n";
  }
  return out;
}

}  // namespace concheck::analyzer
