// concheck runtime: turning return addresses into frames, at report time only.
//
// Uses gcc's libbacktrace (DWARF, so inlined frames of gcc and clang code are
// right): function (demangled with abi::__cxa_demangle), file and line, one
// detector::frame per inlined call, innermost first. Module path and offset
// come from dladdr(3) for every frame, so a report can be symbolized offline
// (`addr2line -Cfie <module> <offset>`) even when debug info is missing here.
// One libbacktrace state, created lazily (threaded mode) and never freed.
// Results are cached per pc under the symbolizer's internal lock
// (internal_lock.hpp), never a user-visible lock. Cost, measured here (tests/runtime_support
// prints it): the first call reads the debug info of the modules it touches
// (tens to hundreds of ms); a cached pc costs a hash lookup.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "concheck/detector/finding.hpp"

namespace concheck::detail {

// Frames for one return address (innermost inlined call first, at least one
// frame). `is_return_address`: the pc follows a call (as captured stacks hold),
// so the line looked up is that of pc - 1, the call itself.
std::vector<detector::frame> symbolize_pc(std::uintptr_t pc, bool is_return_address = true);

// The program's name for the global object containing `address`, from the
// symbol tables libbacktrace already reads: "g_mu" for an object at the start
// of g_mu, "g_cache+16" for one 16 bytes into g_cache ("(anonymous
// namespace)::" dropped; a function-local static reads "main::mu"). "" for an
// address that is not in a global (heap, stack) or when there are no symbols.
// The member's own name would need DWARF type information, which
// libbacktrace does not read: the offset is what a reader gets, and the
// report's "Locks:" line says where the lock was first locked. Report time only.
std::string data_symbol_name(std::uintptr_t address);
// The same lookup, whole: the global's name (as above, without the offset),
// its start and its size in bytes (0 when the symbol table does not say).
// False where data_symbol_name gives "".
bool data_symbol_at(std::uintptr_t address, std::string& name, std::uintptr_t& start, std::uintptr_t& size);

// True when a frame lies inside concheck itself (its runtime/ and detector/
// source folders, installed concheck headers, libconcheck*.so; by namespace
// concheck:: only when the frame has no file, since user code and tests may
// live in a namespace named concheck) or the standard library (std::, __gnu_cxx::, pthread_*,
// unwinder and libc internals, libstdc++'s headers under /usr/include or gcc's folder,
// libstdc++, libc, libgcc_s, ld.so). Reports hide such frames by default and a
// site points at the first frame that is not internal.
bool is_internal_frame(const detector::frame& frame);

// Completes the frames libbacktrace gave for one pc with `symbol`, the symbol
// table's name of the function the pc is in: names the outermost frame after
// it, or, when that frame is a library header's line and `symbol` a user's
// function (an inlined chain libbacktrace did not find), appends a frame of
// its own for it, with no file. Exposed for tests.
void name_outermost_frame(std::vector<detector::frame>& frames, std::string symbol);

// The qualified name of a demangled function without its return type and
// parameters: "void ns::f<int>(int)" -> "ns::f<int>". Exposed for tests.
std::string_view function_qualified_name(std::string_view demangled);

}  // namespace concheck::detail
