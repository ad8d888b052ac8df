"""Glue for the multi-layer perceptron kernels of src_c/mlp.c (see fo_mlp.h).

Inputs are validated and made contiguous by the Python layer (fastoptim.neural_network);
these functions only build the network struct, hand down scipy's BLAS gemm (sgemm/dgemm
from scipy.linalg.cython_blas: no BLAS to link), release the GIL around the C call and
return the C status code for the caller to check."""
from libc.stdint cimport int32_t, int64_t, uint64_t
from libc.stdlib cimport free, malloc
from cython cimport floating
from scipy.linalg.cython_blas cimport dgemm, sgemm

from fastoptim._core._cdefs cimport (fo_data_f64, fo_data_f32, fo_rule, fo_rule_advance,
                                    rule_from, rule_carried, cptr, mptr, fill_data)

cdef extern from "fastoptim/fo_mlp.h":
    ctypedef struct fo_mlp_net:
        int n_layers
        const int64_t *sizes
        int activation
        int output
        double leaky_slope
        void *gemm
        int batch_norm
        double bn_eps
        double dropout
        int n_threads
    ctypedef struct fo_mlp_mode:
        int training
        double bn_momentum
        uint64_t dropout_seed
        int64_t dropout_step
    ctypedef struct fo_mlp_segment:
        int64_t offset
        int64_t length
        fo_rule *rule
    ctypedef struct fo_mlp_epoch_config:
        int64_t batch_size
        uint64_t seed
        int shuffle
        double l2
        double weight_scale
        double bn_momentum
        uint64_t dropout_seed
        void *workspace
        int64_t workspace_bytes
        const int64_t *rows
        int64_t n_rows
        const fo_mlp_segment *segments
        int64_t n_segments
    cdef enum:
        FO_ACT_IDENTITY
        FO_ACT_LOGISTIC
        FO_ACT_TANH
        FO_ACT_RELU
        FO_ACT_LEAKY_RELU
        FO_ACT_GELU
        FO_OUT_SOFTMAX
        FO_OUT_LOGISTIC
        FO_OUT_IDENTITY
        FO_MLP_MAX_LAYERS
    int64_t fo_mlp_n_params(const fo_mlp_net *net) nogil
    int64_t fo_mlp_n_running(const fo_mlp_net *net) nogil
    int fo_mlp_dropout_keep(double p, uint64_t seed, int64_t step, int64_t sample, int layer,
                            int64_t unit) nogil
    int fo_mlp_loss_grad_f64(const fo_mlp_net *net, const fo_mlp_mode *mode,
                             const fo_data_f64 *data, const double *Y, const double *params,
                             double l2, double *bn_running, double *value, double *grad) nogil
    int fo_mlp_loss_grad_f32(const fo_mlp_net *net, const fo_mlp_mode *mode,
                             const fo_data_f32 *data, const float *Y, const float *params,
                             double l2, float *bn_running, double *value, float *grad) nogil
    int fo_mlp_epoch_f64(const fo_mlp_net *net, const fo_mlp_epoch_config *cfg,
                         const fo_data_f64 *data, const double *Y, fo_rule *rule,
                         double *params, double *bn_running, double *s1, double *s2,
                         double *s3, double *mean_loss) nogil
    int fo_mlp_epoch_f32(const fo_mlp_net *net, const fo_mlp_epoch_config *cfg,
                         const fo_data_f32 *data, const float *Y, fo_rule *rule, float *params,
                         float *bn_running, float *s1, float *s2, float *s3,
                         double *mean_loss) nogil
    int64_t fo_mlp_epoch_workspace_f64(const fo_mlp_net *net, int64_t n_samples,
                                       const fo_mlp_epoch_config *cfg, int dense) nogil
    int64_t fo_mlp_epoch_workspace_f32(const fo_mlp_net *net, int64_t n_samples,
                                       const fo_mlp_epoch_config *cfg, int dense) nogil
    int fo_mlp_forward_rows_f64(const fo_mlp_net *net, const fo_data_f64 *data,
                                const int64_t *rows, int64_t n_rows, const double *params,
                                const double *bn_running, double *out) nogil
    int fo_mlp_forward_rows_f32(const fo_mlp_net *net, const fo_data_f32 *data,
                                const int64_t *rows, int64_t n_rows, const float *params,
                                const float *bn_running, float *out) nogil
    int fo_mlp_forward_f64(const fo_mlp_net *net, const fo_data_f64 *data, const double *params,
                           const double *bn_running, double *out) nogil
    int fo_mlp_forward_f32(const fo_mlp_net *net, const fo_data_f32 *data, const float *params,
                           const float *bn_running, float *out) nogil
    int fo_mlp_batchnorm_forward_f64(int64_t n, int64_t d, const double *x, const double *gamma,
                                     const double *beta, double eps, int training,
                                     double momentum, double *run_mean, double *run_var,
                                     double *xhat, double *inv_std, double *y) nogil
    int fo_mlp_batchnorm_forward_f32(int64_t n, int64_t d, const float *x, const float *gamma,
                                     const float *beta, double eps, int training,
                                     double momentum, float *run_mean, float *run_var,
                                     float *xhat, float *inv_std, float *y) nogil
    int fo_mlp_batchnorm_backward_f64(int64_t n, int64_t d, const double *g, const double *xhat,
                                      const double *inv_std, const double *gamma, int training,
                                      double *dx, double *dgamma, double *dbeta) nogil
    int fo_mlp_batchnorm_backward_f32(int64_t n, int64_t d, const float *g, const float *xhat,
                                      const float *inv_std, const float *gamma, int training,
                                      float *dx, float *dgamma, float *dbeta) nogil
    int fo_mlp_activate_f64(int activation, double leaky_slope, int64_t n, int64_t d, double *z,
                            const double *b, double *a) nogil
    int fo_mlp_activate_f32(int activation, double leaky_slope, int64_t n, int64_t d, float *z,
                            const float *b, float *a) nogil
    int fo_mlp_act_delta_f64(int activation, double leaky_slope, int64_t n, int64_t d,
                             const double *z, const double *a, double *delta) nogil
    int fo_mlp_act_delta_f32(int activation, double leaky_slope, int64_t n, int64_t d,
                             const float *z, const float *a, float *delta) nogil

# Ids read from fo_mlp.h.
ACTIVATION_IDS = {
    "identity": FO_ACT_IDENTITY,
    "logistic": FO_ACT_LOGISTIC,
    "tanh": FO_ACT_TANH,
    "relu": FO_ACT_RELU,
    "leaky_relu": FO_ACT_LEAKY_RELU,
    "gelu": FO_ACT_GELU,
}
OUTPUT_IDS = {"softmax": FO_OUT_SOFTMAX, "logistic": FO_OUT_LOGISTIC, "identity": FO_OUT_IDENTITY}
MAX_LAYERS = FO_MLP_MAX_LAYERS


cdef fo_mlp_net _net(const int64_t[::1] sizes, dict arch, bint single):
    """The network struct from sizes and arch: activation and output (ids), leaky_slope,
    batch_norm, bn_eps, dropout."""
    cdef fo_mlp_net net
    net.n_layers = <int>sizes.shape[0] - 1
    net.sizes = &sizes[0]
    net.activation = arch["activation"]
    net.output = arch["output"]
    net.leaky_slope = arch["leaky_slope"]
    net.batch_norm = arch["batch_norm"]
    net.bn_eps = arch["bn_eps"]
    net.dropout = arch["dropout"]
    net.n_threads = arch.get("n_threads", 1)
    net.gemm = <void *>sgemm if single else <void *>dgemm
    return net


_SHAPE_ONLY = dict(activation=0, output=0, leaky_slope=0.0, batch_norm=False, bn_eps=1e-5,
                   dropout=0.0)


def n_params(const int64_t[::1] sizes, bint batch_norm=False):
    """fo_mlp_n_params: the length of the parameter buffer (-1 for a bad shape)."""
    cdef fo_mlp_net net = _net(sizes, dict(_SHAPE_ONLY, batch_norm=batch_norm), False)
    return fo_mlp_n_params(&net)


def n_running(const int64_t[::1] sizes, bint batch_norm=False):
    """fo_mlp_n_running: the number of batch norm's running statistics."""
    cdef fo_mlp_net net = _net(sizes, dict(_SHAPE_ONLY, batch_norm=batch_norm), False)
    return fo_mlp_n_running(&net)


def dropout_keep(double p, uint64_t seed, int64_t step, int64_t sample, int layer,
                 int64_t unit):
    """fo_mlp_dropout_keep: True to keep the unit (the counter-based mask draw)."""
    return bool(fo_mlp_dropout_keep(p, seed, step, sample, layer, unit))


def loss_grad(const int64_t[::1] sizes, dict arch, dict mode, const floating[::1] values,
              const int32_t[::1] indices, const int64_t[::1] indptr, int64_t n_samples,
              const floating[::1] Y, const floating[::1] sample_weight,
              const floating[::1] params, double l2, floating[::1] bn_running,
              floating[::1] grad):
    """Run fo_mlp_loss_grad; `values` is X raveled (dense, indices None) or the CSR data,
    Y the targets raveled (n_samples x K); mode: training, bn_momentum, dropout_seed,
    dropout_step.  Returns (status, value); grad (and bn_running in training) written."""
    cdef fo_data_f64 d64
    cdef fo_data_f32 d32
    cdef double value = 0.0
    cdef int status
    cdef fo_mlp_mode m
    cdef fo_mlp_net net = _net(sizes, arch, floating is float)
    cdef const floating[::1] no_y = None  # the networks read Y, not the data's y
    m.training = mode["training"]
    m.bn_momentum = mode["bn_momentum"]
    m.dropout_seed = mode["dropout_seed"]
    m.dropout_step = mode["dropout_step"]
    fill_data(&d64, &d32, values, indices, indptr, n_samples, sizes[0], no_y, sample_weight)
    with nogil:
        if floating is double:
            status = fo_mlp_loss_grad_f64(&net, &m, &d64, cptr(Y), cptr(params), l2,
                                          mptr(bn_running), &value, mptr(grad))
        else:
            status = fo_mlp_loss_grad_f32(&net, &m, &d32, cptr(Y), cptr(params), l2,
                                          mptr(bn_running), &value, mptr(grad))
    return status, value


def epoch(const int64_t[::1] sizes, dict arch, dict config, dict spec,
          const floating[::1] values, const int32_t[::1] indices, const int64_t[::1] indptr,
          int64_t n_samples, const floating[::1] Y, const floating[::1] sample_weight,
          floating[::1] params, floating[::1] bn_running, floating[::1] s1, floating[::1] s2,
          floating[::1] s3, const int64_t[::1] rows=None, list group_specs=None,
          const int64_t[:, ::1] segments=None):
    """Run fo_mlp_epoch (rows: None, or the sample numbers of a row subset, X, Y and
    sample_weight keeping every row).  config: batch_size, seed, shuffle, l2, weight_scale, bn_momentum,
    dropout_seed; spec: the optimizer's rule (fastoptim.optim.transforms.compile_chain)
    with t the first step; segments (parameter groups): None, or rows (offset, length, j)
    stepping params[offset:offset + length] by group_specs[j].  Returns (status, mean_loss,
    carried): carried the rule's next step and carried scalars (_cdefs.rule_carried), with
    segments a list of them, one per group_specs entry (each at the epoch's next step: the
    rules of no segment are moved past the epoch's steps here); params, bn_running and the
    state arrays change in place."""
    cdef fo_data_f64 d64
    cdef fo_data_f32 d32
    cdef fo_mlp_epoch_config cfg
    cdef fo_rule r = rule_from(spec)
    cdef double mean_loss = 0.0
    cdef int status
    cdef fo_mlp_net net = _net(sizes, arch, floating is float)
    cdef const floating[::1] no_y = None
    cdef fo_rule *rules = NULL
    cdef fo_mlp_segment *segs = NULL
    cdef Py_ssize_t j, n_rules = 0
    cfg.batch_size = config["batch_size"]
    cfg.seed = config["seed"]
    cfg.shuffle = config["shuffle"]
    cfg.l2 = config["l2"]
    cfg.weight_scale = config["weight_scale"]
    cfg.bn_momentum = config["bn_momentum"]
    cfg.dropout_seed = config["dropout_seed"]
    cfg.workspace = NULL
    cfg.workspace_bytes = 0
    cfg.segments = NULL
    cfg.n_segments = 0
    if rows is not None and rows.shape[0] == 0:
        raise ValueError("rows is empty: an epoch needs at least one row")
    cfg.rows = &rows[0] if rows is not None else NULL
    cfg.n_rows = rows.shape[0] if rows is not None else 0
    cdef uint64_t[::1] ws = config.get("workspace")  # 8-byte aligned
    if ws is not None and ws.shape[0] > 0:
        cfg.workspace = <void *>&ws[0]
        cfg.workspace_bytes = ws.shape[0] * 8
    fill_data(&d64, &d32, values, indices, indptr, n_samples, sizes[0], no_y, sample_weight)
    try:
        if segments is not None:
            if segments.shape[0] == 0 or segments.shape[1] != 3 or not group_specs:
                raise ValueError("segments must be rows (offset, length, group) over group_specs")
            n_rules = len(group_specs)
            rules = <fo_rule *>malloc(n_rules * sizeof(fo_rule))
            segs = <fo_mlp_segment *>malloc(segments.shape[0] * sizeof(fo_mlp_segment))
            if rules == NULL or segs == NULL:
                raise MemoryError()
            for j in range(n_rules):
                rules[j] = rule_from(group_specs[j])
            for j in range(segments.shape[0]):
                if not 0 <= segments[j, 2] < n_rules:
                    raise ValueError(f"segment {j} names group {segments[j, 2]} of {n_rules}")
                segs[j].offset = segments[j, 0]
                segs[j].length = segments[j, 1]
                segs[j].rule = &rules[segments[j, 2]]
            cfg.segments = segs
            cfg.n_segments = segments.shape[0]
        with nogil:
            if floating is double:
                status = fo_mlp_epoch_f64(&net, &cfg, &d64, cptr(Y), &r, mptr(params),
                                          mptr(bn_running), mptr(s1), mptr(s2), mptr(s3),
                                          &mean_loss)
            else:
                status = fo_mlp_epoch_f32(&net, &cfg, &d32, cptr(Y), &r, mptr(params),
                                          mptr(bn_running), mptr(s1), mptr(s2), mptr(s3),
                                          &mean_loss)
        if segments is None:
            return status, mean_loss, rule_carried(&r)
        carried = []
        for j in range(n_rules):
            while rules[j].t < r.t:  # a group of no segment: its scalars move all the same
                fo_rule_advance(&rules[j])
            carried.append(rule_carried(&rules[j]))
        return status, mean_loss, carried
    finally:
        free(rules)
        free(segs)


def epoch_workspace(const int64_t[::1] sizes, dict arch, int64_t n_samples, int64_t batch_size,
                    bint shuffle, bint dense, bint single, bint subset=False):
    """fo_mlp_epoch_workspace: the bytes of an epoch's workspace (-1 for bad arguments);
    subset: for an epoch over a row subset of n_samples rows."""
    cdef fo_mlp_net net = _net(sizes, arch, single)
    cdef fo_mlp_epoch_config cfg
    cdef int64_t any_row = 0  # the size depends only on whether cfg.rows is NULL
    cfg.batch_size = batch_size
    cfg.shuffle = shuffle
    cfg.rows = &any_row if subset else NULL
    cfg.n_rows = n_samples
    if single:
        return fo_mlp_epoch_workspace_f32(&net, n_samples, &cfg, dense)
    return fo_mlp_epoch_workspace_f64(&net, n_samples, &cfg, dense)


def forward(const int64_t[::1] sizes, dict arch, const floating[::1] values,
            const int32_t[::1] indices, const int64_t[::1] indptr, int64_t n_samples,
            const floating[::1] params, const floating[::1] bn_running, floating[::1] out,
            const int64_t[::1] rows=None):
    """Run fo_mlp_forward (evaluation mode): the output activations, n_samples x K raveled
    into out; rows: None, or the sample numbers of a row subset (out: len(rows) x K)."""
    cdef fo_data_f64 d64
    cdef fo_data_f32 d32
    cdef int status
    cdef fo_mlp_net net = _net(sizes, arch, floating is float)
    cdef const floating[::1] none = None
    if rows is not None and rows.shape[0] == 0:
        raise ValueError("rows is empty: the forward pass needs at least one row")
    cdef const int64_t *r = &rows[0] if rows is not None else NULL
    cdef int64_t n_rows = rows.shape[0] if rows is not None else 0
    fill_data(&d64, &d32, values, indices, indptr, n_samples, sizes[0], none, none)
    with nogil:
        if floating is double:
            status = fo_mlp_forward_rows_f64(&net, &d64, r, n_rows, cptr(params),
                                             cptr(bn_running), mptr(out))
        else:
            status = fo_mlp_forward_rows_f32(&net, &d32, r, n_rows, cptr(params),
                                             cptr(bn_running), mptr(out))
    return status


def activate(int activation, double leaky_slope, int64_t n, int64_t d, floating[::1] z,
             const floating[::1] b, floating[::1] a):
    """fo_mlp_activate: z += b (per column), a = f(z).  Returns the status."""
    cdef int status
    with nogil:
        if floating is double:
            status = fo_mlp_activate_f64(activation, leaky_slope, n, d, mptr(z), cptr(b), mptr(a))
        else:
            status = fo_mlp_activate_f32(activation, leaky_slope, n, d, mptr(z), cptr(b), mptr(a))
    return status


def act_delta(int activation, double leaky_slope, int64_t n, int64_t d, const floating[::1] z,
              const floating[::1] a, floating[::1] delta):
    """fo_mlp_act_delta: delta *= f'(z).  Returns the status."""
    cdef int status
    with nogil:
        if floating is double:
            status = fo_mlp_act_delta_f64(activation, leaky_slope, n, d, cptr(z), cptr(a),
                                          mptr(delta))
        else:
            status = fo_mlp_act_delta_f32(activation, leaky_slope, n, d, cptr(z), cptr(a),
                                          mptr(delta))
    return status


def batchnorm_forward(int64_t n, int64_t d, const floating[::1] x, const floating[::1] gamma,
                      const floating[::1] beta, double eps, bint training, double momentum,
                      floating[::1] run_mean, floating[::1] run_var, floating[::1] xhat,
                      floating[::1] inv_std, floating[::1] y):
    """fo_mlp_batchnorm_forward (run_mean/run_var None: not tracked).  Returns the status."""
    cdef int status
    with nogil:
        if floating is double:
            status = fo_mlp_batchnorm_forward_f64(n, d, cptr(x), cptr(gamma), cptr(beta), eps,
                                                  training, momentum, mptr(run_mean),
                                                  mptr(run_var), mptr(xhat), mptr(inv_std),
                                                  mptr(y))
        else:
            status = fo_mlp_batchnorm_forward_f32(n, d, cptr(x), cptr(gamma), cptr(beta), eps,
                                                  training, momentum, mptr(run_mean),
                                                  mptr(run_var), mptr(xhat), mptr(inv_std),
                                                  mptr(y))
    return status


def batchnorm_backward(int64_t n, int64_t d, const floating[::1] g, const floating[::1] xhat,
                       const floating[::1] inv_std, const floating[::1] gamma, bint training,
                       floating[::1] dx, floating[::1] dgamma, floating[::1] dbeta):
    """fo_mlp_batchnorm_backward.  Returns the status."""
    cdef int status
    with nogil:
        if floating is double:
            status = fo_mlp_batchnorm_backward_f64(n, d, cptr(g), cptr(xhat), cptr(inv_std),
                                                   cptr(gamma), training, mptr(dx),
                                                   mptr(dgamma), mptr(dbeta))
        else:
            status = fo_mlp_batchnorm_backward_f32(n, d, cptr(g), cptr(xhat), cptr(inv_std),
                                                   cptr(gamma), training, mptr(dx),
                                                   mptr(dgamma), mptr(dbeta))
    return status
