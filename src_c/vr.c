/*
 * vr.c -- SAG, SAGA and SVRG epochs for the linear models (see fo_vr.h).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fastoptim/fo_config.h"
#include "fastoptim/fo_epoch.h"
#include "fastoptim/fo_loss.h"
#include "fastoptim/fo_loss_inline.h"
#include "fastoptim/fo_status.h"
#include "fastoptim/fo_vr.h"

/* Rows are prefetched this many steps ahead (as the epoch engine does). */
#define FO_VR_AHEAD 16

/*
 * A coefficient v (in the units of v = w / wscale) through the steps t0 .. t-1 its column
 * missed, each  v <- S_{A lam}(v - A S)  with A = cum[tau + 1] - cum[tau] > 0 and S fixed
 * (fo_vr.h), in closed form.  While v keeps its sign s, each step moves it by -A r,
 * r = S + lam s: away from zero (s r <= 0) for good, or towards it until the first step
 * tau with cum[tau + 1] >= cum[t0] + v / r (bisection), which is taken exactly; from zero v
 * stays (|S| <= lam) or moves away by -A (S - lam sign S) per step.  At most three phases.
 */
static double vr_lazy_prox(double v, double S, double lam, const double *cum, int64_t t0,
                           int64_t t)
{
    while (t0 < t) {
        if (v == 0.0) {
            if (fabs(S) <= lam) return 0.0;
            return -(cum[t] - cum[t0]) * (S - copysign(lam, S));
        }
        const double r = S + copysign(lam, v);
        if (copysign(1.0, v) * r <= 0.0) return v - (cum[t] - cum[t0]) * r;
        const double target = cum[t0] + v / r; /* v / r > 0 */
        if (cum[t] < target) return v - (cum[t] - cum[t0]) * r;
        int64_t lo = t0 + 1, hi = t; /* the first index in (t0, t] with cum >= target */
        while (lo < hi) {
            const int64_t mid = lo + (hi - lo) / 2;
            if (cum[mid] >= target)
                hi = mid;
            else
                lo = mid + 1;
        }
        const int64_t tau = lo - 1;
        const double A = cum[tau + 1] - cum[tau];
        const double x = v - (cum[tau] - cum[t0]) * r - A * S;
        v = fabs(x) <= A * lam ? 0.0 : x - copysign(A * lam, x);
        t0 = tau + 1;
    }
    return v;
}

#define FO_T double
#define FO_SUF(name) name##_f64
#define FO_DATA fo_data_f64
#include "vr_impl.h"
#undef FO_T
#undef FO_SUF
#undef FO_DATA

#define FO_T float
#define FO_SUF(name) name##_f32
#define FO_DATA fo_data_f32
#include "vr_impl.h"
#undef FO_T
#undef FO_SUF
#undef FO_DATA
