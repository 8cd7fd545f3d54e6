// fork() while another thread holds a lock: in the child that thread does not
// exist, so the lock stays locked forever. The thread 'holder' takes g_state
// and waits on a latch while main forks; the child then locks g_state and
// blocks for good. With concheck the child reports a deadlock naming the
// vanished holder and exits with concheck's exit code; the parent prints how
// the child ended and exits with the child's status. Without concheck the
// child hangs (never run that way).
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <latch>
#include <mutex>
#include <thread>

namespace {
std::mutex g_state;
}

int main() {
  std::latch held(1);
  std::latch release(1);
  std::thread holder([&] {
    pthread_setname_np(pthread_self(), "holder");
    std::lock_guard<std::mutex> guard(g_state);
    held.count_down();
    release.wait();
  });
  held.wait();
  const pid_t child = fork();
  if (child < 0) {
    std::perror("fork");
    return 2;
  }
  if (child == 0) {
    g_state.lock();  // held by 'holder', which does not exist in this process
    std::puts("child: locked g_state (not reached)");
    std::fflush(stdout);
    _exit(0);
  }
  release.count_down();
  holder.join();
  int status = 0;
  if (waitpid(child, &status, 0) != child) {
    std::perror("waitpid");
    return 2;
  }
  if (WIFEXITED(status)) {
    std::printf("fork-holder: child exited with %d\n", WEXITSTATUS(status));
    return WEXITSTATUS(status);
  }
  std::printf("fork-holder: child killed by signal %d\n", WTERMSIG(status));
  return 3;
}
