/*
 * fo_vec.h -- the row dot product with GCC/clang vector extensions.
 *
 * `#pragma omp simd reduction` leaves the tail of a short dot product and the
 * final sum of the lanes to scalar code going through a stack array; a
 * generic vector type keeps both in registers.  It compiles to AVX2 in the
 * x86-64-v3 clone and to pairs of SSE2 registers in the baseline clone.
 * Compilers without vector extensions use the plain loop.
 */
#ifndef FASTOPTIM_FO_VEC_H
#define FASTOPTIM_FO_VEC_H

#include <stdint.h>
#include <string.h>
#include "fastoptim/fo_config.h"

#if defined(__GNUC__) && (defined(__clang__) || __GNUC__ >= 9)
#define FO_HAVE_VECTOR_EXT 1
typedef double fo_v4d __attribute__((vector_size(32)));
typedef float fo_v8f __attribute__((vector_size(32)));
#else
#define FO_HAVE_VECTOR_EXT 0
#endif

/* sum_j x_j c_j over p doubles: two 4-lane accumulators, lanes summed pairwise. */
FO_INLINE double fo_dot_f64(const double *FO_RESTRICT x, const double *FO_RESTRICT c, int64_t p)
{
    int64_t j = 0;
    double s = 0.0;
#if FO_HAVE_VECTOR_EXT
    fo_v4d a0 = {0, 0, 0, 0}, a1 = a0, xv, cv;
    for (; j + 8 <= p; j += 8) {
        memcpy(&xv, x + j, sizeof xv);
        memcpy(&cv, c + j, sizeof cv);
        a0 += xv * cv;
        memcpy(&xv, x + j + 4, sizeof xv);
        memcpy(&cv, c + j + 4, sizeof cv);
        a1 += xv * cv;
    }
    if (j + 4 <= p) {
        memcpy(&xv, x + j, sizeof xv);
        memcpy(&cv, c + j, sizeof cv);
        a0 += xv * cv;
        j += 4;
    }
    a0 += a1;
    s = (a0[0] + a0[1]) + (a0[2] + a0[3]);
#endif
    for (; j < p; j++) s += x[j] * c[j];
    return s;
}

/* sum_j x_j c_j over p floats: two 8-lane accumulators, lanes summed pairwise. */
FO_INLINE float fo_dot_f32(const float *FO_RESTRICT x, const float *FO_RESTRICT c, int64_t p)
{
    int64_t j = 0;
    float s = 0.0f;
#if FO_HAVE_VECTOR_EXT
    fo_v8f a0 = {0, 0, 0, 0, 0, 0, 0, 0}, a1 = a0, xv, cv;
    for (; j + 16 <= p; j += 16) {
        memcpy(&xv, x + j, sizeof xv);
        memcpy(&cv, c + j, sizeof cv);
        a0 += xv * cv;
        memcpy(&xv, x + j + 8, sizeof xv);
        memcpy(&cv, c + j + 8, sizeof cv);
        a1 += xv * cv;
    }
    if (j + 8 <= p) {
        memcpy(&xv, x + j, sizeof xv);
        memcpy(&cv, c + j, sizeof cv);
        a0 += xv * cv;
        j += 8;
    }
    a0 += a1;
    s = ((a0[0] + a0[1]) + (a0[2] + a0[3])) + ((a0[4] + a0[5]) + (a0[6] + a0[7]));
#endif
    for (; j < p; j++) s += x[j] * c[j];
    return s;
}

#endif /* FASTOPTIM_FO_VEC_H */
