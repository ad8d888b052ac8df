/* status.c -- texts for the status codes of fo_status.h. */
#include "fastoptim/fo_status.h"

const char *fo_strerror(int status)
{
    switch (status) {
    case FO_OK: return "success";
    case FO_STOP_MAX_ITER: return "the iteration limit was reached before convergence";
    case FO_STOP_INTERRUPTED: return "interrupted (the caller asked the solver to stop)";
    case FO_ERR_NONFINITE: return "a NaN or infinite value appeared (in the input or by overflow)";
    case FO_ERR_NO_MEMORY: return "out of memory";
    case FO_ERR_BAD_ARGUMENT: return "an argument is out of its domain";
    case FO_ERR_UNSUPPORTED: return "the operation is not defined for this loss";
    default: return "unknown status code";
    }
}
