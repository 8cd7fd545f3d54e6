// concheck analyzer: small helpers over libclang cursors and types (private).
//
// Strings are copied out of CXString at once; type names are canonical with
// template arguments, cv-qualifiers, references/pointers and libstdc++/libc++
// inline namespaces removed ("std::unique_lock", "concheck::mutex").
#pragma once

#include <clang-c/Index.h>

#include <string>
#include <vector>

#include "diagnostic.hpp"

namespace concheck::analyzer::detail {

// Copies the text out of `s` and disposes it (a null string gives ""). The
// analyzer's one way from CXString to std::string.
std::string to_string(CXString s);
std::string spelling(CXCursor c);
std::string usr(CXCursor c);
std::vector<CXCursor> children(CXCursor c);
bool is_null(CXCursor c);

// The cursor under implicit casts and parentheses (UnexposedExpr, ParenExpr).
CXCursor strip(CXCursor c);
// The same, under explicit C-style, static, reinterpret and const casts too.
CXCursor strip_casts(CXCursor c);
// The object expression a method call is made on (`o` of `o.f()`, `p` of
// `p->f()`, argument 0 of an operator call), or a null cursor.
CXCursor method_call_object(CXCursor call);

location location_of(CXCursor c);                 // expansion location of the cursor
location expansion_location(CXSourceLocation l);  // the same for a source location (an extent's start or end)
// True when `a` comes before `b` by line, then column (the same file assumed).
bool location_before(const location& a, const location& b);
bool in_system_header(CXCursor c);

// "ns::Class::name" from semantic parents (anonymous namespaces dropped).
std::string qualified_name(CXCursor decl);

// Canonical base name of a type (see file comment); "" when unnamed.
std::string base_type_name(CXType t);
// The declaration of a class type after stripping references and pointers.
CXCursor class_decl_of(CXType t);

// Whether a member expression names a non-static field that holds an object
// in place: `m` in `this->m.f` or `this->m[i].f`, a class or an array of
// them (not a pointer, a reference, or a type still dependent on a template
// parameter, which may turn out to be one).
bool by_value_field(CXCursor member_ref);

// A variable declaration's initializer: its last child that is not part of
// the declared type (type, namespace and template references, attributes);
// a null cursor when it has none.
CXCursor var_initializer(CXCursor var_decl);

// Whether the token right before `c` is `else`, `prev` being the statement
// before it among an IfStmt's children (they do not say which are present).
bool preceded_by_else(CXCursor prev, CXCursor c);

// Tokens of the cursor's extent, as strings.
std::vector<std::string> tokens_of(CXCursor c);

// The first token of an attribute cursor ("guarded_by", "requires_capability").
std::string attribute_name(CXCursor attr);

}  // namespace concheck::analyzer::detail
