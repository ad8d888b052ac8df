/*
 * fo_svmlight.h -- the svmlight / LIBSVM text format, read and written in C.
 *
 * A file is a sequence of lines
 *
 *     <label> [qid:<int>] <index>:<value> <index>:<value> ... [# comment]
 *
 * with strictly increasing feature indices on each line.  Blank lines and
 * lines holding only a comment hold no sample.  The reader works on one
 * in-memory buffer (the decompressed file); the caller sizes the output
 * arrays with fo_svmlight_bounds() and owns every byte: the C code allocates
 * nothing that outlives a call.
 *
 * Numbers are read exactly (the nearest double, as Python's float() reads
 * them): the common case -- a decimal significand below 2^53 and a decimal
 * exponent within +-22 -- takes a fast path that is correctly rounded by
 * construction (Clinger 1990); anything else goes to strtod().  strtod
 * follows the C library's LC_NUMERIC locale, which Python leaves at "C"
 * unless a program changes it.  float32 values are the float64 values rounded
 * to float32 (as numpy's astype would round them).
 *
 * The writer prints each number in the fewest significant digits that read
 * back to the same float (%.15g..%.17g for float64, %.6g..%.9g for float32),
 * and integers as integers, so that a dump/load round trip is exact.
 */
#ifndef FASTOPTIM_FO_SVMLIGHT_H
#define FASTOPTIM_FO_SVMLIGHT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How feature indices are numbered in the file. */
typedef enum {
    FO_SVMLIGHT_INDEX_AUTO = -1,     /* either: the caller decides from the smallest index */
    FO_SVMLIGHT_INDEX_ONE_BASED = 1, /* an index 0 is an error */
    FO_SVMLIGHT_INDEX_ZERO_BASED = 0
} fo_svmlight_index_base;

/* Why a line was rejected (the detail behind a FO_ERR_BAD_ARGUMENT or
 * FO_ERR_NONFINITE status).  The glue turns each into a message. */
typedef enum {
    FO_SVMLIGHT_NO_ERROR = 0,
    FO_SVMLIGHT_MISSING_LABEL,       /* the line starts with an index:value pair */
    FO_SVMLIGHT_BAD_LABEL,           /* the label is not a number */
    FO_SVMLIGHT_MULTILABEL,          /* a comma-separated label list (not supported) */
    FO_SVMLIGHT_NONFINITE_LABEL,     /* nan or inf label */
    FO_SVMLIGHT_BAD_PAIR,            /* a token without ':' */
    FO_SVMLIGHT_BAD_INDEX,           /* the index is not a non-negative integer */
    FO_SVMLIGHT_INDEX_TOO_LARGE,     /* the index does not fit in int32 */
    FO_SVMLIGHT_ZERO_INDEX,          /* index 0 in a file read as one-based */
    FO_SVMLIGHT_INDEX_OUT_OF_RANGE,  /* index > max_index (n_features too small) */
    FO_SVMLIGHT_DECREASING_INDEX,    /* index smaller than the previous one on the line */
    FO_SVMLIGHT_DUPLICATE_INDEX,     /* index equal to the previous one on the line */
    FO_SVMLIGHT_BAD_VALUE,           /* the value is missing or not a number */
    FO_SVMLIGHT_NONFINITE_VALUE,     /* nan or inf value (or overflow of float32) */
    FO_SVMLIGHT_BAD_QID,             /* qid:<x> with x not an integer */
    FO_SVMLIGHT_MISPLACED_QID,       /* qid:<int> anywhere but right after the label */
    FO_SVMLIGHT_CAPACITY             /* the output arrays are smaller than the bounds */
} fo_svmlight_reason;

/* What fo_svmlight_parse_* found, and where the first error is. */
typedef struct {
    int64_t n_rows;          /* samples read (non-blank, non-comment lines) */
    int64_t nnz;             /* index:value pairs stored */
    int64_t min_index;       /* smallest index as written in the file, -1 if nnz == 0 */
    int64_t max_index;       /* largest index as written in the file, -1 if nnz == 0 */
    int64_t max_index_line;  /* 1-based line of the first occurrence of max_index */
    int has_qid;             /* 1 if any line has a qid */
    /* the first error (reason != FO_SVMLIGHT_NO_ERROR) */
    int reason;              /* a fo_svmlight_reason */
    int64_t line;            /* 1-based line number of the malformed line */
    int64_t token_start;     /* byte offset in the buffer of the offending token */
    int64_t token_len;       /* its length in bytes */
    int64_t prev_index;      /* for DECREASING/DUPLICATE: the index before it */
} fo_svmlight_info;

/* Upper bounds for the parse outputs: *max_rows = 1 + number of '\n' (one
 * sample per line at most), *max_nnz = number of ':' (one per pair at most). */
void fo_svmlight_bounds(const char *buf, int64_t len, int64_t *max_rows, int64_t *max_nnz);

/* Parse the buffer buf[0..len) (need not be NUL-terminated) into
 *   labels[n_rows], qid[n_rows] (0 where a line has none; may be NULL),
 *   indptr[n_rows + 1], indices[nnz] (as written: no base shift), values[nnz]
 * with capacities max_rows (labels, qid; indptr holds max_rows + 1) and
 * max_nnz (indices, values) from fo_svmlight_bounds().
 *
 * index_base is a fo_svmlight_index_base; max_index >= 0 rejects larger
 * indices (as written) with FO_SVMLIGHT_INDEX_OUT_OF_RANGE, -1 accepts any
 * index up to INT32_MAX.
 *
 * Returns FO_OK; FO_ERR_NONFINITE for a nan/inf label or value;
 * FO_ERR_BAD_ARGUMENT for any other malformed line or a NULL pointer.  On an
 * error, info->reason, line and token_* describe the first malformed line and
 * the outputs hold the lines before it. */
int fo_svmlight_parse_f64(const char *buf, int64_t len, int index_base, int64_t max_index,
                          double *labels, int64_t *qid, int64_t *indptr, int32_t *indices,
                          double *values, int64_t max_rows, int64_t max_nnz,
                          fo_svmlight_info *info);
int fo_svmlight_parse_f32(const char *buf, int64_t len, int index_base, int64_t max_index,
                          double *labels, int64_t *qid, int64_t *indptr, int32_t *indices,
                          float *values, int64_t max_rows, int64_t max_nnz,
                          fo_svmlight_info *info);

/* Bytes that one row with nnz pairs may take when written (a safe bound). */
int64_t fo_svmlight_row_bound(int64_t nnz);

/* Write rows [row_start, row_start + n_rows) of a CSR matrix (indptr absolute,
 * indices sorted within a row) with their labels (and qid, may be NULL) as
 * svmlight text into out[0..cap), whole rows only, index + index_offset
 * printed for each index.  *n_bytes receives the bytes written and *rows_done
 * the rows written; the caller writes the chunk out and calls again from
 * row_start + *rows_done.  Returns FO_OK; FO_ERR_NONFINITE on a nan/inf
 * label or value (*rows_done is then the row at fault); FO_ERR_BAD_ARGUMENT
 * when not even one row fits in cap (see fo_svmlight_row_bound) or a pointer
 * is NULL. */
int fo_svmlight_format_f64(const int64_t *indptr, const int32_t *indices, const double *values,
                           const double *labels, const int64_t *qid, int64_t row_start,
                           int64_t n_rows, int64_t index_offset, char *out, int64_t cap,
                           int64_t *n_bytes, int64_t *rows_done);
int fo_svmlight_format_f32(const int64_t *indptr, const int32_t *indices, const float *values,
                           const double *labels, const int64_t *qid, int64_t row_start,
                           int64_t n_rows, int64_t index_offset, char *out, int64_t cap,
                           int64_t *n_bytes, int64_t *rows_done);

#ifdef __cplusplus
}
#endif
#endif /* FASTOPTIM_FO_SVMLIGHT_H */
