/*
 * loss.c -- fused loss + gradient kernels, Hessian-vector products and
 * per-sample losses (see fo_loss.h for the objective).  The kernels for
 * float64 and float32 come from one template, loss_impl.h.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "fastoptim/fo_config.h"
#include "fastoptim/fo_loss.h"
#include "fastoptim/fo_loss_inline.h"
#include "fastoptim/fo_status.h"
#include "fastoptim/fo_vec.h"

/* What a block computes: value + gradient, or a Hessian-vector product. */
enum { FO_KERNEL_GRAD, FO_KERNEL_HESSP };
/* What loss_impl.h's curv_sums adds up over the rows. */
enum { FO_SUMS_HESSP, FO_SUMS_DIAG, FO_SUMS_SOFTMAX_DIAG };

/*
 * The full-Hessian kernels' reduction (both dtypes): the first failing thread's status,
 * the loss and weight sums of every thread (part_loss: 2 per thread), then the threads'
 * accumulators (n_sums values, stride apart in sums) added into the first in thread
 * order.  FO_ERR_BAD_ARGUMENT when the weights sum to zero.
 */
static int fo_combine_threads(int n_threads, const int *part_status, const double *part_loss,
                              double *sums, int64_t stride, int64_t n_sums, double *loss_total,
                              double *weight_total)
{
    int status = FO_OK;
    double ls = 0.0, ws = 0.0;
    for (int t = 0; t < n_threads; t++) {
        if (part_status[t] != FO_OK && status == FO_OK) status = part_status[t];
        ls += part_loss[2 * t];
        ws += part_loss[2 * t + 1];
    }
    *loss_total = ls;
    *weight_total = ws;
    if (status != FO_OK) return status;
    if (!(ws > 0.0)) return FO_ERR_BAD_ARGUMENT;
    for (int t = 1; t < n_threads; t++) {
        const double *part = sums + (size_t)t * (size_t)stride;
        for (int64_t j = 0; j < n_sums; j++) sums[j] += part[j];
    }
    return FO_OK;
}

#define FO_T double
#define FO_SUF(name) name##_f64
#define FO_BINARY_LOSS fo_binary_loss
#if FO_HAVE_VECTOR_EXT
#define FO_V fo_v4d
#define FO_LANES 4
#define FO_VLOAD fo_load_v4d
#define FO_VSTORE fo_store_v4d
#define FO_VHSUM fo_hsum_v4d
#endif
#define FO_DATA fo_data_f64
#include "loss_impl.h"

#define FO_T float
#define FO_SUF(name) name##_f32
#define FO_BINARY_LOSS fo_binary_loss_f32
#if FO_HAVE_VECTOR_EXT
#define FO_V fo_v8f
#define FO_LANES 8
#define FO_VLOAD fo_load_v8f
#define FO_VSTORE fo_store_v8f
#define FO_VHSUM fo_hsum_v8f
#endif
#define FO_DATA fo_data_f32
#include "loss_impl.h"
