/* SPDX-License-Identifier: MIT
 * The hot loop: s = A·g over every course. One learner is one sgemv, a batch
 * one sgemm; both read A once, so for large catalogs they are bound by memory
 * bandwidth, not arithmetic (bench/bench_core measures how close they run). */
#include <cblas.h>

#include "rs_internal.h"

int rs_blas_setup(void)
{
    openblas_set_num_threads(1);
    return openblas_get_num_threads();
}

const char *rs_blas_corename(void)
{
    const char *name = openblas_get_corename();
    return name ? name : "unknown";
}

void rs_score_matrix_one(const float *A, size_t N, size_t D, const float *g, float *s)
{
    if (N == 0)
        return;
    if (D == 0) {
        for (size_t j = 0; j < N; j++)
            s[j] = 0;
        return;
    }
    cblas_sgemv(CblasRowMajor, CblasNoTrans, (blasint)N, (blasint)D, 1.0f, A, (blasint)D, g, 1,
                0.0f, s, 1);
}

void rs_score_matrix_batch(const float *A, size_t N, size_t D, const float *G, size_t B, float *S)
{
    if (N == 0 || B == 0)
        return;
    if (B == 1 || D == 0) {
        for (size_t b = 0; b < B; b++)
            rs_score_matrix_one(A, N, D, G + b * D, S + b * N);
        return;
    }
    /* S (B x N) = G (B x D) · Aᵀ (D x N) */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)B, (blasint)N, (blasint)D, 1.0f,
                G, (blasint)D, A, (blasint)D, 0.0f, S, (blasint)N);
}

void rs_score_matrix_ref(const float *A, size_t N, size_t D, const float *G, size_t B, float *S)
{
    for (size_t b = 0; b < B; b++)
        for (size_t j = 0; j < N; j++) {
            double acc = 0;
            for (size_t k = 0; k < D; k++)
                acc += (double)A[j * D + k] * G[b * D + k];
            S[b * N + j] = (float)acc;
        }
}

void rs_score_one(const struct rs_catalog *c, const float *g, float *s)
{
    rs_score_matrix_one(c->A, c->n_courses, c->n_tags, g, s);
}

void rs_score_batch(const struct rs_catalog *c, const float *G, size_t B, float *S)
{
    rs_score_matrix_batch(c->A, c->n_courses, c->n_tags, G, B, S);
}

void rs_score_ref(const struct rs_catalog *c, const float *G, size_t B, float *S)
{
    rs_score_matrix_ref(c->A, c->n_courses, c->n_tags, G, B, S);
}
