// concheck primitives: the exceptions they throw, out of line so the
// templates that may throw stay small.
#include <string>
#include <system_error>

#include "concheck/internal/primitive_support.hpp"

namespace concheck::detail {

void throw_system_error(int error, const char* what) {
  throw std::system_error(error, std::generic_category(), what);
}

}  // namespace concheck::detail
