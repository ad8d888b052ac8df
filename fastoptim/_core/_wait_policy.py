"""How long the OpenMP runtime's idle threads busy-wait, set before the C core loads it.

GNU OpenMP (libgomp, which GCC builds of the C core link) keeps its worker
threads spinning after every parallel region and at every barrier before they
sleep: 300000 spins when neither ``OMP_WAIT_POLICY`` nor ``GOMP_SPINCOUNT`` is
set, about 10 ms on the machines fastoptim is measured on.  On a machine that
other processes also use (a laptop, a CI runner, ``GridSearchCV(n_jobs=2)``
with process workers) those spinning threads take the time slices of the
thread that has the work, and fastoptim's default threads ran 10-100x slower
than one thread.  ``OMP_WAIT_POLICY=passive`` fixes that but makes every
barrier a sleep and a wake-up (the training engine's per-batch barrier, SMO's
per-row kernel work), which costs on a quiet machine.

So, when the user has set neither variable, the C core's libgomp is loaded
with ``GOMP_SPINCOUNT`` = :data:`SPIN_COUNT`: a spin of about 15-150 us
(3000 ``pause`` loops; ~100 us measured here), long enough for the waits
inside a parallel region on a quiet machine, short enough that an idle thread
stops competing within a fraction of a time slice.  The variable is removed
from the environment again right after the load, so child processes do not
inherit it.

Scope and limits
----------------
* libgomp reads its environment once, when it is loaded.  The setting applies
  to every user of that one libgomp in the process (another extension linked
  to the system ``libgomp.so.1`` loaded after fastoptim gets it too; wheels that
  vendor their own copy, as scikit-learn's and torch's, keep theirs).  If
  ``libgomp.so.1`` was already loaded before fastoptim, its own setting stays
  (:data:`STATE` says so; ``fastoptim.show_config()`` prints it).
* A user's ``OMP_WAIT_POLICY`` or ``GOMP_SPINCOUNT`` always wins.
* Other OpenMP runtimes (LLVM's libomp, MSVC's vcomp) are not touched.
"""
import os

#: libgomp spin iterations before an idle thread sleeps (libgomp's default: 300000).
SPIN_COUNT = 3000

_USER_VARIABLES = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")

#: What happened at import: ``{"setting": ..., "source": ...}`` (see :func:`describe`).
STATE = {"setting": "the OpenMP runtime's default", "source": "not configured"}


def _libgomp_loaded():
    """True/False when /proc/self/maps tells whether the system libgomp is mapped; None elsewhere."""
    try:
        with open("/proc/self/maps", encoding="ascii", errors="replace") as maps:
            return any(os.path.basename(line.split()[-1]).startswith("libgomp.so")
                       for line in maps if "/" in line)
    except OSError:
        return None


def before_load():
    """Set ``GOMP_SPINCOUNT`` for the coming load of libgomp; return what :func:`after_load` undoes."""
    user = {name: os.environ[name] for name in _USER_VARIABLES if name in os.environ}
    if user:
        STATE.update(setting=", ".join(f"{k}={v}" for k, v in user.items()),
                     source="the environment")
        return None
    if _libgomp_loaded():
        STATE.update(setting="libgomp's default (300000 spins)",
                     source="libgomp was loaded before fastoptim")
        return None
    os.environ["GOMP_SPINCOUNT"] = str(SPIN_COUNT)
    STATE.update(setting=f"GOMP_SPINCOUNT={SPIN_COUNT}", source="fastoptim, at import")
    return "GOMP_SPINCOUNT"


def after_load(token):
    """Remove the variable :func:`before_load` set (libgomp has read it by now)."""
    if token is not None:
        os.environ.pop(token, None)
        if _libgomp_loaded() is False:  # built without OpenMP, or with another runtime
            STATE.update(setting="not applicable", source="the C core does not use libgomp")


def describe():
    """One line for show_config: the spin setting and who chose it."""
    return f"{STATE['setting']} ({STATE['source']})"
