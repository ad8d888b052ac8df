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
