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
