// concheck: clang's thread-safety annotations for concheck's own locks.
// INTERNAL: shared by detector/ and runtime/, not installed; may change.
//
// Under clang they expand to the attributes that -Wthread-safety checks (a
// function that touches CONCHECK_GUARDED_BY data without the lock, or returns
// holding a lock it should have released, is a warning); under other compilers
// they expand to nothing. Same names and meaning as Abseil's
// thread_annotations.h, prefixed.
#pragma once

#if defined(__clang__)
#define CONCHECK_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define CONCHECK_THREAD_ANNOTATION(x)
#endif

// A class whose objects are locks ("mutex" names the kind in messages).
#define CONCHECK_CAPABILITY(name) CONCHECK_THREAD_ANNOTATION(capability(name))
// An RAII class that holds a capability for its lifetime.
#define CONCHECK_SCOPED_CAPABILITY CONCHECK_THREAD_ANNOTATION(scoped_lockable)
// Data that may be read or written only with the lock held.
#define CONCHECK_GUARDED_BY(lock) CONCHECK_THREAD_ANNOTATION(guarded_by(lock))
// A function that must be called with the locks held / not held.
#define CONCHECK_REQUIRES(...) CONCHECK_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define CONCHECK_EXCLUDES(...) CONCHECK_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
// A function that acquires / releases the locks (no argument: `this`).
#define CONCHECK_ACQUIRE(...) CONCHECK_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define CONCHECK_RELEASE(...) CONCHECK_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
// A function that acquires the lock when it returns `result`.
#define CONCHECK_TRY_ACQUIRE(...) CONCHECK_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
// A function returning a reference to the lock named by the argument.
#define CONCHECK_RETURN_CAPABILITY(lock) CONCHECK_THREAD_ANNOTATION(lock_returned(lock))
// Opts a function out of the analysis: for code that locks in one function and
// unlocks in another on purpose (fork handlers).
#define CONCHECK_NO_THREAD_SAFETY_ANALYSIS CONCHECK_THREAD_ANNOTATION(no_thread_safety_analysis)
