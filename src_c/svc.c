/*
 * svc.c -- the kernel SVM dual solved by SMO (see fo_svc.h for the problem).
 *
 * Math.  With G = Q a - e the gradient of f, the variables that may move are
 *
 *     I_up(a)  = {t : y_t = +1, a_t < C_t  or  y_t = -1, a_t > 0}
 *     I_low(a) = {t : y_t = +1, a_t > 0    or  y_t = -1, a_t < C_t}
 *
 * and a is optimal (KKT) when m(a) = max_{I_up} -y_t G_t <= M(a) = min_{I_low} -y_t G_t.
 * Each iteration (Fan, Chen & Lin, "Working set selection using second order
 * information for training support vector machines", JMLR 6, 2005, WSS 2):
 *
 *     i = argmax_{t in I_up} -y_t G_t
 *     j = argmin_{t in I_low, -y_t G_t < m(a)} -(m(a) + y_t G_t)^2 / a_it,
 *         a_it = K_ii + K_tt - 2 K_it  (tau = 1e-12 when not positive)
 *
 * then the two-variable subproblem along y_i a_i + y_j a_j = const is solved
 * exactly and clipped to the box, and G += Q_i da_i + Q_j da_j.  It stops when
 * m(a) - M(a) <= tol.  rho = the mean of y_t G_t over the free variables (0 <
 * a_t < C_t), or the middle of its feasible interval when none is free.
 *
 * Shrinking (Joachims 1999; Chang & Lin, "LIBSVM: a library for support vector
 * machines", ACM TIST 2011, section 5.1): every min(m, 1000) iterations the
 * variables at a bound whose -y_t G_t cannot enter a violating pair are dropped
 * from the active set; G_bar_t = sum_{a_s = C_s} C_s Q_ts is kept up to date so
 * that their gradients can be rebuilt (G_t = G_bar_t - 1 + sum_{free s} a_s Q_ts)
 * when the active set first reaches 10 tol, and before the end.
 *
 * Rows of Q are kept in an LRU cache (whole rows of m floats: a row fetched
 * for one active set stays valid for every other).  The solver itself is the
 * same for every data type; only the row computation (svc_impl.h) differs.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "fastoptim/fo_config.h"
#include "fastoptim/fo_kernels.h"
#include "fastoptim/fo_status.h"
#include "fastoptim/fo_svc.h"
#include "fastoptim/fo_wait.h"

#if FO_HAVE_C11_ATOMICS
#include <stdatomic.h>
#endif

#define FO_SVC_TAU 1e-12

void fo_svc_params_init(fo_svc_params *params)
{
    params->kernel.kind = FO_KERNEL_RBF;
    params->kernel.gamma = 1.0;
    params->kernel.degree = 3;
    params->kernel.coef0 = 0.0;
    params->tol = 1e-3;
    params->max_iter = -1;
    params->cache_bytes = 200.0 * 1024 * 1024;
    params->shrinking = 1;
    params->n_threads = 1;
    params->should_stop = NULL;
    params->stop_ctx = NULL;
}

/* ------------------------------------------------------------------ the rows of Q */

typedef struct svc_source svc_source;
typedef struct svc_team svc_team;
/* Entries of Q are stored (cached, shared) in single precision, as LIBSVM's Qfloat: the
 * gradient, the diagonal and every sum stay in double (see the note above svc_q_chunk). */
typedef float svc_qf;

typedef int (*svc_row_fn)(const svc_source *S, int64_t i, svc_qf *q);
typedef int (*svc_chunk_fn)(const svc_source *S, int64_t i, int64_t j0, int64_t j1, void *dense,
                            void *block, svc_qf *out);

struct svc_source {
    svc_row_fn q_row;        /* row i of Q into m entries */
    svc_chunk_fn q_chunk;    /* entries [j0, j1) of row i (computed kernels) */
    int64_t chunk_len;       /* rows are computed in chunks of this many entries */
    svc_team *team;          /* helper threads, or NULL */
    const void *data;        /* fo_data_f64 / fo_data_f32, or the precomputed matrix */
    int64_t n_all;           /* precomputed: its order */
    const void *sqnorm;      /* rbf: squared norms of all rows of data (FO_T) */
    fo_kernel_params kp;
    int64_t m;
    const int64_t *rows;
    const double *y;
    void *zn;                /* rbf: the norms of this problem's rows, in order (FO_T) */
    void *block;             /* float64: one chunk of K before rounding to svc_qf (FO_T) */
    void *scratch;           /* CSR: one dense row of d zeros per thread (FO_T) */
    int64_t scratch_len;
    size_t type_size;        /* sizeof(FO_T) */
    int n_threads;
};

#define FO_T double
#define FO_SUF(name) name##_f64
#define FO_DATA fo_data_f64
#include "svc_impl.h"
#undef FO_T
#undef FO_SUF
#undef FO_DATA

#define FO_T float
#define FO_SUF(name) name##_f32
#define FO_DATA fo_data_f32
#include "svc_impl.h"
#undef FO_T
#undef FO_SUF
#undef FO_DATA

/* ------------------------------------------------------------------ rows in chunks, by a team
 *
 * A row of Q is computed in chunks of chunk_len entries (a multiple of 16, set from the work
 * per entry; never from the thread count), so every value comes from the same code on the
 * same inputs whichever thread computes it: any number of threads gives the same bits.
 *
 * With n_threads > 1 the whole solve is one OpenMP region (no fork and join per row): thread
 * 0 runs SMO and posts each row it misses in the cache; helpers 1.. that are awake claim
 * chunks one compare-and-swap at a time (from the back; thread 0 claims from the front),
 * compute them into rows of their own and publish each one; thread 0 copies them in.  Thread
 * 0 never waits for a helper that has not claimed a chunk -- a helper that the OS has not
 * scheduled simply takes no part -- and waits for a claimed chunk at most three times its
 * own mean time per chunk before it computes that chunk itself (the helper's copy is then
 * dropped), so a helper descheduled in the middle of a chunk stalls nothing either.  Idle
 * helpers spin for FO_SVC_SPIN_NS, then nap (50 us doubling to 800 us) until the next row.
 * Chunk states are (row sequence << 8) | code: 0 free, 1 thread 0's, 2w claimed by helper
 * w, 2w + 1 published by helper w.
 */
#define FO_SVC_SPIN_NS 50000
#define FO_SVC_ROW_BITS 31

#if defined(_OPENMP) && FO_HAVE_C11_ATOMICS
#define FO_SVC_TEAM 1
struct svc_team {
    int n_helpers;
    int64_t n_chunks;
    _Atomic int64_t job;      /* (sequence << FO_SVC_ROW_BITS) | row; 0: none yet */
    _Atomic int quit;
    _Atomic int64_t *state;   /* per chunk */
    svc_qf *rows;             /* per helper: a row of m entries */
    int *status;              /* per helper and chunk: the chunk's status */
    char *block;              /* per helper: a chunk of FO_T (float64 data) */
    char *dense;              /* per helper, CSR: d zeros of FO_T */
    int64_t seq;              /* thread 0's row counter */
    double chunk_ns;          /* thread 0's running mean time per chunk */
};
#endif

static void svc_chunk_range(const svc_source *S, int64_t c, int64_t *j0, int64_t *j1)
{
    *j0 = c * S->chunk_len;
    *j1 = *j0 + S->chunk_len < S->m ? *j0 + S->chunk_len : S->m;
}

/* Row i of Q, chunk by chunk, on the calling thread alone. */
static int svc_row_alone(const svc_source *S, int64_t i, svc_qf *q)
{
    const int64_t n_chunks = (S->m + S->chunk_len - 1) / S->chunk_len;
    int status = FO_OK;
    for (int64_t c = 0; c < n_chunks; c++) {
        int64_t j0, j1;
        svc_chunk_range(S, c, &j0, &j1);
        const int s = S->q_chunk(S, i, j0, j1, S->scratch, S->block, q + j0);
        if (s < status) status = s;
    }
    return status;
}

#ifdef FO_SVC_TEAM
static int svc_row_team(const svc_source *S, int64_t i, svc_qf *q)
{
    svc_team *T = S->team;
    const int64_t n = T->n_chunks, seq = ++T->seq, base = seq << 8;
    for (int64_t c = 0; c < n; c++) atomic_store_explicit(&T->state[c], base, memory_order_relaxed);
    atomic_store_explicit(&T->job, (seq << FO_SVC_ROW_BITS) | i, memory_order_release);
    int status = FO_OK;
    for (int64_t c = 0; c < n; c++) {  /* claim from the front */
        if (fo_claim(&T->state[c], base, 1) != 1) continue;
        int64_t j0, j1;
        svc_chunk_range(S, c, &j0, &j1);
        const int64_t t0 = fo_now_ns();
        const int s = S->q_chunk(S, i, j0, j1, S->scratch, S->block, q + j0);
        T->chunk_ns += 0.125 * ((double)(fo_now_ns() - t0) - T->chunk_ns);
        if (s < status) status = s;
    }
    const double patience = 3.0 * T->chunk_ns + 2000.0;
    for (int64_t c = 0; c < n; c++) {  /* the helpers' chunks: wait briefly, or take over */
        const int w = fo_await_part(&T->state[c], base, patience);
        if (w == 0) continue;
        int64_t j0, j1;
        svc_chunk_range(S, c, &j0, &j1);
        if (w < 0) {
            const int s = S->q_chunk(S, i, j0, j1, S->scratch, S->block, q + j0);
            if (s < status) status = s;
            continue;
        }
        const int s = T->status[(size_t)(w - 1) * (size_t)n + (size_t)c];
        if (s < status) status = s;
        memcpy(q + j0, T->rows + (size_t)(w - 1) * (size_t)S->m + (size_t)j0,
               (size_t)(j1 - j0) * sizeof(svc_qf));
    }
    return status;
}

/* Helper w (1..): computes chunks of the rows thread 0 posts until it says quit. */
static void svc_team_helper(const svc_source *S, int w)
{
    svc_team *T = S->team;
    if (w > T->n_helpers) return;
    const int64_t n = T->n_chunks;
    svc_qf *row = T->rows + (size_t)(w - 1) * (size_t)S->m;
    int *status = T->status + (size_t)(w - 1) * (size_t)n;
    void *block = T->block ? T->block + (size_t)(w - 1) * (size_t)S->chunk_len * S->type_size
                           : NULL;
    void *dense = T->dense ? T->dense + (size_t)(w - 1) * (size_t)S->scratch_len * S->type_size
                           : NULL;
    int64_t last = 0;
    fo_waiter waiter = {0, 0, 0, 0, 0};
    for (;;) {
        const int64_t job = fo_wait_job(&T->job, &T->quit, FO_SVC_ROW_BITS, last, &waiter,
                                        FO_SVC_SPIN_NS);
        if (job < 0) return;
        last = job >> FO_SVC_ROW_BITS;
        const int64_t i = job & (((int64_t)1 << FO_SVC_ROW_BITS) - 1), base = last << 8;
        for (int64_t k = 0; k < n; k++) {  /* claim from the back */
            const int64_t c = n - 1 - k;
            const int got = fo_claim(&T->state[c], base, 2 * w);
            if (got < 0) break;  /* the next row has begun */
            if (!got) continue;
            int64_t j0, j1;
            svc_chunk_range(S, c, &j0, &j1);
            status[c] = S->q_chunk(S, i, j0, j1, dense, block, row + j0);
            int64_t expect = base | (2 * w);  /* publish, unless thread 0 took the chunk over */
            atomic_compare_exchange_strong_explicit(&T->state[c], &expect, base | (2 * w + 1),
                                                    memory_order_acq_rel, memory_order_relaxed);
        }
    }
}
#endif

/* Row i of Q for the computed kernels: with the team when there is one. */
static int svc_q_row_computed(const svc_source *S, int64_t i, svc_qf *q)
{
#ifdef FO_SVC_TEAM
    if (S->team) return svc_row_team(S, i, q);
#endif
    return svc_row_alone(S, i, q);
}

static int svc_q_row_precomputed(const svc_source *S, int64_t i, svc_qf *q)
{
    const double *K = (const double *)S->data + S->rows[i] * S->n_all;
    const double yi = S->y[i];
    int ok = 1;
    for (int64_t j = 0; j < S->m; j++) {
        q[j] = (svc_qf)(yi * S->y[j] * K[S->rows[j]]);
        ok &= fabsf(q[j]) <= FLT_MAX;
    }
    return ok ? FO_OK : FO_ERR_NONFINITE;
}

/* ------------------------------------------------------------------ the LRU row cache */

typedef struct {
    svc_qf **row;      /* m entries: the cached row or NULL */
    int64_t *prev;     /* the LRU list over cached indices; m is the sentinel */
    int64_t *next;
    int64_t count, capacity, m;
    int64_t misses;
} svc_cache;

static int svc_cache_init(svc_cache *c, int64_t m, double bytes)
{
    c->m = m;
    c->count = 0;
    c->misses = 0;
    /* rows that fit in `bytes`, at most m (every row), at least 2 (rows i and j of a step) */
    const double cap = fmin(floor(bytes / ((double)m * sizeof(svc_qf))), (double)m);
    c->capacity = cap < 2.0 ? 2 : (int64_t)cap;
    c->row = calloc((size_t)m, sizeof(svc_qf *));
    c->prev = malloc((size_t)(m + 1) * sizeof(int64_t));
    c->next = malloc((size_t)(m + 1) * sizeof(int64_t));
    if (!c->row || !c->prev || !c->next) return FO_ERR_NO_MEMORY;
    c->prev[m] = c->next[m] = m;
    return FO_OK;
}

static void svc_cache_free(svc_cache *c)
{
    if (c->row)
        for (int64_t t = 0; t < c->m; t++) free(c->row[t]);
    free(c->row);
    free(c->prev);
    free(c->next);
}

static void svc_cache_unlink(svc_cache *c, int64_t t)
{
    c->next[c->prev[t]] = c->next[t];
    c->prev[c->next[t]] = c->prev[t];
}

static void svc_cache_push_front(svc_cache *c, int64_t t)
{
    const int64_t s = c->m;
    c->next[t] = c->next[s];
    c->prev[t] = s;
    c->prev[c->next[s]] = t;
    c->next[s] = t;
}

/* Row t of Q, computed when not cached; *status set on failure (then NULL). */
static const svc_qf *svc_cache_get(svc_cache *c, const svc_source *S, int64_t t, int *status)
{
    if (c->row[t]) {
        svc_cache_unlink(c, t);
        svc_cache_push_front(c, t);
        return c->row[t];
    }
    svc_qf *buf;
    if (c->count < c->capacity) {
        buf = malloc((size_t)c->m * sizeof(svc_qf));
        if (!buf) {
            *status = FO_ERR_NO_MEMORY;
            return NULL;
        }
        c->count++;
    } else {  /* evict the least recently used row (never the one fetched just before) */
        const int64_t old = c->prev[c->m];
        svc_cache_unlink(c, old);
        buf = c->row[old];
        c->row[old] = NULL;
    }
    const int s = S->q_row(S, t, buf);
    c->misses++;
    if (s != FO_OK) {
        free(buf);
        c->count--;
        *status = s;
        return NULL;
    }
    c->row[t] = buf;
    svc_cache_push_front(c, t);
    return buf;
}

/* ------------------------------------------------------------------ the solver */

typedef struct {
    int64_t m;
    const double *y, *C;
    double *a, *G, *G_bar;
    int32_t *active;   /* active[0..n_active) are the active variables (32-bit: the scans'
                        * gathers vectorize with 32-bit indices; m < 2^31, svc_check) */
    int64_t n_active;
    /* 0 where t is in I_up (I_low), -inf elsewhere: the working-set scans add them instead of
     * branching on y_t and the bounds (random labels: a mispredicted branch per entry) */
    double *pen_up, *pen_low;
    double *scan;      /* n_active values of the last scan, by position */
    svc_cache cache;
    const svc_source *S;
    double tol;
    int unshrunk;      /* the gradient was rebuilt once the violation reached 10 tol */
} svc_state;

FO_INLINE int svc_at_upper(const svc_state *st, int64_t t) { return st->a[t] >= st->C[t]; }
FO_INLINE int svc_at_lower(const svc_state *st, int64_t t) { return st->a[t] <= 0.0; }

/* pen_up[t], pen_low[t] from a_t (after every change of a_t). */
FO_INLINE void svc_set_pens(svc_state *st, int64_t t)
{
    const int up = svc_at_upper(st, t), low = svc_at_lower(st, t), pos = st->y[t] > 0;
    st->pen_up[t] = (pos ? !up : !low) ? 0.0 : -HUGE_VAL;
    st->pen_low[t] = (pos ? !low : !up) ? 0.0 : -HUGE_VAL;
}

/* G_t for the inactive t, from G_bar and the free variables' rows. */
static int svc_reconstruct_gradient(svc_state *st)
{
    const int64_t m = st->m;
    if (st->n_active == m) return FO_OK;
    int status = FO_OK;
    int64_t n_free = 0;
    for (int64_t k = 0; k < st->n_active; k++) {
        const int64_t t = st->active[k];
        n_free += !svc_at_upper(st, t) && !svc_at_lower(st, t);
    }
    for (int64_t k = st->n_active; k < m; k++) {
        const int64_t t = st->active[k];
        st->G[t] = st->G_bar[t] - 1.0;
    }
    /* inactive variables are at a bound, so the free ones are all active; LIBSVM's choice
     * between the two loops and its order of the sums */
    const int64_t n_inactive = m - st->n_active;
    if ((double)n_free * (double)m > 2.0 * (double)st->n_active * (double)n_inactive) {
        for (int64_t k = st->n_active; k < m; k++) {  /* one row per inactive variable */
            const int64_t t = st->active[k];
            const svc_qf *q = svc_cache_get(&st->cache, st->S, t, &status);
            if (!q) return status;
            double g = st->G[t];
            for (int64_t kk = 0; kk < st->n_active; kk++) {
                const int64_t u = st->active[kk];
                if (!svc_at_upper(st, u) && !svc_at_lower(st, u)) g += st->a[u] * q[u];
            }
            st->G[t] = g;
        }
    } else {  /* one row per free variable */
        for (int64_t k = 0; k < st->n_active; k++) {
            const int64_t u = st->active[k];
            if (svc_at_upper(st, u) || svc_at_lower(st, u)) continue;
            const svc_qf *q = svc_cache_get(&st->cache, st->S, u, &status);
            if (!q) return status;
            const double au = st->a[u];
            for (int64_t kk = st->n_active; kk < m; kk++) {
                const int64_t t = st->active[kk];
                st->G[t] += au * q[t];
            }
        }
    }
    st->n_active = m;
    return FO_OK;
}

/* The largest violations over the active set: gmax1 = m(a), gmax2 = -M(a). */
static void svc_violations(const svc_state *st, double *gmax1, double *gmax2)
{
    double g1 = -HUGE_VAL, g2 = -HUGE_VAL;
    for (int64_t k = 0; k < st->n_active; k++) {
        const int64_t t = st->active[k];
        const double g = st->G[t];
        if (st->y[t] > 0) {
            if (!svc_at_upper(st, t) && -g > g1) g1 = -g;
            if (!svc_at_lower(st, t) && g > g2) g2 = g;
        } else {
            if (!svc_at_upper(st, t) && -g > g2) g2 = -g;
            if (!svc_at_lower(st, t) && g > g1) g1 = g;
        }
    }
    *gmax1 = g1;
    *gmax2 = g2;
}

/* Can t (at a bound) not enter a violating pair while m(a) <= gmax1, -M(a) <= gmax2? */
static int svc_be_shrunk(const svc_state *st, int64_t t, double gmax1, double gmax2)
{
    const double g = st->G[t];
    if (svc_at_upper(st, t)) return st->y[t] > 0 ? -g > gmax1 : -g > gmax2;
    if (svc_at_lower(st, t)) return st->y[t] > 0 ? g > gmax2 : g > gmax1;
    return 0;
}

static int svc_shrink(svc_state *st)
{
    double gmax1, gmax2;
    svc_violations(st, &gmax1, &gmax2);
    if (!st->unshrunk && gmax1 + gmax2 <= 10.0 * st->tol) {
        st->unshrunk = 1;  /* close to the end: rebuild once, then shrink again */
        const int s = svc_reconstruct_gradient(st);
        if (s != FO_OK) return s;
    }
    /* a shrunk variable at k trades places with the last active one that stays (the order
     * LIBSVM's swaps leave: its scans, and so its ties and sums, go in the same order) */
    for (int64_t k = 0; k < st->n_active; k++) {
        if (!svc_be_shrunk(st, st->active[k], gmax1, gmax2)) continue;
        st->n_active--;
        while (st->n_active > k) {
            const int32_t last = st->active[st->n_active];
            if (!svc_be_shrunk(st, last, gmax1, gmax2)) {
                st->active[st->n_active] = st->active[k];
                st->active[k] = last;
                break;
            }
            st->n_active--;
        }
    }
    return FO_OK;
}

/* The first scan of WSS 2: v_k = -y_t G_t for t = active[k] in I_up, -inf elsewhere, into v;
 * returns max_k v_k.  Branch-free (vectorized, gathers, on the x86-64-v3 clone); the products
 * by y_t = +-1 are exact, so a fused multiply-add changes no bit. */
FO_HOT static double svc_scan_up(int64_t n, const int32_t *FO_RESTRICT active,
                                 const double *FO_RESTRICT y, const double *FO_RESTRICT G,
                                 const double *FO_RESTRICT pen, double *FO_RESTRICT v)
{
    double mx = -HUGE_VAL;
    FO_SIMD_REDUCTION(max, mx)
    for (int64_t k = 0; k < n; k++) {
        const int32_t t = active[k];
        const double x = pen[t] - y[t] * G[t];
        v[k] = x;
        mx = x > mx ? x : mx;
    }
    return mx;
}

/* The second scan, for i (gmax = m(a), qd_i, y_i, q = row i of Q): obj_k = -(gmax + y_t G_t)^2 /
 * a_it for t = active[k] in I_low with gmax + y_t G_t > 0, +inf elsewhere, into obj; returns
 * min_k obj_k and sets *gmax2 = max over I_low of y_t G_t.  The same operations on the same
 * values as LIBSVM's two branches (y_t = -1: a - (-w) is a + w, bit for bit), so the same bits;
 * every product that could be fused is exact (y_t, 2 y_i = +-1, +-2). */
FO_HOT static double svc_scan_low(int64_t n, const int32_t *FO_RESTRICT active,
                                  const double *FO_RESTRICT y, const double *FO_RESTRICT G,
                                  const double *FO_RESTRICT pen, const double *FO_RESTRICT qd,
                                  const svc_qf *FO_RESTRICT q, double qd_i, double y2_i,
                                  double gmax, double *FO_RESTRICT obj, double *gmax2)
{
    double g2 = -HUGE_VAL, best = HUGE_VAL;
    FO_SIMD_REDUCTION2(max, g2, min, best)
    for (int64_t k = 0; k < n; k++) {
        const int32_t t = active[k];
        const double yt = y[t];
        const double c = yt * G[t] + pen[t];  /* -inf outside I_low */
        g2 = c > g2 ? c : g2;
        const double diff = gmax + c;
        const double quad = (qd_i + qd[t]) - yt * (y2_i * (double)q[t]);
        const double raw = -(diff * diff) / (quad > 0.0 ? quad : FO_SVC_TAU);
        const double o = diff > 0.0 ? raw : HUGE_VAL;
        obj[k] = o;
        best = o < best ? o : best;
    }
    *gmax2 = g2;
    return best;
}

/* The last position k < n with v[k] == x (LIBSVM's scans keep the last of equal values):
 * blocks of eight from the back, each tested with one branch. */
static int64_t svc_last_equal(const double *v, int64_t n, double x)
{
    int64_t k = n;
    for (; k >= 8; k -= 8) {
        int hit = 0;
        for (int l = 1; l <= 8; l++) hit |= v[k - l] == x;
        if (hit) break;
    }
    for (k = k - 1; k >= 0; k--)
        if (v[k] == x) return k;
    return -1;
}

/* WSS 2: the pair (i, j), or 1 in *optimal when m(a) - M(a) <= tol.  Each scan is a pass that
 * writes its values by position and reduces them, then a backward search for the last
 * position holding the extreme: the variable LIBSVM's sequential ">=" / "<=" scans pick. */
static int svc_select(svc_state *st, const double *qd, int64_t *out_i, int64_t *out_j,
                      const svc_qf **q_i, int *optimal)
{
    const int64_t n = st->n_active;
    const double gmax = svc_scan_up(n, st->active, st->y, st->G, st->pen_up, st->scan);
    *optimal = 1;
    if (!(gmax > -HUGE_VAL)) return FO_OK;
    const int64_t i = st->active[svc_last_equal(st->scan, n, gmax)];
    int status = FO_OK;
    const svc_qf *q = svc_cache_get(&st->cache, st->S, i, &status);
    if (!q) return status;
    double gmax2;
    const double best = svc_scan_low(n, st->active, st->y, st->G, st->pen_low, qd, q, qd[i],
                                     2.0 * st->y[i], gmax, st->scan, &gmax2);
    if (gmax + gmax2 < st->tol || !(best < HUGE_VAL)) return FO_OK;
    *optimal = 0;
    *out_i = i;
    *out_j = st->active[svc_last_equal(st->scan, n, best)];
    *q_i = q;
    return FO_OK;
}

/* rho from the KKT conditions over all variables (gradient complete). */
static double svc_rho(const svc_state *st)
{
    double ub = HUGE_VAL, lb = -HUGE_VAL, sum_free = 0.0;
    int64_t n_free = 0;
    for (int64_t t = 0; t < st->m; t++) {
        const double yg = st->y[t] * st->G[t];
        if (svc_at_upper(st, t) && svc_at_lower(st, t)) continue;  /* C_t = 0: no part */
        if (svc_at_upper(st, t)) {
            if (st->y[t] < 0) ub = fmin(ub, yg); else lb = fmax(lb, yg);
        } else if (svc_at_lower(st, t)) {
            if (st->y[t] > 0) ub = fmin(ub, yg); else lb = fmax(lb, yg);
        } else {
            n_free++;
            sum_free += yg;
        }
    }
    if (n_free > 0) return sum_free / (double)n_free;
    if (ub < HUGE_VAL && lb > -HUGE_VAL) return 0.5 * (ub + lb);
    return ub < HUGE_VAL ? ub : (lb > -HUGE_VAL ? lb : 0.0);
}

/* The two-variable step on (i, j) along y_i a_i + y_j a_j = const, clipped to the box. */
static void svc_pair_step(svc_state *st, const double *qd, int64_t i, int64_t j, double qij,
                          double *ai_out, double *aj_out)
{
    const double Ci = st->C[i], Cj = st->C[j];
    double ai = st->a[i], aj = st->a[j];
    const double Gi = st->G[i], Gj = st->G[j];
    if (st->y[i] != st->y[j]) {
        double quad = qd[i] + qd[j] + 2.0 * qij;
        if (quad <= 0.0) quad = FO_SVC_TAU;
        const double delta = (-Gi - Gj) / quad;
        const double diff = ai - aj;  /* conserved */
        ai += delta;
        aj += delta;
        if (diff > 0.0) {
            if (aj < 0.0) { aj = 0.0; ai = diff; }
        } else {
            if (ai < 0.0) { ai = 0.0; aj = -diff; }
        }
        if (diff > Ci - Cj) {
            if (ai > Ci) { ai = Ci; aj = Ci - diff; }
        } else {
            if (aj > Cj) { aj = Cj; ai = Cj + diff; }
        }
    } else {
        double quad = qd[i] + qd[j] - 2.0 * qij;
        if (quad <= 0.0) quad = FO_SVC_TAU;
        const double delta = (Gi - Gj) / quad;
        const double sum = ai + aj;  /* conserved */
        ai -= delta;
        aj += delta;
        if (sum > Ci) {
            if (ai > Ci) { ai = Ci; aj = sum - Ci; }
        } else {
            if (aj < 0.0) { aj = 0.0; ai = sum; }
        }
        if (sum > Cj) {
            if (aj > Cj) { aj = Cj; ai = sum - Cj; }
        } else {
            if (ai < 0.0) { ai = 0.0; aj = sum; }
        }
    }
    *ai_out = ai;
    *aj_out = aj;
}

/* G_t += Q_it di + Q_jt dj over the active t (LIBSVM's sums: no fused multiply-add, so this
 * stays out of the x86-64-v3 clones); 0 when one is no longer finite.  When most variables
 * are active, every entry is updated, in order: contiguous loads and stores where the
 * gather-scatter through active[] is what costs with few features, and the inactive entries
 * it touches are never read before svc_reconstruct_gradient rewrites them from G_bar. */
static int svc_update_gradient(svc_state *st, const svc_qf *FO_RESTRICT q_i, double di,
                               const svc_qf *FO_RESTRICT q_j, double dj)
{
    double *FO_RESTRICT G = st->G;
    int ok = 1;
    if (2 * st->n_active >= st->m) {
        const int64_t m = st->m;
        double finite = 0.0;  /* a sum of zeros, NaN once some G_t is not finite: it vectorizes */
        FO_SIMD_REDUCTION(+, finite)
        for (int64_t t = 0; t < m; t++) {
            const double g = G[t] + (q_i[t] * di + q_j[t] * dj);
            G[t] = g;
            finite += g * 0.0;
        }
        if (finite == 0.0) return 1;
        /* only the active entries count (an inactive one may have overflowed) */
        for (int64_t k = 0; k < st->n_active; k++) ok &= fabs(G[st->active[k]]) <= DBL_MAX;
        return ok;
    }
    for (int64_t k = 0; k < st->n_active; k++) {
        const int64_t t = st->active[k];
        G[t] += q_i[t] * di + q_j[t] * dj;
        ok &= fabs(G[t]) <= DBL_MAX;
    }
    return ok;
}

/* G_bar += sign C_t q over all m when t crosses its upper bound. */
static void svc_update_g_bar(svc_state *st, int was_upper, int64_t t, const svc_qf *q)
{
    if (was_upper == svc_at_upper(st, t)) return;
    const double c = was_upper ? -st->C[t] : st->C[t];
    double *FO_RESTRICT gb = st->G_bar;
    for (int64_t u = 0; u < st->m; u++) gb[u] += c * q[u];
}

static int svc_solve(const svc_source *S, const double *C, const fo_svc_params *p, double *alpha,
                     fo_svc_result *res)
{
    const int64_t m = S->m;
    svc_state st;
    memset(&st, 0, sizeof st);
    st.m = m;
    st.y = S->y;
    st.C = C;
    st.a = alpha;
    st.S = S;
    st.tol = p->tol;
    st.G = malloc((size_t)m * sizeof(double));
    st.G_bar = calloc((size_t)m, sizeof(double));
    st.active = malloc((size_t)m * sizeof(int32_t));
    st.pen_up = malloc((size_t)m * sizeof(double));
    st.pen_low = malloc((size_t)m * sizeof(double));
    st.scan = malloc((size_t)m * sizeof(double));
    double *qd = malloc((size_t)m * sizeof(double));
    int status = svc_cache_init(&st.cache, m, p->cache_bytes);
    int64_t iter = 0;
    if (!st.G || !st.G_bar || !st.active || !qd || !st.pen_up || !st.pen_low || !st.scan)
        status = FO_ERR_NO_MEMORY;
    if (status != FO_OK) goto done;

    if (S->q_row == svc_q_row_precomputed) {
        const double *K = (const double *)S->data;
        for (int64_t t = 0; t < m; t++) qd[t] = K[S->rows[t] * S->n_all + S->rows[t]];
    } else {
        status = S->q_chunk == svc_q_chunk_f64 ? svc_diagonal_f64(S, qd) : svc_diagonal_f32(S, qd);
        if (status != FO_OK) goto done;
    }
    for (int64_t t = 0; t < m; t++) {
        if (!(fabs(qd[t]) <= DBL_MAX)) {
            status = FO_ERR_NONFINITE;
            goto done;
        }
        st.G[t] = -1.0;
        st.active[t] = (int32_t)t;
        svc_set_pens(&st, t);
    }
    st.n_active = m;
    for (int64_t t = 0; t < m; t++) {  /* a warm start: G = Q a - 1, G_bar */
        if (alpha[t] <= 0.0) continue;
        const svc_qf *q = svc_cache_get(&st.cache, S, t, &status);
        if (!q) goto done;
        for (int64_t u = 0; u < m; u++) st.G[u] += alpha[t] * q[u];
        if (svc_at_upper(&st, t))
            for (int64_t u = 0; u < m; u++) st.G_bar[u] += C[t] * q[u];
    }

    const int64_t max_iter =
        p->max_iter >= 0 ? p->max_iter : (100 * m > 10000000 ? 100 * m : 10000000);
    int64_t counter = (m < 1000 ? m : 1000) + 1;
    fo_stop_poll stop;
    fo_stop_poll_init(&stop, p->should_stop, p->stop_ctx);
    status = FO_STOP_MAX_ITER;
    while (iter < max_iter) {
        if ((iter & 15) == 0 && fo_stop_poll_check(&stop)) {  /* an iteration is O(m) */
            status = FO_STOP_INTERRUPTED;
            goto done;
        }
        if (--counter == 0) {
            counter = m < 1000 ? m : 1000;
            if (p->shrinking) {
                const int s = svc_shrink(&st);
                if (s != FO_OK) { status = s; goto done; }
            }
        }
        int64_t i = -1, j = -1;
        const svc_qf *q_i = NULL;
        int optimal = 0;
        int s = svc_select(&st, qd, &i, &j, &q_i, &optimal);
        if (s != FO_OK) { status = s; goto done; }
        if (optimal) {
            if (st.n_active == m) { status = FO_OK; break; }
            s = svc_reconstruct_gradient(&st);  /* optimal on the active set: check them all */
            if (s != FO_OK) { status = s; goto done; }
            s = svc_select(&st, qd, &i, &j, &q_i, &optimal);
            if (s != FO_OK) { status = s; goto done; }
            if (optimal) { status = FO_OK; break; }
            counter = 1;  /* shrink again at the next iteration */
        }
        iter++;
        const svc_qf *q_j = svc_cache_get(&st.cache, S, j, &s);
        if (!q_j) { status = s; goto done; }
        /* q_i is still cached: the LRU evicts only the oldest row, and capacity >= 2 */
        const double old_i = alpha[i], old_j = alpha[j];
        const int up_i = svc_at_upper(&st, i), up_j = svc_at_upper(&st, j);
        double ai, aj;
        svc_pair_step(&st, qd, i, j, q_i[j], &ai, &aj);
        alpha[i] = ai;
        alpha[j] = aj;
        svc_set_pens(&st, i);
        svc_set_pens(&st, j);
        const double di = ai - old_i, dj = aj - old_j;
        if (!svc_update_gradient(&st, q_i, di, q_j, dj)) { status = FO_ERR_NONFINITE; goto done; }
        svc_update_g_bar(&st, up_i, i, q_i);
        svc_update_g_bar(&st, up_j, j, q_j);
    }
    {
        const int s = svc_reconstruct_gradient(&st);
        if (s != FO_OK) { status = s; goto done; }
    }
    res->rho = svc_rho(&st);
    double obj = 0.0;
    for (int64_t t = 0; t < m; t++) obj += alpha[t] * (st.G[t] - 1.0);
    res->objective = 0.5 * obj;

done:
    res->n_iter = iter;
    res->n_kernel_rows = st.cache.misses;
    svc_cache_free(&st.cache);
    free(st.G);
    free(st.G_bar);
    free(st.active);
    free(st.pen_up);
    free(st.pen_low);
    free(st.scan);
    free(qd);
    return status;
}

/* ------------------------------------------------------------------ entry points */

static int svc_check(int64_t m, const int64_t *rows, int64_t n_all, const double *y,
                     const double *C, const fo_svc_params *p, const double *alpha)
{
    if (m < 1 || m > INT32_MAX || !rows || !y || !C || !p || !alpha) return FO_ERR_BAD_ARGUMENT;
    if (!(p->tol > 0.0) || !(p->cache_bytes > 0.0) || p->n_threads < 1) return FO_ERR_BAD_ARGUMENT;
    double balance = 0.0;
    for (int64_t t = 0; t < m; t++) {
        if (rows[t] < 0 || rows[t] >= n_all) return FO_ERR_BAD_ARGUMENT;
        if (y[t] != 1.0 && y[t] != -1.0) return FO_ERR_BAD_ARGUMENT;
        if (!(C[t] >= 0.0)) return FO_ERR_BAD_ARGUMENT;  /* +inf: no upper bound */
        if (!(alpha[t] >= 0.0 && alpha[t] <= C[t])) return FO_ERR_BAD_ARGUMENT;
        balance += y[t] * alpha[t];
    }
    double scale = 0.0;
    for (int64_t t = 0; t < m; t++) scale += C[t];
    if (fabs(balance) > 1e-10 * (scale > 1.0 ? scale : 1.0)) return FO_ERR_BAD_ARGUMENT;
    return FO_OK;
}

static int svc_check_kernel(const fo_kernel_params *kp)
{
    if (kp->kind < 0 || kp->kind >= FO_N_KERNELS) return FO_ERR_BAD_ARGUMENT;
    if (kp->kind != FO_KERNEL_LINEAR && !(kp->gamma > 0.0 && kp->gamma <= DBL_MAX))
        return FO_ERR_BAD_ARGUMENT;
    if (kp->kind == FO_KERNEL_POLY && kp->degree < 1) return FO_ERR_BAD_ARGUMENT;
    if (!(fabs(kp->coef0) <= DBL_MAX)) return FO_ERR_BAD_ARGUMENT;
    return FO_OK;
}

/* Entries per chunk of a row: about 8192 multiply-adds, a multiple of 16 in [64, 2048]. */
static int64_t svc_chunk_len(double work_per_entry)
{
    double len = 8192.0 / (work_per_entry > 1.0 ? work_per_entry : 1.0);
    len = len < 64.0 ? 64.0 : (len > 2048.0 ? 2048.0 : len);
    return ((int64_t)len + 15) / 16 * 16;
}

/* svc_solve for the computed kernels: alone, or as thread 0 of a team (see above). */
static int svc_run(svc_source *S, const double *C, const fo_svc_params *p, double *alpha,
                   fo_svc_result *res)
{
#ifdef FO_SVC_TEAM
    const int64_t n_chunks = (S->m + S->chunk_len - 1) / S->chunk_len;
    int nt = S->n_threads;
    if (nt > n_chunks) nt = (int)n_chunks;
    if (nt > 1 && S->m < ((int64_t)1 << FO_SVC_ROW_BITS)) {
        svc_team T;
        memset(&T, 0, sizeof T);
        T.n_helpers = nt - 1;
        T.n_chunks = n_chunks;
        T.chunk_ns = 20000.0;
        T.state = malloc((size_t)n_chunks * sizeof *T.state);
        T.rows = malloc((size_t)T.n_helpers * (size_t)S->m * sizeof(svc_qf));
        T.status = malloc((size_t)T.n_helpers * (size_t)n_chunks * sizeof(int));
        if (S->block) T.block = malloc((size_t)T.n_helpers * (size_t)S->chunk_len * S->type_size);
        if (S->scratch) T.dense = calloc((size_t)T.n_helpers * (size_t)S->scratch_len, S->type_size);
        int status = FO_OK;
        if (!T.state || !T.rows || !T.status || (S->block && !T.block) ||
            (S->scratch && !T.dense)) {
            status = FO_ERR_NO_MEMORY;
        } else {
            for (int64_t c = 0; c < n_chunks; c++) atomic_init(&T.state[c], 0);
            atomic_init(&T.job, 0);
            atomic_init(&T.quit, 0);
            S->team = &T;
#pragma omp parallel num_threads(nt)
            {
                if (omp_get_thread_num() == 0) {
                    status = svc_solve(S, C, p, alpha, res);
                    atomic_store_explicit(&T.quit, 1, memory_order_release);
                } else {
                    svc_team_helper(S, omp_get_thread_num());
                }
            }
            S->team = NULL;
        }
        free(T.state);
        free(T.rows);
        free(T.status);
        free(T.block);
        free(T.dense);
        return status;
    }
#endif
    return svc_solve(S, C, p, alpha, res);
}

#define FO_SVC_ENTRY(SUF, T, DATA)                                                               \
    int fo_svc_solve_##SUF(const DATA *data, const T *sqnorm, int64_t m, const int64_t *rows,    \
                           const double *y, const double *C, const fo_svc_params *params,        \
                           double *alpha, fo_svc_result *result)                                 \
    {                                                                                            \
        if (!data || !result) return FO_ERR_BAD_ARGUMENT;                                        \
        int status = svc_check(m, rows, data->n_samples, y, C, params, alpha);                  \
        if (status == FO_OK) status = svc_check_kernel(&params->kernel);                         \
        if (status != FO_OK) return status;                                                      \
        const int rbf = params->kernel.kind == FO_KERNEL_RBF;                                    \
        if (rbf && !sqnorm) return FO_ERR_BAD_ARGUMENT;                                          \
        if (!data->X && (!data->indptr || (data->indptr[data->n_samples] > 0 &&                  \
                                           (!data->data || !data->indices))))                    \
            return FO_ERR_BAD_ARGUMENT;                                                          \
        svc_source S;                                                                            \
        memset(&S, 0, sizeof S);                                                                 \
        S.q_row = svc_q_row_computed;                                                            \
        S.q_chunk = svc_q_chunk_##SUF;                                                           \
        S.data = data;                                                                           \
        S.sqnorm = sqnorm;                                                                       \
        S.kp = params->kernel;                                                                   \
        S.m = m;                                                                                 \
        S.rows = rows;                                                                           \
        S.y = y;                                                                                 \
        S.type_size = sizeof(T);                                                                 \
        S.n_threads = params->n_threads;                                                         \
        S.chunk_len = svc_chunk_len(                                                             \
            data->X ? (double)data->n_features                                                   \
                    : (double)data->indptr[data->n_samples] / (double)data->n_samples + 1.0);    \
        if (rbf) {                                                                               \
            S.zn = malloc((size_t)m * sizeof(T));                                                \
            if (!S.zn) return FO_ERR_NO_MEMORY;                                                  \
            for (int64_t t = 0; t < m; t++) ((T *)S.zn)[t] = sqnorm[rows[t]];                    \
        }                                                                                        \
        if (sizeof(T) != sizeof(svc_qf)) S.block = malloc((size_t)S.chunk_len * sizeof(T));      \
        if (!data->X) {                                                                          \
            S.scratch_len = data->n_features > 0 ? data->n_features : 1;                         \
            S.scratch = calloc((size_t)S.scratch_len, sizeof(T));                                \
        }                                                                                        \
        if ((sizeof(T) != sizeof(svc_qf) && !S.block) || (!data->X && !S.scratch))               \
            status = FO_ERR_NO_MEMORY;                                                           \
        else                                                                                     \
            status = svc_run(&S, C, params, alpha, result);                                      \
        free(S.zn);                                                                              \
        free(S.block);                                                                           \
        free(S.scratch);                                                                         \
        return status;                                                                           \
    }

FO_SVC_ENTRY(f64, double, fo_data_f64)
FO_SVC_ENTRY(f32, float, fo_data_f32)

int fo_svc_solve_precomputed(const double *K, int64_t n_all, int64_t m, const int64_t *rows,
                             const double *y, const double *C, const fo_svc_params *params,
                             double *alpha, fo_svc_result *result)
{
    if (!K || n_all < 1 || !result) return FO_ERR_BAD_ARGUMENT;
    const int status = svc_check(m, rows, n_all, y, C, params, alpha);
    if (status != FO_OK) return status;
    svc_source S;
    memset(&S, 0, sizeof S);
    S.q_row = svc_q_row_precomputed;
    S.data = K;
    S.n_all = n_all;
    S.m = m;
    S.rows = rows;
    S.y = y;
    S.n_threads = 1;
    return svc_solve(&S, C, params, alpha, result);
}
