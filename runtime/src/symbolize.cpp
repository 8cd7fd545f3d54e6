// Report-time symbolization with gcc's libbacktrace and dladdr; the rules that
// mark frames `internal`; symbolize_stack() and make_site() of stack_depot.hpp
// (whose choice of frame is site_frames.hpp's).
#include "symbolize.hpp"

#include <cxxabi.h>
#include <dlfcn.h>
#include <pthread.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <unordered_map>

#include "backtrace.h"
#include "concheck/detector/internal_lock.hpp"
#include "explore_scheduler.hpp"
#include "site_frames.hpp"
#include "stack_depot.hpp"

namespace concheck::detail {
namespace {

// Constant-initialized (usable before dynamic initializers run); the cache is
// created on first use and never destroyed, as reports can be written during
// static destruction.
struct symbolizer_cache {
  std::unordered_map<std::uintptr_t, std::vector<detector::frame>> frames_by_pc;
  std::string self_exe;
};
constinit internal_lock g_symbolizer_lock{lock_rank::symbolizer};  // guards everything below
constinit backtrace_state* g_symbolizer_state = nullptr;
constinit bool g_state_tried = false;
constinit symbolizer_cache* g_cache_ptr = nullptr;

symbolizer_cache& cache_locked() {
  if (g_cache_ptr == nullptr) g_cache_ptr = new symbolizer_cache();
  return *g_cache_ptr;
}

// Only mangled C++ names (_Z...): a plain C name can also parse as a
// mangling ("b" would become "bool", "f" "float").
std::string demangle(const char* name) {
  if (name == nullptr) return {};
  if (std::strncmp(name, "_Z", 2) != 0) return name;
  int status = 0;
  char* demangled = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  if (status != 0 || demangled == nullptr) return name;
  std::string result(demangled);
  std::free(demangled);
  return result;
}

void ignore_error(void*, const char*, int) {}  // missing debug info is normal; module+offset remain

backtrace_state* backtrace_state_locked() {
  if (!g_state_tried) {
    g_state_tried = true;
    // nullptr: libbacktrace finds the executable itself (/proc/self/exe);
    // threaded = 1 because reports may be written from any thread.
    g_symbolizer_state = backtrace_create_state(nullptr, 1, ignore_error, nullptr);
  }
  return g_symbolizer_state;
}

const std::string& self_exe_locked() {
  std::string& g_self_exe = cache_locked().self_exe;
  if (g_self_exe.empty()) {
    std::array<char, 4096> buffer{};
    const ssize_t n = ::readlink("/proc/self/exe", buffer.data(), buffer.size() - 1);
    if (n > 0) g_self_exe.assign(buffer.data(), static_cast<std::size_t>(n));
  }
  return g_self_exe;
}

// fork(): if another thread was symbolizing, the cache and libbacktrace's
// state may be half-built; the child abandons both (leaked) and starts afresh.
// No prepare handler, for the reason given in report_sink.cpp.
void symbolizer_after_fork_in_child() {
  if (g_symbolizer_lock.reset_after_fork()) {
    g_cache_ptr = nullptr;
    g_symbolizer_state = nullptr;
    g_state_tried = false;
  }
}

[[gnu::constructor]] void register_symbolizer_fork_handler() {
  ::pthread_atfork(nullptr, nullptr, symbolizer_after_fork_in_child);
}

struct pcinfo_result {
  std::vector<detector::frame>* frames;
  std::uintptr_t pc;
};

int on_pcinfo(void* data, std::uintptr_t, const char* file, int line, const char* function) {
  auto* result = static_cast<pcinfo_result*>(data);
  if (file == nullptr && function == nullptr) return 0;
  detector::frame f;
  f.pc = result->pc;
  f.function = demangle(function);
  if (file != nullptr) f.file = file;
  f.line = line;
  result->frames->push_back(std::move(f));
  return 0;
}

void on_syminfo(void* data, std::uintptr_t, const char* symbol, std::uintptr_t, std::uintptr_t) {
  if (symbol != nullptr) *static_cast<std::string*>(data) = demangle(symbol);
}

struct data_symbol {
  std::string name;
  std::uintptr_t start = 0;
  std::uintptr_t size = 0;
};

void on_data_syminfo(void* data, std::uintptr_t, const char* symbol, std::uintptr_t value,
                     std::uintptr_t size) {
  if (symbol == nullptr) return;
  auto* out = static_cast<data_symbol*>(data);
  out->name = demangle(symbol);
  out->start = value;
  out->size = size;
}

}  // namespace

void name_outermost_frame(std::vector<detector::frame>& frames, std::string symbol);

namespace {

std::vector<detector::frame> symbolize_locked(std::uintptr_t pc, bool is_return_address) {
  // The call instruction ends just before the return address.
  const std::uintptr_t lookup = is_return_address && pc > 0 ? pc - 1 : pc;
  std::vector<detector::frame> frames;
  if (backtrace_state* state = backtrace_state_locked()) {
    pcinfo_result result{&frames, pc};
    backtrace_pcinfo(state, lookup, on_pcinfo, ignore_error, &result);
    if (frames.empty()) {
      frames.push_back(detector::frame{});
      frames.back().pc = pc;
    }
    // DWARF often names a member function by its bare name ("TestBody");
    // the symbol table has the mangled, fully qualified name of the function
    // the code really belongs to, which is the outermost (last) frame.
    std::string symbol;
    backtrace_syminfo(state, lookup, on_syminfo, ignore_error, &symbol);
    name_outermost_frame(frames, std::move(symbol));
  } else {
    frames.push_back(detector::frame{});
    frames.back().pc = pc;
  }
  Dl_info info{};
  if (::dladdr(reinterpret_cast<void*>(lookup), &info) != 0) {
    std::string module = info.dli_fname != nullptr ? info.dli_fname : "";
    // The main program's map has no usable name (empty or argv[0]).
    if (module.empty() || module.front() != '/') module = self_exe_locked();
    const auto offset = pc - reinterpret_cast<std::uintptr_t>(info.dli_fbase);
    for (detector::frame& f : frames) {
      f.module = module;
      f.offset = offset;
      if (f.function.empty() && info.dli_sname != nullptr) f.function = demangle(info.dli_sname);
    }
  }
  for (detector::frame& f : frames) f.internal = is_internal_frame(f);
  return frames;
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

std::string_view base_name(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// A path as written in DWARF, without "." and ".." parts: clang names
// libstdc++'s headers through its own folder
// ("/usr/bin/../lib/gcc/x86_64-linux-gnu/12/../../../../include/c++/12/bits/
// stl_construct.h"), which the prefix checks below must see as
// "/usr/include/c++/12/bits/stl_construct.h".
std::string normal_path(std::string_view file) {
  if (file.find("/.") == std::string_view::npos) return std::string(file);
  return std::filesystem::path(file).lexically_normal().string();
}

// libstdc++'s headers (/usr/include/c++/12/... and the target-specific
// /usr/include/x86_64-linux-gnu/c++/12/bits/gthr-default.h) and gcc's own
// folder. `file` as normal_path gives it.
bool is_library_header(std::string_view file) {
  return (starts_with(file, "/usr/include/") && file.find("/c++/") != std::string_view::npos) ||
         starts_with(file, "/usr/lib/gcc/");
}

// concheck's own library sources: <root>/runtime/ and <root>/detector/, found
// from this file's path (CMake compiles with absolute paths). Tests, samples
// and benchmarks in the same tree are user code.
std::string_view source_root() {
  constexpr std::string_view self = __FILE__;
  constexpr std::string_view tail = "runtime/src/symbolize.cpp";
  if (self.size() > tail.size() && self.substr(self.size() - tail.size()) == tail) {
    return self.substr(0, self.size() - tail.size());
  }
  return {};
}

constexpr std::array<std::string_view, 12> kInternalNamePrefixes{
    "std::",    "__gnu_cxx::", "__cxxabiv1::", "__cxa_",    "pthread_",    "__pthread",
    "_Unwind_", "__libc_",     "__GI_",        "__gthread", "__sanitizer", "__interceptor_"};

// libc's thread and process entry points, matched whole (users may well have
// functions whose names merely start like these).
constexpr std::array<std::string_view, 5> kInternalNames{"clone", "clone3", "__clone", "start_thread",
                                                         "_start"};

constexpr std::array<std::string_view, 9> kInternalModules{
    "libconcheck", "libstdc++", "libc.so", "libc-", "libpthread", "libgcc_s", "ld-linux", "libdl", "libm.so"};

}  // namespace

std::string_view function_qualified_name(std::string_view name) {
  std::size_t start = 0;
  int depth = 0;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (depth == 0 && starts_with(name.substr(i), "operator")) {
      i += 8;
      if (starts_with(name.substr(i), "()")) {
        ++i;
        continue;
      }
      while (i < name.size() && std::strchr("<>=!+-*/%^&|~[],", name[i]) != nullptr) ++i;
      --i;
      continue;
    }
    // A return type spelled "decltype (...)" (clang's name for
    // std::construct_at): its parentheses are not the parameter list.
    if (depth == 0 &&
        (starts_with(name.substr(i), "decltype (") || starts_with(name.substr(i), "decltype("))) {
      i = name.find('(', i);
      for (int open = 0; i < name.size(); ++i) {
        if (name[i] == '(') ++open;
        if (name[i] == ')' && --open == 0) break;
      }
      continue;
    }
    if (depth == 0 && c == '(' && starts_with(name.substr(i), "(anonymous namespace)")) {
      i += std::string_view("(anonymous namespace)").size() - 1;
      continue;
    }
    if (depth == 0 && c == '(') return name.substr(start, i - start);
    if (c == '<' || c == '(' || c == '{' || c == '[') ++depth;
    if ((c == '>' || c == ')' || c == '}' || c == ']') && depth > 0) --depth;
    if (depth == 0 && c == ' ') start = i + 1;
  }
  return name.substr(start);
}

bool is_internal_frame(const detector::frame& frame) {
  const std::string_view function = function_qualified_name(frame.function);
  // concheck's own code is told by where it lives (its source folders,
  // installed headers, libconcheck*), not by namespace: users and our own
  // tests write code in namespace concheck too. The name decides only for a
  // frame with no file to go by.
  if (frame.file.empty() && starts_with(function, "concheck::")) return true;
  for (std::string_view prefix : kInternalNamePrefixes) {
    if (starts_with(function, prefix)) return true;
  }
  for (std::string_view name : kInternalNames) {
    if (function == name) return true;
  }
  const std::string normal = normal_path(frame.file);
  const std::string_view file = normal;
  if (is_library_header(file) || file.find("/include/concheck/") != std::string_view::npos) return true;
  const std::string_view root = source_root();
  if (!root.empty() && starts_with(file, root)) {
    const std::string_view rest = file.substr(root.size());
    if (starts_with(rest, "runtime/") || starts_with(rest, "detector/")) return true;
  }
  const std::string_view module = base_name(frame.module);
  for (std::string_view prefix : kInternalModules) {
    if (starts_with(module, prefix)) return true;
  }
  return false;
}

// Names the outermost frame of one pc after the symbol table's function.
// Usually the DWARF chain ends at that function and only its name is
// completed. But libbacktrace sometimes finds no inlined chain for a pc whose
// code was inlined from library headers into the user's function (seen with
// gcc 12 -O2: std::thread's constructor inlined through
// vector<std::thread>::emplace_back into main, where addr2line finds six
// frames): the one frame it gives is the library header's line with no
// caller. Naming that frame after main would put main in std_thread.h; the
// user's function gets a frame of its own instead, with no file (a report
// then shows its module and offset, which addr2line -i turns into the line).
void name_outermost_frame(std::vector<detector::frame>& frames, std::string symbol) {
  if (symbol.empty()) return;
  detector::frame& outer = frames.back();
  detector::frame by_name;
  by_name.function = symbol;
  const bool header_line = !outer.file.empty() && is_library_header(normal_path(outer.file));
  if (header_line && !is_internal_frame(by_name)) {
    by_name.pc = outer.pc;
    frames.push_back(std::move(by_name));
    return;
  }
  outer.function = std::move(symbol);
}

std::vector<detector::frame> symbolize_pc(std::uintptr_t pc, bool is_return_address) {
  internal_guard guard(g_symbolizer_lock);
  const std::uintptr_t key = pc ^ (is_return_address ? 0 : (std::uintptr_t{1} << 63));
  auto& cache = cache_locked().frames_by_pc;
  auto found = cache.find(key);
  if (found != cache.end()) return found->second;
  std::vector<detector::frame> frames = symbolize_locked(pc, is_return_address);
  cache.emplace(key, frames);
  return frames;
}

bool data_symbol_at(std::uintptr_t address, std::string& name, std::uintptr_t& start, std::uintptr_t& size) {
  if (address == 0) return false;
  data_symbol found;
  {
    internal_guard guard(g_symbolizer_lock);
    if (backtrace_state* state = backtrace_state_locked()) {
      backtrace_syminfo(state, address, on_data_syminfo, ignore_error, &found);
    }
  }
  if (found.name.empty() || address < found.start) return false;
  for (std::string_view special :
       {"vtable for ", "VTT for ", "construction vtable for ", "typeinfo", "guard variable for ", "TLS "}) {
    if (found.name.rfind(special, 0) == 0) return false;
  }
  constexpr std::string_view kAnonymous = "(anonymous namespace)::";
  for (std::size_t at = found.name.find(kAnonymous); at != std::string::npos;
       at = found.name.find(kAnonymous)) {
    found.name.erase(at, kAnonymous.size());
  }
  name = std::move(found.name);
  start = found.start;
  size = found.size;
  return true;
}

std::string data_symbol_name(std::uintptr_t address) {
  std::string name;
  std::uintptr_t start = 0;
  std::uintptr_t size = 0;
  if (!data_symbol_at(address, name, start, size)) return {};
  const std::uintptr_t offset = address - start;
  if (offset == 0) return name;
  return name + "+" + std::to_string(offset);
}

std::vector<detector::frame> symbolize_stack(stack_id id) {
  std::vector<detector::frame> frames;
  for (std::uintptr_t pc : stack_pcs(id)) {
    std::vector<detector::frame> expanded = symbolize_pc(pc);
    frames.insert(frames.end(), std::make_move_iterator(expanded.begin()),
                  std::make_move_iterator(expanded.end()));
  }
  return frames;
}

detector::site make_site(stack_id id) {
  // In explore mode a report is often built in a controlled thread, and the
  // first symbolization in a process reads debug information: not a spin
  // (a lock-order inversion's report was once taken for one at load ~8).
  const explore::report_scope during;
  detector::site site;
  site.frames = symbolize_stack(id);
  locate_site(site);
  return site;
}

}  // namespace concheck::detail
