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

void rs_score_one(const struct rs_catalog *c, const float *g, float *s)
{
    if (c->n_courses == 0)
        return;
    cblas_sgemv(CblasRowMajor, CblasNoTrans, (blasint)c->n_courses, (blasint)c->n_tags, 1.0f,
                c->A, (blasint)c->n_tags, g, 1, 0.0f, s, 1);
}

void rs_score_batch(const struct rs_catalog *c, const float *G, size_t B, float *S)
{
    if (c->n_courses == 0 || B == 0)
        return;
    if (B == 1) {
        rs_score_one(c, G, S);
        return;
    }
    /* S (B x N) = G (B x D) · Aᵀ (D x N) */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)B, (blasint)c->n_courses,
                (blasint)c->n_tags, 1.0f, G, (blasint)c->n_tags, c->A, (blasint)c->n_tags, 0.0f,
                S, (blasint)c->n_courses);
}

void rs_score_ref(const struct rs_catalog *c, const float *G, size_t B, float *S)
{
    size_t N = c->n_courses, D = c->n_tags;
    for (size_t b = 0; b < B; b++)
        for (size_t j = 0; j < N; j++) {
            double acc = 0;
            for (size_t k = 0; k < D; k++)
                acc += (double)c->A[j * D + k] * G[b * D + k];
            S[b * N + j] = (float)acc;
        }
}
