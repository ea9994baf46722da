/* SPDX-License-Identifier: MIT
 * bench_demand: team demand (GET /v1/team/demand) as the team builder
 * computes it — each learner's first scoring weights, the whole team scored
 * in sgemm chunks of 256 learners (courses x tags x learners), then each
 * learner's 10-lesson path from its own score column — against the
 * ceilings measured in the same run: the scoring pass alone (the same
 * sgemm chunks) and single-thread sgemm on square 1024 matrices.
 *
 * usage: bench_demand [LEARNERS [COURSES]]   (100000 10000; make bench-demand)
 * Prints "name value unit" lines, then ratios. The rate of demand counts
 * the scoring pass's flops (2·N·D per learner) over demand's whole time,
 * so the ratio says how much of the time is the sgemm. Learners are
 * generated (rs_synth_learner) chunk by chunk, outside the timings. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_clock.h"
#include "bench_synth.h"
#include "recsys.h"

#define D 28
#define CHUNK 256
#define LESSONS 10
#define NOW 1750000000

static volatile float sink;

static double square_sgemm_gflops(void)
{
    const int n = 1024;
    size_t nn = (size_t)n * n;
    float *a = malloc(nn * 4), *b = malloc(nn * 4), *c = malloc(nn * 4);
    if (!a || !b || !c)
        exit(1);
    for (size_t i = 0; i < nn; i++)
        a[i] = b[i] = (float)(i % 13) * 0.1f;
    double best = 1e30;
    for (int r = 0; r < 4; r++) {
        double t0 = bench_now_s();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
        double t = bench_now_s() - t0;
        if (t < best)
            best = t;
    }
    sink = c[7];
    free(a);
    free(b);
    free(c);
    return 2.0 * n * n * n / best / 1e9;
}

int main(int argc, char **argv)
{
    size_t L = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
    size_t N = argc > 2 ? strtoul(argv[2], NULL, 10) : 10000;
    if (argc > 3 || L == 0 || N == 0) {
        fprintf(stderr, "usage: bench_demand [LEARNERS [COURSES]]\n");
        return 2;
    }
    rs_blas_setup();
    struct rs_catalog *cat = bench_synth_catalog(N, D, 7);
    struct rs_model m;
    rs_model_default(&m);
    struct rs_path_ws *ws = rs_path_ws_create(cat);
    float *U = malloc(CHUNK * D * sizeof *U), *S = malloc((size_t)CHUNK * N * sizeof *S);
    struct rs_learner *chunk = calloc(CHUNK, sizeof *chunk);
    uint32_t *tally = calloc(N, sizeof *tally);
    if (!ws || !U || !S || !chunk || !tally) {
        fprintf(stderr, "bench_demand: out of memory\n");
        return 1;
    }
    printf("demand_learners %zu -\ndemand_courses %zu -\nblas_threads 1 -\n", L, N);
    double peak = square_sgemm_gflops();

    double t_weights = 0, t_sgemm = 0, t_paths = 0, lessons = 0;
    for (size_t at = 0; at < L; at += CHUNK) {
        size_t B = L - at < CHUNK ? L - at : CHUNK;
        for (size_t b = 0; b < B; b++)
            if (rs_synth_learner(cat, 1000 + at + b, NOW, &chunk[b]) != 0)
                return 1;
        double t0 = bench_now_s();
        for (size_t b = 0; b < B; b++) {
            struct rs_path_query q = { .learner = &chunk[b], .target = (at + b) % 3,
                                       .max_items = LESSONS, .now = NOW };
            rs_path_first_weights(cat, &m, &q, ws, U + b * D);
        }
        double t1 = bench_now_s();
        rs_score_batch(cat, U, B, S);
        double t2 = bench_now_s();
        for (size_t b = 0; b < B; b++) {
            struct rs_path_query q = { .learner = &chunk[b], .target = (at + b) % 3,
                                       .max_items = LESSONS, .now = NOW, .scores = S + b * N };
            struct rs_path p = { 0 };
            if (rs_path_build(cat, &m, &q, ws, &p, NULL, 0) != 0)
                return 1;
            for (size_t i = 0; i < p.n_items; i++)
                tally[p.items[i].course]++;
            lessons += (double)p.n_items;
            rs_path_deinit(&p);
        }
        double t3 = bench_now_s();
        t_weights += t1 - t0;
        t_sgemm += t2 - t1;
        t_paths += t3 - t2;
        for (size_t b = 0; b < B; b++)
            rs_learner_deinit(&chunk[b]);
    }
    double total = t_weights + t_sgemm + t_paths;
    double flops = 2.0 * (double)N * D * (double)L;
    double sgemm_rate = flops / t_sgemm / 1e9, demand_rate = flops / total / 1e9;
    size_t wanted = 0;
    for (size_t j = 0; j < N; j++)
        wanted += tally[j] > 0;
    printf("sgemm_peak_square1024 %.2f GFLOP/s\n", peak);
    printf("demand_scoring_sgemm %.3f s (%.2f GFLOP/s)\n", t_sgemm, sgemm_rate);
    printf("demand_first_weights %.3f s\n", t_weights);
    printf("demand_paths %.3f s (%.1f us/learner)\n", t_paths, t_paths / (double)L * 1e6);
    printf("demand_total %.3f s (%.2f GFLOP/s of scoring)\n", total, demand_rate);
    printf("demand_lessons_per_learner %.2f -\n", lessons / (double)L);
    printf("demand_courses_wanted %zu -\n", wanted);
    printf("\n# ratios (target: demand >= 0.67 of the sgemm peak)\n");
    printf("ratio_demand_vs_sgemm_peak %.3f\n", demand_rate / peak);
    printf("ratio_demand_vs_its_scoring_sgemm %.3f\n", demand_rate / sgemm_rate);
    printf("ratio_scoring_sgemm_vs_sgemm_peak %.3f\n", sgemm_rate / peak);
    free(U);
    free(S);
    free(chunk);
    free(tally);
    rs_path_ws_destroy(ws);
    rs_catalog_destroy(cat);
    return 0;
}
