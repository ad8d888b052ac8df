/*
 * fo_wait.h -- waiting without taking a core from the thread that has the work.
 *
 * A thread that waits for another spins only briefly (fo_cpu_relax between
 * polls, a few microseconds), then naps (fo_nap_us: the core goes to whoever
 * else is runnable, another process or the thread it waits for).  fo_now_ns is
 * a monotonic clock for bounding a spin in time rather than in iterations (a
 * `pause` costs 10 to 140 cycles depending on the CPU).
 *
 * FO_HAVE_C11_ATOMICS is 1 when <stdatomic.h> is there; the code that shares
 * work between threads through atomics falls back to one thread without it.
 */
#ifndef FASTOPTIM_FO_WAIT_H
#define FASTOPTIM_FO_WAIT_H

#include <stdint.h>

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L && !defined(__STDC_NO_ATOMICS__)
#define FO_HAVE_C11_ATOMICS 1
#else
#define FO_HAVE_C11_ATOMICS 0
#endif

#if defined(_WIN32)
#include <windows.h>
#else
#include <time.h>
#endif

/* One polite iteration of a spin loop (the `pause` / `yield` hint). */
static inline void fo_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* Monotonic time in nanoseconds. */
static inline int64_t fo_now_ns(void)
{
#if defined(_WIN32)
    LARGE_INTEGER f, c;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&c);
    return (int64_t)((double)c.QuadPart * 1e9 / (double)f.QuadPart);
#else
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
#endif
}

/* Give the core away for about `us` microseconds. */
static inline void fo_nap_us(int us)
{
#if defined(_WIN32)
    Sleep(us >= 1000 ? (DWORD)(us / 1000) : 0);
#else
    struct timespec ts = {us / 1000000, (long)(us % 1000000) * 1000};
    nanosleep(&ts, NULL);
#endif
}

/*
 * A helper thread waiting for its next piece of work: fo_wait_step spins while the wait is
 * younger than spin_ns, then naps (50 us doubling to 800 us).  A spin that finds it was
 * descheduled (FO_PREEMPTED_NS between two polls: other threads want this core) skips the
 * spin phase for the next FO_CALM_NS -- on a busy machine a spinning helper only takes the
 * time slices of the thread that has the work.  Keep one fo_waiter per thread; call
 * fo_wait_begin at the start of each wait.
 */
#define FO_PREEMPTED_NS 20000
#define FO_CALM_NS 10000000

typedef struct {
    int64_t since, last, calm_until;
    int nap, polls;
} fo_waiter;

static inline void fo_wait_begin(fo_waiter *w)
{
    w->since = w->last = fo_now_ns();
    w->nap = 0;
    w->polls = 0;
}

static inline void fo_wait_step(fo_waiter *w, int64_t spin_ns)
{
    if (w->nap == 0) {
        if ((++w->polls & 7) != 0) {
            fo_cpu_relax();
            return;
        }
        const int64_t now = fo_now_ns();
        if (now - w->last > FO_PREEMPTED_NS) w->calm_until = now + FO_CALM_NS;
        w->last = now;
        if (now - w->since < spin_ns && now >= w->calm_until) {
            fo_cpu_relax();
            return;
        }
        w->nap = 50;
    }
    fo_nap_us(w->nap);
    w->nap = w->nap < 800 ? 2 * w->nap : 800;
}

#if FO_HAVE_C11_ATOMICS
#include <stdatomic.h>

/*
 * A team's job board: thread 0 posts job numbers on `job`, each job split into parts whose
 * state words hold (job sequence << 8) | code (code 0: free; odd: thread 0's; 2w: helper w's).
 * fo_wait_job waits until (*job >> shift) differs from `last` and returns *job, or -1 once
 * *quit is set.  fo_claim takes a free part of the job whose state base is `base`:
 * 1 taken, 0 already someone else's, -1 the part belongs to a later job (stop claiming).
 */
static inline int64_t fo_wait_job(_Atomic int64_t *job, _Atomic int *quit, int shift,
                                  int64_t last, fo_waiter *w, int64_t spin_ns)
{
    fo_wait_begin(w);
    for (;;) {
        if (atomic_load_explicit(quit, memory_order_acquire)) return -1;
        const int64_t now = atomic_load_explicit(job, memory_order_acquire);
        if ((now >> shift) != last) return now;
        fo_wait_step(w, spin_ns);
    }
}

static inline int fo_claim(_Atomic int64_t *state, int64_t base, int64_t code)
{
    int64_t expect = base;
    if (atomic_compare_exchange_strong_explicit(state, &expect, base | code, memory_order_acq_rel,
                                                memory_order_relaxed))
        return 1;
    return ((expect >> 8) == (base >> 8)) ? 0 : -1;
}
/*
 * Thread 0's wait for a part a helper claimed: polls for at most patience_ns, then takes the
 * part over.  Returns -1 when the part is now thread 0's to compute (taken over), 0 when
 * thread 0 computed it already, or the publishing helper's w >= 1 (the part is in w's buffers).
 */
static inline int fo_await_part(_Atomic int64_t *state, int64_t base, double patience_ns)
{
    int64_t v = atomic_load_explicit(state, memory_order_acquire);
    int code = (int)(v & 255);
    if (code == 1) return 0;
    const int64_t since = fo_now_ns();
    int polls = 0;
    while (!(code & 1)) {  /* claimed by helper code / 2, not yet published */
        if ((++polls & 31) == 0 && (double)(fo_now_ns() - since) > patience_ns) {
            if (atomic_compare_exchange_strong_explicit(state, &v, base | 1, memory_order_acq_rel,
                                                        memory_order_acquire))
                return -1;
        } else {
            fo_cpu_relax();
            v = atomic_load_explicit(state, memory_order_acquire);
        }
        code = (int)(v & 255);
    }
    return code / 2;
}
#endif

#endif /* FASTOPTIM_FO_WAIT_H */
