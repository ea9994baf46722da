/* SPDX-License-Identifier: MIT
 * bench_core: the core's speed against the machine's own ceilings, measured
 * in the same run. Prints one "name value unit" line per figure, then ratios.
 *   - memory read bandwidth and single-thread sgemm peak (the ceilings)
 *   - scoring per learner-query for N in {108, 10k, 100k, 1M} (D = 28) and
 *     batches {1, 16, 256}: OpenBLAS against a plain loop, with effective GB/s
 *   - a 10-item path at N = 100k against one full scoring pass, back to back
 *     (the catalog stays in cache) and with cold caches
 * Timings are best-of-5 samples of enough repetitions to run ~50 ms each. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_clock.h"
#include "bench_synth.h"
#include "recsys.h"

#define D 28
#define SAMPLES 5
#define SAMPLE_SECONDS 0.05

typedef void bench_fn(void *ctx);

/* Best time of one call, in seconds. `max_total` caps slow cases. */
static double best_time(bench_fn *fn, void *ctx, double max_total)
{
    double t0 = bench_now_s();
    fn(ctx);                                    /* warm up, and size the reps */
    double one = bench_now_s() - t0;
    long reps = one > 0 ? (long)(SAMPLE_SECONDS / one) : 1000;
    if (reps < 1)
        reps = 1;
    double best = one, spent = one;
    for (int s = 0; s < SAMPLES && spent < max_total; s++) {
        double a = bench_now_s();
        for (long r = 0; r < reps; r++)
            fn(ctx);
        double t = (bench_now_s() - a) / (double)reps;
        spent += t * (double)reps;
        if (t < best)
            best = t;
    }
    return best;
}

static volatile float sink;

/* Best time of one call made with cold caches: a 64 MiB stream evicts the
 * catalog before each call, as in a server whose other work ran in between. */
static double cold_time(bench_fn *fn, void *ctx, int reps)
{
    static float *junk;
    const size_t n = (size_t)16 << 20;
    if (junk == NULL) {
        junk = malloc(n * sizeof *junk);
        for (size_t i = 0; i < n; i++)
            junk[i] = (float)i;
    }
    double best = 1e30;
    for (int r = 0; r < reps; r++) {
        float acc = 0;
        for (size_t i = 0; i < n; i += 16)
            acc += junk[i];
        sink = acc;
        double t0 = bench_now_s();
        fn(ctx);
        double t = bench_now_s() - t0;
        if (t < best)
            best = t;
    }
    return best;
}

/* ---------------------------------------------------------------- ceilings */

struct stream { float *v; size_t n; };

static void read_sum(void *ctx)
{
    struct stream *s = ctx;
    float acc[16] = {0};
    for (size_t i = 0; i + 16 <= s->n; i += 16)
        for (int k = 0; k < 16; k++)
            acc[k] += s->v[i + k];
    float t = 0;
    for (int k = 0; k < 16; k++)
        t += acc[k];
    sink = t;
}

static void read_sasum(void *ctx)
{
    struct stream *s = ctx;
    sink = cblas_sasum((blasint)s->n, s->v, 1);
}

struct gemm { float *a, *b, *c; int n; };

static void square_sgemm(void *ctx)
{
    struct gemm *g = ctx;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, g->n, g->n, g->n, 1.0f, g->a, g->n,
                g->b, g->n, 0.0f, g->c, g->n);
}

/* ---------------------------------------------------------------- scoring */

struct score { const float *A; size_t N; const float *G; size_t B; float *S; };

static void score_blas(void *ctx)
{
    struct score *s = ctx;
    rs_score_matrix_batch(s->A, s->N, D, s->G, s->B, s->S);
}

/* What a straightforward C implementation would do: one learner at a time. */
static void score_plain(void *ctx)
{
    struct score *s = ctx;
    for (size_t b = 0; b < s->B; b++)
        for (size_t j = 0; j < s->N; j++) {
            float acc = 0;
            for (size_t k = 0; k < D; k++)
                acc += s->A[j * D + k] * s->G[b * D + k];
            s->S[b * s->N + j] = acc;
        }
}

struct pathb {
    const struct rs_catalog *cat;
    const struct rs_model *m;
    struct rs_path_query q;
    struct rs_path_ws *ws;
};

static double mean_of(const double *v, int n)
{
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += v[i];
    return sum / n;
}

static double max_of(const double *v, int n)
{
    double m = v[0];
    for (int i = 1; i < n; i++)
        m = v[i] > m ? v[i] : m;
    return m;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_of(const double *v, int n)
{
    double *c = malloc((size_t)n * sizeof *c);
    memcpy(c, v, (size_t)n * sizeof *c);
    qsort(c, (size_t)n, sizeof *c, cmp_double);
    double m = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
    free(c);
    return m;
}

static void build_path(void *ctx)
{
    struct pathb *p = ctx;
    struct rs_path out = {0};
    if (rs_path_build(p->cat, p->m, &p->q, p->ws, &out, NULL, 0) != 0) {
        fprintf(stderr, "bench_core: path build failed\n");
        exit(1);
    }
    sink = out.gap_after;
    rs_path_deinit(&out);
}

struct one { const struct rs_catalog *cat; const float *g; float *s; };

static void score_catalog_one(void *ctx)
{
    struct one *o = ctx;
    rs_score_one(o->cat, o->g, o->s);
}

static struct rs_catalog *synth(size_t n, uint64_t seed)
{
    return bench_synth_catalog(n, D, seed);
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        fprintf(stderr, "usage: bench_core (no options; make bench-core runs it)\n");
        return strcmp(argv[1], "--help") == 0 ? 0 : 2;
    }
    rs_blas_setup();
    printf("corename %s -\n", rs_blas_corename());
    printf("blas_threads 1 -\n");

    /* Ceiling 1: memory read bandwidth over 512 MiB, far beyond any cache. */
    struct stream st = { .n = (size_t)128 << 20 };
    st.v = malloc(st.n * sizeof(float));
    for (size_t i = 0; i < st.n; i++)
        st.v[i] = (float)(i & 7);
    double bw_loop = (double)st.n * 4 / best_time(read_sum, &st, 5) / 1e9;
    double bw_blas = (double)st.n * 4 / best_time(read_sasum, &st, 5) / 1e9;
    double membw = bw_loop > bw_blas ? bw_loop : bw_blas;
    free(st.v);
    printf("membw_read_loop %.2f GB/s\n", bw_loop);
    printf("membw_read_sasum %.2f GB/s\n", bw_blas);
    printf("membw_read %.2f GB/s\n", membw);

    /* Ceiling 2: single-thread sgemm on square 1024 matrices. */
    struct gemm g = { .n = 1024 };
    size_t nn = (size_t)g.n * g.n;
    g.a = malloc(nn * 4);
    g.b = malloc(nn * 4);
    g.c = malloc(nn * 4);
    for (size_t i = 0; i < nn; i++)
        g.a[i] = g.b[i] = (float)(i % 13) * 0.1f;
    double peak = 2.0 * g.n * g.n * g.n / best_time(square_sgemm, &g, 5) / 1e9;
    printf("sgemm_peak %.2f GFLOP/s\n", peak);
    free(g.a);
    free(g.b);
    free(g.c);

    /* Scoring. One raw matrix of 1M x 28; smaller N use its first rows. */
    static const size_t Ns[] = { 108, 10000, 100000, 1000000 };
    static const size_t Bs[] = { 1, 16, 256 };
    size_t Nmax = Ns[3], Bmax = Bs[2];
    float *A = malloc(Nmax * D * sizeof(float));
    float *G = malloc(Bmax * D * sizeof(float));
    float *S = malloc(Nmax * Bmax * sizeof(float));
    if (!A || !G || !S) {
        fprintf(stderr, "bench_core: out of memory\n");
        return 1;
    }
    uint64_t rng = 1;
    for (size_t i = 0; i < Nmax * D; i++)
        A[i] = rs_synth_uniform(&rng) < 0.8f ? 0 : rs_synth_uniform(&rng);
    for (size_t i = 0; i < Bmax * D; i++)
        G[i] = rs_synth_uniform(&rng);
    memset(S, 0, Nmax * Bmax * sizeof(float));

    double one_1m_bw = 0, batch256_1m_gflops = 0, one_100k_s = 0;
    double plain_ratio[4][3];
    for (size_t a = 0; a < 4; a++)
        for (size_t b = 0; b < 3; b++) {
            struct score sc = { A, Ns[a], G, Bs[b], S };
            double cap = Ns[a] * Bs[b] >= 100000000 ? 2 : 5;
            double tb = best_time(score_blas, &sc, cap);
            double tp = best_time(score_plain, &sc, cap);
            double per_q_b = tb / (double)Bs[b], per_q_p = tp / (double)Bs[b];
            double bytes = (double)Ns[a] * D * 4 + (double)Ns[a] * Bs[b] * 4;
            double gbs = bytes / tb / 1e9, gflops = 2.0 * Ns[a] * D * Bs[b] / tb / 1e9;
            printf("score_n%zu_b%zu_blas %.3f us/query\n", Ns[a], Bs[b], per_q_b * 1e6);
            printf("score_n%zu_b%zu_plain %.3f us/query\n", Ns[a], Bs[b], per_q_p * 1e6);
            printf("score_n%zu_b%zu_blas_bw %.2f GB/s\n", Ns[a], Bs[b], gbs);
            printf("score_n%zu_b%zu_blas_flops %.2f GFLOP/s\n", Ns[a], Bs[b], gflops);
            plain_ratio[a][b] = tp / tb;
            if (a == 3 && b == 0)
                one_1m_bw = gbs;
            if (a == 3 && b == 2)
                batch256_1m_gflops = gflops;
        }
    free(A);
    free(G);
    free(S);

    /* Path building at N = 100k against one scoring pass on the same catalog. */
    struct rs_catalog *cat = synth(100000, 7);
    struct rs_model m;
    rs_model_default(&m);
    struct rs_learner l;
    rs_synth_learner(cat, 11, 1750000000, &l);
    struct pathb pb = { .cat = cat, .m = &m, .ws = rs_path_ws_create(cat),
                        .q = { .learner = &l, .target = 0, .max_items = 10, .now = 1750000000 } };
    float *g1 = calloc(D, sizeof *g1), *s1 = malloc(100000 * sizeof *s1);
    for (size_t k = 0; k < D; k++)
        g1[k] = 0.1f + 0.02f * (float)k;
    struct one o = { cat, g1, s1 };
    one_100k_s = best_time(score_catalog_one, &o, 5);
    /* Paths of PATH_LEARNERS learners, the targets in turn, by both
     * sequencers: what a path costs depends on the learner (what the
     * candidates have to do for its gaps — one of them took 41 ms when the
     * rest took 1.4-5), so one learner is no measure: the mean, the median
     * and the slowest. The cold figures stay with the first learner. */
    enum { PATH_LEARNERS = 20 };
    struct rs_model legacy = m;
    legacy.sequencer = RS_SEQUENCER_LEGACY;
    struct pathb pl = pb;
    pl.m = &legacy;
    double path_t[PATH_LEARNERS], legacy_t[PATH_LEARNERS];
    for (int i = 0; i < PATH_LEARNERS; i++) {
        struct rs_learner li;
        rs_synth_learner(cat, 11 + (uint64_t)i, 1750000000, &li);
        pb.q.learner = pl.q.learner = &li;
        pb.q.target = pl.q.target = (size_t)i % 3;
        path_t[i] = best_time(build_path, &pb, 1);
        legacy_t[i] = best_time(build_path, &pl, 1);
        rs_learner_deinit(&li);
    }
    pb.q.learner = pl.q.learner = &l;
    pb.q.target = pl.q.target = 0;
    double path_s = mean_of(path_t, PATH_LEARNERS), legacy_s = mean_of(legacy_t, PATH_LEARNERS);
    double path_med = median_of(path_t, PATH_LEARNERS), path_max = max_of(path_t, PATH_LEARNERS);
    double legacy_med = median_of(legacy_t, PATH_LEARNERS);
    double one_cold = cold_time(score_catalog_one, &o, 20);
    double path_cold = cold_time(build_path, &pb, 20);
    struct rs_path check = {0};
    rs_path_build(cat, &m, &pb.q, pb.ws, &check, NULL, 0);
    printf("score_pass_n100000 %.3f us\n", one_100k_s * 1e6);
    printf("path_n100000_items10 %.3f us (mean of %d learners)\n", path_s * 1e6, PATH_LEARNERS);
    printf("path_n100000_items10_median %.3f us\n", path_med * 1e6);
    printf("path_n100000_items10_max %.3f us\n", path_max * 1e6);
    printf("score_pass_n100000_cold %.3f us\n", one_cold * 1e6);
    printf("path_n100000_items10_cold %.3f us\n", path_cold * 1e6);
    printf("path_n100000_items10_legacy %.3f us (mean)\n", legacy_s * 1e6);
    printf("path_n100000_items10_legacy_median %.3f us\n", legacy_med * 1e6);
    printf("path_n100000_items_built %zu items\n", check.n_items);
    rs_path_deinit(&check);
    rs_path_ws_destroy(pb.ws);
    rs_learner_deinit(&l);
    free(g1);
    free(s1);
    rs_catalog_destroy(cat);

    printf("\n# ratios (targets: roofline >= 0.70, sgemm peak >= 0.50, path <= 2.0)\n");
    printf("ratio_one_n1000000_vs_membw_roofline %.2f\n", one_1m_bw / membw);
    printf("ratio_batch256_n1000000_vs_sgemm_peak %.2f\n", batch256_1m_gflops / peak);
    printf("ratio_path10_vs_one_scoring_pass %.2f\n", path_s / one_100k_s);
    printf("ratio_path10_median_vs_one_scoring_pass %.2f\n", path_med / one_100k_s);
    printf("ratio_path10_max_vs_one_scoring_pass %.2f\n", path_max / one_100k_s);
    printf("ratio_path10_vs_one_scoring_pass_cold %.2f\n", path_cold / one_cold);
    printf("ratio_path10_legacy_vs_one_scoring_pass %.2f\n", legacy_s / one_100k_s);
    printf("ratio_path10_vs_legacy %.2f\n", path_s / legacy_s);
    for (size_t a = 0; a < 4; a++)
        for (size_t b = 0; b < 3; b++)
            printf("ratio_blas_speedup_vs_plain_n%zu_b%zu %.2f\n", Ns[a], Bs[b], plain_ratio[a][b]);
    return 0;
}
