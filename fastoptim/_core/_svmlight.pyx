"""Glue for the svmlight/LIBSVM reader and writer of src_c/svmlight.c (see fo_svmlight.h).

fastoptim.datasets validates the arguments, reads and decompresses the file and
turns the status and the error details into messages; these functions only
size and allocate the arrays, release the GIL around the C calls and return
the C status code with what the C code reported."""
import numpy as np

from libc.stdint cimport int32_t, int64_t

cdef extern from "fastoptim/fo_svmlight.h":
    cdef enum:
        FO_SVMLIGHT_INDEX_AUTO
        FO_SVMLIGHT_INDEX_ONE_BASED
        FO_SVMLIGHT_INDEX_ZERO_BASED
    cdef enum:
        FO_SVMLIGHT_NO_ERROR
        FO_SVMLIGHT_MISSING_LABEL
        FO_SVMLIGHT_BAD_LABEL
        FO_SVMLIGHT_MULTILABEL
        FO_SVMLIGHT_NONFINITE_LABEL
        FO_SVMLIGHT_BAD_PAIR
        FO_SVMLIGHT_BAD_INDEX
        FO_SVMLIGHT_INDEX_TOO_LARGE
        FO_SVMLIGHT_ZERO_INDEX
        FO_SVMLIGHT_INDEX_OUT_OF_RANGE
        FO_SVMLIGHT_DECREASING_INDEX
        FO_SVMLIGHT_DUPLICATE_INDEX
        FO_SVMLIGHT_BAD_VALUE
        FO_SVMLIGHT_NONFINITE_VALUE
        FO_SVMLIGHT_BAD_QID
        FO_SVMLIGHT_MISPLACED_QID
        FO_SVMLIGHT_CAPACITY
    ctypedef struct fo_svmlight_info:
        int64_t n_rows
        int64_t nnz
        int64_t min_index
        int64_t max_index
        int64_t max_index_line
        int has_qid
        int reason
        int64_t line
        int64_t token_start
        int64_t token_len
        int64_t prev_index
    void fo_svmlight_bounds(const char *buf, int64_t len, int64_t *max_rows,
                            int64_t *max_nnz) nogil
    int fo_svmlight_parse_f64(const char *buf, int64_t len, int index_base, int64_t max_index,
                              double *labels, int64_t *qid, int64_t *indptr, int32_t *indices,
                              double *values, int64_t max_rows, int64_t max_nnz,
                              fo_svmlight_info *info) nogil
    int fo_svmlight_parse_f32(const char *buf, int64_t len, int index_base, int64_t max_index,
                              double *labels, int64_t *qid, int64_t *indptr, int32_t *indices,
                              float *values, int64_t max_rows, int64_t max_nnz,
                              fo_svmlight_info *info) nogil
    int64_t fo_svmlight_row_bound(int64_t nnz) nogil
    int fo_svmlight_format_f64(const int64_t *indptr, const int32_t *indices,
                               const double *values, const double *labels, const int64_t *qid,
                               int64_t row_start, int64_t n_rows, int64_t index_offset,
                               char *out, int64_t cap, int64_t *n_bytes,
                               int64_t *rows_done) nogil
    int fo_svmlight_format_f32(const int64_t *indptr, const int32_t *indices,
                               const float *values, const double *labels, const int64_t *qid,
                               int64_t row_start, int64_t n_rows, int64_t index_offset,
                               char *out, int64_t cap, int64_t *n_bytes,
                               int64_t *rows_done) nogil

# Index bases and error reasons, read from fo_svmlight.h.
INDEX_AUTO = FO_SVMLIGHT_INDEX_AUTO
INDEX_ONE_BASED = FO_SVMLIGHT_INDEX_ONE_BASED
INDEX_ZERO_BASED = FO_SVMLIGHT_INDEX_ZERO_BASED
REASONS = {
    "no_error": FO_SVMLIGHT_NO_ERROR,
    "missing_label": FO_SVMLIGHT_MISSING_LABEL,
    "bad_label": FO_SVMLIGHT_BAD_LABEL,
    "multilabel": FO_SVMLIGHT_MULTILABEL,
    "nonfinite_label": FO_SVMLIGHT_NONFINITE_LABEL,
    "bad_pair": FO_SVMLIGHT_BAD_PAIR,
    "bad_index": FO_SVMLIGHT_BAD_INDEX,
    "index_too_large": FO_SVMLIGHT_INDEX_TOO_LARGE,
    "zero_index": FO_SVMLIGHT_ZERO_INDEX,
    "index_out_of_range": FO_SVMLIGHT_INDEX_OUT_OF_RANGE,
    "decreasing_index": FO_SVMLIGHT_DECREASING_INDEX,
    "duplicate_index": FO_SVMLIGHT_DUPLICATE_INDEX,
    "bad_value": FO_SVMLIGHT_BAD_VALUE,
    "nonfinite_value": FO_SVMLIGHT_NONFINITE_VALUE,
    "bad_qid": FO_SVMLIGHT_BAD_QID,
    "misplaced_qid": FO_SVMLIGHT_MISPLACED_QID,
    "capacity": FO_SVMLIGHT_CAPACITY,
}


cdef _trim(arr, int64_t n):
    """arr[:n], copied when more than an eighth of arr would be wasted."""
    if n * 8 < arr.shape[0] * 7:
        return arr[:n].copy()
    return arr[:n]


def parse(const unsigned char[::1] buf, int index_base, int64_t max_index, bint float32):
    """Parse an svmlight buffer with the C reader.

    Parameters
    ----------
    buf : bytes-like
        The whole (decompressed) file.
    index_base : int
        ``INDEX_AUTO``, ``INDEX_ONE_BASED`` or ``INDEX_ZERO_BASED``.
    max_index : int
        Largest index accepted as written in the file, or -1 for no limit.
    float32 : bool
        Store the values as float32 (else float64).

    Returns
    -------
    status : int
        The C status code (0 on success).
    info : dict
        ``n_rows``, ``nnz``, ``min_index``, ``max_index``, ``max_index_line``,
        ``has_qid`` and, on an error, ``reason``, ``line``, ``token_start``,
        ``token_len``, ``prev_index``.
    labels, qid, indptr, indices, values : ndarray
        float64, int64, int64, int32 (indices as written, not shifted) and
        float32/float64 arrays trimmed to the rows and pairs read.
    """
    cdef int64_t n = buf.shape[0], max_rows = 1, max_nnz = 0
    cdef const char *p = <const char *> &buf[0] if n > 0 else NULL
    cdef fo_svmlight_info info
    cdef int status
    with nogil:
        fo_svmlight_bounds(p, n, &max_rows, &max_nnz)
    labels = np.empty(max_rows, dtype=np.float64)
    qid = np.empty(max_rows, dtype=np.int64)
    indptr = np.empty(max_rows + 1, dtype=np.int64)
    indices = np.empty(max(max_nnz, 1), dtype=np.int32)
    values = np.empty(max(max_nnz, 1), dtype=np.float32 if float32 else np.float64)
    cdef double[::1] lab = labels
    cdef int64_t[::1] q = qid
    cdef int64_t[::1] ptr = indptr
    cdef int32_t[::1] ind = indices
    cdef double[::1] v64
    cdef float[::1] v32
    if float32:
        v32 = values
        with nogil:
            status = fo_svmlight_parse_f32(p, n, index_base, max_index, &lab[0], &q[0], &ptr[0],
                                           &ind[0], &v32[0], max_rows, max_nnz, &info)
    else:
        v64 = values
        with nogil:
            status = fo_svmlight_parse_f64(p, n, index_base, max_index, &lab[0], &q[0], &ptr[0],
                                           &ind[0], &v64[0], max_rows, max_nnz, &info)
    out = dict(n_rows=info.n_rows, nnz=info.nnz, min_index=info.min_index,
               max_index=info.max_index, max_index_line=info.max_index_line,
               has_qid=bool(info.has_qid), reason=info.reason, line=info.line,
               token_start=info.token_start, token_len=info.token_len,
               prev_index=info.prev_index)
    return (status, out, _trim(labels, info.n_rows), _trim(qid, info.n_rows),
            _trim(indptr, info.n_rows + 1), _trim(indices, info.nnz), _trim(values, info.nnz))


def row_bound(int64_t nnz):
    """Bytes that one written row with nnz pairs may take (fo_svmlight_row_bound)."""
    return fo_svmlight_row_bound(nnz)


def format_rows(const int64_t[::1] indptr, const int32_t[::1] indices, values,
                const double[::1] labels, qid, int64_t row_start, int64_t index_offset,
                unsigned char[::1] out):
    """Write whole rows from row_start on into out with the C writer.

    Parameters
    ----------
    indptr, indices : ndarray of int64, int32
        CSR structure (sorted indices within each row).
    values : ndarray of float32 or float64
        CSR values; the dtype picks the writer.
    labels : ndarray of float64
    qid : ndarray of int64 or None
    row_start : int
        First row to write.
    index_offset : int
        Added to every index written (1 for one-based files).
    out : ndarray of uint8
        The output buffer (at least ``row_bound`` of the longest row).

    Returns
    -------
    status, n_bytes, rows_done : int
        The C status code, the bytes written to out and the rows written (on
        FO_ERR_NONFINITE, rows_done is the row at fault).
    """
    cdef int64_t n_rows = labels.shape[0] - row_start, n_bytes = 0, rows_done = 0
    cdef int64_t nnz = indices.shape[0]
    cdef const int32_t *ip = &indices[0] if nnz > 0 else NULL
    cdef const int64_t *qp = NULL
    cdef const int64_t[::1] qv
    cdef const double[::1] v64
    cdef const float[::1] v32
    cdef int status
    if labels.shape[0] == 0 or n_rows <= 0:
        return 0, 0, 0
    if indptr.shape[0] != labels.shape[0] + 1 or out.shape[0] == 0:
        raise ValueError("format_rows: inconsistent CSR arrays or empty buffer")
    if qid is not None:
        qv = qid
        if qv.shape[0] != labels.shape[0]:
            raise ValueError("format_rows: qid and labels differ in length")
        qp = &qv[0]
    if values.dtype == np.float32:
        v32 = values
        with nogil:
            status = fo_svmlight_format_f32(&indptr[0], ip, &v32[0] if nnz > 0 else NULL,
                                            &labels[0], qp, row_start, n_rows, index_offset,
                                            <char *> &out[0], out.shape[0], &n_bytes, &rows_done)
    else:
        v64 = values
        with nogil:
            status = fo_svmlight_format_f64(&indptr[0], ip, &v64[0] if nnz > 0 else NULL,
                                            &labels[0], qp, row_start, n_rows, index_offset,
                                            <char *> &out[0], out.shape[0], &n_bytes, &rows_done)
    return status, n_bytes, rows_done
