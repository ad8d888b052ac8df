/* config.c -- how the C core was built, and what the running machine gets. */
#include "fastoptim/fo_config.h"

#ifdef _OPENMP
#include <omp.h>
#endif

int fo_openmp_enabled(void)
{
#ifdef _OPENMP
    return 1;
#else
    return 0;
#endif
}

int fo_openmp_max_threads(void)
{
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

int fo_target_clones_enabled(void)
{
#if defined(FO_HAVE_TARGET_CLONES) && defined(__x86_64__) && defined(__GNUC__)
    return 1;
#else
    return 0;
#endif
}

int fo_cpu_uses_avx2_clone(void)
{
#if defined(FO_HAVE_TARGET_CLONES) && defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("x86-64-v3") ? 1 : 0;
#else
    return 0;
#endif
}

#ifndef FO_BUILD_COMPILER
#define FO_BUILD_COMPILER "cc"
#endif
#ifndef FO_BUILD_FLAGS
#define FO_BUILD_FLAGS ""
#endif

const char *fo_build_compiler(void)
{
#ifdef __VERSION__
    return FO_BUILD_COMPILER " " __VERSION__;
#else
    return FO_BUILD_COMPILER;
#endif
}

const char *fo_build_flags(void) { return FO_BUILD_FLAGS; }
