/*
 * fo_status.h -- the one source of fastoptim's status codes.
 *
 * Every C entry point returns an int: 0 = success, > 0 = an informative stop
 * (the caller may warn), < 0 = an error (the caller raises).  The Python side
 * reads these names from this header through Cython (fastoptim/_core/_status.pyx);
 * no number is repeated anywhere else.
 */
#ifndef FASTOPTIM_FO_STATUS_H
#define FASTOPTIM_FO_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    FO_OK = 0,
    /* informative stops (> 0) */
    FO_STOP_MAX_ITER = 1,        /* the iteration budget ran out before convergence */
    FO_STOP_INTERRUPTED = 2,     /* the caller's should_stop callback asked to stop (fo_stop.h) */
    /* errors (< 0) */
    FO_ERR_NONFINITE = -1,       /* a NaN or infinity appeared in an input or a result */
    FO_ERR_NO_MEMORY = -2,       /* an allocation failed */
    FO_ERR_BAD_ARGUMENT = -3,    /* an argument is out of its domain (shape, id, count) */
    FO_ERR_UNSUPPORTED = -4      /* the operation is not defined for this loss */
} fo_status;

/* A static, human-readable description of a status code. */
const char *fo_strerror(int status);

#ifdef __cplusplus
}
#endif
#endif /* FASTOPTIM_FO_STATUS_H */
