#!/usr/bin/env python3
"""Tests of corpus_tool.py's finding keys: `python3 bench/analyzer/corpus_tool_test.py`.

Contract: each test fails if a key stops being what the verdict file relies
on (enclosing function, names from the message, #N numbering, loose match).
"""
import json
import os
import tempfile
import unittest

import corpus_tool

SOURCE = r'''
#include <mutex>
namespace outer {
namespace inner {
class Cache {
 public:
  Cache(int n) : size_(n), name_{"x:y"} { grow(); }
  Cache& operator=(const Cache&) = default;
  void grow() {
    auto f = [this] { size_ *= 2; };
    f();
  }
  int size_;
  const char* name_;
};
}  // namespace inner

int inner::helper(int a) {
  const char* s = "}{";  // } {
  char c = '}';
#if defined(A)
  if (a) {
#elif defined(B)
  if (a > 1) {
#else
  if (a > 2) {
#endif
    a = 1'000;
  }
  return a + c + s[0];
}
}  // namespace outer
'''


class KeyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp()
        cls.path = os.path.join(cls.dir, "src", "cache.cc")
        os.makedirs(os.path.dirname(cls.path))
        with open(cls.path, "w") as f:
            f.write(SOURCE)
        cls.lines = SOURCE.split("\n")

    def line_of(self, text):
        return next(i + 1 for i, l in enumerate(self.lines) if text in l)

    def test_constructor_with_initializer_list(self):
        self.assertEqual(corpus_tool.enclosing_function(self.path, self.line_of("grow(); }")),
                         "outer::inner::Cache::Cache")

    def test_lambda_belongs_to_the_function_around_it(self):
        self.assertEqual(corpus_tool.enclosing_function(self.path, self.line_of("size_ *= 2")),
                         "outer::inner::Cache::grow")

    def test_defaulted_member_named_by_its_declaration(self):
        self.assertEqual(corpus_tool.enclosing_function(self.path, self.line_of("= default")),
                         "outer::inner::Cache::operator=")

    def test_out_of_line_definition_strings_chars_and_if_branches(self):
        self.assertEqual(corpus_tool.enclosing_function(self.path, self.line_of("a = 1'000")),
                         "outer::inner::helper")
        self.assertEqual(corpus_tool.enclosing_function(self.path, self.line_of("return a + c")),
                         "outer::inner::helper")

    def test_keys_number_duplicates_and_drop_anonymous_locations(self):
        findings = [
            {"rule": "unprotected-write", "file": self.path, "line": self.line_of("size_ *= 2"),
             "message": "write to 'outer::inner::Cache::size_' without holding a lock; elsewhere it is "
                        "accessed with 'outer::inner::Cache::m_' held"},
            {"rule": "unprotected-write", "file": self.path, "line": self.line_of("size_ *= 2"),
             "message": "write to 'outer::inner::Cache::size_' without holding a lock; elsewhere it is "
                        "accessed with 'outer::inner::Cache::m_' held"},
            {"rule": "unprotected-write", "file": self.path, "line": self.line_of("grow(); }"),
             "message": "write to 'P::(anonymous union at /x/p.h:3:5)::u_' without holding a lock"},
        ]
        jsonl = os.path.join(self.dir, "findings.json")
        with open(jsonl, "w") as f:
            f.write("\n".join(json.dumps(x) for x in findings) + "\n")
        keys = [r["key"] for r in corpus_tool.findings_with_keys("p", self.dir, jsonl)]
        self.assertEqual(keys, [
            "src/cache.cc|outer::inner::Cache::Cache|P::(anonymous union)::u_",
            "src/cache.cc|outer::inner::Cache::grow|outer::inner::Cache::size_,outer::inner::Cache::m_",
            "src/cache.cc|outer::inner::Cache::grow|outer::inner::Cache::size_,outer::inner::Cache::m_#2",
        ])

    def test_loose_key_keeps_the_variable_and_the_number(self):
        self.assertEqual(corpus_tool.loose_key("a.cc|f|v,lock#2"), "a.cc|f|v#2")
        self.assertEqual(corpus_tool.loose_key("a.cc|f|v"), "a.cc|f|v")

    def test_debsrc_mirrors_enabled_deb_stanzas(self):
        path = os.path.join(self.dir, "x.sources")
        with open(path, "w") as f:
            f.write("Types: deb\nURIs: http://a/debian\nSuites: s\n\nTypes: deb\nURIs: http://b\nEnabled: no\n")
        import contextlib
        import io
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            corpus_tool.debsrc([path])
        self.assertEqual(out.getvalue(), "Types: deb-src\nURIs: http://a/debian\nSuites: s\n\n")

    def test_keepdb_keeps_the_sources_under_the_root(self):
        src, tree, out = (os.path.join(self.dir, d) for d in ("src", "tree", "out"))
        os.makedirs(os.path.join(src, "lib"))
        os.makedirs(os.path.join(tree, "gen-cpp"))
        entries = [{"directory": tree, "file": os.path.join(src, "lib", "a.cpp"), "command": "c++ -c a.cpp"},
                   {"directory": tree, "file": "gen-cpp/b.cpp", "command": "c++ -c b.cpp"},
                   {"directory": src, "file": "lib/c.cpp", "command": "c++ -c c.cpp"}]
        with open(os.path.join(tree, "compile_commands.json"), "w") as f:
            json.dump(entries, f)
        import contextlib
        import io
        with contextlib.redirect_stdout(io.StringIO()):
            corpus_tool.keepdb(tree, out, src, ["-Wno-x"])
        with open(os.path.join(out, "compile_commands.json")) as f:
            kept = json.load(f)
        self.assertEqual([e["file"] for e in kept], [os.path.join(src, "lib", "a.cpp"), "lib/c.cpp"])
        self.assertEqual(kept[1]["command"], "c++ -Wno-x -c c.cpp")


if __name__ == "__main__":
    unittest.main()
