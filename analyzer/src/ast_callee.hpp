// concheck analyzer: the function a call names, as summaries key it (private).
//
// The body walker summarizes a function template once, from its written
// body, under the template's USR ("c:@S@DFA@FT@>3#Nb#Nb#NbLoop#..."): libclang
// shows no instantiated bodies. A call of a template names the specialization
// it instantiates ("c:@S@DFA@F@Loop<#Vb0#Vb0#Vb0>#..."), for which no summary
// exists, so the template's callers, and the locks they hold, were not found.
// callee_id() gives such an implicit instantiation the template's USR, so a
// call reaches the written body. The same holds for a method of a class
// template (`queue<T>::push`, summarized under the template's member, called
// as `queue<int>::push`) and for a member template of one: the callee is
// followed back, step by step (clang_getSpecializedCursorTemplate), to the
// member written in the template. A partial specialization's member is
// followed to that member, which has its own body. An explicit
// specialization (`template <> long g<long>(long)`, `template <> void
// queue<long>::push(long)`) has a body of its own, summarized under its own
// USR, and keeps it. Assumed: an implicit instantiation is declared, and
// defined, where a declaration of its template is (libclang gives it the
// location of the pattern it is instantiated from); an explicit
// specialization is defined elsewhere (a call of an explicitly specialized
// member names the specialization's implicit declaration, at the template's
// place, so its definition decides).
// Cost: a few libclang queries per call.
#pragma once

#include <clang-c/Index.h>

#include <string>

namespace concheck::analyzer::detail {

// The summary key of the function `callee` (the cursor a call references):
// the USR of the function or member written in a template for an implicit
// instantiation of it (a function template's, a class template's member's),
// its own USR otherwise ("" when it has none).
std::string callee_id(CXCursor callee);

}  // namespace concheck::analyzer::detail
