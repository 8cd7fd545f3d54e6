// False report, cause "actor-object": objects that belong to one thread and
// are reached by others only through commands sent to a locked mailbox
// (zeromq's sockets, pipes, sessions, own_t, pollers, listeners and their
// options_t: the socket owns a mutex for its monitor, so every method of it
// is taken to run in several threads). 106 findings in the corpus.
// Expected: no finding (state_ is touched only by the thread that owns the
// socket; other threads only send() commands).
//
// Second shape (zeromq3's last three actor-object findings, 2026-12-07): a
// worker thread makes its own socket through the C API and uses it alone
// (perf/inproc_thr.cpp: `s = zmq_socket (ctx_, ZMQ_PUSH); zmq_connect (s,
// ...)`; the socket comes from a factory, `ctx_t::create_socket`, as a
// `void*`, and `zmq_connect` casts it back). The worker started in a loop
// met itself on `Pipe::acks_`, and the unlocked `pipe_terminated` (a public
// method of a class that locks) met it. Expected: no finding (each worker's
// Pipe is its own); reported nothing from branch an-zmq22-actor on
// (ownership decided at the call site, docs/analyzer-checks.md).
#include <pthread.h>

#include <deque>
#include <mutex>
#include <thread>
#include <vector>

class Socket {
 public:
  void send(int command) {  // any thread
    std::lock_guard<std::mutex> g(mailbox_m_);
    mailbox_.push_back(command);
  }
  void process_commands() {  // the owner thread only
    for (;;) {
      int command;
      {
        std::lock_guard<std::mutex> g(mailbox_m_);
        if (mailbox_.empty()) return;
        command = mailbox_.front();
        mailbox_.pop_front();
      }
      if (command == 1) terminate();
    }
  }
  bool terminating() const { return state_ == 1; }  // the owner thread only

 private:
  void terminate() { state_ = 1; }  // false report: write to Socket::state_
  std::mutex mailbox_m_;
  std::deque<int> mailbox_;
  int state_ = 0;
};

class Pipe {
 public:
  static Pipe* create() { return new Pipe; }
  int connect() {
    acks_ += 1;  // was reported: write to Pipe::acks_, while other threads access it
    return 0;
  }
  void send(int v) {
    std::lock_guard<std::mutex> g(m_);
    last_ = v;
  }
  void pipe_terminated() { acks_ -= 1; }  // was reported against connect's write

 private:
  std::mutex m_;
  int acks_ = 0;
  int last_ = 0;
};

void* make_pipe() {
  return static_cast<void*>(Pipe::create());
}
int pipe_connect(void* handle) {
  return static_cast<Pipe*>(handle)->connect();
}

void* worker(void*) {
  void* p = make_pipe();
  pipe_connect(p);
  return nullptr;
}

int main() {
  std::vector<pthread_t> workers(4);
  for (auto& w : workers) pthread_create(&w, nullptr, worker, nullptr);
  for (auto& w : workers) pthread_join(w, nullptr);
  Socket s;
  std::thread owner([&] {
    while (!s.terminating()) s.process_commands();
  });
  s.send(1);
  owner.join();
}
