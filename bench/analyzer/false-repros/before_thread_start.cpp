// False report, cause "before-thread-start": fields written before the
// thread that reads them is started (zeromq's thread_t::start, kyotocabinet's
// TaskQueue::start and MapReduce::execute, leveldb's single-threaded tools on
// MemTable). 31 findings in the corpus.
// Expected: no finding (start() writes arg_ and started_ before the thread
// exists; stop() writes them after join).
#include <mutex>
#include <thread>

class Worker {
 public:
  void start(int arg) {
    arg_ = arg;       // false report: write to Worker::arg_
    started_ = true;  // false report: write to Worker::started_
    thread_ = std::thread([this] { run(); });
  }
  void stop() {
    thread_.join();
    started_ = false;
  }

 private:
  void run() {
    std::lock_guard<std::mutex> g(m_);
    result_ = arg_ + (started_ ? 1 : 0);
  }
  std::mutex m_;
  std::thread thread_;
  int arg_ = 0;
  bool started_ = false;
  int result_ = 0;
};

int main() {
  Worker w;
  w.start(1);
  w.stop();
}
