"""Status codes of the C core (read from fo_status.h, the only place they are
defined) and the one function that turns them into Python exceptions."""

cdef extern from "fastoptim/fo_status.h":
    cdef enum:
        FO_OK
        FO_STOP_MAX_ITER
        FO_STOP_INTERRUPTED
        FO_ERR_NONFINITE
        FO_ERR_NO_MEMORY
        FO_ERR_BAD_ARGUMENT
        FO_ERR_UNSUPPORTED
    const char *fo_strerror(int status)

OK = FO_OK
STOP_MAX_ITER = FO_STOP_MAX_ITER
STOP_INTERRUPTED = FO_STOP_INTERRUPTED
ERR_NONFINITE = FO_ERR_NONFINITE
ERR_NO_MEMORY = FO_ERR_NO_MEMORY
ERR_BAD_ARGUMENT = FO_ERR_BAD_ARGUMENT
ERR_UNSUPPORTED = FO_ERR_UNSUPPORTED

_EXCEPTIONS = {
    FO_ERR_NONFINITE: FloatingPointError,
    FO_ERR_NO_MEMORY: MemoryError,
    FO_ERR_BAD_ARGUMENT: ValueError,
    FO_ERR_UNSUPPORTED: ValueError,
}


def strerror(int status):
    """The C core's text for a status code."""
    return fo_strerror(status).decode("ascii")


def check_status(int status, messages=None):
    """Raise the exception for an error status; return a non-negative status.

    Parameters
    ----------
    status : int
        A code returned by a C kernel.
    messages : dict, optional
        Maps a status code to the message to raise with, so that the caller can
        name the argument at fault; the C core's generic text is used otherwise.
    """
    if status >= 0:
        return status
    text = (messages or {}).get(status) or strerror(status)
    raise _EXCEPTIONS.get(status, RuntimeError)(text)
