/* SPDX-License-Identifier: MIT
 * Gap scoring: s = A·g, the weighted gap each course can close, for one
 * learner (sgemv) or a batch (sgemm), on OpenBLAS; and the plain reference
 * loop the tests and benchmarks compare it with. */
#ifndef RS_SCORE_H
#define RS_SCORE_H

#include <stddef.h>

struct rs_catalog;

/* Pin OpenBLAS to one thread: the parallelism of a server is its requests, and
 * a BLAS thread pool per call would fight the event loops for the cores. Call
 * once at process start, before any thread scores. Returns the thread count
 * OpenBLAS reports afterwards (1). */
int rs_blas_setup(void);

/* OpenBLAS' name for the kernel it picked on this CPU ("Haswell", ...). */
const char *rs_blas_corename(void);

/* s[0..N) = A·g for gap vector g[0..D). */
void rs_score_one(const struct rs_catalog *cat, const float *g, float *s);

/* S[b][j] = A_j·G[b] for b < B: G is B x D row-major, S is B x N row-major. */
void rs_score_batch(const struct rs_catalog *cat, const float *G, size_t B, float *S);

/* The reference: the same products as plain loops, accumulated in double. */
void rs_score_ref(const struct rs_catalog *cat, const float *G, size_t B, float *S);

/* The same three on a bare N x D row-major matrix (any N, including 0), for
 * callers that hold a matrix rather than a catalog (tests, benchmarks). */
void rs_score_matrix_one(const float *A, size_t N, size_t D, const float *g, float *s);
void rs_score_matrix_batch(const float *A, size_t N, size_t D, const float *G, size_t B, float *S);
void rs_score_matrix_ref(const float *A, size_t N, size_t D, const float *G, size_t B, float *S);

#endif
