# The C core's declarations, shared by the glue modules (cimport from here; one copy of each).
from libc.stdint cimport int32_t, int64_t, uint64_t
from cython cimport floating

cdef extern from "fastoptim/fo_loss.h":
    ctypedef struct fo_data_f64:
        int64_t n_samples
        int64_t n_features
        const double *X
        const double *data
        const int32_t *indices
        const int64_t *indptr
        const double *y
        const double *sample_weight
    ctypedef struct fo_data_f32:
        int64_t n_samples
        int64_t n_features
        const float *X
        const float *data
        const int32_t *indices
        const int64_t *indptr
        const float *y
        const float *sample_weight
    cdef enum:
        FO_LOSS_SQUARED
        FO_LOSS_LOGISTIC
        FO_LOSS_HINGE
        FO_LOSS_SQUARED_HINGE
        FO_LOSS_SOFTMAX
        FO_LOSS_MULTICLASS_HINGE

cdef extern from "fastoptim/fo_status.h":
    cdef enum:
        FO_STOP_INTERRUPTED

cdef extern from "fastoptim/fo_stop.h":
    ctypedef int (*fo_stop_fn)(void *ctx) noexcept nogil

cdef extern from "Python.h":
    # Declared without an except clause on purpose: when a signal handler raises (Ctrl-C:
    # KeyboardInterrupt) the exception stays set until raise_if_interrupted propagates it.
    int PyErr_CheckSignals()
    void *PyErr_Occurred()

cdef extern from "fastoptim/fo_update.h":
    ctypedef struct fo_rule:
        int precond
        int centered
        int amsgrad
        int momentum
        int nesterov
        int64_t t
        double lr
        double mu
        double dampening
        double weight_decay
        double decoupled_decay
        double beta1
        double beta2
        double alpha
        double eps
        double lr_decay
        double rho
        int maximize
        double momentum_decay
        double mu_product
        double eta_minus
        double eta_plus
        double step_size_min
        double step_size_max
        double lambd
        double eta_power
        double t0
        double eta
    cdef enum:
        FO_PRECOND_NONE
        FO_PRECOND_ADAGRAD
        FO_PRECOND_RMSPROP
        FO_PRECOND_ADAM
        FO_PRECOND_ADADELTA
        FO_PRECOND_ADAMAX
        FO_PRECOND_RADAM
        FO_PRECOND_NADAM
        FO_PRECOND_RPROP
        FO_PRECOND_ASGD
    void fo_rule_advance(fo_rule *rule) nogil


cdef inline const floating *cptr(const floating[::1] a) noexcept nogil:
    """Pointer to a read-only 1-D array's data; NULL for None or empty."""
    return &a[0] if a is not None and a.shape[0] > 0 else NULL


cdef inline floating *mptr(floating[::1] a) noexcept nogil:
    """Pointer to a writeable 1-D array's data; NULL for None or empty."""
    return &a[0] if a is not None and a.shape[0] > 0 else NULL


cdef inline void fill_data(fo_data_f64 *d64, fo_data_f32 *d32, const floating[::1] values,
                           const int32_t[::1] indices, const int64_t[::1] indptr, int64_t n_samples,
                           int64_t n_features, const floating[::1] y,
                           const floating[::1] sample_weight) noexcept:
    """Fill the data struct of floating's dtype: dense when indices is None, else CSR."""
    cdef const int32_t *ind = &indices[0] if indices is not None else NULL
    cdef const int64_t *ptr = &indptr[0] if indptr is not None else NULL
    if floating is double:
        d64.n_samples = n_samples
        d64.n_features = n_features
        d64.X = cptr(values) if ind == NULL else NULL
        d64.data = cptr(values) if ind != NULL else NULL
        d64.indices = ind
        d64.indptr = ptr
        d64.y = cptr(y)
        d64.sample_weight = cptr(sample_weight)
    else:
        d32.n_samples = n_samples
        d32.n_features = n_features
        d32.X = cptr(values) if ind == NULL else NULL
        d32.data = cptr(values) if ind != NULL else NULL
        d32.indices = ind
        d32.indptr = ptr
        d32.y = cptr(y)
        d32.sample_weight = cptr(sample_weight)


cdef inline fo_rule rule_from(dict spec) except *:
    """The fo_rule of a spec dict (fastoptim.optim.transforms.compile_chain's keys)."""
    cdef fo_rule r
    name = spec["precond"]
    precond = {"none": FO_PRECOND_NONE, "adagrad": FO_PRECOND_ADAGRAD,
               "rmsprop": FO_PRECOND_RMSPROP, "adam": FO_PRECOND_ADAM,
               "adadelta": FO_PRECOND_ADADELTA, "adamax": FO_PRECOND_ADAMAX,
               "radam": FO_PRECOND_RADAM, "nadam": FO_PRECOND_NADAM, "rprop": FO_PRECOND_RPROP,
               "asgd": FO_PRECOND_ASGD}.get(name)
    if precond is None:
        raise ValueError(f"unknown preconditioner {name!r}")
    r.precond = precond
    r.centered = spec["centered"]
    r.amsgrad = spec["amsgrad"]
    r.momentum = spec["momentum"]
    r.nesterov = spec["nesterov"]
    r.t = spec["t"]
    r.lr = spec["lr"]
    r.mu = spec["mu"]
    r.dampening = spec["dampening"]
    r.weight_decay = spec["weight_decay"]
    r.decoupled_decay = spec["decoupled_decay"]
    r.beta1 = spec["beta1"]
    r.beta2 = spec["beta2"]
    r.alpha = spec["alpha"]
    r.eps = spec["eps"]
    r.lr_decay = spec["lr_decay"]
    r.rho = spec["rho"]
    r.maximize = spec.get("maximize", False)
    r.momentum_decay = spec["momentum_decay"]
    r.mu_product = spec["mu_product"]
    r.eta_minus = spec["eta_minus"]
    r.eta_plus = spec["eta_plus"]
    r.step_size_min = spec["step_size_min"]
    r.step_size_max = spec["step_size_max"]
    r.lambd = spec["lambd"]
    r.eta_power = spec["eta_power"]
    r.t0 = spec["t0"]
    r.eta = spec["eta"]
    return r


cdef inline dict rule_carried(const fo_rule *r):
    """The step count and the carried scalars of a rule after C advanced it
    (fo_rule_advance): {"t": the next step, "mu_product": ..., "eta": ...}."""
    return {"t": r.t, "mu_product": r.mu_product, "eta": r.eta}


# ---------------------------------------------------------------- interrupts (fo_stop.h)
# A solver polls should_stop = stop_requested with stop_ctx = &flag (an int32 of the caller's:
# one per fit, shared by the threads that solve its problems).  On the main thread a pending
# Ctrl-C sets the flag (its KeyboardInterrupt stays set); any thread stops once the flag is
# set, which the Python side also does when its main thread is interrupted while waiting.

cdef inline int stop_requested(void *ctx) noexcept nogil:
    """fo_stop_fn: nonzero when a signal handler raised or the fit's flag is set."""
    cdef int32_t *flag = <int32_t *>ctx
    with gil:
        if flag[0] == 0 and PyErr_CheckSignals() != 0:
            flag[0] = 1
        return flag[0] != 0


cdef inline int raise_if_interrupted(int status) except -1:
    """After the nogil solve: raise the signal handler's exception (KeyboardInterrupt) when
    the solver stopped for it, or KeyboardInterrupt when another thread of the fit was
    interrupted; 0 otherwise."""
    if status != FO_STOP_INTERRUPTED:
        return 0
    if PyErr_Occurred() != NULL:
        return -1
    raise KeyboardInterrupt("the fit was interrupted on another thread")
