/*
 * fo_loss_inline.h -- per-sample losses and their derivatives, in double.
 *
 * These are the only definitions of the losses in the C core: the fused
 * loss+gradient kernels (loss.c), the Hessian-vector products and the
 * stochastic engine all inline them.  Inputs of either dtype are promoted to
 * double for this scalar work; stable forms keep every finite input finite.
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

/* l = (z - y)^2 / 2,  dl/dz = z - y */
FO_INLINE double fo_squared_loss(double z, double y, double *dz)
{
    double r = z - y;
    *dz = r;
    return 0.5 * r * r;
}

/* l = log(1 + exp(-m)) with m = y z, written log1p(exp(-|m|)) + max(-m, 0);
 * dl/dz = -y sigmoid(-m), with sigmoid(-m) = e / (1 + e) for m >= 0 and
 * 1 / (1 + e) for m < 0, where e = exp(-|m|) <= 1 never overflows.
 * Branch-free (fo_math.h), so a loop over samples vectorizes. */
FO_INLINE double fo_logistic_loss(double z, double y, double *dz)
{
    double m = y * z;
    double e = fo_exp_neg(fabs(m));
    double inv = 1.0 / (1.0 + e);
    double s = (m >= 0.0) ? e * inv : inv;
    *dz = -y * s;
    return fo_log1p_unit(e) + (m < 0.0 ? -m : 0.0);
}

/* l = max(0, 1 - y z); subgradient -y where 1 - y z > 0, else 0 */
FO_INLINE double fo_hinge_loss(double z, double y, double *dz)
{
    double slack = 1.0 - y * z;
    if (slack > 0.0) {
        *dz = -y;
        return slack;
    }
    *dz = 0.0;
    return 0.0;
}

/* l = max(0, 1 - y z)^2; dl/dz = -2 y max(0, 1 - y z) */
FO_INLINE double fo_squared_hinge_loss(double z, double y, double *dz)
{
    double slack = 1.0 - y * z;
    if (slack > 0.0) {
        *dz = -2.0 * y * slack;
        return slack * slack;
    }
    *dz = 0.0;
    return 0.0;
}

/* Dispatch for the binary losses; `loss` is a compile-time constant wherever
 * the kernels call this, so the switch folds away. */
FO_INLINE double fo_binary_loss(int loss, double z, double y, double *dz)
{
    switch (loss) {
    case FO_LOSS_SQUARED: return fo_squared_loss(z, y, dz);
    case FO_LOSS_LOGISTIC: return fo_logistic_loss(z, y, dz);
    case FO_LOSS_HINGE: return fo_hinge_loss(z, y, dz);
    default: return fo_squared_hinge_loss(z, y, dz);
    }
}

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
