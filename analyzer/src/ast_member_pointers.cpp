// Calls through pointers to member functions: `(this->*step)()` has no callee
// libclang can name, so the method it runs would lose the locks held at the
// call (and, when public, look like an unlocked entry point). The walker
// resolves such a call to the methods whose address the translation unit
// takes with a matching type:
//  - `&C::f` (a method's address) records f as a target of the dispatcher
//    "mptr:<class USR>:<function type>", a synthetic function of this TU that
//    calls every such f (with no locks of its own);
//  - `(obj->*p)(args)` with p of type `R (C::*)(A...)` calls that dispatcher
//    with the locks held there, so required-lock propagation gives every
//    target the locks held at every pointer call of its type.
// The dispatcher sits at no source location, so the same one built in several
// TUs is one function; the first TU's target list wins (targets whose address
// is taken only in other TUs are not reached: they keep their direct callers).
#include "ast_util.hpp"
#include "ast_walker.hpp"

namespace concheck::analyzer::detail {

namespace {

std::string dispatcher_id(const std::string& class_usr, CXType function_type) {
  return "mptr:" + class_usr + ":" + to_string(clang_getTypeSpelling(clang_getCanonicalType(function_type)));
}

function_facts& dispatcher(tu_facts& facts, const std::string& id, const std::string& class_display) {
  function_facts& f = facts.functions[id];
  if (f.id.empty()) {
    f.id = id;
    f.display = "call through a pointer to a member of " + class_display;
  }
  return f;
}

}  // namespace

void body_walker::note_member_address(CXCursor method) {
  if (clang_getCursorKind(method) != CXCursor_CXXMethod) return;
  CXCursor cls = clang_getCursorSemanticParent(method);
  std::string target = usr(method);
  if (target.empty() || is_null(cls)) return;
  function_facts& d =
      dispatcher(tu_.facts, dispatcher_id(usr(cls), clang_getCursorType(method)), qualified_name(cls));
  for (const auto& c : d.calls) {
    if (c.callee == target) return;
  }
  d.calls.push_back(
      call_fact{target, location_of(method), {}, {}, call_fact::receiver_kind::this_object, {}});
}

bool body_walker::member_pointer_call(CXCursor call) {
  auto kids = children(call);
  if (kids.empty()) return false;
  CXCursor callee = strip(kids[0]);
  while (clang_getCursorKind(callee) == CXCursor_ParenExpr) {
    auto inner = children(callee);
    if (inner.size() != 1) return false;
    callee = strip(inner[0]);
  }
  if (clang_getCursorKind(callee) != CXCursor_BinaryOperator) return false;
  auto op = clang_getCursorBinaryOperatorKind(callee);
  if (op != CXBinaryOperator_PtrMemD && op != CXBinaryOperator_PtrMemI) return false;
  auto sides = children(callee);
  if (sides.size() != 2) return false;
  CXType pointer = clang_getCanonicalType(clang_getCursorType(sides[1]));
  if (pointer.kind != CXType_MemberPointer) return false;
  CXCursor cls = clang_getTypeDeclaration(clang_Type_getClassType(pointer));
  if (is_null(cls)) return false;
  walk_children(call);
  std::string id = dispatcher_id(usr(cls), clang_getPointeeType(pointer));
  dispatcher(tu_.facts, id, qualified_name(cls));
  bool root = false;
  call_fact c{id, location_of(call), state_.snapshot(), {}, receiver_of(call, &root), {}};
  c.receiver_root = root;
  if (c.receiver == call_fact::receiver_kind::shared) c.receiver_param = receiver_param_of(call);
  add_call(std::move(c), receiver_path_of(call));
  return true;
}

}  // namespace concheck::analyzer::detail
