/*
 * fo_vec.h -- 32-byte vectors (4 doubles or 8 floats) through GCC/clang
 * vector extensions, for the dense row kernels.
 *
 * `#pragma omp simd` leaves the tail of a short row and the final sum of the
 * lanes to scalar code; with generic vectors both stay in registers.  They
 * compile to AVX2 in the x86-64-v3 clone and to pairs of SSE2 registers in
 * the baseline one.  Without vector extensions (FO_HAVE_VECTOR_EXT 0) the
 * kernels use plain loops.
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
typedef int64_t fo_v4i __attribute__((vector_size(32)));
typedef int32_t fo_v8i __attribute__((vector_size(32)));

#if defined(__clang__)
#define FO_SHUFFLE4(a, i0, i1, i2, i3) __builtin_shufflevector(a, a, i0, i1, i2, i3)
#define FO_SHUFFLE8(a, i0, i1, i2, i3, i4, i5, i6, i7) \
    __builtin_shufflevector(a, a, i0, i1, i2, i3, i4, i5, i6, i7)
#else
#define FO_SHUFFLE4(a, i0, i1, i2, i3) __builtin_shuffle(a, (fo_v4i){i0, i1, i2, i3})
#define FO_SHUFFLE8(a, i0, i1, i2, i3, i4, i5, i6, i7) \
    __builtin_shuffle(a, (fo_v8i){i0, i1, i2, i3, i4, i5, i6, i7})
#endif

/* Unaligned load and store (memcpy compiles to one vector move). */
FO_INLINE fo_v4d fo_load_v4d(const double *p) { fo_v4d v; memcpy(&v, p, sizeof v); return v; }
FO_INLINE fo_v8f fo_load_v8f(const float *p) { fo_v8f v; memcpy(&v, p, sizeof v); return v; }
FO_INLINE void fo_store_v4d(double *p, fo_v4d v) { memcpy(p, &v, sizeof v); }
FO_INLINE void fo_store_v8f(float *p, fo_v8f v) { memcpy(p, &v, sizeof v); }

/* Sum of the lanes, by halving shuffles (fixed order). */
FO_INLINE double fo_hsum_v4d(fo_v4d a)
{
    a += FO_SHUFFLE4(a, 2, 3, 0, 1);
    a += FO_SHUFFLE4(a, 1, 0, 3, 2);
    return a[0];
}

FO_INLINE float fo_hsum_v8f(fo_v8f a)
{
    a += FO_SHUFFLE8(a, 4, 5, 6, 7, 0, 1, 2, 3);
    a += FO_SHUFFLE8(a, 2, 3, 0, 1, 6, 7, 4, 5);
    a += FO_SHUFFLE8(a, 1, 0, 3, 2, 5, 4, 7, 6);
    return a[0];
}

#else
#define FO_HAVE_VECTOR_EXT 0
#endif

#endif /* FASTOPTIM_FO_VEC_H */
