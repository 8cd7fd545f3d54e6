// concheck CLI: drawing a DOT graph as SVG with graphviz's `dot` program.
//
// dot_to_svg() writes the graph into a private temporary directory (under
// $TMPDIR, else /tmp), runs `DOT_PROGRAM -Tsvg` on it as a child process
// (posix_spawnp: looked up in PATH, stdout and stderr captured), waits for it
// and removes the directory. It is the only place in concheck's tool that
// starts another program; the detector's renderers stay pure.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

namespace concheck::cli {

// The SVG drawing of `dot`; nullopt after writing one message line to `err`
// when the program is missing (naming the graphviz package to install), cannot
// be run, fails (with its own output), or the temporary files cannot be written.
// Messages start with "concheck report: ".
std::optional<std::string> dot_to_svg(const std::string& dot, const std::string& dot_program,
                                      std::ostream& err);

}  // namespace concheck::cli
