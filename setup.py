"""Build the Cython extensions of fastoptim/_core/ with the C core of src_c/.

Flags: -O3 -fno-trapping-math -fno-math-errno everywhere (never -ffast-math); -fopenmp where the compiler accepts it (else a clean
single-threaded build, with -fopenmp-simd when available so the `omp simd`
loops still vectorize); GCC function multi-versioning (`target_clones`) of the
hot kernels when the compiler and platform support it, so one binary runs on
any x86-64 and takes the AVX2/FMA clone where the CPU has it.

Environment knobs:
  FASTOPTIM_NO_OPENMP=1        build without OpenMP
  FASTOPTIM_NO_TARGET_CLONES=1 build the hot kernels once, for the baseline CPU
  FASTOPTIM_EXTRA_CFLAGS="..." flags appended to every compile and link command (e.g. the
                               sanitizers of tools/sanitize.sh); debug information kept
  FASTOPTIM_DEBUG=1            keep debug information (-g) and symbols; a release build
                               compiles with -g0 and strips the modules (-s)

Each C source of src_c/ is compiled once, in parallel, and linked into every module that
needs it (loss.c serves _loss, _epoch and _mlp); the Cython modules compile side by side
(build_ext's parallel mode, one job per CPU unless -j says otherwise).
"""
import concurrent.futures
import os
import shlex
import sys
import tempfile
import textwrap

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.modified import newer_group

C_DIR = "src_c"
INCLUDE_DIR = os.path.join(C_DIR, "include")

# Each extension: its Cython file and the C sources it needs.
EXTENSIONS = {
    "fastoptim._core._status": ["status.c"],
    "fastoptim._core._openmp": ["config.c"],
    "fastoptim._core._loss": ["loss.c"],
    "fastoptim._core._probe": ["probe.c"],
    "fastoptim._core._update": ["update.c"],
    "fastoptim._core._epoch": ["epoch.c", "update.c", "loss.c"],
    "fastoptim._core._kernels": ["kernels.c"],
    "fastoptim._core._svmlight": ["svmlight.c"],
    "fastoptim._core._dual_cd": ["dual_cd.c"],
    "fastoptim._core._cd": ["cd.c"],
    "fastoptim._core._svc": ["svc.c", "kernels.c"],
    "fastoptim._core._mlp": ["mlp.c", "epoch.c", "update.c", "loss.c"],
    "fastoptim._core._vr": ["vr.c", "epoch.c", "update.c", "loss.c"],
}

OPENMP_TEST = textwrap.dedent(
    """
    #include <omp.h>
    int main(void) {
        int n = 0;
        #pragma omp parallel reduction(+ : n)
        n += 1;
        return n > 0 && omp_get_max_threads() > 0 ? 0 : 1;
    }
    """
)

TARGET_CLONES_TEST = textwrap.dedent(
    """
    __attribute__((target_clones("arch=x86-64-v3", "default")))
    double f(const double *x, long n) { double s = 0; for (long i = 0; i < n; i++) s += x[i]; return s; }
    int main(void) { double x[4] = {1, 2, 3, 4}; return f(x, 4) == 10.0 ? 0 : 1; }
    """
)


def _compiles(compiler, source, extra_args):
    """True when `source` compiles and links with `extra_args`."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "probe.c")
        with open(path, "w") as f:
            f.write(source)
        try:
            objects = compiler.compile([path], output_dir=tmp, extra_postargs=extra_args)
            compiler.link_executable(objects, os.path.join(tmp, "probe"),
                                     extra_postargs=extra_args)
        except Exception:  # any compile or link failure means "not supported"
            return False
    return True


class BuildExt(build_ext):
    """build_ext that probes the compiler once and sets the flags above."""

    def build_extensions(self):
        cc = self.compiler
        is_msvc = cc.compiler_type == "msvc"
        # -fno-trapping-math (clang's default) lets GCC turn the selects of the
        # branch-free loss code into SIMD blends, and -fno-math-errno lets it
        # vectorize sqrt (nothing reads errno); unlike -ffast-math both keep
        # IEEE NaN/inf semantics, so the kernels' isfinite checks stay exact.
        compile_args = (["/O2"] if is_msvc
                        else ["-O3", "-fno-trapping-math", "-fno-math-errno"])
        link_args = []
        macros = []
        openmp = False
        if os.environ.get("FASTOPTIM_NO_OPENMP") != "1":
            flag = "/openmp" if is_msvc else "-fopenmp"
            openmp = _compiles(cc, OPENMP_TEST, [flag])
            if openmp:
                compile_args.append(flag)
                link_args.append(flag if not is_msvc else "")
        if not openmp and not is_msvc and _compiles(cc, "int main(void){return 0;}", ["-fopenmp-simd"]):
            compile_args.append("-fopenmp-simd")
            macros.append(("FO_HAVE_OPENMP_SIMD", "1"))
        clones = False
        if (os.environ.get("FASTOPTIM_NO_TARGET_CLONES") != "1" and not is_msvc
                and sys.platform.startswith("linux")):
            clones = _compiles(cc, TARGET_CLONES_TEST, ["-O2"])
            if clones:
                macros.append(("FO_HAVE_TARGET_CLONES", "1"))
        extra = shlex.split(os.environ.get("FASTOPTIM_EXTRA_CFLAGS", ""))
        if not is_msvc and not extra and os.environ.get("FASTOPTIM_DEBUG") != "1":
            # a release build: no debug information (Python's CFLAGS carry -g), stripped
            # modules; FASTOPTIM_DEBUG=1 (or sanitizer flags) keeps both
            compile_args.append("-g0")
            link_args.append("-s")
        compile_args += extra
        link_args += extra
        compiler_name = (getattr(cc, "compiler_so", None) or [cc.compiler_type])[0]
        macros.append(("FO_BUILD_COMPILER", '"%s"' % os.path.basename(compiler_name)))
        macros.append(("FO_BUILD_FLAGS", '"%s"' % " ".join(compile_args)))
        print(f"fastoptim build: openmp={openmp} target_clones={clones} flags={compile_args}")
        objects = self._compile_core_once(compile_args, macros)
        for ext in self.extensions:
            ext.extra_compile_args = compile_args + list(ext.extra_compile_args)
            ext.extra_link_args = [a for a in link_args if a] + list(ext.extra_link_args)
            ext.define_macros = list(ext.define_macros) + macros
            core = [s for s in ext.sources if s in objects]
            ext.sources = [s for s in ext.sources if s not in objects]
            ext.extra_objects = [objects[s] for s in core] + list(ext.extra_objects)
            ext.depends = list(ext.depends) + core  # a changed C source relinks the module
        if not self.parallel:  # the Cython modules' own C files, compiled side by side
            self.parallel = os.cpu_count() or 1
        super().build_extensions()

    def _compile_core_once(self, compile_args, macros):
        """Compile every C source of src_c/ that some extension lists, once, in parallel
        (several modules link the same loss.c, update.c, epoch.c, kernels.c); returns
        source -> object file.  An object newer than its source and every header is kept."""
        sources = sorted({s for ext in self.extensions for s in ext.sources
                          if os.path.dirname(s) == C_DIR})
        headers = _headers()
        out_dir = os.path.join(self.build_temp, "fastoptim_core")
        objects = {s: self.compiler.object_filenames([s], output_dir=out_dir)[0] for s in sources}
        stale = [s for s in sources
                 if self.force or newer_group([s] + headers, objects[s], missing="newer")]

        def compile_one(source):
            self.compiler.compile([source], output_dir=out_dir, macros=macros,
                                  include_dirs=[INCLUDE_DIR], extra_postargs=compile_args,
                                  depends=headers)

        workers = max(1, min(len(stale), self.parallel or os.cpu_count() or 1))
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            for done in pool.map(compile_one, stale):  # re-raises a failed compile
                pass
        return objects


def _headers():
    """Every header of the C core (src_c/*.h and src_c/include/fastoptim/*.h)."""
    return sorted([os.path.join(C_DIR, h) for h in os.listdir(C_DIR) if h.endswith(".h")]
                  + [os.path.join(INCLUDE_DIR, "fastoptim", h)
                     for h in os.listdir(os.path.join(INCLUDE_DIR, "fastoptim"))
                     if h.endswith(".h")])


def _extensions():
    from Cython.Build import cythonize

    exts = []
    for name, c_sources in EXTENSIONS.items():
        pyx = name.replace(".", "/") + ".pyx"
        exts.append(
            Extension(
                name,
                sources=[pyx] + [os.path.join(C_DIR, s) for s in c_sources],
                include_dirs=[INCLUDE_DIR],
                depends=_headers(),
            )
        )
    return cythonize(
        exts,
        language_level=3,
        compiler_directives={
            "boundscheck": False,
            "wraparound": False,
            "initializedcheck": False,
            "cdivision": True,
            "embedsignature": True,
        },
    )


setup(ext_modules=_extensions(), cmdclass={"build_ext": BuildExt})
