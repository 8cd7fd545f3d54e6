// concheck analyzer: strings stored once per process (private).
//
// Facts repeat the same few thousand strings (file paths, libclang USRs, lock
// names) in every location, call and held set; an `interned` is a pointer to
// the one copy, 8 bytes instead of a std::string and its heap block. Equality
// is a pointer comparison; ordering compares the text, so sorted output stays
// deterministic. Reads as a `const std::string&` wherever one is expected.
//
// Contract: the pool only grows (strings live until the process ends, as the
// facts of a run do); interning takes one global mutex (a hash lookup), so it
// is safe from every worker thread.
#pragma once

#include <fmt/format.h>

#include <compare>
#include <ostream>
#include <string>
#include <string_view>

namespace concheck::analyzer {

class interned {
 public:
  interned() noexcept;
  interned(std::string_view text);  // NOLINT(google-explicit-constructor): a drop-in for std::string fields
  interned(const std::string& text)
      : interned(std::string_view(text)) {}                         // NOLINT(google-explicit-constructor)
  interned(const char* text) : interned(std::string_view(text)) {}  // NOLINT(google-explicit-constructor)

  const std::string& str() const noexcept { return *text_; }
  operator const std::string&() const noexcept { return *text_; }  // NOLINT(google-explicit-constructor)
  const char* c_str() const noexcept { return text_->c_str(); }
  bool empty() const noexcept { return text_->empty(); }
  std::size_t size() const noexcept { return text_->size(); }

  std::size_t find(std::string_view what, std::size_t from = 0) const noexcept {
    return text_->find(what, from);
  }
  std::size_t rfind(std::string_view what, std::size_t from = std::string::npos) const noexcept {
    return text_->rfind(what, from);
  }
  std::size_t rfind(char what, std::size_t from = std::string::npos) const noexcept {
    return text_->rfind(what, from);
  }

  friend bool operator==(const interned& a, const interned& b) noexcept { return a.text_ == b.text_; }
  friend bool operator==(const interned& a, const std::string& b) noexcept { return *a.text_ == b; }
  friend bool operator==(const interned& a, const char* b) noexcept { return *a.text_ == b; }
  friend std::strong_ordering operator<=>(const interned& a, const interned& b) noexcept {
    if (a.text_ == b.text_) return std::strong_ordering::equal;
    return *a.text_ <=> *b.text_;
  }
  friend std::strong_ordering operator<=>(const interned& a, const std::string& b) noexcept {
    return *a.text_ <=> b;
  }

  friend std::string operator+(const interned& a, const std::string& b) { return *a.text_ + b; }
  friend std::string operator+(const interned& a, const char* b) { return *a.text_ + b; }
  friend std::string operator+(const std::string& a, const interned& b) { return a + *b.text_; }
  friend std::string operator+(const char* a, const interned& b) { return a + *b.text_; }
  friend std::ostream& operator<<(std::ostream& out, const interned& s) { return out << *s.text_; }

 private:
  const std::string* text_;
};

}  // namespace concheck::analyzer

template <>
struct fmt::formatter<concheck::analyzer::interned> : fmt::formatter<std::string_view> {
  template <typename Context>
  auto format(const concheck::analyzer::interned& s, Context& ctx) const {
    return fmt::formatter<std::string_view>::format(std::string_view(s.str()), ctx);
  }
};
