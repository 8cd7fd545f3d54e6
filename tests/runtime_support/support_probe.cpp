// A minimal program linked with the concheck runtime, for tests that need a
// fresh process with its own CONCHECK_OPTIONS (start-up errors, help=1, log
// files, fatal exits), and the generator of docs/options.md.
//   concheck_support_probe            parse options (at load) and exit 0
//   concheck_support_probe doc        print docs/options.md
//   concheck_support_probe emit MSG   report one finding with message MSG (in
//                                     probe_function()), after printing pid=<pid>
//   concheck_support_probe fatal MSG  report one fatal finding (process exits)
#include <unistd.h>

#include <cstdio>
#include <string_view>

#include "options.hpp"
#include "report_sink.hpp"

int main(int argc, char** argv) {
  using namespace concheck;
  const std::string_view mode = argc > 1 ? argv[1] : "";
  if (mode == "doc") {
    std::fputs(detail::options_help(true).c_str(), stdout);
    return 0;
  }
  if ((mode == "emit" || mode == "fatal") && argc > 2) {
    detector::finding f;
    f.kind = detector::finding_kind::unlock_not_owned;
    f.message = argv[2];
    detector::site site;
    site.function = "probe_function()";
    site.file = "support_probe.cpp";
    site.line = 1;
    f.sites.push_back(site);
    std::printf("pid=%d\n", static_cast<int>(getpid()));
    std::fflush(stdout);
    const bool reported =
        detail::emit_finding(f, mode == "fatal" ? detail::severity::fatal : detail::severity::report);
    std::printf("reported=%d\n", reported ? 1 : 0);
    return 0;
  }
  static_cast<void>(detail::get_options());
  std::puts("probe ran");
  return 0;
}
