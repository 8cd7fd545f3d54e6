// concheck analyzer: the diagnostics the analyses produce and the CLI prints.
#pragma once

#include <string>
#include <vector>

#include "interned.hpp"

namespace concheck::analyzer {

struct location {
  interned file;  // as given on the command line / in compile_commands.json, made absolute
  unsigned line = 0;
  unsigned column = 0;
};

struct note {
  location where;
  std::string message;
};

struct diagnostic {
  std::string rule;  // "unprotected-write", "lock-order-inversion", ...
  location where;
  std::string message;
  std::vector<note> notes;  // the other sites: the protected access, the other order
};

}  // namespace concheck::analyzer
