// The bytes of function bodies in a source text (body_bytes.hpp), read as
// text for the choice of a whole parse.
#include <gtest/gtest.h>

#include <string>

#include "body_bytes.hpp"

namespace {

using concheck::analyzer::body_bytes;

TEST(BodyBytes, CountsFunctionBodiesNotDeclarationsOrClasses) {
  // "{ return 1; }" is 13 bytes from its `{` to its `}`, the last not counted: 12.
  EXPECT_EQ(body_bytes("int f() { return 1; }\n"), 12U);
  EXPECT_EQ(body_bytes("int f();\nstruct S { int x; int g() const; };\nnamespace n { enum E { a, b }; }\n"),
            0U);
  EXPECT_EQ(body_bytes("struct S { int g() const { return 1; } };\n"), 12U);  // a body inside a class
  EXPECT_EQ(body_bytes("void h() noexcept { }\nS::S() : x_(0) { }\n"),
            4U);                                              // after noexcept, after an initializer
  EXPECT_EQ(body_bytes("int a[] = {1, 2};\nS s{3};\n"), 0U);  // initializers
}

TEST(BodyBytes, NestedBracesCountOnceAndTextOutsideCodeIsSkipped) {
  EXPECT_EQ(body_bytes("void f() { if (x) { y(); } }\n"), 18U);
  // A brace in a comment, a string, a character or a preprocessor line changes nothing.
  EXPECT_EQ(body_bytes("// void c() { }\n/* void d() { } */\n#define M() { }\n"
                       "const char* s = \"f() { }\";\nchar c = '{';\nint f() { return 1; }\n"),
            12U);
  EXPECT_EQ(body_bytes("#define LONG(x) \\\n  { x }\nint f() { return 1; }\n"),
            12U);  // a continued directive
  EXPECT_EQ(body_bytes("void f() { /* } */ g(\"}\"); }\n"), 18U);
}

TEST(BodyBytes, UnbalancedTextEndsCleanly) {
  EXPECT_EQ(body_bytes("void f() { g();\n"), 0U);  // never closed: not counted
  EXPECT_EQ(body_bytes("} } void f() { }\n"), 2U);
  EXPECT_EQ(body_bytes(""), 0U);
  EXPECT_EQ(body_bytes("char c = '"), 0U);
}

}  // namespace
