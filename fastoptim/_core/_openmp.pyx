"""How the C core was built and how many threads OpenMP allows right now."""

cdef extern from "fastoptim/fo_config.h":
    int fo_openmp_enabled()
    int fo_openmp_max_threads()
    int fo_target_clones_enabled()
    int fo_cpu_uses_avx2_clone()
    const char *fo_build_compiler()
    const char *fo_build_flags()


def openmp_enabled():
    """True when the C core was compiled with OpenMP."""
    return bool(fo_openmp_enabled())


def openmp_max_threads():
    """omp_get_max_threads(): honours OMP_NUM_THREADS and threadpoolctl limits (1 without OpenMP)."""
    return fo_openmp_max_threads()


def target_clones_enabled():
    """True when the hot kernels are multi-versioned (AVX2/FMA clone + baseline)."""
    return bool(fo_target_clones_enabled())


def cpu_uses_avx2_clone():
    """True when this CPU runs the x86-64-v3 (AVX2/FMA) clone of the hot kernels."""
    return bool(fo_cpu_uses_avx2_clone())


def build_compiler():
    """The compiler and version the C core was built with."""
    return fo_build_compiler().decode("utf-8", "replace")


def build_flags():
    """The optimization and OpenMP flags the C core was built with."""
    return fo_build_flags().decode("utf-8", "replace")
