// concheck runtime: annotated accesses (concheck/shared.hpp) for code that is
// not instrumented: the same engine entry points the compiler's hooks use.
#include <cstdint>

#include "concheck/shared.hpp"
#include "race_runtime.hpp"
#include "thread_registry.hpp"

namespace concheck {
namespace {

std::uintptr_t site_pc(const void* pc, void* caller) noexcept {
  return reinterpret_cast<std::uintptr_t>(pc != nullptr ? pc : caller);
}

}  // namespace

void annotate_read(const volatile void* address, std::size_t size, const void* pc) noexcept {
  if (detail::tls_inside != 0) return;
  race::enable();
  race::read_range(reinterpret_cast<std::uintptr_t>(address), size, site_pc(pc, __builtin_return_address(0)));
}

void annotate_write(const volatile void* address, std::size_t size, const void* pc) noexcept {
  if (detail::tls_inside != 0) return;
  race::enable();
  race::write_range(reinterpret_cast<std::uintptr_t>(address), size,
                    site_pc(pc, __builtin_return_address(0)));
}

}  // namespace concheck
