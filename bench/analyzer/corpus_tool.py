#!/usr/bin/env python3
"""Helper of bench/analyzer/corpus.sh (the analyzer's real-code corpus).

Contract:
  corpus_tool.py makedb SRC_DIR OUT_DIR
      Writes OUT_DIR/compile_commands.json from `make -n` run in SRC_DIR (a
      configured autotools tree): every printed compiler command with -c
      becomes an entry (directory SRC_DIR). Nothing is compiled.
  corpus_tool.py keepdb DB_DIR OUT_DIR ROOT [FLAG...]
      Writes OUT_DIR/compile_commands.json with the entries of
      DB_DIR/compile_commands.json whose source lies under ROOT (the project's
      own files; code generated into the build tree is left out), each FLAG
      added after the compiler, and prints how many it kept.
  corpus_tool.py debsrc FILE.sources...
      Prints, for each deb822 stanza of type deb that is enabled, the same
      stanza with "Types: deb-src" (what corpus.sh adds when apt has no
      deb-src entry).
  corpus_tool.py files DB_DIR
      Prints the absolute source paths of DB_DIR/compile_commands.json.
  corpus_tool.py lines DB_DIR
      Prints the number of lines of the distinct sources of the database plus
      the project headers they include (every .h/.hpp/.hh/.inc file under the
      sources' project root, SRC given by the CORPUS_ROOT environment).
  corpus_tool.py keys PROJECT ROOT FINDINGS_JSONL
      Prints one stable key line per finding (TSV: project, rule, key, line).
  corpus_tool.py compare PROJECT ROOT FINDINGS_JSONL VERDICTS_TSV
      Prints the per-rule counts, the verdict counts and the unclassified
      findings in the verdict file's format; last line "SUMMARY ..." is parsed
      by corpus.sh.
A key is "relative/path.cc|enclosing::function|name1,name2": the file relative
to the project's source root, the function whose body holds the finding's line
(found by reading the source: braces counted, strings and comments skipped),
and the quoted names in the message (variables, locks), so that it survives
line shifts and rewordings of the message. Findings that share a key get
"#2", "#3"... in line order.
"""
import collections
import json
import os
import re
import shlex
import subprocess
import sys

COMPILERS = re.compile(r"^(?:\S*/)?(?:g\+\+|gcc|cc|c\+\+|clang\+\+|clang)(?:-\d+)?$")


def makedb(src, out):
    text = subprocess.run(["make", "-n"], cwd=src, capture_output=True, text=True).stdout
    entries = []
    for line in text.replace("\\\n", " ").splitlines():
        try:
            words = shlex.split(line)
        except ValueError:
            continue
        if not words or not COMPILERS.match(words[0]) or "-c" not in words:
            continue
        sources = [w for w in words if re.search(r"\.(c|cc|cpp|cxx)$", w) and not w.startswith("-")]
        if len(sources) != 1:
            continue
        entries.append({"directory": os.path.abspath(src), "file": sources[0],
                        "arguments": words})
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "compile_commands.json"), "w") as f:
        json.dump(entries, f, indent=1)
    print(len(entries))


def keepdb(db, out, root, flags=()):
    with open(os.path.join(db, "compile_commands.json")) as f:
        entries = json.load(f)
    root = os.path.realpath(root) + os.sep
    kept = [e for e in entries
            if os.path.realpath(os.path.join(e["directory"], e["file"])).startswith(root)]
    for e in kept:
        if "arguments" in e:
            e["arguments"][1:1] = list(flags)
        else:
            words = shlex.split(e["command"])
            e["command"] = shlex.join(words[:1] + list(flags) + words[1:])
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "compile_commands.json"), "w") as f:
        json.dump(kept, f, indent=1)
    print(len(kept))


def debsrc(paths):
    for path in paths:
        try:
            text = open(path, encoding="utf-8").read()
        except OSError:
            continue
        for stanza in re.split(r"\n\s*\n", text):
            fields = {}
            for line in stanza.splitlines():
                if ":" in line and not line.startswith((" ", "#")):
                    k, v = line.split(":", 1)
                    fields[k.strip().lower()] = v.strip()
            if "deb" not in fields.get("types", "").split() or fields.get("enabled", "yes").lower() == "no":
                continue
            print(re.sub(r"(?im)^Types:.*$", "Types: deb-src", stanza.strip("\n")) + "\n")


def db_files(db):
    with open(os.path.join(db, "compile_commands.json")) as f:
        entries = json.load(f)
    seen = []
    for e in entries:
        path = os.path.normpath(os.path.join(e["directory"], e["file"]))
        if path not in seen:
            seen.append(path)
    return seen


def count_lines(db, root):
    files = set(db_files(db))
    for dirpath, dirnames, names in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in ("debian", ".pc", "build")]
        for n in names:
            if n.endswith((".h", ".hpp", ".hh", ".hxx", ".inc", ".ipp")):
                files.add(os.path.join(dirpath, n))
    total = 0
    for p in files:
        try:
            with open(p, "rb") as f:
                total += f.read().count(b"\n")
        except OSError:
            pass
    return total


# --- enclosing function, from the source text
NOT_FUNCTIONS = {"if", "for", "while", "switch", "catch", "do", "else", "try", "return",
                 "sizeof", "decltype", "alignof", "noexcept", "static_assert", "defined"}


def strip_code(text):
    """Blanks comments, strings, character literals and preprocessor lines,
    keeping newlines. Returns the text and {line number: directive word}."""
    out = []
    directives = {}  # line number -> directive word
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i)); i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j])); i = j
        elif c == '"' or c == "'":
            if c == "'" and i > 0 and (text[i - 1].isalnum()) and text[i - 1] not in "uUL8":
                out.append(" "); i += 1; continue  # digit separator 1'000
            m = re.match(r'R"([^(\s]*)\(', text[i - 1:i + 20]) if c == '"' and i > 0 and text[i - 1] == "R" else None
            if m:
                end = text.find(")" + m.group(1) + '"', i)
                j = n if end < 0 else end + len(m.group(1)) + 2
            else:
                j = i + 1
                while j < n and text[j] != c and text[j] != "\n":
                    j += 2 if text[j] == "\\" else 1
                j = min(j + 1, n)
            out.append(c + re.sub(r"[^\n]", " ", text[i + 1:j - 1]) + (c if j - 1 > i else ""))
            i = j
        elif c == "#" and (i == 0 or text[text.rfind("\n", 0, i) + 1:i].strip() == ""):
            j = i
            while True:  # a preprocessor line, with its continuations
                k = text.find("\n", j)
                if k < 0:
                    k = n; break
                if text[k - 1] != "\\":
                    break
                j = k + 1
            m = re.match(r"#\s*(\w+)", text[i:k])
            if m:
                directives[text.count("\n", 0, i) + 1] = m.group(1)
            out.append(re.sub(r"[^\n]", " ", text[i:k])); i = k
        else:
            out.append(c); i += 1
    return "".join(out), directives


def function_name(header):
    """The name of the function a block header (text before '{') defines, or None."""
    h = re.sub(r"\s+", " ", header).strip()
    h = re.sub(r"^(?:(?:public|private|protected)\s*:(?!:)\s*)+", "", h)
    # drop a constructor's initializer list: "X::X(args) : a_(b), c_{d}" -> "X::X(args)"
    depth, cut = 0, None
    for k, ch in enumerate(h):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == ":" and depth == 0 and h[k - 1:k] != ":" and h[k + 1:k + 2] != ":":
            cut = k; break
    if cut is not None and ")" in h[:cut]:
        h = h[:cut]
    m = None
    # the last "name(" at paren depth 0 whose parenthesis closes before the end
    depth = 0
    for k, ch in enumerate(h):
        if ch == "(" and depth == 0:
            prefix = h[:k].rstrip()
            mm = re.search(r"((?:[A-Za-z_~][\w]*(?:<[^()]*?>)?::)*(?:operator\s*\S+?|~?[A-Za-z_]\w*))\s*$", prefix)
            if mm:
                m = mm
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
    if not m:
        return None
    name = m.group(1)
    last = name.split("::")[-1]
    if last in NOT_FUNCTIONS or h.lstrip().startswith(("[", "namespace", "class ", "struct ", "union ", "enum ")):
        return None
    if re.match(r"^(?:=|return\b|\(|,)", h):
        return None
    return re.sub(r"<[^<>]*>", "", name).replace(" ", "")


ACCESS = re.compile(r"\b(?:public|private|protected)\s*:(?!:)")
# a constructor's initializer list: "...) :" (not "::"), brace initializers follow
INIT_BRACE = re.compile(r"\)\s*(?:const\s*|noexcept\s*)*:(?!:)")


def qualify(scope, name):
    """scope::name, unless name already starts with scope or a part of it."""
    if not scope:
        return name
    parts = scope.split("::")
    for k in range(len(parts)):
        if name.startswith("::".join(parts[k:]) + "::"):
            return "::".join(parts[:k] + [name])
    return scope + "::" + name


class Source:
    def __init__(self, path):
        with open(path, encoding="utf-8", errors="replace") as f:
            code, directives = strip_code(f.read())
        self.funcs = []  # (start_line, end_line, qualified name)
        self.scopes = []  # (start_line, end_line, qualified class/namespace name)
        self.lines = code.split("\n")
        stack = []  # (header, line, scopes pushed) per '{'
        scope = []  # enclosing namespaces/classes
        last_stmt = 0
        line = 1
        # Each branch of an #if/#elif/#else chain starts from the braces open
        # at the #if, and after #endif the state at the end of the first
        # branch goes on (branches that each open a block stay balanced).
        conditionals = []  # [state at #if, state at the end of the first branch]
        for i, ch in enumerate(code):
            if ch == "\n":
                line += 1
                word = directives.get(line)
                if word in ("if", "ifdef", "ifndef"):
                    conditionals.append([(list(stack), list(scope)), None])
                elif word in ("elif", "else") and conditionals:
                    if conditionals[-1][1] is None:
                        conditionals[-1][1] = (list(stack), list(scope))
                    stack, scope = list(conditionals[-1][0][0]), list(conditionals[-1][0][1])
                elif word == "endif" and conditionals:
                    first = conditionals.pop()[1]
                    if first is not None:
                        stack, scope = first
            elif ch == "{":
                header = code[last_stmt:i]
                if INIT_BRACE.search(ACCESS.sub("", header)) and re.search(r"[\w>]\s*$", header):
                    stack.append((None, line, "init"))  # a member's brace initializer
                    continue
                name = function_name(header)
                kind = None
                m = re.search(r"\b(namespace|class|struct|union)\s+(?:\[\[[^\]]*\]\]\s*)?(?:\w+\s+)*?([A-Za-z_]\w*)\s*(?:final\s*)?(?::[^;{]*)?$", header.strip())
                if name is None and m and "(" not in header:
                    kind = m.group(2)
                stack.append((name, line, kind))
                if kind:
                    scope.append(kind)
                    stack[-1] = (name, line, "::".join(scope))
                last_stmt = i + 1
            elif ch == "}":
                if stack and stack[-1][2] == "init":
                    stack.pop()
                    continue
                if stack:
                    name, start, kind = stack.pop()
                    if kind and scope:
                        scope.pop()
                        self.scopes.append((start, line, kind))
                    if name:
                        self.funcs.append((start, line, qualify("::".join(scope), name)))
                last_stmt = i + 1
            elif ch == ";":
                last_stmt = i + 1

    def enclosing(self, line):
        best = None
        for start, end, name in self.funcs:
            if start <= line <= end and (best is None or start >= best[0]):
                best = (start, end, name)
        # the outermost named function that holds the line: a lambda or local
        # class inside it is part of it
        outer = None
        for start, end, name in self.funcs:
            if start <= line <= end and (outer is None or start < outer[0]):
                outer = (start, end, name)
        if outer:
            return outer[2]
        # not in a body (a defaulted member, a default member initializer): the
        # declaration on that line, in the innermost class or namespace
        inner = ""
        for start, end, name in self.scopes:
            if start <= line <= end and len(name) > len(inner):
                inner = name
        decl = function_name(self.lines[line - 1]) if 0 < line <= len(self.lines) else None
        return qualify(inner, decl or "<declaration>")


_sources = {}


def enclosing_function(path, line):
    if path not in _sources:
        try:
            _sources[path] = Source(path)
        except OSError:
            _sources[path] = None
    src = _sources[path]
    return src.enclosing(line) if src else "<unreadable>"


def names_of(message):
    names = []
    for n in re.findall(r"'([^']+)'", message):
        n = re.sub(r"\((anonymous|unnamed) (\w+) at [^)]*\)", r"(\1 \2)", n)
        if n not in names:
            names.append(n)
    return names


def findings_with_keys(project, root, jsonl):
    rows = []
    with open(jsonl, encoding="utf-8", errors="replace") as f:
        for text in f:
            text = text.strip()
            if not text.startswith("{"):
                continue
            d = json.loads(text)
            if "rule" not in d:
                continue
            path = d.get("file", "")
            rel = os.path.relpath(path, root) if path.startswith(root) else path
            func = enclosing_function(path, int(d.get("line", 0)))
            key = "%s|%s|%s" % (rel, func, ",".join(names_of(d.get("message", ""))))
            rows.append({"rule": d["rule"], "key": key, "line": d.get("line", 0),
                         "message": d.get("message", ""), "rel": rel})
    rows.sort(key=lambda r: (r["rule"], r["key"], r["line"]))
    seen = collections.Counter()
    for r in rows:
        seen[(r["rule"], r["key"])] += 1
        if seen[(r["rule"], r["key"])] > 1:
            r["key"] += "#%d" % seen[(r["rule"], r["key"])]
    return rows


def loose_key(key):
    """The key without the names after the first (a lock cited as evidence may
    change with the analyzer): the fallback when the exact key has no verdict."""
    base, _, nth = key.partition("#")
    path, func, names = (base.split("|") + ["", ""])[:3]
    return "%s|%s|%s%s" % (path, func, names.split(",")[0], "#" + nth if nth else "")


def read_verdicts(path):
    verdicts = {}
    if not os.path.exists(path):
        return verdicts
    with open(path, encoding="utf-8") as f:
        for text in f:
            if not text.strip() or text.startswith("#"):
                continue
            cols = text.rstrip("\n").split("\t")
            if len(cols) < 4:
                continue
            verdicts[(cols[0], cols[1], cols[2])] = (cols[3], cols[4] if len(cols) > 4 else "",
                                                    cols[5] if len(cols) > 5 else "")
    return verdicts


def compare(project, root, jsonl, verdicts_path):
    rows = findings_with_keys(project, root, jsonl)
    verdicts = read_verdicts(verdicts_path)
    loose = {}
    for (proj, rule, key), v in verdicts.items():
        loose.setdefault((proj, rule, loose_key(key)), v)
    per_rule = collections.Counter(r["rule"] for r in rows)
    counts = collections.Counter()
    false_causes = collections.Counter()
    unclassified = []
    for r in rows:
        v = verdicts.get((project, r["rule"], r["key"])) or loose.get((project, r["rule"], loose_key(r["key"])))
        if v and v[0] in ("true", "deliberate", "false"):
            counts[v[0]] += 1
            if v[0] == "false":
                false_causes[v[1] or "?"] += 1
        else:
            counts["unclassified"] += 1
            unclassified.append(r)
    current = {(project, r["rule"], r["key"]) for r in rows}
    current_loose = {(project, r["rule"], loose_key(r["key"])) for r in rows}
    gone = sorted(k for k in verdicts if k[0] == project and k not in current
                  and (k[0], k[1], loose_key(k[2])) not in current_loose)
    print("  findings per rule: " + (", ".join("%s %d" % kv for kv in sorted(per_rule.items())) or "none"))
    print("  verdicts: true %d, deliberate %d, false %d, unclassified %d" % (
        counts["true"], counts["deliberate"], counts["false"], counts["unclassified"]))
    if false_causes:
        print("  false by cause: " + ", ".join(
            "%s %d" % kv for kv in sorted(false_causes.items(), key=lambda kv: (-kv[1], kv[0]))))
    if gone:
        print("  %d classified finding(s) no longer reported (fixed, or the key changed)" % len(gone))
        if os.environ.get("SHOW_GONE") == "1":
            for k in gone:
                print("    gone: %s %s %s (%s)" % (k + (verdicts[k][0],)))
    if unclassified:
        print("  unclassified (paste into %s, fill verdict, cause, reason):" % os.path.basename(verdicts_path))
        for r in unclassified:
            print("%s\t%s\t%s\t?\t?\tline %s: %s" % (project, r["rule"], r["key"], r["line"], r["message"]))
    print("SUMMARY %d %d %d %d %d %s" % (len(rows), counts["true"], counts["deliberate"], counts["false"],
                                         counts["unclassified"],
                                         ",".join("%s=%d" % kv for kv in sorted(per_rule.items())) or "-"))


def main(argv):
    if len(argv) >= 3 and argv[1] == "makedb":
        makedb(argv[2], argv[3])
    elif len(argv) >= 5 and argv[1] == "keepdb":
        keepdb(argv[2], argv[3], argv[4], argv[5:])
    elif len(argv) >= 2 and argv[1] == "debsrc":
        debsrc(argv[2:])
    elif len(argv) == 3 and argv[1] == "files":
        print("\n".join(db_files(argv[2])))
    elif len(argv) == 4 and argv[1] == "lines":
        print(count_lines(argv[2], argv[3]))
    elif len(argv) == 5 and argv[1] == "keys":
        for r in findings_with_keys(argv[2], argv[3], argv[4]):
            print("%s\t%s\t%s\t%s" % (argv[2], r["rule"], r["key"], r["line"]))
    elif len(argv) == 6 and argv[1] == "compare":
        compare(argv[2], argv[3], argv[4], argv[5])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
