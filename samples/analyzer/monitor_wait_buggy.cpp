// Analyzer sample: a producer/consumer monitor whose start() waits once. A
// worker's start() launches its thread and waits on the monitor for it to
// say "started", but with no loop around the wait: a spurious wakeup returns
// before the thread has run. The wait is reached through the monitor's own
// wait(timeout), untimed only for a timeout of 0 (as thrift's Monitor is), and
// start() is called from two places: `concheck analyze` reports the bug once,
// at start()'s call, and not the timed waits of nap() (a constant 20 ms).
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

namespace {
using std::chrono::milliseconds;

// A condition variable with its mutex; callers hold the lock around wait().
class monitor {
 public:
  void lock() { mutex_.lock(); }
  void unlock() { mutex_.unlock(); }
  void notify_all() { condition_.notify_all(); }
  // Waits up to `timeout`, or until notified if `timeout` is 0.
  void wait(milliseconds timeout = milliseconds(0)) {
    std::unique_lock<std::mutex> lock(mutex_, std::adopt_lock);
    if (timeout.count() == 0)
      condition_.wait(lock);
    else
      condition_.wait_for(lock, timeout);
    lock.release();
  }

 private:
  std::mutex mutex_;
  std::condition_variable condition_;
};

class worker {
 public:
  ~worker() {
    if (thread_.joinable()) thread_.join();
  }
  void start() {
    monitor_.lock();
    thread_ = std::thread([this] { run(); });
    monitor_.wait();  // the thread may not have started yet
    monitor_.unlock();
  }
  // Lets time pass on the monitor: a timed wait, looped or not.
  void nap() {
    monitor_.lock();
    monitor_.wait(milliseconds(20));
    monitor_.unlock();
  }
  bool started() {
    monitor_.lock();
    bool result = started_;
    monitor_.unlock();
    return result;
  }

 private:
  void run() {
    monitor_.lock();
    started_ = true;
    monitor_.notify_all();
    monitor_.unlock();
  }

  monitor monitor_;
  std::thread thread_;
  bool started_ = false;
};

}  // namespace

int main() {
  worker first;
  worker second;
  first.start();
  second.start();
  first.nap();
  std::printf("started: %d %d\n", first.started(), second.started());
  return 0;
}
