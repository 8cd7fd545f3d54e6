#include "gcc_compat.hpp"

#include <filesystem>

namespace concheck::analyzer::detail {

namespace {

bool is_gcc(const std::string& compiler) {
  std::string name = std::filesystem::path(compiler).filename().string();
  if (name.find("clang") != std::string::npos) return false;
  return name == "cc" || name == "c++" || name.find("gcc") != std::string::npos ||
         name.find("g++") != std::string::npos;
}

}  // namespace

std::vector<std::string> gcc_compat_flags(const std::string& compiler) {
  if (!is_gcc(compiler)) return {};
  std::vector<std::string> out;
  for (const char* builtin : {"__sync_bool_compare_and_swap", "__sync_val_compare_and_swap"}) {
    std::string b = builtin;
    out.push_back("-D" + b + "(p,o,n)=" + b + "((p),(__typeof__(*(p)))(o),(__typeof__(*(p)))(n))");
  }
  return out;
}

}  // namespace concheck::analyzer::detail
