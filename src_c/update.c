/*
 * update.c -- optimizer update rules (see fo_update.h for the equations).
 * Reference: the update rules and defaults of torch.optim (SGD, Adagrad,
 * RMSprop, Adam, AdamW, Adadelta, Adamax, RAdam, NAdam, Rprop, ASGD); Zeiler 2012 (Adadelta);
 * Liu et al. 2020 (RAdam); Dozat 2016 (NAdam); Riedmiller & Braun 1993 (Rprop); Polyak &
 * Juditsky 1992 (ASGD); Kingma & Ba 2015 (Adam, Adamax), Reddi et al. 2018 (AMSGrad),
 * Loshchilov & Hutter 2019 (AdamW), Duchi et al. 2011 (AdaGrad), Tieleman &
 * Hinton 2012 (RMSProp), Sutskever et al. 2013 (momentum, Nesterov).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fastoptim/fo_config.h"
#include "fastoptim/fo_status.h"
#include "fastoptim/fo_update.h"
#include "update_shapes.h"

int fo_rule_check(const fo_rule *r, const void *s1, const void *s2, const void *s3)
{
    if (r->t < 1 || !(r->lr > 0.0) || !isfinite(r->lr) || !(r->weight_decay >= 0.0) ||
        !(r->decoupled_decay >= 0.0) || !isfinite(r->weight_decay) || !isfinite(r->decoupled_decay))
        return FO_ERR_BAD_ARGUMENT;
    if (r->momentum && (!(r->mu >= 0.0 && r->mu < 1.0 + 1e-12) || !(r->dampening >= 0.0 && r->dampening <= 1.0) || !s1))
        return FO_ERR_BAD_ARGUMENT;
    switch (r->precond) {
    case FO_PRECOND_NONE:
        return FO_OK;
    case FO_PRECOND_ADAGRAD:
        return (r->eps > 0.0 && r->lr_decay >= 0.0 && s2) ? FO_OK : FO_ERR_BAD_ARGUMENT;
    case FO_PRECOND_RMSPROP:
        return (r->eps > 0.0 && r->alpha >= 0.0 && r->alpha < 1.0 && s2 && (!r->centered || s3))
                   ? FO_OK : FO_ERR_BAD_ARGUMENT;
    case FO_PRECOND_ADAM:
        return (!r->momentum && r->eps > 0.0 && r->beta1 >= 0.0 && r->beta1 < 1.0 &&
                r->beta2 >= 0.0 && r->beta2 < 1.0 && s1 && s2 && (!r->amsgrad || s3))
                   ? FO_OK : FO_ERR_BAD_ARGUMENT;
    case FO_PRECOND_ADAMAX:
    case FO_PRECOND_RADAM:
        return (!r->momentum && !r->amsgrad && r->eps > 0.0 && r->beta1 >= 0.0 &&
                r->beta1 < 1.0 && r->beta2 >= 0.0 && r->beta2 < 1.0 && s1 && s2)
                   ? FO_OK : FO_ERR_BAD_ARGUMENT;
    case FO_PRECOND_ADADELTA:
        return (!r->momentum && r->eps > 0.0 && r->rho >= 0.0 && r->rho <= 1.0 && s2 && s3)
                   ? FO_OK : FO_ERR_BAD_ARGUMENT;
    case FO_PRECOND_NADAM:
        return (!r->momentum && !r->amsgrad && r->eps > 0.0 && r->beta1 >= 0.0 &&
                r->beta1 < 1.0 && r->beta2 >= 0.0 && r->beta2 < 1.0 &&
                r->momentum_decay >= 0.0 && isfinite(r->momentum_decay) &&
                r->mu_product >= 0.0 && r->mu_product <= 1.0 && s1 && s2)
                   ? FO_OK : FO_ERR_BAD_ARGUMENT;
    case FO_PRECOND_RPROP:
        return (!r->momentum && !r->amsgrad && r->eta_minus > 0.0 && r->eta_minus < 1.0 &&
                r->eta_plus > 1.0 && isfinite(r->eta_plus) && r->step_size_min > 0.0 &&
                r->step_size_min <= r->step_size_max && isfinite(r->step_size_max) && s1 && s2)
                   ? FO_OK : FO_ERR_BAD_ARGUMENT;
    case FO_PRECOND_ASGD:
        return (!r->momentum && !r->amsgrad && r->lambd >= 0.0 && isfinite(r->lambd) &&
                r->eta_power >= 0.0 && isfinite(r->eta_power) && r->t0 >= 0.0 &&
                isfinite(r->t0) && (r->t == 1 || (r->eta > 0.0 && isfinite(r->eta))) && s1)
                   ? FO_OK : FO_ERR_BAD_ARGUMENT;
    default:
        return FO_ERR_BAD_ARGUMENT;
    }
}

void fo_rule_advance(fo_rule *r)
{
    if (r->precond == FO_PRECOND_NADAM)  /* torch: mu_product *= mu, in its step */
        r->mu_product *= fo_nadam_mu(r->beta1, r->momentum_decay, r->t);
    else if (r->precond == FO_PRECOND_ASGD)  /* torch: eta, from the step just taken */
        r->eta = r->lr / pow(1.0 + r->lambd * r->lr * (double)r->t, r->eta_power);
    r->t++;
}

#define FO_T double
#define FO_SUF(name) name##_f64
#define FO_SQRT sqrt
#include "update_rules_impl.h"
#include "update_impl.h"

#define FO_T float
#define FO_SUF(name) name##_f32
#define FO_SQRT sqrtf
#include "update_rules_impl.h"
#include "update_impl.h"
