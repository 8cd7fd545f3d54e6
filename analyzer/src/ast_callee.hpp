// concheck analyzer: the function a call names, as summaries key it (private).
//
// The body walker summarizes a function template once, from its written
// body, under the template's USR ("c:@S@DFA@FT@>3#Nb#Nb#NbLoop#..."): libclang
// shows no instantiated bodies. A call of a template names the specialization
// it instantiates ("c:@S@DFA@F@Loop<#Vb0#Vb0#Vb0>#..."), for which no summary
// exists, so the template's callers, and the locks they hold, were not found.
// callee_id() gives such an implicit instantiation the template's USR, so a
// call reaches the written body. An explicit specialization
// (`template <> long g<long>(long)`) has a body of its own, summarized under
// its own USR, and keeps it. Assumed: an implicit instantiation is declared
// where a declaration of its template is (libclang gives it the location of
// the pattern it is instantiated from); an explicit specialization is written
// elsewhere. A member of a class template's specialization that is not itself
// a template is not mapped (docs/analyzer-checks.md, "Limits").
// Cost: a few libclang queries per call.
#pragma once

#include <clang-c/Index.h>

#include <string>

namespace concheck::analyzer::detail {

// The summary key of the function `callee` (the cursor a call references):
// its template's USR for an implicit instantiation of a function template,
// its own USR otherwise ("" when it has none).
std::string callee_id(CXCursor callee);

}  // namespace concheck::analyzer::detail
