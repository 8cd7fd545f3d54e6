// Compile jobs from the command line and from compile_commands.json; see compile_db.hpp.
#include "compile_db.hpp"

#include <clang-c/CXCompilationDatabase.h>
#include <fmt/format.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string_view>
#include <system_error>

#include "ast_util.hpp"
#include "compile_db_json.hpp"
#include "gcc_compat.hpp"

namespace concheck::analyzer {
namespace fs = std::filesystem;

std::string absolute_path(const std::string& path, const std::string& base) {
  fs::path p(path);
  if (p.is_relative()) {
    std::error_code ec;
    fs::path root = base.empty() ? fs::current_path(ec) : fs::path(base);
    p = root / p;
  }
  return p.lexically_normal().string();
}

namespace {

// Flags whose value is a path: made absolute so the parse does not depend on
// the working directory (and libclang names the files it finds absolutely).
constexpr std::string_view kPathFlags[] = {"-I",       "-isystem",  "-iquote",   "-idirafter",  "-include",
                                           "-imacros", "-isysroot", "--sysroot", "-iwithprefix"};

// Flags that would make the parse write a file, with and without a value.
constexpr std::string_view kDropWithValue[] = {"-o", "-MF", "-MT", "-MQ", "-MJ", "--serialize-diagnostics"};
constexpr std::string_view kDropAlone[] = {"-c",   "-S",  "-E",  "-M",          "-MM",          "-MD",
                                           "-MMD", "-MP", "-MG", "-save-temps", "-fsyntax-only"};

bool contains(const auto& list, std::string_view arg) {
  for (std::string_view item : list)
    if (arg == item) return true;
  return false;
}

std::string canonical_key(const std::string& path) {
  std::error_code ec;
  auto canon = fs::weakly_canonical(path, ec);
  return ec ? path : canon.string();
}

// Rewrites one entry's command line; see compile_job.
std::vector<std::string> rewrite_command(const std::vector<std::string>& args, const std::string& directory,
                                         const std::string& file, const std::vector<std::string>& extra) {
  std::vector<std::string> out;
  if (args.empty()) return out;
  out.push_back(args[0]);
  out.push_back("-working-directory");
  out.push_back(directory);
  const std::string file_key = canonical_key(file);
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (contains(kDropAlone, arg)) continue;
    if (contains(kDropWithValue, arg)) {
      ++i;
      continue;
    }
    if ((arg.starts_with("-o") || arg.starts_with("-MF") || arg.starts_with("-MT") ||
         arg.starts_with("-MQ")) &&
        arg.size() > 2 && arg != "-objc" && !arg.starts_with("-obj"))
      continue;
    if (contains(kPathFlags, arg) && i + 1 < args.size()) {
      out.push_back(arg);
      out.push_back(absolute_path(args[++i], directory));
      continue;
    }
    bool joined = false;
    for (std::string_view flag : {std::string_view("-I"), std::string_view("-isystem"),
                                  std::string_view("-iquote"), std::string_view("--sysroot=")}) {
      if (arg.size() > flag.size() && arg.starts_with(flag)) {
        out.push_back(std::string(flag) + absolute_path(arg.substr(flag.size()), directory));
        joined = true;
        break;
      }
    }
    if (joined) continue;
    if (arg[0] != '-' && canonical_key(absolute_path(arg, directory)) == file_key)
      continue;  // re-added below
    out.push_back(arg);
  }
  for (auto& flag : detail::gcc_compat_flags(args[0])) out.push_back(std::move(flag));
  out.insert(out.end(), extra.begin(), extra.end());
  out.push_back("-w");  // warnings are noise here, and -Werror would turn them into parse errors
  out.push_back(file);
  return out;
}

// A private temporary folder, removed with its contents by the destructor.
class temp_folder {
 public:
  temp_folder() {
    std::error_code ec;
    std::string pattern = (fs::temp_directory_path(ec) / "concheck-db-XXXXXX").string();
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (::mkdtemp(buffer.data()) != nullptr) path_ = buffer.data();
  }
  ~temp_folder() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  temp_folder(const temp_folder&) = delete;
  temp_folder& operator=(const temp_folder&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

compile_jobs jobs_from_files(const std::vector<std::string>& files, const std::vector<std::string>& flags) {
  compile_jobs result;
  std::error_code ec;
  std::string cwd = fs::current_path(ec).string();
  std::set<std::string> seen;
  std::vector<std::string> base = {"clang++", "-std=c++20", "-xc++"};
  for (const auto& file : files) {
    std::string abs = absolute_path(file);
    if (!seen.insert(canonical_key(abs)).second) continue;
    compile_job job{abs, cwd, base};
    job.argv.insert(job.argv.end(), flags.begin(), flags.end());
    job.argv.push_back("-w");
    job.argv.push_back(abs);
    result.jobs.push_back(std::move(job));
  }
  return result;
}

compile_jobs jobs_from_database(const std::string& build_dir, const std::vector<std::string>& filter,
                                const std::vector<std::string>& extra_flags) {
  compile_jobs result;
  auto fatal = [&](std::string message) {
    result.errors.push_back(std::move(message));
    result.fatal = true;
    return result;
  };
  std::error_code ec;
  fs::path dir(build_dir);
  if (!fs::exists(dir, ec)) return fatal(fmt::format("{}: error: no such build folder (-p)", build_dir));
  if (!fs::is_directory(dir, ec))
    return fatal(fmt::format(
        "{}: error: -p expects the build folder holding compile_commands.json, not a file", build_dir));
  fs::path json_path = dir / "compile_commands.json";
  if (!fs::exists(json_path, ec))
    return fatal(
        fmt::format("{}: error: no compile_commands.json in this folder (configure with "
                    "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON, or use bear)",
                    build_dir));
  if (fs::is_directory(json_path, ec))
    return fatal(fmt::format("{}: error: compile_commands.json is a directory", json_path.string()));
  std::string text;
  {
    std::ifstream in(json_path, std::ios::binary);
    if (!in) return fatal(fmt::format("{}: error: cannot read compile_commands.json", json_path.string()));
    std::stringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
  }
  compile_db_text checked = read_compile_db(json_path.string(), text);
  if (!checked.fatal.empty()) return fatal(checked.fatal);
  result.errors.insert(result.errors.end(), checked.warnings.begin(), checked.warnings.end());
  // Entries that were skipped: libclang loads a copy holding only the others
  // (its own reader would refuse the whole file).
  std::string load_dir = build_dir;
  temp_folder filtered_dir;
  if (!checked.filtered.empty()) {
    if (checked.kept == 0)
      return fatal(
          fmt::format("{}: error: no entry of compile_commands.json is left to analyze", json_path.string()));
    std::ofstream out(fs::path(filtered_dir.path()) / "compile_commands.json", std::ios::binary);
    out << checked.filtered;
    out.close();
    if (filtered_dir.path().empty() || !out)
      return fatal(fmt::format("{}: error: cannot write a filtered copy of compile_commands.json",
                               json_path.string()));
    load_dir = filtered_dir.path();
  }

  CXCompilationDatabase_Error load_error = CXCompilationDatabase_NoError;
  CXCompilationDatabase db = clang_CompilationDatabase_fromDirectory(load_dir.c_str(), &load_error);
  if (db == nullptr || load_error != CXCompilationDatabase_NoError) {
    if (db != nullptr) clang_CompilationDatabase_dispose(db);
    return fatal(fmt::format("{}: error: libclang could not load compile_commands.json", json_path.string()));
  }

  std::set<std::string> wanted;
  for (const auto& f : filter) wanted.insert(canonical_key(absolute_path(f)));
  std::set<std::string> found;
  std::set<std::string> seen;
  CXCompileCommands commands = clang_CompilationDatabase_getAllCompileCommands(db);
  unsigned count = commands != nullptr ? clang_CompileCommands_getSize(commands) : 0;
  for (unsigned i = 0; i < count; ++i) {
    CXCompileCommand command = clang_CompileCommands_getCommand(commands, i);
    std::string directory = absolute_path(detail::to_string(clang_CompileCommand_getDirectory(command)));
    std::string file = absolute_path(detail::to_string(clang_CompileCommand_getFilename(command)), directory);
    std::string key = canonical_key(file);
    if (!wanted.empty() && !wanted.contains(key)) continue;
    found.insert(key);
    if (!seen.insert(key).second) continue;
    std::vector<std::string> args;
    unsigned nargs = clang_CompileCommand_getNumArgs(command);
    for (unsigned a = 0; a < nargs; ++a)
      args.push_back(detail::to_string(clang_CompileCommand_getArg(command, a)));
    if (args.empty()) {
      result.errors.push_back(fmt::format("{}: error: empty command in compile_commands.json", file));
      continue;
    }
    result.jobs.push_back({file, directory, rewrite_command(args, directory, file, extra_flags)});
  }
  if (commands != nullptr) clang_CompileCommands_dispose(commands);
  clang_CompilationDatabase_dispose(db);

  for (const auto& f : filter) {
    if (!found.contains(canonical_key(absolute_path(f))))
      result.errors.push_back(fmt::format("{}: error: no entry for this file in {}", f, json_path.string()));
  }
  if (result.jobs.empty() && result.errors.empty())
    result.errors.push_back(
        fmt::format("{}: error: compile_commands.json has no entries", json_path.string()));
  return result;
}

}  // namespace concheck::analyzer
