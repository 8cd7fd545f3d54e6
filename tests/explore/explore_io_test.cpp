// Explore mode on threads that wake each other through pipes, event fds and
// sockets (runtime/src/interpose_io.cpp; docs/explore.md, "Pipes, sockets
// and event fds"), as libzmq's threads do with poll and epoll_wait. A probe
// that finds nothing blocks the thread in the scheduler until another
// controlled thread writes; a timeout passes in virtual time; a wait nothing
// in the schedule can answer is waited for in the kernel, and named by the
// stall watch when nothing answers it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <thread>

#include "concheck/explore.hpp"

namespace {

concheck::explore_options io_options(concheck::explore_strategy strategy, std::uint64_t schedules) {
  concheck::explore_options o;
  o.strategy = strategy;
  o.schedules = schedules;
  o.stall_ms = 2000;
  return o;
}

constexpr concheck::explore_strategy kIoStrategies[] = {
    concheck::explore_strategy::random, concheck::explore_strategy::pct, concheck::explore_strategy::dfs};

void expect_every_io_schedule_passes(const std::function<void()>& body, std::uint64_t schedules = 40) {
  for (const auto strategy : kIoStrategies) {
    const auto result = concheck::explore(io_options(strategy, schedules), body);
    ASSERT_TRUE(result.ok()) << "strategy " << static_cast<int>(strategy) << ": "
                             << (result.failure ? result.failure->report : result.error);
    EXPECT_GT(result.schedules, 0u);
  }
}

// Both ends of a pipe, closed at the end of the scope.
struct pipe_ends {
  int read_end = -1;
  int write_end = -1;
  pipe_ends() {
    int ends[2];
    if (::pipe(ends) == 0) {
      read_end = ends[0];
      write_end = ends[1];
    }
  }
  ~pipe_ends() {
    ::close(read_end);
    ::close(write_end);
  }
};

TEST(ExploreIo, PollOnAnEventFdWaitsForTheOtherThreadsWrite) {
  expect_every_io_schedule_passes([] {
    const int event = ::eventfd(0, EFD_CLOEXEC);
    ASSERT_GE(event, 0);
    std::uint64_t got = 0;
    std::thread waiter([&] {
      pollfd p{event, POLLIN, 0};
      ASSERT_EQ(::poll(&p, 1, -1), 1);
      ASSERT_EQ(::read(event, &got, sizeof got), static_cast<ssize_t>(sizeof got));
    });
    const std::uint64_t one = 1;
    ASSERT_EQ(::write(event, &one, sizeof one), static_cast<ssize_t>(sizeof one));
    waiter.join();
    EXPECT_EQ(got, 1u);
    ::close(event);
  });
}

TEST(ExploreIo, ABlockingReadWaitsForTheWriter) {
  expect_every_io_schedule_passes([] {
    pipe_ends p;
    ASSERT_GE(p.read_end, 0);
    char got = 0;
    std::thread reader([&] { ASSERT_EQ(::read(p.read_end, &got, 1), 1); });
    ASSERT_EQ(::write(p.write_end, "x", 1), 1);
    reader.join();
    EXPECT_EQ(got, 'x');
  });
}

TEST(ExploreIo, EpollWaitAndEventFdWriteAcrossThreads) {
  expect_every_io_schedule_passes([] {
    const int event = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    const int epoll = ::epoll_create1(EPOLL_CLOEXEC);
    ASSERT_GE(event, 0);
    ASSERT_GE(epoll, 0);
    epoll_event interest{};
    interest.events = EPOLLIN;
    interest.data.fd = event;
    ASSERT_EQ(::epoll_ctl(epoll, EPOLL_CTL_ADD, event, &interest), 0);
    int ready_fd = -1;
    std::thread loop([&] {
      epoll_event ready{};
      ASSERT_EQ(::epoll_wait(epoll, &ready, 1, -1), 1);
      ready_fd = ready.data.fd;
    });
    ASSERT_EQ(::eventfd_write(event, 5), 0);
    loop.join();
    EXPECT_EQ(ready_fd, event);
    ::close(epoll);
    ::close(event);
  });
}

TEST(ExploreIo, SelectReportsTheReadyDescriptorFromTheCallersSets) {
  expect_every_io_schedule_passes([] {
    pipe_ends quiet;
    pipe_ends busy;
    ASSERT_GE(quiet.read_end, 0);
    ASSERT_GE(busy.read_end, 0);
    bool busy_set = false;
    bool quiet_set = true;
    std::thread waiter([&] {
      fd_set reads;
      FD_ZERO(&reads);
      FD_SET(quiet.read_end, &reads);
      FD_SET(busy.read_end, &reads);
      const int top = std::max(quiet.read_end, busy.read_end) + 1;
      ASSERT_EQ(::select(top, &reads, nullptr, nullptr, nullptr), 1);
      busy_set = FD_ISSET(busy.read_end, &reads);
      quiet_set = FD_ISSET(quiet.read_end, &reads);
    });
    ASSERT_EQ(::write(busy.write_end, "y", 1), 1);
    waiter.join();
    EXPECT_TRUE(busy_set);
    EXPECT_FALSE(quiet_set);
  });
}

TEST(ExploreIo, AConnectionAcceptedAndAnsweredOverASocketPair) {
  expect_every_io_schedule_passes([] {
    int ends[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends), 0);
    char answer = 0;
    std::thread server([&] {
      char request = 0;
      ASSERT_EQ(::recv(ends[1], &request, 1, 0), 1);
      const char reply = static_cast<char>(request + 1);
      ASSERT_EQ(::send(ends[1], &reply, 1, 0), 1);
    });
    ASSERT_EQ(::send(ends[0], "a", 1, 0), 1);
    ASSERT_EQ(::recv(ends[0], &answer, 1, 0), 1);
    server.join();
    EXPECT_EQ(answer, 'b');
    ::close(ends[0]);
    ::close(ends[1]);
  });
}

TEST(ExploreIo, ATimedPollNobodyAnswersTimesOutInVirtualTime) {
  const auto result = concheck::explore(io_options(concheck::explore_strategy::random, 3), [] {
    pipe_ends p;
    pollfd q{p.read_end, POLLIN, 0};
    const auto before = std::chrono::steady_clock::now();  // the schedule's virtual clock
    EXPECT_EQ(::poll(&q, 1, 60'000), 0);
    EXPECT_GE(std::chrono::steady_clock::now() - before, std::chrono::seconds(60));
  });
  ASSERT_TRUE(result.ok()) << (result.failure ? result.failure->report : result.error);
}

TEST(ExploreIo, AZeroTimeoutPollDoesNotWait) {
  const auto result = concheck::explore(io_options(concheck::explore_strategy::pct, 3), [] {
    pipe_ends p;
    pollfd q{p.read_end, POLLIN, 0};
    EXPECT_EQ(::poll(&q, 1, 0), 0);
    ASSERT_EQ(::write(p.write_end, "z", 1), 1);
    EXPECT_EQ(::poll(&q, 1, 0), 1);
    EXPECT_NE(q.revents & POLLIN, 0);
  });
  ASSERT_TRUE(result.ok()) << (result.failure ? result.failure->report : result.error);
}

// A thread outside the schedule (started before it) answers: the waiter,
// with nothing else in the schedule to run, waits in the kernel.
TEST(ExploreIo, AnAnswerFromOutsideTheScheduleIsWaitedFor) {
  pipe_ends request;
  pipe_ends answer;
  ASSERT_GE(request.read_end, 0);
  ASSERT_GE(answer.read_end, 0);
  std::thread outside([&] {
    for (int round = 0; round < 3; ++round) {
      char c = 0;
      if (::read(request.read_end, &c, 1) != 1 || ::write(answer.write_end, &c, 1) != 1) return;
    }
  });
  const auto result = concheck::explore(io_options(concheck::explore_strategy::random, 3), [&] {
    ASSERT_EQ(::write(request.write_end, "q", 1), 1);
    pollfd p{answer.read_end, POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, -1), 1);
    char c = 0;
    ASSERT_EQ(::read(answer.read_end, &c, 1), 1);
    EXPECT_EQ(c, 'q');
  });
  outside.join();
  ASSERT_TRUE(result.ok()) << (result.failure ? result.failure->report : result.error);
}

// Nothing in the schedule can answer, nor does anything outside: the stall
// watch ends the schedule and names the call it waits in.
TEST(ExploreIo, AWaitNothingAnswersIsAStallNamingTheCall) {
  // The waiter stays in poll() for the rest of the process: the pipe is
  // never closed.
  int ends[2];
  ASSERT_EQ(::pipe(ends), 0);
  concheck::explore_options o = io_options(concheck::explore_strategy::random, 1);
  o.stall_ms = 300;
  const auto result = concheck::explore(o, [fd = ends[0]] {
    std::thread helper([] {});
    helper.join();
    pollfd q{fd, POLLIN, 0};
    (void)::poll(&q, 1, -1);
  });
  ASSERT_TRUE(result.failure) << result.error;
  EXPECT_EQ(result.failure->kind, "step-bound-exceeded") << result.failure->report;
  EXPECT_NE(result.failure->report.find("in poll() for I/O that no thread of the schedule can provide"),
            std::string::npos)
      << result.failure->report;
}

// Every thread waits for I/O nobody sends: the report names each wait.
TEST(ExploreIo, AStallWhereEveryThreadWaitsForIoListsTheirCalls) {
  // Both waits last for the rest of the process: the pipes are never closed.
  int first[2];
  int second[2];
  ASSERT_EQ(::pipe(first), 0);
  ASSERT_EQ(::pipe(second), 0);
  concheck::explore_options o = io_options(concheck::explore_strategy::random, 1);
  o.stall_ms = 300;
  const auto result = concheck::explore(o, [a = first[0], b = second[0]] {
    std::thread reader([a] {
      char c = 0;
      (void)!::read(a, &c, 1);
    });
    pollfd q{b, POLLIN, 0};
    (void)::poll(&q, 1, -1);
    reader.join();
  });
  ASSERT_TRUE(result.failure) << result.error;
  EXPECT_EQ(result.failure->kind, "step-bound-exceeded") << result.failure->report;
  const std::string& report = result.failure->report;
  const auto has = [&report](const char* text) { return report.find(text) != std::string::npos; };
  const bool reader_waits =
      has("waited 300 ms in read()") && has("(waiting for I/O too: T") && has(" in poll())");
  const bool main_waits =
      has("waited 300 ms in poll()") && has("(waiting for I/O too: T") && has(" in read())");
  EXPECT_TRUE(reader_waits || main_waits) << report;
}

}  // namespace
