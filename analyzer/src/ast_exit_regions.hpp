// concheck analyzer: what code of a function can still run after a point
// (private).
//
// A point inside a block that ends the function on every path (`if (opened)
// { set_error(...); return false; }`) is followed, on every path through it,
// only by the rest of that block: the code written after the block runs on
// the other paths alone. before_start.hpp uses it for the first point where a
// thread that reaches `this` may exist: a thread started (or `this` handed
// on) in such a block cannot reach the code after it.
//
// exit_regions keeps, while a body is walked in source order, the stack of
// enclosing regions that end the function:
//  - a compound statement whose last statement ends every path through it
//    (ends_function) and that has no jump leaving it other than by ending the
//    function: no goto anywhere in it, no break or continue that is not inside
//    a loop (or, for break, a switch) of its own;
//  - a return statement (`if (x) return f();`): the point is in its operand.
// A statement ends every path when it is a return, a throw, a call that never
// returns (ast_paths.hpp), a compound statement whose last statement does, or
// an if/else whose two branches do.
// Regions are only trusted outside every try statement (a handler may run
// code after the region once a callee throws) and outside a local class's
// methods (they run whenever they are called): barrier() marks those.
// reach_end() is the end of the innermost trusted region around the current
// point, or an empty location (the rest of the function may follow).
// Cost: a region's check scans the block once for jumps, only when its last
// statement ends the function.
#pragma once

#include <clang-c/Index.h>

#include <vector>

#include "ast_paths.hpp"
#include "facts.hpp"

namespace concheck::analyzer::detail {

class exit_regions {
 public:
  explicit exit_regions(noreturn_oracle& noreturn) : noreturn_(noreturn) {}

  // RAII: the region of a compound statement (pushed only when it ends the
  // function) or of a return statement, for the time its contents are walked.
  class scope {
   public:
    scope(exit_regions& r, CXCursor stmt);
    ~scope();
    scope(const scope&) = delete;
    scope& operator=(const scope&) = delete;

   private:
    exit_regions& r_;
    bool pushed_ = false;
  };
  // RAII: a try statement or a local class's body (regions inside untrusted).
  class barrier {
   public:
    explicit barrier(exit_regions& r) : r_(r) { ++r_.barriers_; }
    ~barrier() { --r_.barriers_; }
    barrier(const barrier&) = delete;
    barrier& operator=(const barrier&) = delete;

   private:
    exit_regions& r_;
  };

  // The end of the innermost trusted region around the current point, or an
  // empty location.
  location reach_end() const;

  // Whether every path through `stmt` ends the function (see above).
  bool ends_function(CXCursor stmt, int depth = 0);

 private:
  struct region {
    location end;
    bool trusted = false;
  };
  noreturn_oracle& noreturn_;
  std::vector<region> stack_;
  int barriers_ = 0;
};

}  // namespace concheck::analyzer::detail
