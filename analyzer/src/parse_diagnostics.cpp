// Which parse errors stop the analysis of a TU; see parse_diagnostics.hpp.
#include "parse_diagnostics.hpp"

#include <string_view>

#include "ast_util.hpp"

namespace concheck::analyzer {
namespace {

// Driver diagnostics about flags clang does not understand.
bool is_flag_complaint(CXDiagnostic d) {
  CXFile file = nullptr;
  clang_getSpellingLocation(clang_getDiagnosticLocation(d), &file, nullptr, nullptr, nullptr);
  if (file != nullptr) return false;
  std::string text = detail::to_string(clang_getDiagnosticSpelling(d));
  for (std::string_view prefix : {"unknown argument", "unsupported option", "unsupported argument",
                                  "unknown target", "optimization flag", "argument unused",
                                  "the clang compiler does not support", "unknown warning option"})
    if (std::string_view(text).starts_with(prefix)) return true;
  return false;
}

}  // namespace

std::string first_parse_error(CXTranslationUnit tu) {
  std::string first;
  for (unsigned i = 0, n = clang_getNumDiagnostics(tu); i < n && first.empty(); ++i) {
    CXDiagnostic d = clang_getDiagnostic(tu, i);
    if (clang_getDiagnosticSeverity(d) >= CXDiagnostic_Error && !is_flag_complaint(d))
      first = detail::to_string(
          clang_formatDiagnostic(d, CXDiagnostic_DisplaySourceLocation | CXDiagnostic_DisplayColumn));
    clang_disposeDiagnostic(d);
  }
  return first;
}

}  // namespace concheck::analyzer
