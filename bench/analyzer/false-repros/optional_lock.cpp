// False report, cause "actor-object" (zeromq's own_t::process_term, 1
// finding at main ae641c2): an object takes its lock only when it is
// configured thread-safe (a guard given `thread_safe_ ? &sync_ : nullptr`,
// zeromq's scoped_optional_lock_t), so the code itself writes the same data
// without the lock in the other configuration; its command handler writes
// the data with no lock at all, on the thread that owns the object. Nothing
// but the class-lock assumption (a class that takes its own lock runs its
// public methods in several threads) makes the two concurrent.
// Expected: no finding. main ae641c2 reported the clear() in
// process_term() against the erase() under the optional guard; branch
// an-zmq21-actor reports nothing (docs/analyzer-checks.md, unprotected-write).
#include <mutex>
#include <set>

struct scoped_optional_lock {
  explicit scoped_optional_lock(std::mutex* m) : m_(m) {
    if (m_ != nullptr) m_->lock();
  }
  ~scoped_optional_lock() {
    if (m_ != nullptr) m_->unlock();
  }
  std::mutex* m_;
};

class Socket {
 public:
  explicit Socket(bool thread_safe) : thread_safe_(thread_safe) {}
  void term_child(int child) {  // the API: any thread, if thread-safe
    scoped_optional_lock g(thread_safe_ ? &sync_ : nullptr);
    owned_.erase(child);
  }
  void process_term() {  // a command, run by the thread that owns the socket
    owned_.clear();      // false report at main ae641c2
  }

 private:
  bool thread_safe_;
  std::mutex sync_;
  std::set<int> owned_;
};

Socket* open_socket(bool thread_safe) {
  return new Socket(thread_safe);
}

int main() {
  Socket* s = open_socket(false);
  s->term_child(1);
  s->process_term();
  delete s;
}
