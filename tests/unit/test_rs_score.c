/* SPDX-License-Identifier: MIT
 * OpenBLAS scoring against the double-precision reference loop.
 * Tolerance: |blas - ref| <= 1e-5 · Σ_k |A_jk·g_k| + 1e-6 — single-precision
 * accumulation over D terms in any order stays well inside it. */
#include <math.h>
#include <stdlib.h>

#include "support.h"

static void fill(float *v, size_t n, uint64_t *st, float zero_share)
{
    for (size_t i = 0; i < n; i++)
        v[i] = rs_synth_uniform(st) < zero_share ? 0.0f : rs_synth_uniform(st);
}

static void check_close(const float *A, size_t N, size_t D, const float *G, size_t B,
                        const float *S, const float *R)
{
    for (size_t b = 0; b < B; b++)
        for (size_t j = 0; j < N; j++) {
            double mag = 0;
            for (size_t k = 0; k < D; k++)
                mag += fabs((double)A[j * D + k] * G[b * D + k]);
            double tol = 1e-5 * mag + 1e-6;
            double diff = fabs((double)S[b * N + j] - R[b * N + j]);
            if (diff > tol)
                fail_msg("N=%zu D=%zu B=%zu: s[%zu][%zu] = %.9g, reference %.9g", N, D, B, b, j,
                         (double)S[b * N + j], (double)R[b * N + j]);
        }
}

static void test_score_blas_matches_reference(void **state)
{
    (void)state;
    static const size_t Ns[] = { 0, 1, 2, 108, 10007 };
    static const size_t Ds[] = { 1, 28, 33 };
    static const size_t Bs[] = { 1, 3, 64 };
    uint64_t st = 12345;
    for (size_t a = 0; a < sizeof Ns / sizeof *Ns; a++)
        for (size_t d = 0; d < sizeof Ds / sizeof *Ds; d++)
            for (size_t b = 0; b < sizeof Bs / sizeof *Bs; b++) {
                size_t N = Ns[a], D = Ds[d], B = Bs[b];
                float *A = malloc((N * D + 1) * sizeof *A), *G = malloc(B * D * sizeof *G);
                float *S = malloc((B * N + 1) * sizeof *S), *R = malloc((B * N + 1) * sizeof *R);
                fill(A, N * D, &st, 0.7f);
                fill(G, B * D, &st, 0.3f);
                rs_score_matrix_ref(A, N, D, G, B, R);
                rs_score_matrix_batch(A, N, D, G, B, S);
                check_close(A, N, D, G, B, S, R);
                for (size_t i = 0; i < B; i++)           /* gemv, one learner at a time */
                    rs_score_matrix_one(A, N, D, G + i * D, S + i * N);
                check_close(A, N, D, G, B, S, R);
                free(A);
                free(G);
                free(S);
                free(R);
            }
}

static void test_score_catalog_entry_points(void **state)
{
    (void)state;
    struct rs_catalog *cat = sp_synth_catalog(1000, 28, 3, 2, 5);
    size_t N = rs_catalog_n_courses(cat), D = rs_catalog_n_tags(cat);
    uint64_t st = 9;
    float *G = malloc(3 * D * sizeof *G), *S = malloc(3 * N * sizeof *S), *R = malloc(3 * N * sizeof *R);
    fill(G, 3 * D, &st, 0.2f);
    rs_score_ref(cat, G, 3, R);
    rs_score_batch(cat, G, 3, S);
    check_close(rs_catalog_matrix(cat), N, D, G, 3, S, R);
    rs_score_one(cat, G + D, S);
    check_close(rs_catalog_matrix(cat), N, D, G + D, 1, S, R + N);
    free(G);
    free(S);
    free(R);
    rs_catalog_destroy(cat);
}

int main(void)
{
    assert_int_equal(rs_blas_setup(), 1);       /* single-threaded, explicitly */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_score_blas_matches_reference),
        cmocka_unit_test(test_score_catalog_entry_points),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
