/*
 * epoch.c -- one epoch of mini-batch training (see fo_epoch.h).  The update
 * rules are compiled into this file from update_rules_impl.h (static copies of
 * the workers of update.c), so each step calls them directly.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "fastoptim/fo_config.h"
#include "fastoptim/fo_epoch.h"
#include "fastoptim/fo_loss.h"
#include "fastoptim/fo_loss_inline.h"
#include "fastoptim/fo_status.h"
#include "fastoptim/fo_update.h"
#include "fastoptim/fo_vec.h"
#include "fastoptim/fo_wait.h"
#include "update_shapes.h"

/*
 * The threads of a multi-part epoch (epoch_impl.h): one OpenMP region per epoch, in which
 * thread 0 drives the batches -- it publishes the parameters of batch bi, computes parts
 * itself and applies the rule -- and helpers 1.. claim parts of the current batch with a
 * compare-and-swap, computing each with a private copy of the published parameters into
 * slots of their own, then publishing it.  Thread 0 never waits for a helper that has not
 * claimed a part (a descheduled helper just takes no part in that batch) and waits for a
 * claimed part at most three times its own mean time per part before it computes that part
 * itself (the helper's copy is dropped): whoever computes a part, it is the same code on the
 * same inputs, and the parts are added in part order, so the bits depend only on the number
 * of parts.  Part states are (batch sequence << 8) | code: 0 free, 1 thread 0's, 2w claimed
 * by helper w, 2w + 1 published by helper w.  Idle helpers spin FO_TEAM_SPIN_NS, then nap.
 */
#if defined(_OPENMP) && FO_HAVE_C11_ATOMICS
#include <stdatomic.h>
#define FO_EPOCH_TEAM 1
#define FO_TEAM_SPIN_NS 50000
typedef struct {
    int n_helpers, n_parts;
    _Atomic int64_t job;      /* the batch sequence (batch index + 1); 0: none yet */
    _Atomic int quit;
    _Atomic int64_t *state;   /* per part */
    double *slots;            /* per helper: n_parts slots of `stride` doubles */
    void *pub;                /* the published parameters: n_coef (+ K) _Atomic FO_T */
    void *mine;               /* per helper: a private copy of them (FO_T) */
} fo_epoch_team;
#endif

/* splitmix64 (Steele, Lea & Flood 2014): a small, well-mixed 64-bit generator. */
static uint64_t fo_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Uniform integer in [0, bound) by Lemire's multiply-shift (bias < bound / 2^64). */
static uint64_t fo_below(uint64_t *state, uint64_t bound)
{
#if defined(__SIZEOF_INT128__)
    return (uint64_t)(((unsigned __int128)fo_splitmix64(state) * bound) >> 64);
#else
    return fo_splitmix64(state) % bound;
#endif
}

int fo_epoch_permutation(int64_t n, uint64_t seed, int64_t *perm)
{
    if (n < 0 || (n > 0 && !perm)) return FO_ERR_BAD_ARGUMENT;
    uint64_t state = seed;
    for (int64_t i = 0; i < n; i++) perm[i] = i;
    /* Fisher-Yates, from the end.  The random indices do not depend on the
     * array, so they are drawn FO_SHUFFLE_AHEAD swaps early and their entries
     * prefetched: each swap's random access (a cache miss once n outgrows the
     * L2) overlaps the following ones.  Same swaps, same permutation. */
    enum { FO_SHUFFLE_AHEAD = 16 };
    int64_t ahead[FO_SHUFFLE_AHEAD];
    int64_t drawn = n - 1; /* the next i whose index is to be drawn */
    for (int k = 0; k < FO_SHUFFLE_AHEAD && drawn > 0; k++, drawn--) {
        ahead[drawn % FO_SHUFFLE_AHEAD] = (int64_t)fo_below(&state, (uint64_t)drawn + 1);
        FO_PREFETCH(perm + ahead[drawn % FO_SHUFFLE_AHEAD]);
    }
    for (int64_t i = n - 1; i > 0; i--) {
        const int64_t j = ahead[i % FO_SHUFFLE_AHEAD];
        if (drawn > 0) {  /* index for i - FO_SHUFFLE_AHEAD replaces this one */
            const int64_t jn = (int64_t)fo_below(&state, (uint64_t)drawn + 1);
            ahead[drawn % FO_SHUFFLE_AHEAD] = jn;
            FO_PREFETCH(perm + jn);
            drawn--;
        }
        int64_t tmp = perm[i];
        perm[i] = perm[j];
        perm[j] = tmp;
    }
    return FO_OK;
}

int fo_epoch_draws(int64_t n, uint64_t seed, int64_t *draws)
{
    if (n < 0 || (n > 0 && !draws)) return FO_ERR_BAD_ARGUMENT;
    uint64_t state = seed;
    for (int64_t k = 0; k < n; k++) draws[k] = (int64_t)fo_below(&state, (uint64_t)n);
    return FO_OK;
}

#define FO_T double
#define FO_SUF(name) name##_f64
#define FO_DATA fo_data_f64
#define FO_SQRT sqrt
#if FO_HAVE_VECTOR_EXT
#define FO_SGD_V fo_v4d /* batch 1: the row's score in 4-lane vectors (float32: omp simd, in double) */
#define FO_SGD_LANES 4
#endif
#include "update_rules_impl.h"
#include "epoch_impl.h"

#define FO_T float
#define FO_SUF(name) name##_f32
#define FO_DATA fo_data_f32
#define FO_SQRT sqrtf
#include "update_rules_impl.h"
#include "epoch_impl.h"
