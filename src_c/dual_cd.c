/*
 * dual_cd.c -- linear SVM in the dual by coordinate descent (see fo_dual_cd.h).
 *
 * Math.  With x~_i = [x_i, s] (s = intercept_scaling, when an intercept is
 * fitted), per-sample costs C_i and
 *
 *     hinge:          U_i = C_i,   D_ii = 0
 *     squared hinge:  U_i = inf,   D_ii = 1 / (2 C_i)
 *
 * the dual problem is
 *
 *     min_a  f(a) = 1/2 a^T Qbar a - e^T a   s.t.  0 <= a_i <= U_i,
 *     Qbar = Q + D,  Q_ij = y_i y_j x~_i.x~_j,
 *
 * whose primal is min_w 1/2 |w|^2 + sum_i C_i xi_i(w) with xi_i the hinge
 * (or its square) of y_i w.x~_i, and w = sum_i a_i y_i x~_i.  Keeping w up to
 * date makes one coordinate step O(nnz(x_i)):
 *
 *     G    = y_i w.x~_i - 1 + D_ii a_i                    (d f / d a_i)
 *     PG   = G projected on the box (0 when the bound blocks the move)
 *     a_i <- min(max(a_i - G / Qbar_ii, 0), U_i)          (exact 1-D minimizer)
 *     w   <- w + (a_i_new - a_i_old) y_i x~_i
 *
 * Each outer iteration visits the active coordinates in a fresh random order
 * (Fisher-Yates with a xorshift generator seeded by the caller), and stops
 * when max PG - min PG <= tol over a pass (liblinear's criterion).  Shrinking
 * (optional): a variable at a bound whose gradient points out of the box
 * beyond last pass's extreme projected gradients is removed from the active
 * set; when the remaining set converges, every variable is reactivated and
 * the test is repeated over all of them, so the stopping rule always holds
 * for the whole problem.
 *
 * Reference: C.-J. Hsieh, K.-W. Chang, C.-J. Lin, S. S. Keerthi and
 * S. Sundararajan, "A dual coordinate descent method for large-scale linear
 * SVM", ICML 2008, Algorithm 1 (random permutation, Section 3.1) and
 * Algorithm 2 (shrinking, Section 3.2); the same solver as liblinear's
 * solve_l2r_l1l2_svc (R.-E. Fan et al., JMLR 9, 2008).
 *
 * Sequential by nature: one thread.  Sums and w are double for both dtypes.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "fastoptim/fo_config.h"
#include "fastoptim/fo_dual_cd.h"
#include "fastoptim/fo_loss.h"
#include "fastoptim/fo_rng.h"
#include "fastoptim/fo_status.h"

void fo_dual_cd_params_init(fo_dual_cd_params *params)
{
    params->loss = FO_LOSS_SQUARED_HINGE;
    params->fit_intercept = 1;
    params->intercept_scaling = 1.0;
    params->tol = 0.1;
    params->max_iter = 1000;
    params->seed = 0;
    params->shrinking = 1;
    params->should_stop = NULL;
    params->stop_ctx = NULL;
}

#define FO_T double
#define FO_SUF(name) name##_f64
#define FO_DATA fo_data_f64
#include "dual_cd_impl.h"
#undef FO_T
#undef FO_SUF
#undef FO_DATA

#define FO_T float
#define FO_SUF(name) name##_f32
#define FO_DATA fo_data_f32
#include "dual_cd_impl.h"
#undef FO_T
#undef FO_SUF
#undef FO_DATA
