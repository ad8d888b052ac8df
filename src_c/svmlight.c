/* svmlight.c -- read and write the svmlight / LIBSVM text format (see fo_svmlight.h).
 *
 * Reading is one pass over the buffer, line by line: memchr finds the end of
 * the line and a '#' comment, then the tokens are cut at blanks.  The caller
 * sized every output from fo_svmlight_bounds(), so nothing grows or is
 * allocated here (except a scratch copy for strtod of a token over 63 bytes).
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fastoptim/fo_status.h"
#include "fastoptim/fo_svmlight.h"

/* The fast decimal path needs double arithmetic in double precision (no x87
 * extended intermediates); elsewhere every number goes through strtod. */
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
#define FO_FAST_DECIMAL 1
#else
#define FO_FAST_DECIMAL 0
#endif

#define NUM_OK 0
#define NUM_BAD -1
#define NUM_NO_MEMORY -2

static inline int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static inline int is_digit(char c) { return (unsigned char)(c - '0') < 10u; }

/* strtod on a NUL-terminated copy of [s, e); the whole token must be consumed.
 * Hexadecimal floats, which Python's float() rejects, are rejected too. */
static int parse_double_slow(const char *s, const char *e, double *out)
{
    char small[64];
    char *copy = small;
    const size_t n = (size_t)(e - s);
    int status = NUM_BAD;
    if (n == 0) return NUM_BAD;
    for (const char *p = s; p < e; p++)
        if (*p == 'x' || *p == 'X') return NUM_BAD;
    if (n >= sizeof small) {
        copy = (char *)malloc(n + 1);
        if (!copy) return NUM_NO_MEMORY;
    }
    memcpy(copy, s, n);
    copy[n] = '\0';
    char *end = NULL;
    const double v = strtod(copy, &end);
    if (end == copy + n) {
        *out = v;
        status = NUM_OK;
    }
    if (copy != small) free(copy);
    return status;
}

#if FO_FAST_DECIMAL
static const double POW10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
#endif

/* The double nearest to the decimal number [s, e).
 *
 * Fast path (Clinger, "How to read floating point numbers accurately", PLDI
 * 1990): when the decimal is m * 10^k with m <= 2^53 and |k| <= 22, both m
 * and 10^|k| are exact doubles, so one IEEE multiplication or division gives
 * the correctly rounded result.  Everything else (more digits, larger
 * exponents, nan/inf, malformed text) goes to strtod, which is also
 * correctly rounded in glibc, musl and the macOS/Windows C libraries. */
static int parse_double(const char *s, const char *e, double *out)
{
#if FO_FAST_DECIMAL
    const char *p = s;
    int neg = 0, any = 0, exact = 1, nd = 0;
    uint64_t m = 0;
    int64_t e10 = 0;
    if (p < e && (*p == '+' || *p == '-')) {
        neg = *p == '-';
        p++;
    }
    for (; p < e && is_digit(*p); p++) {
        any = 1;
        if (nd < 19) {
            if (m || *p != '0') {
                m = m * 10 + (uint64_t)(*p - '0');
                nd++;
            }
        } else {
            e10++;
            if (*p != '0') exact = 0;
        }
    }
    if (p < e && *p == '.') {
        for (p++; p < e && is_digit(*p); p++) {
            any = 1;
            if (nd < 19) {
                if (m || *p != '0') {
                    m = m * 10 + (uint64_t)(*p - '0');
                    nd++;
                }
                e10--;
            } else if (*p != '0') {
                exact = 0;
            }
        }
    }
    if (!any) goto slow; /* "nan", "inf", ".", "" ... */
    if (p < e && (*p == 'e' || *p == 'E')) {
        int eneg = 0;
        int64_t x = 0;
        p++;
        if (p < e && (*p == '+' || *p == '-')) {
            eneg = *p == '-';
            p++;
        }
        if (p == e || !is_digit(*p)) goto slow;
        for (; p < e && is_digit(*p); p++)
            if (x < 100000000) x = x * 10 + (*p - '0');
        e10 += eneg ? -x : x;
    }
    if (p != e) goto slow;
    if (m == 0) {
        *out = neg ? -0.0 : 0.0;
        return NUM_OK;
    }
    if (exact && m <= (UINT64_C(1) << 53) && e10 >= -22 && e10 <= 22) {
        double v = (double)m;
        v = e10 < 0 ? v / POW10[-e10] : v * POW10[e10];
        *out = neg ? -v : v;
        return NUM_OK;
    }
slow:
#endif
    return parse_double_slow(s, e, out);
}

/* A feature index: decimal digits only, at most INT32_MAX. */
static int parse_index(const char *s, const char *e, int64_t *out, int *too_large)
{
    int64_t v = 0;
    *too_large = 0;
    if (s == e) return NUM_BAD;
    for (const char *p = s; p < e; p++) {
        if (!is_digit(*p)) return NUM_BAD;
        if (v <= INT32_MAX) v = v * 10 + (*p - '0');
    }
    if (v > INT32_MAX) {
        *too_large = 1;
        return NUM_BAD;
    }
    *out = v;
    return NUM_OK;
}

/* A query id: an optional sign and decimal digits, within int64. */
static int parse_qid(const char *s, const char *e, int64_t *out)
{
    int neg = 0;
    uint64_t v = 0;
    if (s < e && (*s == '+' || *s == '-')) {
        neg = *s == '-';
        s++;
    }
    if (s == e) return NUM_BAD;
    for (const char *p = s; p < e; p++) {
        if (!is_digit(*p)) return NUM_BAD;
        v = v * 10 + (uint64_t)(*p - '0');
        if (v > (uint64_t)INT64_MAX) return NUM_BAD;
    }
    *out = neg ? -(int64_t)v : (int64_t)v;
    return NUM_OK;
}

void fo_svmlight_bounds(const char *buf, int64_t len, int64_t *max_rows, int64_t *max_nnz)
{
    int64_t lines = 0, colons = 0;
    if (buf) {
        for (int64_t i = 0; i < len; i++) {
            lines += buf[i] == '\n';
            colons += buf[i] == ':';
        }
    }
    if (max_rows) *max_rows = lines + 1;
    if (max_nnz) *max_nnz = colons;
}

/* Record the first error and leave through the single exit. */
#define FAIL(code, why, tok_start, tok_end)                                 \
    do {                                                                    \
        status = (code);                                                    \
        info->reason = (why);                                               \
        info->line = line;                                                  \
        info->token_start = (int64_t)((tok_start) - buf);                   \
        info->token_len = (int64_t)((tok_end) - (tok_start));               \
        goto done;                                                          \
    } while (0)

/* The parser, for float64 (v64) or float32 (v32) values: exactly one is non-NULL. */
static int parse_impl(const char *buf, int64_t len, int index_base, int64_t max_index,
                      double *labels, int64_t *qid, int64_t *indptr, int32_t *indices,
                      double *v64, float *v32, int64_t max_rows, int64_t max_nnz,
                      fo_svmlight_info *info)
{
    int status = FO_OK;
    int64_t row = 0, nnz = 0, line = 0;
    int64_t min_idx = INT64_MAX, max_idx = -1, max_line = 0;
    const char *end_buf = buf + len;
    const char *ls = buf;

    indptr[0] = 0;
    while (ls < end_buf) {
        const char *le = (const char *)memchr(ls, '\n', (size_t)(end_buf - ls));
        const char *next = le ? le + 1 : end_buf;
        const char *hash, *p, *t;
        int64_t prev = -1;
        int first = 1, r;
        double label;

        line++;
        if (!le) le = end_buf;
        hash = (const char *)memchr(ls, '#', (size_t)(le - ls));
        if (hash) le = hash;
        p = ls;
        while (p < le && is_blank(*p)) p++;
        if (p == le) { /* blank or comment-only line: no sample */
            ls = next;
            continue;
        }
        if (row >= max_rows) FAIL(FO_ERR_BAD_ARGUMENT, FO_SVMLIGHT_CAPACITY, p, p);

        /* the label */
        t = p;
        while (p < le && !is_blank(*p)) p++;
        if (memchr(t, ':', (size_t)(p - t))) FAIL(FO_ERR_BAD_ARGUMENT, FO_SVMLIGHT_MISSING_LABEL, t, p);
        if (memchr(t, ',', (size_t)(p - t))) FAIL(FO_ERR_BAD_ARGUMENT, FO_SVMLIGHT_MULTILABEL, t, p);
        r = parse_double(t, p, &label);
        if (r == NUM_NO_MEMORY) FAIL(FO_ERR_NO_MEMORY, FO_SVMLIGHT_NO_ERROR, t, p);
        if (r != NUM_OK) FAIL(FO_ERR_BAD_ARGUMENT, FO_SVMLIGHT_BAD_LABEL, t, p);
        if (!isfinite(label)) FAIL(FO_ERR_NONFINITE, FO_SVMLIGHT_NONFINITE_LABEL, t, p);
        labels[row] = label;
        if (qid) qid[row] = 0;

        /* qid:<int> and index:value pairs */
        for (;;) {
            const char *colon;
            int64_t idx;
            double v;
            int too_large;

            while (p < le && is_blank(*p)) p++;
            if (p == le) break;
            t = p;
            while (p < le && !is_blank(*p)) p++;
            colon = (const char *)memchr(t, ':', (size_t)(p - t));
            if (!colon) FAIL(FO_ERR_BAD_ARGUMENT, FO_SVMLIGHT_BAD_PAIR, t, p);
            if (colon - t == 3 && memcmp(t, "qid", 3) == 0) {
                int64_t q;
                if (!first) FAIL(FO_ERR_BAD_ARGUMENT, FO_SVMLIGHT_MISPLACED_QID, t, p);
                if (parse_qid(colon + 1, p, &q) != NUM_OK)
                    FAIL(FO_ERR_BAD_ARGUMENT, FO_SVMLIGHT_BAD_QID, colon + 1, p);
                if (qid) qid[row] = q;
                info->has_qid = 1;
                first = 0;
                continue;
            }
            first = 0;
            if (parse_index(t, colon, &idx, &too_large) != NUM_OK)
                FAIL(FO_ERR_BAD_ARGUMENT,
                     too_large ? FO_SVMLIGHT_INDEX_TOO_LARGE : FO_SVMLIGHT_BAD_INDEX, t, colon);
            if (idx == 0 && index_base == FO_SVMLIGHT_INDEX_ONE_BASED)
                FAIL(FO_ERR_BAD_ARGUMENT, FO_SVMLIGHT_ZERO_INDEX, t, colon);
            if (max_index >= 0 && idx > max_index)
                FAIL(FO_ERR_BAD_ARGUMENT, FO_SVMLIGHT_INDEX_OUT_OF_RANGE, t, colon);
            if (idx <= prev) {
                info->prev_index = prev;
                FAIL(FO_ERR_BAD_ARGUMENT,
                     idx == prev ? FO_SVMLIGHT_DUPLICATE_INDEX : FO_SVMLIGHT_DECREASING_INDEX,
                     t, colon);
            }
            r = parse_double(colon + 1, p, &v);
            if (r == NUM_NO_MEMORY) FAIL(FO_ERR_NO_MEMORY, FO_SVMLIGHT_NO_ERROR, t, p);
            if (r != NUM_OK) FAIL(FO_ERR_BAD_ARGUMENT, FO_SVMLIGHT_BAD_VALUE, t, p);
            if (nnz >= max_nnz) FAIL(FO_ERR_BAD_ARGUMENT, FO_SVMLIGHT_CAPACITY, t, p);
            if (v32) {
                const float f = (float)v;
                if (!isfinite(f)) FAIL(FO_ERR_NONFINITE, FO_SVMLIGHT_NONFINITE_VALUE, t, p);
                v32[nnz] = f;
            } else {
                if (!isfinite(v)) FAIL(FO_ERR_NONFINITE, FO_SVMLIGHT_NONFINITE_VALUE, t, p);
                v64[nnz] = v;
            }
            indices[nnz] = (int32_t)idx;
            nnz++;
            if (idx < min_idx) min_idx = idx;
            if (idx > max_idx) {
                max_idx = idx;
                max_line = line;
            }
            prev = idx;
        }
        row++;
        indptr[row] = nnz;
        ls = next;
    }

done:
    info->n_rows = row;
    info->nnz = nnz;
    info->min_index = nnz ? min_idx : -1;
    info->max_index = nnz ? max_idx : -1;
    info->max_index_line = max_line;
    return status;
}
#undef FAIL

static int parse_entry(const char *buf, int64_t len, int index_base, int64_t max_index,
                       double *labels, int64_t *qid, int64_t *indptr, int32_t *indices,
                       double *v64, float *v32, int64_t max_rows, int64_t max_nnz,
                       fo_svmlight_info *info)
{
    if (!info) return FO_ERR_BAD_ARGUMENT;
    memset(info, 0, sizeof *info);
    info->min_index = -1;
    info->max_index = -1;
    if ((!buf && len > 0) || len < 0 || !labels || !indptr || max_rows < 1 || max_nnz < 0
        || (max_nnz > 0 && (!indices || (!v64 && !v32)))
        || (index_base != FO_SVMLIGHT_INDEX_AUTO && index_base != FO_SVMLIGHT_INDEX_ONE_BASED
            && index_base != FO_SVMLIGHT_INDEX_ZERO_BASED))
        return FO_ERR_BAD_ARGUMENT;
    if (len == 0) {
        indptr[0] = 0;
        return FO_OK;
    }
    return parse_impl(buf, len, index_base, max_index, labels, qid, indptr, indices, v64, v32,
                      max_rows, max_nnz, info);
}

int fo_svmlight_parse_f64(const char *buf, int64_t len, int index_base, int64_t max_index,
                          double *labels, int64_t *qid, int64_t *indptr, int32_t *indices,
                          double *values, int64_t max_rows, int64_t max_nnz,
                          fo_svmlight_info *info)
{
    if (max_nnz > 0 && !values) return FO_ERR_BAD_ARGUMENT;
    return parse_entry(buf, len, index_base, max_index, labels, qid, indptr, indices, values,
                       NULL, max_rows, max_nnz, info);
}

int fo_svmlight_parse_f32(const char *buf, int64_t len, int index_base, int64_t max_index,
                          double *labels, int64_t *qid, int64_t *indptr, int32_t *indices,
                          float *values, int64_t max_rows, int64_t max_nnz,
                          fo_svmlight_info *info)
{
    if (max_nnz > 0 && !values) return FO_ERR_BAD_ARGUMENT;
    return parse_entry(buf, len, index_base, max_index, labels, qid, indptr, indices, NULL,
                       values, max_rows, max_nnz, info);
}

/* ------------------------------------------------------------------ writer */

/* Longest outputs: a %.17g double is at most 24 characters ("-1.2345678901234567e-308"),
 * an int64 at most 20; a pair is " " index ":" value, a row adds label, " qid:" q, "\n". */
#define FO_SVMLIGHT_NUMBER_MAX 32

int64_t fo_svmlight_row_bound(int64_t nnz)
{
    return 96 + nnz * (2 + 2 * FO_SVMLIGHT_NUMBER_MAX);
}

/* Decimal digits of v into out; returns their count. */
static int format_int(char *out, int64_t v)
{
    char tmp[24];
    int n = 0, k = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    if (v < 0) out[k++] = '-';
    while (n) out[k++] = tmp[--n];
    return k;
}

/* The shortest %.{p}g text of v that reads back (as the reader reads it) to
 * the same float32 or float64; integers up to 2^53 as integers, -0 as "-0". */
static int format_number(char *out, double v, int is_f32)
{
    if (v == 0.0) {
        if (signbit(v)) {
            out[0] = '-';
            out[1] = '0';
            return 2;
        }
        out[0] = '0';
        return 1;
    }
    if (fabs(v) < 9007199254740992.0 && v == (double)(int64_t)v) return format_int(out, (int64_t)v);
    const int lo = is_f32 ? 6 : 15, hi = is_f32 ? 9 : 17;
    for (int prec = lo; prec <= hi; prec++) {
        const int n = snprintf(out, FO_SVMLIGHT_NUMBER_MAX, "%.*g", prec, v);
        const double back = strtod(out, NULL);
        if (is_f32 ? (float)back == (float)v : back == v) return n;
    }
    /* %.17g reads back to the same double (hence the same float32) */
    return snprintf(out, FO_SVMLIGHT_NUMBER_MAX, "%.17g", v);
}

static int format_impl(const int64_t *indptr, const int32_t *indices, const double *v64,
                       const float *v32, const double *labels, const int64_t *qid,
                       int64_t row_start, int64_t n_rows, int64_t index_offset, char *out,
                       int64_t cap, int64_t *n_bytes, int64_t *rows_done)
{
    int status = FO_OK;
    int64_t pos = 0, i = 0;

    if (!n_bytes || !rows_done) return FO_ERR_BAD_ARGUMENT;
    *n_bytes = 0;
    *rows_done = 0;
    if (n_rows <= 0) return FO_OK;
    if (!indptr || !labels || !out || cap <= 0 || row_start < 0) return FO_ERR_BAD_ARGUMENT;

    for (i = 0; i < n_rows; i++) {
        const int64_t r = row_start + i, a = indptr[r], b = indptr[r + 1];
        const int64_t row_pos = pos;
        if (b > a && (!indices || (!v64 && !v32))) {
            status = FO_ERR_BAD_ARGUMENT;
            goto done;
        }
        if (b < a || pos + fo_svmlight_row_bound(b - a) > cap) {
            if (i == 0 || b < a) status = FO_ERR_BAD_ARGUMENT;
            goto done;
        }
        if (!isfinite(labels[r])) {
            status = FO_ERR_NONFINITE;
            goto done;
        }
        pos += format_number(out + pos, labels[r], 0);
        if (qid) {
            memcpy(out + pos, " qid:", 5);
            pos += 5;
            pos += format_int(out + pos, qid[r]);
        }
        for (int64_t k = a; k < b; k++) {
            const double v = v32 ? (double)v32[k] : v64[k];
            if (!isfinite(v)) {
                pos = row_pos;
                status = FO_ERR_NONFINITE;
                goto done;
            }
            out[pos++] = ' ';
            pos += format_int(out + pos, (int64_t)indices[k] + index_offset);
            out[pos++] = ':';
            pos += format_number(out + pos, v, v32 != NULL);
        }
        out[pos++] = '\n';
    }

done:
    *n_bytes = pos;
    *rows_done = i;
    return status;
}

int fo_svmlight_format_f64(const int64_t *indptr, const int32_t *indices, const double *values,
                           const double *labels, const int64_t *qid, int64_t row_start,
                           int64_t n_rows, int64_t index_offset, char *out, int64_t cap,
                           int64_t *n_bytes, int64_t *rows_done)
{
    return format_impl(indptr, indices, values, NULL, labels, qid, row_start, n_rows,
                       index_offset, out, cap, n_bytes, rows_done);
}

int fo_svmlight_format_f32(const int64_t *indptr, const int32_t *indices, const float *values,
                           const double *labels, const int64_t *qid, int64_t row_start,
                           int64_t n_rows, int64_t index_offset, char *out, int64_t cap,
                           int64_t *n_bytes, int64_t *rows_done)
{
    return format_impl(indptr, indices, NULL, values, labels, qid, row_start, n_rows,
                       index_offset, out, cap, n_bytes, rows_done);
}
