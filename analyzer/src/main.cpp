// concheck: the command line tool. Subcommands: analyze (default), report, run.
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  if (argc > 1 && (std::strcmp(argv[1], "--version") == 0)) {
    std::printf("concheck %s\n", CONCHECK_VERSION);
    return 0;
  }
  std::fprintf(stderr, "usage: concheck analyze [options] FILES... [-- compiler flags]\n");
  return 2;
}
