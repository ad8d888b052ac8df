/*
 * update_shapes.h -- the rule shapes the C core specializes its loops for: the
 * choices that decide which state streams a step touches.  One list, used to
 * instantiate the update workers (update_rules_impl.h) and the batch-1
 * training workers (epoch_impl.h), and one function that classifies a rule.
 */
#ifndef FASTOPTIM_UPDATE_SHAPES_H
#define FASTOPTIM_UPDATE_SHAPES_H

#include <math.h>

#include "fastoptim/fo_update.h"

/* X(name, preconditioner, momentum, extra state: centered RMSProp / AMSGrad) */
#define FO_RULE_SHAPES(X)                                   \
    X(sgd, FO_PRECOND_NONE, 0, 0)                           \
    X(momentum, FO_PRECOND_NONE, 1, 0)                      \
    X(adagrad, FO_PRECOND_ADAGRAD, 0, 0)                    \
    X(adagrad_momentum, FO_PRECOND_ADAGRAD, 1, 0)           \
    X(rmsprop, FO_PRECOND_RMSPROP, 0, 0)                    \
    X(rmsprop_momentum, FO_PRECOND_RMSPROP, 1, 0)           \
    X(rmsprop_centered, FO_PRECOND_RMSPROP, 0, 1)           \
    X(rmsprop_centered_momentum, FO_PRECOND_RMSPROP, 1, 1)  \
    X(adam, FO_PRECOND_ADAM, 0, 0)                          \
    X(amsgrad, FO_PRECOND_ADAM, 0, 1)                       \
    X(adadelta, FO_PRECOND_ADADELTA, 0, 0)                  \
    X(adamax, FO_PRECOND_ADAMAX, 0, 0)                      \
    X(radam, FO_PRECOND_RADAM, 0, 0)                        \
    X(nadam, FO_PRECOND_NADAM, 0, 0)                        \
    X(rprop, FO_PRECOND_RPROP, 0, 0)                        \
    X(asgd, FO_PRECOND_ASGD, 0, 0)

/* The index of a (checked) rule's shape in FO_RULE_SHAPES. */
static inline int fo_rule_shape(const fo_rule *r)
{
    switch (r->precond) {
    case FO_PRECOND_NONE: return r->momentum ? 1 : 0;
    case FO_PRECOND_ADAGRAD: return r->momentum ? 3 : 2;
    case FO_PRECOND_RMSPROP: return 4 + (r->momentum ? 1 : 0) + (r->centered ? 2 : 0);
    case FO_PRECOND_ADADELTA: return 10;
    case FO_PRECOND_ADAMAX: return 11;
    case FO_PRECOND_RADAM: return 12;
    case FO_PRECOND_NADAM: return 13;
    case FO_PRECOND_RPROP: return 14;
    case FO_PRECOND_ASGD: return 15;
    default: return r->amsgrad ? 9 : 8;
    }
}

/* NAdam's momentum factor of step t: mu_t = beta1 (1 - 0.96^(t psi) / 2) (torch's NAdam). */
static inline double fo_nadam_mu(double beta1, double psi, int64_t t)
{
    return beta1 * (1.0 - 0.5 * pow(0.96, (double)t * psi));
}

/* ASGD's averaging weight of step t: mu_t = 1 / max(1, t - 1 - t0) (torch computes it after
 * step t - 1 from that step's number); 1 means ax <- p. */
static inline double fo_asgd_mu(double t0, int64_t t)
{
    const double m = (double)(t - 1) - t0;
    return 1.0 / (m > 1.0 ? m : 1.0);
}

#endif /* FASTOPTIM_UPDATE_SHAPES_H */
