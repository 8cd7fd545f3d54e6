// concheck runtime, race engine: the shadow call stack and access sites
// (race_runtime.hpp's func_entry, func_exit, current_site).
//
// func_entry pushes the call site (__tsan_func_entry's caller pc) and its
// token, a 64-bit hash of the caller's token and the call site; func_exit
// pops. Past kShadowStackDepth frames calls are only counted, so a site then
// names the outer 64 call sites and the access pc.
// current_site stores {pc, call sites innermost first} in the stack depot
// (lock-free); a per-thread cache keyed by (pc, top token) returns the same
// id for the same stack (the token names the stack's whole content: no
// frame comparison). Because the token hashes the content, a function
// called again from the same place finds its sites in the cache (a counter
// per push, as before, missed at every call, and the depot's hash and
// compare of the whole stack was a tenth of the time of a call-heavy
// program). Two stacks with one token (a 2^-64 chance per pair) would give
// a report the other one's frames, never change a verdict. Cost: push/pop a
// few stores and a multiply-xor hash; a cached site ~5 ns; a new one
// O(depth) hash + depot probe. In front of the cache, a 2x32-entry memo of
// (pc -> site) that every push and pop stales at once (a generation count;
// site_of in race_context.hpp): an access at a pc looked up since the last
// call or return costs an inline compare, no call and no hash.
#include "race/race_context.hpp"
#include "race/race_runtime.hpp"
#include "stack_depot.hpp"
#include "thread_registry.hpp"

namespace concheck::race {

void func_entry(std::uintptr_t caller_pc) noexcept {
  if (!enabled()) return;
  thread_context* self = current_context();
  if (self == nullptr) return;
  ++self->stack_gen;
  if (self->depth == kShadowStackDepth) {
    ++self->overflow;
    return;
  }
  std::uint64_t token = self->depth == 0 ? 0 : self->tokens[self->depth - 1];
  token = (token ^ caller_pc) * 0x9e3779b97f4a7c15ull + self->depth;  // splitmix64's finalizer over both
  token = (token ^ (token >> 30)) * 0xbf58476d1ce4e5b9ull;
  token = (token ^ (token >> 27)) * 0x94d049bb133111ebull;
  self->frames[self->depth] = caller_pc;
  self->tokens[self->depth] = token ^ (token >> 31);
  ++self->depth;
}

void func_exit() noexcept {
  if (!enabled()) return;
  thread_context* self = tls_context;
  if (self == nullptr) return;
  ++self->stack_gen;
  if (self->overflow != 0) {
    --self->overflow;
  } else if (self->depth != 0) {
    --self->depth;
  }
}

std::uint32_t current_site(std::uintptr_t pc) noexcept {
  thread_context* self = current_context();
  if (self == nullptr) {
    detail::inside_scope inside;
    return detail::stack_from_pc(pc);
  }
  return site_of(*self, pc);
}

std::uint32_t current_site_slow(thread_context& self, std::uintptr_t pc) noexcept {
  ++self.site_memo_misses;
  const std::uint64_t token = self.depth == 0 ? 0 : self.tokens[self.depth - 1];
  // Two ways per set. The set: a hash of the stack plus the pc / 4. A pc is
  // the return address of a hook's call, so the pcs of one function under
  // one stack (5 bytes apart at least) take distinct sets over 512 bytes of
  // code, and two stacks of it fit in the two ways; a hash of (pc, stack)
  // scattered them, and three in a set, which a loop of calls misses at
  // every turn, came with a few dozen pcs already.
  const std::uint64_t stack_part = (token * 0x9e3779b97f4a7c15ull) >> 57;
  site_cache_entry* ways = self.sites[(stack_part + (pc >> 2)) & (kSiteCacheSets - 1)];
  std::uint32_t site = 0;
  if (ways[0].pc == pc && ways[0].stack_token == token && ways[0].site != 0) {
    site = ways[0].site;
  } else if (ways[1].pc == pc && ways[1].stack_token == token && ways[1].site != 0) {
    site = ways[1].site;
  } else {
    ++self.site_cache_misses;
    std::uintptr_t pcs[kShadowStackDepth + 1];
    std::size_t count = 0;
    pcs[count++] = pc;
    for (std::uint32_t i = self.depth; i-- > 0;) pcs[count++] = self.frames[i];
    {
      // The depot copies with memcpy, which race detection interposes: its
      // accesses are concheck's own, not the program's (and would recurse).
      detail::inside_scope inside;
      site = detail::store_stack(pcs, count);
    }
    ways[1] = ways[0];
    ways[0] = {pc, token, site};
  }
  if (site != 0) {
    // The newest in way 0, the one it displaces in way 1: the two pcs most
    // recently looked up in a set both stay.
    site_memo_entry* memo = self.site_memo[site_memo_set(pc)];
    memo[1] = memo[0];
    memo[0] = {pc, self.stack_gen, site};
  }
  return site;
}

}  // namespace concheck::race
