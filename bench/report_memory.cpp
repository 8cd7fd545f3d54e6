// Peak memory of `concheck report` against the size of its input (issue 10,
// item 8): a small and a large generated JSON Lines log, each rendered as text
// and as DOT by the built binary in a child process; the table gives each
// run's peak RSS (getrusage of the child) and the large/small ratio, which
// must stay near 1 (streaming: memory is one line plus the bounded DOT node
// set). Not part of `make bench`; run by hand:
//   concheck_bench_report_memory [LARGE_MIB (default 256)] [DIR (default $TMPDIR or /tmp)]
// The records carry a different pid every 1000 lines, so that DOT meets ever
// new lock nodes (its bound is exercised, not just its dedup).
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "concheck/detector/log_records.hpp"
#include "concheck/detector/render.hpp"

namespace {

using namespace concheck::detector;

site make_site(const std::string& function, int line) {
  site s;
  s.function = function;
  s.file = "/home/ada/bank/bank.cpp";
  s.line = line;
  for (int i = 0; i < 12; ++i) {
    s.frames.push_back(frame{0x400000u + static_cast<std::uint64_t>(i) * 64, "/home/ada/bank/build/bank_test",
                             static_cast<std::uint64_t>(i) * 64, fmt::format("frame_{}()", i),
                             "/home/ada/bank/bank.cpp", line + i, i < 3});
  }
  return s;
}

finding make_finding(int pid, std::uint64_t first_lock) {
  finding f;
  f.kind = finding_kind::lock_order_inversion;
  f.message = "Thread 'auditor' (T3) acquired 'accounts[3]' while holding 'audit'";
  f.pid = pid;
  f.threads = {thread_ref{2, "worker-1", make_site("main", 20)},
               thread_ref{3, "auditor", make_site("main", 21)}};
  for (std::uint64_t id : {first_lock, first_lock + 1}) {
    lock_ref l;
    l.id = id;
    l.name = fmt::format("account[{}]", id);
    l.type = "concheck::mutex";
    l.created = make_site("make_accounts", 12);
    f.locks.push_back(std::move(l));
  }
  f.sites = {make_site("audit_all", 52)};
  f.cycle = {cycle_edge{first_lock, first_lock + 1, 2, false, false, make_site("transfer", 40),
                        make_site("transfer", 38)},
             cycle_edge{first_lock + 1, first_lock, 3, false, false, make_site("audit_all", 52),
                        make_site("run_audit", 47)}};
  return f;
}

// Writes records until the file holds `bytes`; returns the number of lines.
std::size_t write_log(const std::string& path, std::size_t bytes) {
  std::FILE* out = std::fopen(path.c_str(), "wb");
  if (out == nullptr) {
    std::perror(path.c_str());
    std::exit(2);
  }
  std::size_t written = 0;
  std::size_t lines = 0;
  while (written < bytes) {
    const int pid = 1000 + static_cast<int>(lines / 1000);
    std::string line = render_json(make_finding(pid, (lines % 1000) * 2)) + "\n";
    std::fwrite(line.data(), 1, line.size(), out);
    written += line.size();
    ++lines;
  }
  std::fclose(out);
  return lines;
}

struct measured {
  int status = -1;
  long max_rss_kib = 0;
};

// Runs `concheck report ARGS...` with stdout on /dev/null.
measured run_report(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  std::string binary = CONCHECK_BINARY;
  argv.push_back(binary.data());
  std::string report = "report";
  argv.push_back(report.data());
  std::vector<std::string> copies = args;
  for (auto& a : copies) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t child = ::fork();
  if (child == 0) {
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDOUT_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  measured m;
  int status = 0;
  rusage usage{};
  ::wait4(child, &status, 0, &usage);
  m.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  m.max_rss_kib = usage.ru_maxrss;
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t large_mib = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 256;
  const char* tmp = std::getenv("TMPDIR");
  const std::string dir = argc > 2 ? argv[2] : (tmp != nullptr ? tmp : "/tmp");
  const std::string small_path = fmt::format("{}/concheck_report_small_{}.jsonl", dir, ::getpid());
  const std::string large_path = fmt::format("{}/concheck_report_large_{}.jsonl", dir, ::getpid());
  const std::size_t small_lines = write_log(small_path, std::size_t{1} << 20);
  const std::size_t large_lines = write_log(large_path, large_mib << 20);

  fmt::print("concheck report: peak RSS for a 1 MiB log ({} records) and a {} MiB log ({} records)\n",
             small_lines, large_mib, large_lines);
  fmt::print("{:<8} {:>14} {:>14} {:>8}\n", "format", "small (KiB)", "large (KiB)", "ratio");
  bool pass = true;
  for (const char* format : {"text", "dot"}) {
    const measured small = run_report({small_path, "--format", format});
    const measured large = run_report({large_path, "--format", format});
    const double ratio = static_cast<double>(large.max_rss_kib) / static_cast<double>(small.max_rss_kib);
    // Goal: memory does not grow with the input (the DOT node set may add a few MiB).
    const bool ok = small.status == 0 && large.status == 0 && ratio < 1.5;
    pass = pass && ok;
    fmt::print("{:<8} {:>14} {:>14} {:>8.2f}  {}\n", format, small.max_rss_kib, large.max_rss_kib, ratio,
               ok ? "PASS" : fmt::format("FAIL (exit {} / {})", small.status, large.status));
  }
  std::remove(small_path.c_str());
  std::remove(large_path.c_str());
  fmt::print("goal: large/small peak RSS < 1.5: {}\n", pass ? "PASS" : "FAIL");
  return 0;
}
