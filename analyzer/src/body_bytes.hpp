// concheck analyzer: how much of a source text is function bodies, read as
// text (no preprocessing), for include_reach.hpp's choice of a whole parse.
//
// What a header costs to parse with its bodies, over what it costs with them
// skipped, grows with its bodies, not its size: kyotocabinet's kcutil.h (78 KB,
// 43 KB of inline bodies) doubles the cost of each TU that includes it when
// parsed whole, zeromq3's headers (zmq.h, 30 KB of declarations, none) do not.
//
// The count: comments, string and character literals and preprocessor lines
// are skipped; a `{` whose preceding token is `)` or one of `const`,
// `noexcept`, `override`, `final`, `try`, `mutable` (a function, a
// constructor after its initializer list, a lambda at namespace scope) opens
// a body, which runs to its matching `}`; the bytes between are counted
// (bodies nested in a body once). A brace after anything else (a class, a
// namespace, an initializer) opens no body, but bodies inside it count.
// Macros are not expanded: a body written by a macro is not seen. Cost: one
// pass over the text.
#pragma once

#include <cstdint>
#include <string_view>

namespace concheck::analyzer {

std::uintmax_t body_bytes(std::string_view text);

}  // namespace concheck::analyzer
