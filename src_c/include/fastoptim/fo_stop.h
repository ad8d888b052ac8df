/*
 * fo_stop.h -- asking the caller, now and then, whether a long solve should stop.
 *
 * A solver that may run for minutes (SMO, dual coordinate descent) takes an
 * optional callback `should_stop(ctx)` in its params struct.  It polls it
 * through an fo_stop_poll at most once per FO_STOP_PERIOD_NS of work (the
 * clock is read on every fo_stop_poll_check, so call that every few
 * microseconds of work at most, not per multiply-add) and, when it returns
 * nonzero, stops at once with FO_STOP_INTERRUPTED, freeing what it allocated.
 * The callback is the caller's business: the Cython glue checks the Python
 * signal handlers there (Ctrl-C), with the GIL, so the C core itself never
 * includes Python.h.  It is called only on the thread that called the solver.
 */
#ifndef FASTOPTIM_FO_STOP_H
#define FASTOPTIM_FO_STOP_H

#include <stdint.h>

#include "fastoptim/fo_wait.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Nonzero: stop now.  Called on the thread that called the solver. */
typedef int (*fo_stop_fn)(void *ctx);

/* At most this often (a Ctrl-C is seen within about this long). */
#define FO_STOP_PERIOD_NS 50000000

typedef struct {
    fo_stop_fn fn;  /* NULL: never stop */
    void *ctx;
    int64_t next_ns;
} fo_stop_poll;

static inline void fo_stop_poll_init(fo_stop_poll *p, fo_stop_fn fn, void *ctx)
{
    p->fn = fn;
    p->ctx = ctx;
    p->next_ns = fn ? fo_now_ns() + FO_STOP_PERIOD_NS : 0;
}

/* 1 when the callback asked to stop (asked at most every FO_STOP_PERIOD_NS). */
static inline int fo_stop_poll_check(fo_stop_poll *p)
{
    if (!p->fn) return 0;
    const int64_t now = fo_now_ns();
    if (now < p->next_ns) return 0;
    p->next_ns = now + FO_STOP_PERIOD_NS;
    return p->fn(p->ctx) != 0;
}

#ifdef __cplusplus
}
#endif
#endif /* FASTOPTIM_FO_STOP_H */
