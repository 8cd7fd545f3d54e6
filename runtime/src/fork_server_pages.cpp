// concheck runtime: fewer page faults in the fork server's children; see
// fork_server_pages.hpp.
#include "fork_server_pages.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace concheck::detail {
namespace {

constexpr std::uintptr_t kPage = 4096;
// Children that record their written pages, and children asked to (one that
// fails ends with _exit and records nothing).
constexpr int kLearners = 3;
constexpr int kLearningTries = 16;
// At most this many pages are broken at once in each child (8 MB): a page a
// schedule does not write costs a copy for nothing.
constexpr std::size_t kMaxPages = 2048;

struct range {
  std::uintptr_t start;
  std::uintptr_t end;
};

// Where a learning child leaves its written pages for the server (shared).
struct learned_pages {
  std::uint32_t count;
  std::uint32_t recorded;  // 1 once the child's exit handler ran
  std::uintptr_t pages[kMaxPages];
};

// Plain arrays, no constructors: the server runs inside a constructor of the
// runtime (explore_process.cpp), before other files' dynamic initializers,
// which must not reset or, at exit, destroy this state.
constexpr std::size_t kMaxMappings = 1024;
constinit learned_pages* g_learned = nullptr;
// The server's writable private mappings, at the last learning fork.
constinit range g_writable[kMaxMappings];
constinit std::size_t g_writable_count = 0;
constinit std::uintptr_t g_pages[kMaxPages];  // the union of what learning children wrote, sorted
constinit std::size_t g_page_count = 0;
constinit range g_prefault[kMaxPages];  // g_pages as ranges: what each child breaks at once
constinit std::size_t g_prefault_count = 0;
int g_learners = 0;
int g_tries = 0;
bool g_learning_child = false;  // in the server: the running child records
bool g_forking = false;         // set across the server's fork(): its child prefaults

// Calls `each(start, end, perms, path)` for each line of /proc/self/maps.
template <class Each>
void for_each_mapping(Each each) {
  FILE* maps = std::fopen("/proc/self/maps", "re");
  if (maps == nullptr) return;
  char line[4096];
  while (std::fgets(line, sizeof line, maps) != nullptr) {
    unsigned long start = 0;
    unsigned long end = 0;
    char perms[8] = {};
    char path[4096] = {};
    if (std::sscanf(line, "%lx-%lx %7s %*s %*s %*s %4095s", &start, &end, perms, path) < 3) continue;
    each(static_cast<std::uintptr_t>(start), static_cast<std::uintptr_t>(end), perms, path);
  }
  std::fclose(maps);
}

void share_code_page_tables() {
  const int memory = ::open("/proc/self/mem", O_RDWR | O_CLOEXEC);
  if (memory < 0) return;
  for_each_mapping([&](std::uintptr_t start, std::uintptr_t end, const char* perms, const char* path) {
    // Private, readable, not writable, backed by a file: code, read-only
    // data, RELRO. Not [vdso] and the like (their path does not start with /).
    if (path[0] != '/' || perms[0] != 'r' || perms[1] == 'w' || perms[3] != 'p') return;
    ::madvise(reinterpret_cast<void*>(start), end - start, MADV_POPULATE_READ);
    const char byte = *reinterpret_cast<const volatile char*>(start);
    (void)!::pwrite(memory, &byte, 1, static_cast<off_t>(start));
  });
  ::close(memory);
}

// Larger mappings are reservations (a sanitizer's shadow memory is terabytes)
// whose page map alone would take seconds to read: not scanned.
constexpr std::uintptr_t kMaxScanned = std::uintptr_t{1} << 30;

void note_writable_mappings() {
  g_writable_count = 0;
  for_each_mapping([](std::uintptr_t start, std::uintptr_t end, const char* perms, const char*) {
    if (perms[0] == 'r' && perms[1] == 'w' && perms[3] == 'p' && end - start <= kMaxScanned &&
        g_writable_count < kMaxMappings)
      g_writable[g_writable_count++] = {start, end};
  });
}

// At exit of a learning child: the pages of the server's writable mappings
// that are present and mapped by this process alone (pagemap bits 63 and
// 56), i.e. written by it.
void record_written_pages() {
  learned_pages& out = *g_learned;
  const int pagemap = ::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  if (pagemap < 0) return;
  std::uint64_t entries[512];
  std::uint32_t count = 0;
  for (std::size_t m = 0; m < g_writable_count; ++m) {
    const range& r = g_writable[m];
    for (std::uintptr_t at = r.start; at < r.end && count < kMaxPages;) {
      const std::size_t want = std::min<std::size_t>(512, (r.end - at) / kPage);
      const ssize_t got = ::pread(pagemap, entries, want * sizeof entries[0],
                                  static_cast<off_t>(at / kPage * sizeof entries[0]));
      if (got <= 0) break;
      const std::size_t n = static_cast<std::size_t>(got) / sizeof entries[0];
      for (std::size_t i = 0; i < n && count < kMaxPages; ++i) {
        const bool present = (entries[i] >> 63) & 1;
        const bool exclusive = (entries[i] >> 56) & 1;
        if (present && exclusive) out.pages[count++] = at + i * kPage;
      }
      at += n * kPage;
    }
  }
  ::close(pagemap);
  out.count = count;
  out.recorded = 1;
}

void rebuild_ranges() {
  g_prefault_count = 0;
  for (std::size_t i = 0; i < g_page_count; ++i) {
    if (g_prefault_count > 0 && g_prefault[g_prefault_count - 1].end == g_pages[i]) {
      g_prefault[g_prefault_count - 1].end += kPage;
    } else {
      g_prefault[g_prefault_count++] = {g_pages[i], g_pages[i] + kPage};
    }
  }
}

}  // namespace

void prepare_fork_server_pages() noexcept {
  share_code_page_tables();
  void* shared =
      ::mmap(nullptr, sizeof(learned_pages), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared != MAP_FAILED) g_learned = static_cast<learned_pages*>(shared);
}

int fork_schedule_child() noexcept {
  g_learning_child = g_learned != nullptr && g_learners < kLearners && g_tries < kLearningTries;
  if (g_learning_child) {
    ++g_tries;
    g_learned->count = 0;
    g_learned->recorded = 0;
    note_writable_mappings();
  }
  g_forking = true;
  const pid_t child = ::fork();
  g_forking = false;  // in the child too: the program's own forks do not prefault
  if (child == 0) {
    if (g_learning_child) std::atexit(record_written_pages);
  }
  return child;
}

void fork_server_child_ended() noexcept {
  if (!g_learning_child || g_learned->recorded == 0) return;
  ++g_learners;
  // Sorted, each page once, at most kMaxPages (the first ones kept).
  const std::uint32_t count = std::min<std::uint32_t>(g_learned->count, kMaxPages);
  std::uintptr_t* learned = g_learned->pages;
  std::sort(learned, learned + count);
  std::uintptr_t merged[kMaxPages];
  std::size_t n = 0;
  std::size_t i = 0;
  std::size_t j = 0;
  while (n < kMaxPages && (i < g_page_count || j < count)) {
    const bool take_old = j == count || (i < g_page_count && g_pages[i] <= learned[j]);
    const std::uintptr_t page = take_old ? g_pages[i++] : learned[j++];
    if (n == 0 || merged[n - 1] != page) merged[n++] = page;
  }
  std::copy(merged, merged + n, g_pages);
  g_page_count = n;
  rebuild_ranges();
}

void fork_server_prefault_in_child() noexcept {
  if (!g_forking) return;  // not the fork server's own fork()
  g_forking = false;
  // A range the server has unmapped since, or made read-only, fails: no harm.
  for (std::size_t i = 0; i < g_prefault_count; ++i) {
    const range& r = g_prefault[i];
    ::madvise(reinterpret_cast<void*>(r.start), r.end - r.start, MADV_POPULATE_WRITE);
  }
}

}  // namespace concheck::detail
