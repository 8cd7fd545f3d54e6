// concheck runtime: instrumented accesses as scheduling points
// (explore_access.hpp).
#include "explore_access.hpp"

#include <link.h>

#include "options.hpp"
#include "race_runtime.hpp"
#include "thread_registry.hpp"

namespace concheck::detail {
namespace {

bool shared_now(std::uintptr_t granule) noexcept {
  bool shared = false;
  race::for_each_location(
      granule, granule + 8,
      [](void* context, std::uintptr_t, const race::location_state& state) {
        *static_cast<bool*>(context) =
            state.state != race::sharing::untouched && state.state != race::sharing::one_thread;
      },
      &shared);
  return shared;
}

int reset_writable_segments(dl_phdr_info* info, std::size_t, void*) {
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& header = info->dlpi_phdr[i];
    if (header.p_type != PT_LOAD || (header.p_flags & PF_W) == 0) continue;
    const std::uintptr_t begin = (info->dlpi_addr + header.p_vaddr) & ~std::uintptr_t{7};
    race::reset_range(begin, info->dlpi_addr + header.p_vaddr + header.p_memsz - begin);
  }
  return 0;
}

}  // namespace

void explore_access_point(std::uintptr_t address, bool atomic) noexcept {
  if (tls_inside != 0) return;
  bool is_point = false;
  switch (get_options().explore_access_points) {
    case explore_access_mode::none:
      return;
    case explore_access_mode::atomics:
      is_point = atomic;
      break;
    case explore_access_mode::shared: {
      if (atomic) {
        is_point = true;
        break;
      }
      inside_scope inside;
      is_point = shared_now(address & ~std::uintptr_t{7});
      break;
    }
    case explore_access_mode::all:
      is_point = true;
      break;
  }
  if (is_point) explore::access_point(address, atomic);
}

void begin_explored_schedule() noexcept {
  if (!race::enabled()) return;
  inside_scope inside;
  dl_iterate_phdr(&reset_writable_segments, nullptr);
}

}  // namespace concheck::detail
