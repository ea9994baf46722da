/* SPDX-License-Identifier: MIT
 * bench_search: course search (GET /v1/courses, service/svc_search.c) on a
 * large catalog, against a scan of every course measured in the same run.
 * The catalog: N courses (100,000) whose titles join two slices of the demo
 * catalog's titles (Chinese, some Latin) and a suffix, over the demo's 28
 * tags and 7 modules, with tiers and prerequisites (depth). The queries:
 * slices of 1-4 characters of the demo titles, tag names and module names,
 * drawn at random — common and rare words alike. Each query runs through
 * svc_search_run (limit 20, as the route's default) and through the
 * baseline: test every course's title, tag and module names for the query
 * and sort the matches by the same ranking. Both must agree (total and
 * page) or the bench fails. Prints the index build time, the median and p99
 * per query of each, and their ratio.
 *   bench_search [--courses 100000] [--queries 2000] [--scan-queries 200] [--seed 1] */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_clock.h"
#include "proto/skillpath.pb-c.h"
#include "recsys.h"
#include "svc_catalog.h"
#include "search_ref.h"
#include "svc_search.h"

#define LIMIT 20

static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static size_t utf8_len(unsigned char c)
{
    return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

/* A random slice of 1..max characters of s, into out. */
static void slice(const char *s, int max, char *out, size_t cap)
{
    size_t chars = 0;
    for (const char *p = s; *p; p += utf8_len((unsigned char)*p))
        chars++;
    size_t from = next_rand() % chars, len = 1 + next_rand() % (size_t)max, a = 0, i = 0;
    while (i < from) {
        a += utf8_len((unsigned char)s[a]);
        i++;
    }
    size_t b = a;
    for (i = 0; i < len && s[b]; i++)
        b += utf8_len((unsigned char)s[b]);
    size_t n = b - a < cap - 1 ? b - a : cap - 1;
    memcpy(out, s + a, n);
    out[n] = '\0';
}

/* The demo catalog with `n` generated courses in place of its own. */
static Skillpath__V1__Catalog *big_catalog(Skillpath__V1__Catalog *demo, size_t n)
{
    static const char *suffix[] = { "案例精讲", "实操", "进阶", "复盘", "工作坊", "专题", "训练营", "Workshop",
                                    "Case Study", "入门", "Lab", "实战" };
    size_t nd = demo->n_courses, D = demo->n_tags;
    Skillpath__V1__Course **cs = calloc(n, sizeof *cs);
    for (size_t j = 0; j < n; j++) {
        Skillpath__V1__Course *c = calloc(1, sizeof *c);
        skillpath__v1__course__init(c);
        char id[32], a[64], b[64], title[256];
        snprintf(id, sizeof id, "b-%zu", j);
        slice(demo->courses[next_rand() % nd]->title, 5, a, sizeof a);
        slice(demo->courses[next_rand() % nd]->title, 5, b, sizeof b);
        snprintf(title, sizeof title, "%s%s %s %zu", a, b, suffix[next_rand() % 12], j % 97);
        c->id = strdup(id);
        c->title = strdup(title);
        size_t k0 = next_rand() % D;
        c->module = strdup(demo->tags[k0]->module);
        c->tier = (Skillpath__V1__Tier)(1 + next_rand() % 3);
        c->difficulty = 0.2f + 0.6f * (float)(next_rand() % 100) / 100.0f;
        c->duration_min = 15;
        c->n_coverage = D;
        c->coverage = calloc(D, sizeof *c->coverage);
        c->coverage[k0] = 0.8f;
        c->coverage[next_rand() % D] += 0.3f;
        if (c->coverage[k0] > 1)
            c->coverage[k0] = 1;
        if (j > 0 && next_rand() % 3) {             /* a prerequisite among the earlier ones */
            c->n_prerequisites = 1;
            c->prerequisites = calloc(1, sizeof *c->prerequisites);
            size_t p = j - 1 - next_rand() % (j < 50 ? j : 50);
            c->prerequisites[0] = strdup(cs[p]->id);
        }
        cs[j] = c;
    }
    for (size_t j = 0; j < nd; j++)
        skillpath__v1__course__free_unpacked(demo->courses[j], NULL);
    free(demo->courses);
    demo->courses = cs;
    demo->n_courses = n;
    return demo;
}

/* The baseline: every course tested, the matches sorted. */
struct scan {
    const struct svc_catalog *c;
    char **title, **tag, **module;
    uint32_t *depth;
};

static char *lower(const char *s)
{
    return ref_normalise(s);
}

static const struct scan *sort_scan;
static const uint8_t *sort_level;
static int by_rank(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    const struct rs_catalog *cat = sort_scan->c->cat;
    if (sort_level[x] != sort_level[y])
        return sort_level[x] < sort_level[y] ? -1 : 1;
    int tx = rs_catalog_course_tier(cat, x), ty = rs_catalog_course_tier(cat, y);
    if (tx != ty)
        return tx < ty ? -1 : 1;
    if (sort_scan->depth[x] != sort_scan->depth[y])
        return sort_scan->depth[x] < sort_scan->depth[y] ? -1 : 1;
    return x < y ? -1 : x > y;
}

static size_t scan_run(const struct scan *s, const char *q, uint32_t *page, uint8_t *level,
                       uint32_t *match)
{
    const struct rs_catalog *cat = s->c->cat;
    size_t N = rs_catalog_n_courses(cat), D = rs_catalog_n_tags(cat), n = 0;
    char *nq = lower(q);
    bool tag_hit[64], module_hit[64];
    for (size_t k = 0; k < D; k++)
        tag_hit[k] = strstr(s->tag[k], nq) != NULL;
    for (size_t m = 0; m < rs_catalog_n_modules(cat); m++)
        module_hit[m] = strstr(s->module[m], nq) != NULL;
    for (size_t j = 0; j < N; j++) {
        uint8_t lv = 0;
        if (ref_holds(s->title[j], nq)) {
            lv = 1;
        } else {
            const float *a = rs_catalog_course_coverage(cat, j);
            for (size_t k = 0; k < D && !lv; k++)
                if (a[k] > 0 && tag_hit[k])
                    lv = 2;
            if (!lv && module_hit[rs_catalog_course_module(cat, j)])
                lv = 3;
        }
        level[j] = lv;
        if (lv)
            match[n++] = (uint32_t)j;
    }
    sort_scan = s;
    sort_level = level;
    qsort(match, n, sizeof *match, by_rank);
    for (size_t i = 0; i < n && i < LIMIT; i++)
        page[i] = match[i];
    free(nq);
    return n;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double p)
{
    qsort(v, n, sizeof *v, cmp_double);
    return v[(size_t)(p * (double)(n - 1))];
}

int main(int argc, char **argv)
{
    size_t courses = 100000, queries = 2000, scan_queries = 200;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 < argc && strcmp(a, "--courses") == 0)
            courses = strtoul(argv[++i], NULL, 10);
        else if (i + 1 < argc && strcmp(a, "--queries") == 0)
            queries = strtoul(argv[++i], NULL, 10);
        else if (i + 1 < argc && strcmp(a, "--scan-queries") == 0)
            scan_queries = strtoul(argv[++i], NULL, 10);
        else if (i + 1 < argc && strcmp(a, "--seed") == 0)
            rng = 88172645463325252ull ^ strtoull(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "usage: bench_search [--courses N] [--queries N] [--scan-queries N] [--seed S]\n");
            return 2;
        }
    }
    if (courses < 10 || queries < 1 || scan_queries < 1 || scan_queries > queries) {
        fprintf(stderr, "bench_search: --courses >= 10, 1 <= --scan-queries <= --queries\n");
        return 2;
    }
    char err[4096];
    Skillpath__V1__Catalog *demo = svc_catalog_read("deploy/demo/catalog.json", err, sizeof err);
    if (demo == NULL) {
        fprintf(stderr, "bench_search: %s (run from the repository root)\n", err);
        return 1;
    }
    /* the queries, from the demo's own words, before its courses go */
    char (*qs)[64] = calloc(queries, sizeof *qs);
    for (size_t i = 0; i < queries; i++) {
        uint64_t kind = next_rand() % 10;
        if (kind < 7)
            slice(demo->courses[next_rand() % demo->n_courses]->title, 4, qs[i], sizeof qs[i]);
        else if (kind < 9)
            slice(demo->tags[next_rand() % demo->n_tags]->name, 4, qs[i], sizeof qs[i]);
        else
            slice(demo->modules[next_rand() % demo->n_modules]->name_en, 8, qs[i], sizeof qs[i]);
    }
    Skillpath__V1__Catalog *pb = big_catalog(demo, courses);
    double t0 = bench_now_s();
    struct svc_catalog *c = svc_catalog_create(pb, err, sizeof err);
    double t1 = bench_now_s();
    if (c == NULL) {
        fprintf(stderr, "bench_search: catalog: %s\n", err);
        return 1;
    }
    /* the index's part of the build: built again alone */
    double b0 = bench_now_s();
    struct svc_search *again = svc_search_build(c->pb, c->cat);
    double b1 = bench_now_s();
    svc_search_free(again);

    size_t N = rs_catalog_n_courses(c->cat);
    struct scan s = { .c = c };
    s.title = calloc(N, sizeof *s.title);
    s.depth = calloc(N, sizeof *s.depth);
    for (size_t j = 0; j < N; j++) {
        s.title[j] = lower(rs_catalog_course_title(c->cat, j));
        s.depth[j] = svc_search_depth(c->search, j);
    }
    size_t D = rs_catalog_n_tags(c->cat), M = rs_catalog_n_modules(c->cat);
    s.tag = calloc(D, sizeof *s.tag);
    s.module = calloc(M, sizeof *s.module);
    for (size_t k = 0; k < D; k++) {
        char t[512];
        snprintf(t, sizeof t, "%s %s ", rs_catalog_tag_id(c->cat, k), rs_catalog_tag_name(c->cat, k));
        s.tag[k] = lower(t);
    }
    for (size_t m = 0; m < M; m++) {
        const char *id = rs_catalog_module_name(c->cat, m), *name = "", *en = "";
        for (size_t i = 0; i < c->pb->n_modules; i++)
            if (strcmp(c->pb->modules[i]->id, id) == 0) {
                name = c->pb->modules[i]->name;
                en = c->pb->modules[i]->name_en;
            }
        char t[512];
        snprintf(t, sizeof t, "%s %s %s", id, name, en);
        s.module[m] = lower(t);
    }

    double *t_index = calloc(queries, sizeof *t_index), *t_scan = calloc(scan_queries, sizeof *t_scan);
    uint8_t *level = calloc(N, 1);
    uint32_t *match = calloc(N, sizeof *match), page[LIMIT];
    size_t hits_sum = 0;
    for (size_t i = 0; i < queries; i++) {
        struct svc_search_hit hits[LIMIT];
        size_t n, total;
        struct svc_search_query q = { .q = qs[i], .module = -1, .limit = LIMIT };
        double a = bench_now_s();
        if (svc_search_run(c->search, &q, hits, &n, &total) != 0) {
            fprintf(stderr, "bench_search: out of memory\n");
            return 1;
        }
        t_index[i] = bench_now_s() - a;
        hits_sum += total;
        if (i < scan_queries) {
            a = bench_now_s();
            size_t want = scan_run(&s, qs[i], page, level, match);
            t_scan[i] = bench_now_s() - a;
            bool ok = want == total;        /* the same answer */
            for (size_t k = 0; ok && k < n; k++)
                ok = hits[k].course == page[k];
            if (!ok) {
                fprintf(stderr, "bench_search: '%s': index %zu hits, scan %zu\n", qs[i], total, want);
                return 1;
            }
        }
    }
    double im = pct(t_index, queries, 0.5), ip = pct(t_index, queries, 0.99);
    double sm = pct(t_scan, scan_queries, 0.5);
    printf("# course search: %zu courses, %zu queries (slices of demo titles, tag and module names), limit %d\n",
           N, queries, LIMIT);
    printf("search_catalog_build_ms %.1f (the whole snapshot; the search index alone %.1f)\n",
           (t1 - t0) * 1e3, (b1 - b0) * 1e3);
    printf("search_mean_hits %.0f\n", (double)hits_sum / (double)queries);
    printf("search_median_us %.1f (target <= 1000)\n", im * 1e6);
    printf("search_p99_us %.1f\n", ip * 1e6);
    printf("scan_median_us %.1f (every course tested, matches sorted; %zu queries)\n", sm * 1e6, scan_queries);
    printf("ratio_search_vs_scan %.2f\n", sm / im);
    for (size_t j = 0; j < N; j++)
        free(s.title[j]);
    for (size_t k = 0; k < D; k++)
        free(s.tag[k]);
    for (size_t m = 0; m < M; m++)
        free(s.module[m]);
    free(s.title);
    free(s.tag);
    free(s.module);
    free(s.depth);
    free(t_index);
    free(t_scan);
    free(level);
    free(match);
    free(qs);
    svc_catalog_unref(c);
    return 0;
}
