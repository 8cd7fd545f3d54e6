// False report, cause "lock-wrapper": a project's own lock classes whose
// implementation the analyzer cannot see (kyotocabinet's RWLock/SpinLock keep
// a pthread lock behind a void* in kcthread.cc, which clang 19 cannot parse;
// ScopedRWLock picks reader or writer at run time; zeromq's
// scoped_optional_lock_t; re2's RWLocker). 211 findings in the corpus.
// Expected: no finding, or a note that the lock could not be recognized
// (every write to count_ holds mlock_ as a writer).
#include <thread>

class RWLock {  // defined in another file, as in kyotocabinet
 public:
  RWLock();
  ~RWLock();
  void lock_writer();
  void lock_reader();
  void unlock();

 private:
  void* opq_;
};

class ScopedRWLock {
 public:
  ScopedRWLock(RWLock* lock, bool writer) : lock_(lock) {
    if (writer) {
      lock_->lock_writer();
    } else {
      lock_->lock_reader();
    }
  }
  ~ScopedRWLock() { lock_->unlock(); }

 private:
  RWLock* lock_;
};

class Db {
 public:
  void tune(int n) {
    ScopedRWLock lock(&mlock_, true);
    count_ = n;  // false report: write to Db::count_
  }
  int count() {
    ScopedRWLock lock(&mlock_, false);
    return count_;
  }

 private:
  RWLock mlock_;
  int count_ = 0;
};

int main() {
  Db db;
  std::thread t([&] { db.tune(2); });
  int c = db.count();
  t.join();
  return c;
}
