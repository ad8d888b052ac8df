/*
 * fo_mlp.h -- multi-layer perceptrons: forward pass, loss and backpropagation
 * over dense (row-major) or CSR input, float64 and float32 (../shared/MATH.md,
 * "Neural networks").
 *
 * Network of L affine layers (L - 1 hidden), sizes[0] = n_features, sizes[L] = K:
 *
 *     z^l = a^(l-1) W^l + b^l,   a^l = f(z^l) (hidden),   a^0 = x,
 *     output: softmax(z^L) (cost: cross-entropy), sigmoid(z^L) per output (log-loss),
 *             or z^L itself (squared error / 2),
 *
 *     F(theta) = sum_i w_i c_i / sum_i w_i  +  (l2 / 2) sum_l ||W^l||^2
 *
 * (biases not penalized; c_i summed over the outputs).  The parameters are one
 * contiguous buffer, layer after layer: W^l (sizes[l-1] x sizes[l], row-major,
 * scikit-learn's coefs_[l-1] layout) then b^l (sizes[l]), and with batch_norm, after
 * each hidden layer's b^l, its gamma^l then beta^l (sizes[l] each).  The gradient has the
 * same layout.
 *
 * With batch normalization (net->batch_norm), each hidden layer is torch's
 * Linear -> BatchNorm1d -> activation [-> Dropout]:
 *
 *     z^l = a^(l-1) W^l + b^l,  u^l = gamma^l BN(z^l) + beta^l,  a^l = f(u^l) m^l / (1 - p)
 *
 * BN over the rows of the batch (training) or with the running statistics
 * (evaluation), see fo_mlp_batchnorm_forward.  The running statistics live beside the
 * parameters in `bn_running`: per hidden layer its mean then its variance (sizes[l]
 * each; fo_mlp_n_running values).  Dropout (net->dropout = p > 0, training only): m^l_ij
 * = 1 with probability 1 - p, else 0, a counter-based draw from (seed, step, sample,
 * layer, unit) -- the same mask whatever the thread count or the block of rows.
 *
 * Rows are processed in blocks of FO_MLP_BLOCK_ROWS: each block's products go
 * through the BLAS gemm the caller hands in (sgemm/dgemm with the Fortran
 * interface, as scipy.linalg.cython_blas exports them: no link-time BLAS), bias
 * and activation fused in one pass after each product, the output loss and its
 * delta in one pass.  A block's gradient is added to a double accumulator in
 * block order, so the result does not depend on the thread count of the C code
 * (it has none here; BLAS threads are the caller's budget).
 */
#ifndef FASTOPTIM_FO_MLP_H
#define FASTOPTIM_FO_MLP_H

#include <stdint.h>

#include "fastoptim/fo_loss.h"
#include "fastoptim/fo_update.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    FO_ACT_IDENTITY = 0,
    FO_ACT_LOGISTIC = 1,   /* 1 / (1 + exp(-z)) */
    FO_ACT_TANH = 2,
    FO_ACT_RELU = 3,       /* max(z, 0); derivative 0 at z = 0, as torch */
    FO_ACT_LEAKY_RELU = 4, /* z > 0 ? z : slope z */
    FO_ACT_GELU = 5,       /* z Phi(z), the exact erf form (torch's default) */
    FO_N_ACTIVATIONS = 6
} fo_activation;

typedef enum {
    FO_OUT_SOFTMAX = 0,  /* K >= 2 classes; Y rows one-hot (or any distribution) */
    FO_OUT_LOGISTIC = 1, /* K independent binary outputs; Y in [0, 1] */
    FO_OUT_IDENTITY = 2, /* regression: (z - y)^2 / 2 per output */
    FO_N_OUTPUTS = 3
} fo_output;

#define FO_MLP_MAX_LAYERS 64
#define FO_MLP_BLOCK_ROWS 256

/* Fortran BLAS gemm: C = alpha op(A) op(B) + beta C, column-major. */
typedef void (*fo_dgemm_fn)(char *transa, char *transb, int *m, int *n, int *k, double *alpha,
                            double *a, int *lda, double *b, int *ldb, double *beta, double *c,
                            int *ldc);
typedef void (*fo_sgemm_fn)(char *transa, char *transb, int *m, int *n, int *k, float *alpha,
                            float *a, int *lda, float *b, int *ldb, float *beta, float *c,
                            int *ldc);

/* The network's shape.  gemm: an fo_dgemm_fn for the f64 functions, fo_sgemm_fn for f32. */
typedef struct {
    int n_layers;          /* L >= 1 affine layers */
    const int64_t *sizes;  /* L + 1 widths, each >= 1 */
    int activation;        /* fo_activation of the hidden units */
    int output;            /* fo_output */
    double leaky_slope;    /* FO_ACT_LEAKY_RELU's slope below 0 (torch: 0.01) */
    void *gemm;
    int batch_norm;        /* 1: BatchNorm1d after each hidden affine layer */
    double bn_eps;         /* BatchNorm1d's eps (torch: 1e-5) */
    double dropout;        /* p in [0, 1): inverted dropout on the hidden units in training */
    int n_threads;         /* the team of OpenMP threads for the products (each a
                              single-threaded gemm call: keep BLAS on one thread) and the
                              elementwise passes; 1: none, BLAS's own threads as they are */
} fo_mlp_net;

/* Products below this many flops run as one gemm call. */
#define FO_MLP_TEAM_MIN_FLOPS (1 << 21)
/* Elementwise passes below this many values run on one thread. */
#define FO_MLP_TEAM_MIN_VALUES (1 << 14)

/* How a pass treats batch norm and dropout. */
typedef struct {
    int training;          /* 1: batch statistics and dropout; 0: running statistics, none */
    double bn_momentum;    /* training: the running statistics move by this (0: kept) */
    uint64_t dropout_seed; /* the mask's key */
    int64_t dropout_step;  /* the mask's step counter (fo_mlp_epoch: the rule's step t) */
} fo_mlp_mode;

/* Number of parameters (weights and biases of every layer, gamma and beta with batch
 * norm); -1 for a bad shape. */
int64_t fo_mlp_n_params(const fo_mlp_net *net);

/* Number of running statistics (2 x the hidden widths with batch norm, else 0). */
int64_t fo_mlp_n_running(const fo_mlp_net *net);

/* The dropout mask's draw: 1 to keep unit `unit` of layer `layer` for `sample` at `step`. */
int fo_mlp_dropout_keep(double p, uint64_t seed, int64_t step, int64_t sample, int layer,
                        int64_t unit);

/*
 * Objective value and gradient over all rows of `data` (its y is not used):
 *   Y: n_samples x K targets (row-major); data->sample_weight: NULL for all ones.
 *   mode: NULL for evaluation; in training with batch norm, the statistics are those of
 *   all n rows (one block), and bn_running (when not NULL) moves by mode->bn_momentum.
 *   bn_running: fo_mlp_n_running values (needed in evaluation with batch norm).
 * Returns FO_OK, FO_ERR_NONFINITE (a score, the value or the gradient is not
 * finite), FO_ERR_NO_MEMORY or FO_ERR_BAD_ARGUMENT.
 */
int fo_mlp_loss_grad_f64(const fo_mlp_net *net, const fo_mlp_mode *mode,
                         const fo_data_f64 *data, const double *Y, const double *params,
                         double l2, double *bn_running, double *value, double *grad);
int fo_mlp_loss_grad_f32(const fo_mlp_net *net, const fo_mlp_mode *mode,
                         const fo_data_f32 *data, const float *Y, const float *params,
                         double l2, float *bn_running, double *value, float *grad);

/*
 * One epoch of mini-batch training, in place (the linear engine's conventions, fo_epoch.h):
 * rows shuffled by the seeded permutation fo_epoch_permutation(n, seed) (or storage order),
 * cut into batches of batch_size (the last may be shorter); for each batch B the gradient of
 *
 *     weight_scale / |B| sum_{i in B} w_i c_i  +  (l2 / 2) sum_l ||W^l||^2
 *
 * (weight_scale = n / sum_i w_i gives mean weight 1), then the update rule (fo_update.h)
 * over the whole parameter buffer, rule->t counting steps (fo_rule_advance moves it and the
 * carried scalars past each step taken) -- or, with cfg->segments
 * (torch's parameter groups), each segment's own rule over its part of the buffer, every
 * one at the step rule->t.  s1..s3: the rules' state, n_params each (NULL where no rule
 * uses it).  *mean_loss: the weighted mean of the per-sample
 * costs, each taken when its batch was visited.  Returns FO_OK, FO_ERR_NONFINITE (a
 * cost or a gradient stopped being finite: the step was refused, the parameters are those
 * after the last good step), FO_ERR_BAD_ARGUMENT or FO_ERR_NO_MEMORY.
 */
/* A part of the parameter buffer and its update rule (one of torch's parameter groups):
 * coordinates [offset, offset + length) of params, the gradient and s1..s3 step by *rule,
 * whose t is ignored (the epoch's rule->t counts the steps of every segment).  The epoch
 * moves *rule past every step it takes (fo_rule_advance: its t, set to the epoch's, and its
 * carried scalars, NAdam's mu_product and ASGD's eta, which depend on the group's own
 * hyper-parameters), once per step however many segments share it. */
typedef struct {
    int64_t offset;
    int64_t length;
    fo_rule *rule;
} fo_mlp_segment;

typedef struct {
    int64_t batch_size;  /* >= 1, clipped to n_samples */
    uint64_t seed;       /* this epoch's shuffle */
    int shuffle;         /* 0: storage order */
    double l2;           /* the weights' penalty */
    double weight_scale; /* n / sum(sample_weight); 1 without weights */
    double bn_momentum;  /* batch norm's running statistics (torch: 0.1) */
    uint64_t dropout_seed;
    void *workspace;         /* NULL, or fo_mlp_epoch_workspace bytes (8-byte aligned) kept */
    int64_t workspace_bytes; /* by the caller across epochs: then the epoch allocates nothing */
    const int64_t *rows;     /* NULL: the epoch draws from every row; else from the n_rows
                              * sample numbers rows[0..n_rows) (in [0, n_samples)) -- a row
                              * subset of X, Y and the weights (which keep every row) without
                              * a copy, the bits of an epoch over copies of those rows */
    int64_t n_rows;          /* ignored when rows is NULL */
    const fo_mlp_segment *segments; /* NULL: `rule` steps the whole buffer; else n_segments
                              * segments tiling [0, n_params) in order (each offset the end
                              * of the one before), each with its rule; the gradient is
                              * checked whole first, so a refused step changes no segment */
    int64_t n_segments;
} fo_mlp_epoch_config;

/* The bytes of an epoch's workspace for n_samples rows (dense: X is dense); -1 for bad
 * arguments.  For a row subset, n_samples is n_rows and cfg->rows is not NULL (its rows
 * are gathered as a shuffled epoch's are; only whether it is NULL matters here). */
int64_t fo_mlp_epoch_workspace_f64(const fo_mlp_net *net, int64_t n_samples,
                                   const fo_mlp_epoch_config *cfg, int dense);
int64_t fo_mlp_epoch_workspace_f32(const fo_mlp_net *net, int64_t n_samples,
                                   const fo_mlp_epoch_config *cfg, int dense);

/* With batch norm, every batch must hold >= 2 rows (FO_ERR_BAD_ARGUMENT before any step
 * otherwise) and bn_running is updated after each batch's forward pass; dropout masks
 * are drawn with step = rule->t of the batch's update. */
int fo_mlp_epoch_f64(const fo_mlp_net *net, const fo_mlp_epoch_config *cfg,
                     const fo_data_f64 *data, const double *Y, fo_rule *rule, double *params,
                     double *bn_running, double *s1, double *s2, double *s3,
                     double *mean_loss);
int fo_mlp_epoch_f32(const fo_mlp_net *net, const fo_mlp_epoch_config *cfg,
                     const fo_data_f32 *data, const float *Y, fo_rule *rule, float *params,
                     float *bn_running, float *s1, float *s2, float *s3, double *mean_loss);

/*
 * The output layer's activations for every row (n_samples x K: probabilities for
 * softmax/logistic, values for identity), in evaluation mode (batch norm on bn_running,
 * no dropout).  Returns FO_OK, FO_ERR_NONFINITE, FO_ERR_NO_MEMORY or FO_ERR_BAD_ARGUMENT.
 */
int fo_mlp_forward_f64(const fo_mlp_net *net, const fo_data_f64 *data, const double *params,
                       const double *bn_running, double *out);
int fo_mlp_forward_f32(const fo_mlp_net *net, const fo_data_f32 *data, const float *params,
                       const float *bn_running, float *out);
/* The same for the n_rows >= 1 rows rows[0..n_rows) of data (sample numbers in
 * [0, n_samples), gathered a block at a time: no copy of X): out is n_rows x K, the bits
 * of fo_mlp_forward over a copy of those rows.  rows NULL: fo_mlp_forward. */
int fo_mlp_forward_rows_f64(const fo_mlp_net *net, const fo_data_f64 *data, const int64_t *rows,
                            int64_t n_rows, const double *params, const double *bn_running,
                            double *out);
int fo_mlp_forward_rows_f32(const fo_mlp_net *net, const fo_data_f32 *data, const int64_t *rows,
                            int64_t n_rows, const float *params, const float *bn_running,
                            float *out);

/*
 * Batch normalization over n rows of width d (torch.nn.BatchNorm1d's semantics, Ioffe &
 * Szegedy 2015), one pass each way:
 *   training: mu_j, var_j = mean and biased variance of column j, xhat = (x - mu) / sqrt(var
 *             + eps), y = gamma xhat + beta; running statistics (when not NULL) move by
 *             momentum m: mu_run <- (1 - m) mu_run + m mu, var_run <- (1 - m) var_run
 *             + m var n / (n - 1).  n = 1 is FO_ERR_BAD_ARGUMENT (torch refuses it too).
 *   evaluation (training = 0): xhat = (x - mu_run) / sqrt(var_run + eps).
 *   xhat (n x d) and inv_std (d) are kept for the backward pass (may alias nothing else);
 *   y may be x itself.
 * Backward, g = dL/dy (n x d): dx = gamma inv_std (g - mean g - xhat mean(g xhat)) in a
 * training batch (gamma inv_std g in evaluation), dgamma = sum g xhat, dbeta = sum g
 * (column sums, in double).  dx may be g itself.
 */
int fo_mlp_batchnorm_forward_f64(int64_t n, int64_t d, const double *x, const double *gamma,
                                 const double *beta, double eps, int training, double momentum,
                                 double *run_mean, double *run_var, double *xhat,
                                 double *inv_std, double *y);
int fo_mlp_batchnorm_forward_f32(int64_t n, int64_t d, const float *x, const float *gamma,
                                 const float *beta, double eps, int training, double momentum,
                                 float *run_mean, float *run_var, float *xhat, float *inv_std,
                                 float *y);
int fo_mlp_batchnorm_backward_f64(int64_t n, int64_t d, const double *g, const double *xhat,
                                  const double *inv_std, const double *gamma, int training,
                                  double *dx, double *dgamma, double *dbeta);
int fo_mlp_batchnorm_backward_f32(int64_t n, int64_t d, const float *g, const float *xhat,
                                  const float *inv_std, const float *gamma, int training,
                                  float *dx, float *dgamma, float *dbeta);

/*
 * Elementwise pieces, exported for the tests' oracles:
 *   fo_mlp_activate:   a = f(z + b) over n rows of width d (b: d values or NULL), z kept;
 *   fo_mlp_act_delta:  dz = da * f'(z) (a = f(z) given too: the cheap form for logistic/tanh).
 */
int fo_mlp_activate_f64(int activation, double leaky_slope, int64_t n, int64_t d,
                        double *z, const double *b, double *a);
int fo_mlp_activate_f32(int activation, double leaky_slope, int64_t n, int64_t d,
                        float *z, const float *b, float *a);
int fo_mlp_act_delta_f64(int activation, double leaky_slope, int64_t n, int64_t d,
                         const double *z, const double *a, double *delta);
int fo_mlp_act_delta_f32(int activation, double leaky_slope, int64_t n, int64_t d,
                         const float *z, const float *a, float *delta);

#ifdef __cplusplus
}
#endif
#endif /* FASTOPTIM_FO_MLP_H */
