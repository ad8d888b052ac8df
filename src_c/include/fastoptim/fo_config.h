/*
 * fo_config.h -- compiler and threading plumbing shared by the C core.
 *
 * FO_HOT marks a hot kernel.  Where the build found GCC-style function
 * multi-versioning (setup.py defines FO_HAVE_TARGET_CLONES after a test
 * compile), FO_HOT compiles the function twice -- once for x86-64-v3
 * (AVX2 + FMA + BMI2) and once for baseline x86-64 -- and the dynamic loader
 * picks the clone the running CPU supports (an ifunc).  Everywhere else it is
 * empty and the kernel is built once with the default flags.
 *
 * OpenMP threads never start inside a cloned function: a parallel region is
 * outlined by the compiler before cloning happens, so the outlined body would
 * lose the AVX2 clone.  Kernels therefore split rows into blocks in a plain
 * function and call an FO_HOT worker for each block.
 */
#ifndef FASTOPTIM_FO_CONFIG_H
#define FASTOPTIM_FO_CONFIG_H

#include <stdint.h>

#if defined(FO_HAVE_TARGET_CLONES) && defined(__x86_64__) && defined(__GNUC__)
#define FO_HOT __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define FO_HOT
#endif

#if defined(__GNUC__)
#define FO_INLINE static inline __attribute__((always_inline))
#define FO_RESTRICT __restrict__
#define FO_PREFETCH(addr) __builtin_prefetch(addr)
#else
#define FO_INLINE static inline
#define FO_RESTRICT
#define FO_PREFETCH(addr) ((void)(addr))
#endif

/* Prefetch every cache line of the bytes [start, start + n_bytes): a row
 * read in shuffled order is a fresh memory access, line by line. */
FO_INLINE void fo_prefetch_span(const void *start, int64_t n_bytes)
{
    const uintptr_t first = (uintptr_t)start & ~(uintptr_t)63;
    const uintptr_t end = (uintptr_t)start + (uintptr_t)n_bytes;
    for (uintptr_t a = first; a < end; a += 64) FO_PREFETCH((const void *)a);
}

/* `#pragma omp simd` is honoured with -fopenmp or -fopenmp-simd, ignored otherwise. */
#if defined(_OPENMP) || defined(FO_HAVE_OPENMP_SIMD)
#define FO_PRAGMA(x) _Pragma(#x)
#define FO_SIMD_REDUCTION(op, var) FO_PRAGMA(omp simd reduction(op : var))
#define FO_SIMD FO_PRAGMA(omp simd)
#define FO_SIMD_REDUCTION2(op1, var1, op2, var2) \
    FO_PRAGMA(omp simd reduction(op1 : var1) reduction(op2 : var2))
#define FO_SIMD_REDUCTION3(op1, var1, op2, var2, op3, var3) \
    FO_PRAGMA(omp simd reduction(op1 : var1) reduction(op2 : var2) reduction(op3 : var3))
#else
#define FO_SIMD_REDUCTION2(op1, var1, op2, var2)
#define FO_SIMD_REDUCTION3(op1, var1, op2, var2, op3, var3)
#define FO_SIMD_REDUCTION(op, var)
#define FO_SIMD
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* 1 when the core was compiled with OpenMP, else 0. */
int fo_openmp_enabled(void);
/* omp_get_max_threads() (OMP_NUM_THREADS, threadpoolctl limits), 1 without OpenMP. */
int fo_openmp_max_threads(void);
/* 1 when the hot kernels are multi-versioned (AVX2/FMA clone + baseline). */
int fo_target_clones_enabled(void);
/* 1 when the running CPU gets the x86-64-v3 clone of the hot kernels. */
int fo_cpu_uses_avx2_clone(void);

/* The compiler (name and version) and the flags the core was built with. */
const char *fo_build_compiler(void);
const char *fo_build_flags(void);

/* Half-open row range [start, stop) of block b among n_blocks over n rows:
 * the static partition every kernel uses, so that the same thread count gives
 * the same blocks -- and the same bits -- on every run. */
static inline void fo_block_range(int64_t n, int n_blocks, int b, int64_t *start, int64_t *stop)
{
    *start = (n * (int64_t)b) / n_blocks;
    *stop = (n * (int64_t)(b + 1)) / n_blocks;
}

#ifdef __cplusplus
}
#endif
#endif /* FASTOPTIM_FO_CONFIG_H */
