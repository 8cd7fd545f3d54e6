// concheck: every public type in one include.
//
// The drop-in instrumented primitives (mutex.hpp, shared_mutex.hpp,
// condition_variable.hpp, thread.hpp, semaphore.hpp, latch.hpp, barrier.hpp),
// the synchronization helpers with no standard counterpart (event.hpp,
// blocking_queue.hpp), the thread registry (registry.hpp) and the library
// version (version.hpp). The GoogleTest integration is separate
// (concheck/gtest.hpp, library concheck::gtest) so that programs without
// GoogleTest do not need it.
#pragma once

#include "concheck/barrier.hpp"
#include "concheck/blocking_queue.hpp"
#include "concheck/condition_variable.hpp"
#include "concheck/event.hpp"
#include "concheck/latch.hpp"
#include "concheck/mutex.hpp"
#include "concheck/registry.hpp"
#include "concheck/semaphore.hpp"
#include "concheck/shared.hpp"
#include "concheck/shared_mutex.hpp"
#include "concheck/thread.hpp"
#include "concheck/version.hpp"
