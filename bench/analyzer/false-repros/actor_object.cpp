// False report, cause "actor-object": objects that belong to one thread and
// are reached by others only through commands sent to a locked mailbox
// (zeromq's sockets, pipes, sessions, own_t, pollers, listeners and their
// options_t: the socket owns a mutex for its monitor, so every method of it
// is taken to run in several threads). 106 findings in the corpus.
// Expected: no finding (state_ is touched only by the thread that owns the
// socket; other threads only send() commands).
#include <deque>
#include <mutex>
#include <thread>

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

int main() {
  Socket s;
  std::thread owner([&] {
    while (!s.terminating()) s.process_commands();
  });
  s.send(1);
  owner.join();
}
