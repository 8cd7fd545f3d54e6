// concheck: library version.
#pragma once

namespace concheck {

// The runtime library's version, "MAJOR.MINOR.PATCH".
const char* version() noexcept;

}  // namespace concheck
