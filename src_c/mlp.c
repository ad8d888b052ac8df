/*
 * mlp.c -- multi-layer perceptrons: forward pass, loss and backpropagation
 * (fo_mlp.h).  The dtype-generic body is mlp_impl.h, included twice.
 *
 * Backpropagation (Rumelhart, Hinton & Williams 1986; ../shared/MATH.md):
 *   delta^L = w_i (p - y) / sum w   (softmax + cross-entropy, sigmoid + log-loss,
 *                                    identity + squared error / 2),
 *   grad W^l = (a^(l-1))^T delta^l,  grad b^l = sum over rows of delta^l,
 *   delta^(l-1) = (delta^l (W^l)^T) * f'(z^(l-1)).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fastoptim/fo_config.h"
#include "fastoptim/fo_epoch.h"
#include "fastoptim/fo_mlp.h"
#include "fastoptim/fo_status.h"

int64_t fo_mlp_n_params(const fo_mlp_net *net)
{
    if (!net || !net->sizes || net->n_layers < 1 || net->n_layers > FO_MLP_MAX_LAYERS) return -1;
    int64_t total = 0;
    for (int l = 0; l <= net->n_layers; l++)
        if (net->sizes[l] < 1 || net->sizes[l] > ((int64_t)1 << 30)) return -1;
    for (int l = 1; l <= net->n_layers; l++)
        total += (net->sizes[l - 1] + 1 + (net->batch_norm && l < net->n_layers ? 2 : 0)) *
                 net->sizes[l];
    return total;
}

int64_t fo_mlp_n_running(const fo_mlp_net *net)
{
    if (fo_mlp_n_params(net) < 0) return -1;
    int64_t total = 0;
    if (net->batch_norm)
        for (int l = 1; l < net->n_layers; l++) total += 2 * net->sizes[l];
    return total;
}

/* SplitMix64's finalizer (Steele, Lea & Flood 2014): a bijective mix of 64 bits. */
static inline uint64_t fo_mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* A counter-based draw (as Salmon et al. 2011's Philox, with SplitMix64 rounds): the
 * uniform number of (seed, step, sample, layer, unit) is a hash of the counter alone, so a
 * mask does not depend on the order, the block or the thread that draws it. */
int fo_mlp_dropout_keep(double p, uint64_t seed, int64_t step, int64_t sample, int layer,
                        int64_t unit)
{
    uint64_t h = fo_mix64(seed ^ 0x9e3779b97f4a7c15ULL);
    h = fo_mix64(h ^ (uint64_t)step);
    h = fo_mix64(h ^ ((uint64_t)sample << 8 ^ (uint64_t)layer));
    h = fo_mix64(h ^ (uint64_t)unit);
    const double u = (double)(h >> 11) * 0x1.0p-53;
    return u >= p;
}

static inline double fo_sigmoid(double z)
{
    if (z >= 0.0) return 1.0 / (1.0 + exp(-z));
    const double e = exp(z);
    return e / (1.0 + e);
}

/* f(z) of a hidden unit. */
static inline double fo_act_value(int activation, double slope, double z)
{
    switch (activation) {
    case FO_ACT_LOGISTIC: return fo_sigmoid(z);
    case FO_ACT_TANH: return tanh(z);
    case FO_ACT_RELU: return z > 0.0 ? z : 0.0;
    case FO_ACT_LEAKY_RELU: return z > 0.0 ? z : slope * z;
    case FO_ACT_GELU: return 0.5 * z * (1.0 + erf(z * M_SQRT1_2));
    default: return z;
    }
}

/* f'(z), from a = f(z) where that is the cheaper form. */
static inline double fo_act_slope(int activation, double slope, double z, double a)
{
    switch (activation) {
    case FO_ACT_LOGISTIC: return a * (1.0 - a);
    case FO_ACT_TANH: return 1.0 - a * a;
    case FO_ACT_RELU: return z > 0.0 ? 1.0 : 0.0;
    case FO_ACT_LEAKY_RELU: return z > 0.0 ? 1.0 : slope;
    case FO_ACT_GELU:
        return 0.5 * (1.0 + erf(z * M_SQRT1_2)) + z * exp(-0.5 * z * z) * (0.5 * M_2_SQRTPI * M_SQRT1_2);
    default: return 1.0;
    }
}

#define FO_T double
#define FO_SUF(name) name##_f64
#define FO_DATA fo_data_f64
#define FO_GEMM fo_dgemm_fn
#include "mlp_impl.h"
#undef FO_T
#undef FO_SUF
#undef FO_DATA
#undef FO_GEMM

#define FO_T float
#define FO_SUF(name) name##_f32
#define FO_DATA fo_data_f32
#define FO_GEMM fo_sgemm_fn
#include "mlp_impl.h"
