// A program built the wrong way: compiled with -fsanitize=thread AND linked
// with it (so ThreadSanitizer's runtime, libtsan, is in the process) besides
// concheck's runtime. concheck's runtime must notice at start and explain.
// The same source, built without -fsanitize=thread at all, is the control.
#include <cstdio>
#include <thread>

int main() {
  int value = 0;
  std::thread worker([&value] { value = 1; });
  worker.join();
  std::printf("child ran: %d\n", value);
  return 0;
}
