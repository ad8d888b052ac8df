/*
 * fo_loss_inline.h -- per-sample losses and their derivatives.
 *
 * These are the only definitions of the losses in the C core: the fused
 * loss+gradient kernels (loss.c), the Hessian-vector products and the
 * stochastic engine all inline them.  The binary losses exist in double and
 * in float (float32 data: 8 lanes per AVX2 instruction); the multiclass ones
 * and the curvatures in double.  Stable forms keep every finite input finite.
 *
 * Binary losses take the score z = x.w + b and a label y (+1/-1 for the
 * classification losses, any real for 'squared'), and return l(z) with
 * *dz = dl/dz.  Multiclass losses take K scores and the class index.
 */
#ifndef FASTOPTIM_FO_LOSS_INLINE_H
#define FASTOPTIM_FO_LOSS_INLINE_H

#include <math.h>
#include <stdint.h>
#include "fastoptim/fo_config.h"
#include "fastoptim/fo_loss.h"
#include "fastoptim/fo_math.h"

/* The binary losses, for double (fo_logistic_loss, ...) and for float
 * (fo_logistic_loss_f32, ...): one template, fo_binary_loss_impl.h. */
#define FO_LT double
#define FO_LSUF(name) name
#define FO_LEXP_NEG fo_exp_neg
#define FO_LLOG1P_UNIT fo_log1p_unit
#include "fastoptim/fo_binary_loss_impl.h"
#undef FO_LT
#undef FO_LSUF
#undef FO_LEXP_NEG
#undef FO_LLOG1P_UNIT

#define FO_LT float
#define FO_LSUF(name) name##_f32
#define FO_LEXP_NEG fo_exp_neg_f32
#define FO_LLOG1P_UNIT fo_log1p_unit_f32
#include "fastoptim/fo_binary_loss_impl.h"
#undef FO_LT
#undef FO_LSUF
#undef FO_LEXP_NEG
#undef FO_LLOG1P_UNIT

/* Second derivative d2l/dz2 of a binary loss at z (the generalized one for
 * the squared hinge: 2 where the margin is violated).  Returns -1 for a loss
 * that has none (hinge). */
FO_INLINE double fo_binary_curvature(int loss, double z, double y)
{
    switch (loss) {
    case FO_LOSS_SQUARED: return 1.0;
    case FO_LOSS_LOGISTIC: {
        double e = fo_exp_neg(fabs(z));    /* p (1 - p) with p = sigmoid(z), y^2 = 1 */
        return e / ((1.0 + e) * (1.0 + e));
    }
    case FO_LOSS_SQUARED_HINGE: return (1.0 - y * z > 0.0) ? 2.0 : 0.0;
    default: return -1.0;
    }
}

/* p = softmax(z) over K scores, the maximum subtracted before exponentiating;
 * returns logsumexp(z).  p must not alias z. */
FO_INLINE double fo_softmax(const double *z, int64_t K, double *p)
{
    double zmax = z[0];
    for (int64_t k = 1; k < K; k++)
        if (z[k] > zmax) zmax = z[k];
    double s = 0.0;
    for (int64_t k = 0; k < K; k++) {
        p[k] = fo_exp_neg(zmax - z[k]);
        s += p[k];
    }
    double inv = 1.0 / s;
    for (int64_t k = 0; k < K; k++) p[k] *= inv;
    return zmax + log(s);
}

/* Softmax cross-entropy: l = logsumexp(z) - z_c, dl/dz_k = p_k - [k == c].
 * `p` (K doubles) receives the probabilities; dz must alias neither z nor p. */
FO_INLINE double fo_softmax_loss(const double *z, int64_t K, int64_t c, double *p, double *dz)
{
    double loss = fo_softmax(z, K, p) - z[c];
    for (int64_t k = 0; k < K; k++) dz[k] = p[k];
    dz[c] -= 1.0;
    return loss;
}

/* Weston-Watkins multiclass hinge: l = sum_{j != c} max(0, z_j - z_c + 1);
 * subgradient 1 on each violating class j, minus the number of violations on c. */
FO_INLINE double fo_multiclass_hinge_loss(const double *z, int64_t K, int64_t c, double *dz)
{
    double loss = 0.0, n_violations = 0.0;
    for (int64_t k = 0; k < K; k++) {
        double slack = (k == c) ? 0.0 : z[k] - z[c] + 1.0;
        if (slack > 0.0) {
            loss += slack;
            dz[k] = 1.0;
            n_violations += 1.0;
        } else {
            dz[k] = 0.0;
        }
    }
    dz[c] = -n_violations;
    return loss;
}

#endif /* FASTOPTIM_FO_LOSS_INLINE_H */
