#include "concheck/version.hpp"

namespace concheck {

const char* version() noexcept {
  return CONCHECK_VERSION_STRING;
}

}  // namespace concheck
