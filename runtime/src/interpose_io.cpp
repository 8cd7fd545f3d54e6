// concheck runtime: waits for I/O in explore mode. Outside explore mode
// every function here forwards to libc (one thread-local test).
//
// In a controlled thread (explore_scheduler.hpp) only one thread runs at a
// time, so a thread that blocks in the kernel for a pipe, a socket or an
// event fd that another controlled thread would write stops the schedule
// (libzmq's threads wake each other through event fds and poll/epoll_wait).
// So a call that may block first probes without blocking (a zero timeout;
// for read, recv and accept, poll() for POLLIN): if the probe has an answer,
// that is the call's answer; if not, the thread blocks in the scheduler
// (block_on_io) until another controlled thread writes, sends, closes,
// shuts down, connects or reads (io_progress), then probes again. A timeout
// passes in virtual time, as a timed wait's does. When nothing in the
// schedule can run, the waiter calls the real function and waits in the
// kernel for an answer from outside (another process, the network), watched
// by the stall watch. docs/explore.md, "Pipes, sockets and event fds".
//
// A probe is a scheduling point (point_kind::io) before it looks, so other
// threads' writes interleave with it; a zero-timeout or non-blocking call is
// a polled point (io_poll_point): repeated alone, it is a polling loop.
// Not intercepted: writes that block on a full pipe or socket buffer, the
// _FORTIFY_SOURCE variants (__read_chk, __poll_chk, ...), epoll_pwait2,
// SO_RCVTIMEO timeouts, and system calls made with syscall().
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <climits>
#include <cstdint>

#include "explore_time.hpp"
#include "interpose_common.hpp"

using namespace concheck::detail;
namespace ex = concheck::detail::explore;

namespace {

constexpr std::int64_t kNanosPerMilli = 1000000;

bool exploring_here() noexcept {
  return __builtin_expect(ex::tls_controlled != nullptr && tls_inside == 0, 0);
}

// A timeout in milliseconds as poll and epoll_wait take it: negative waits
// without limit, 0 does not wait.
struct io_timeout {
  bool blocks = true;  // not a zero timeout
  bool timed = false;
  std::int64_t deadline = 0;  // virtual ns, when timed
};

io_timeout from_ms(int ms) noexcept {
  if (ms == 0) return {false, false, 0};
  if (ms < 0) return {true, false, 0};
  return {true, true, ex::now_ns() + ms * kNanosPerMilli};
}

io_timeout from_timespec(const timespec* t) noexcept {
  if (t == nullptr) return {true, false, 0};
  const std::int64_t ns = static_cast<std::int64_t>(t->tv_sec) * 1000000000 + t->tv_nsec;
  if (ns <= 0) return {false, false, 0};
  return {true, true, ex::now_ns() + ns};
}

// Milliseconds left of a timeout, rounded up, for the real call after
// io_wake::outside (-1: no limit).
int remaining_ms(const io_timeout& t) noexcept {
  if (!t.timed) return -1;
  const std::int64_t left = t.deadline - ex::now_ns();
  if (left <= 0) return 0;
  const std::int64_t ms = (left + kNanosPerMilli - 1) / kNanosPerMilli;
  return ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
}

// The protocol of every waiting call. `probe()` makes the call without
// blocking and returns its result; `nothing(result)` says that it found
// nothing ready (the answer the blocking call would wait past); `wait(ms)`
// makes the real blocking call with a timeout of `ms` (-1: none).
template <class Probe, class Nothing, class Wait>
auto wait_for_io(const char* call, const io_timeout& timeout, std::uintptr_t pc, Probe probe, Nothing nothing,
                 Wait wait) noexcept -> decltype(probe()) {
  if (!timeout.blocks) {
    ex::io_poll_point();
    return probe();
  }
  ex::point(ex::point_kind::io);
  for (;;) {
    const auto result = probe();
    if (!nothing(result)) return result;
    switch (ex::block_on_io(call, timeout.timed, timeout.deadline, pc)) {
      case ex::io_wake::retry:
        break;
      case ex::io_wake::timed_out:
        return probe();
      case ex::io_wake::outside: {
        ex::outside_io_begins(call);
        const auto answer = wait(remaining_ms(timeout));
        ex::outside_io_ends();
        return answer;
      }
    }
  }
}

bool nothing_ready(int result) noexcept {
  return result == 0;
}

// read, recv, accept: whether `fd` has something to read (or an error, a
// hang-up: the call will not block) or does not block anyway.
bool readable_or_non_blocking(int fd) noexcept {
  pollfd p{fd, POLLIN, 0};
  if (real.poll(&p, 1, 0) != 0) return true;  // ready, or an error the call will report
  const int flags = fcntl(fd, F_GETFL);
  return flags < 0 || (flags & O_NONBLOCK) != 0;
}

// A read-like call on `fd` in a controlled thread: waits as poll(POLLIN)
// would, then makes the call (which then does not block, unless another
// process took the data first).
template <class Call>
auto read_like(const char* name, int fd, std::uintptr_t pc, Call call) noexcept -> decltype(call()) {
  const bool ready = wait_for_io(
      name, io_timeout{}, pc, [fd] { return readable_or_non_blocking(fd) ? 1 : 0; }, nothing_ready,
      [fd](int ms) {
        pollfd p{fd, POLLIN, 0};
        return real.poll(&p, 1, ms);
      });
  (void)ready;
  const auto result = call();
  if (result >= 0) ex::io_progress();  // room for a writer
  return result;
}

// select and pselect rewrite their sets with the answer (all cleared when
// nothing is ready): the caller's sets, kept so that each probe starts from
// them.
class caller_sets {
 public:
  caller_sets(fd_set* reads, fd_set* writes, fd_set* errors) noexcept : sets_{reads, writes, errors} {
    for (int i = 0; i < 3; ++i)
      if (sets_[i] != nullptr) saved_[i] = *sets_[i];
  }
  void restore() const noexcept {
    for (int i = 0; i < 3; ++i)
      if (sets_[i] != nullptr) *sets_[i] = saved_[i];
  }

 private:
  fd_set* sets_[3];
  fd_set saved_[3];
};

// A call that may answer a waiter: after it, every thread in block_on_io
// probes again.
template <class Result>
Result answered(Result result) noexcept {
  if (exploring_here()) ex::io_progress();
  return result;
}

}  // namespace

extern "C" {

int poll(pollfd* fds, nfds_t count, int timeout_ms) {
  if (!exploring_here()) return real.poll(fds, count, timeout_ms);
  return wait_for_io(
      "poll", from_ms(timeout_ms), caller_pc(__builtin_return_address(0)),
      [=] { return real.poll(fds, count, 0); }, nothing_ready,
      [=](int ms) { return real.poll(fds, count, ms); });
}

int ppoll(pollfd* fds, nfds_t count, const timespec* timeout, const sigset_t* mask) {
  if (!exploring_here()) return real.ppoll(fds, count, timeout, mask);
  static const timespec zero{0, 0};
  return wait_for_io(
      "ppoll", from_timespec(timeout), caller_pc(__builtin_return_address(0)),
      [=] { return real.ppoll(fds, count, &zero, mask); }, nothing_ready,
      [=](int ms) {
        const timespec left{ms / 1000, (ms % 1000) * kNanosPerMilli};
        return real.ppoll(fds, count, ms < 0 ? nullptr : &left, mask);
      });
}

int epoll_wait(int epoll, epoll_event* events, int count, int timeout_ms) {
  if (!exploring_here()) return real.epoll_wait(epoll, events, count, timeout_ms);
  return wait_for_io(
      "epoll_wait", from_ms(timeout_ms), caller_pc(__builtin_return_address(0)),
      [=] { return real.epoll_wait(epoll, events, count, 0); }, nothing_ready,
      [=](int ms) { return real.epoll_wait(epoll, events, count, ms); });
}

int epoll_pwait(int epoll, epoll_event* events, int count, int timeout_ms, const sigset_t* mask) {
  if (!exploring_here()) return real.epoll_pwait(epoll, events, count, timeout_ms, mask);
  return wait_for_io(
      "epoll_pwait", from_ms(timeout_ms), caller_pc(__builtin_return_address(0)),
      [=] { return real.epoll_pwait(epoll, events, count, 0, mask); }, nothing_ready,
      [=](int ms) { return real.epoll_pwait(epoll, events, count, ms, mask); });
}

int select(int count, fd_set* reads, fd_set* writes, fd_set* errors, timeval* timeout) {
  if (!exploring_here()) return real.select(count, reads, writes, errors, timeout);
  const caller_sets sets(reads, writes, errors);
  const auto restore = [&sets] { sets.restore(); };
  io_timeout t{true, false, 0};
  if (timeout != nullptr) {
    const timespec as_timespec{timeout->tv_sec, timeout->tv_usec * 1000};
    t = from_timespec(&as_timespec);
  }
  return wait_for_io(
      "select", t, caller_pc(__builtin_return_address(0)),
      [=] {
        restore();
        timeval zero{0, 0};
        return real.select(count, reads, writes, errors, &zero);
      },
      nothing_ready,
      [=](int ms) {
        restore();
        timeval left{ms / 1000, (ms % 1000) * 1000};
        return real.select(count, reads, writes, errors, ms < 0 ? nullptr : &left);
      });
}

int pselect(int count, fd_set* reads, fd_set* writes, fd_set* errors, const timespec* timeout,
            const sigset_t* mask) {
  if (!exploring_here()) return real.pselect(count, reads, writes, errors, timeout, mask);
  const caller_sets sets(reads, writes, errors);
  const auto restore = [&sets] { sets.restore(); };
  return wait_for_io(
      "pselect", from_timespec(timeout), caller_pc(__builtin_return_address(0)),
      [=] {
        restore();
        static const timespec zero{0, 0};
        return real.pselect(count, reads, writes, errors, &zero, mask);
      },
      nothing_ready,
      [=](int ms) {
        restore();
        const timespec left{ms / 1000, (ms % 1000) * kNanosPerMilli};
        return real.pselect(count, reads, writes, errors, ms < 0 ? nullptr : &left, mask);
      });
}

ssize_t read(int fd, void* buffer, size_t size) {
  if (!exploring_here()) return real.read(fd, buffer, size);
  return read_like("read", fd, caller_pc(__builtin_return_address(0)),
                   [=] { return real.read(fd, buffer, size); });
}

ssize_t readv(int fd, const iovec* parts, int count) {
  if (!exploring_here()) return real.readv(fd, parts, count);
  return read_like("readv", fd, caller_pc(__builtin_return_address(0)),
                   [=] { return real.readv(fd, parts, count); });
}

ssize_t recv(int fd, void* buffer, size_t size, int flags) {
  if (!exploring_here() || (flags & MSG_DONTWAIT) != 0) return real.recv(fd, buffer, size, flags);
  return read_like("recv", fd, caller_pc(__builtin_return_address(0)),
                   [=] { return real.recv(fd, buffer, size, flags); });
}

ssize_t recvfrom(int fd, void* buffer, size_t size, int flags, sockaddr* from, socklen_t* from_size) {
  if (!exploring_here() || (flags & MSG_DONTWAIT) != 0)
    return real.recvfrom(fd, buffer, size, flags, from, from_size);
  return read_like("recvfrom", fd, caller_pc(__builtin_return_address(0)),
                   [=] { return real.recvfrom(fd, buffer, size, flags, from, from_size); });
}

ssize_t recvmsg(int fd, msghdr* message, int flags) {
  if (!exploring_here() || (flags & MSG_DONTWAIT) != 0) return real.recvmsg(fd, message, flags);
  return read_like("recvmsg", fd, caller_pc(__builtin_return_address(0)),
                   [=] { return real.recvmsg(fd, message, flags); });
}

int accept(int fd, sockaddr* peer, socklen_t* peer_size) {
  if (!exploring_here()) return real.accept(fd, peer, peer_size);
  return read_like("accept", fd, caller_pc(__builtin_return_address(0)),
                   [=] { return real.accept(fd, peer, peer_size); });
}

int accept4(int fd, sockaddr* peer, socklen_t* peer_size, int flags) {
  if (!exploring_here()) return real.accept4(fd, peer, peer_size, flags);
  return read_like("accept4", fd, caller_pc(__builtin_return_address(0)),
                   [=] { return real.accept4(fd, peer, peer_size, flags); });
}

ssize_t write(int fd, const void* data, size_t size) {
  return answered(real.write(fd, data, size));
}

ssize_t writev(int fd, const iovec* parts, int count) {
  return answered(real.writev(fd, parts, count));
}

ssize_t send(int fd, const void* data, size_t size, int flags) {
  return answered(real.send(fd, data, size, flags));
}

ssize_t sendto(int fd, const void* data, size_t size, int flags, const sockaddr* to, socklen_t to_size) {
  return answered(real.sendto(fd, data, size, flags, to, to_size));
}

ssize_t sendmsg(int fd, const msghdr* message, int flags) {
  return answered(real.sendmsg(fd, message, flags));
}

int close(int fd) {
  return answered(real.close(fd));
}

int shutdown(int fd, int how) {
  return answered(real.shutdown(fd, how));
}

int connect(int fd, const sockaddr* peer, socklen_t peer_size) {
  return answered(real.connect(fd, peer, peer_size));
}

int eventfd_write(int fd, eventfd_t value) {
  return answered(real.eventfd_write(fd, value));
}

}  // extern "C"
