/* SPDX-License-Identifier: MIT
 * Seeded synthetic catalogs and learners: the same params always give the
 * same catalog, so tests can replay a failing seed and benchmarks compare
 * like with like. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_internal.h"

struct rs_synth {
    struct rs_catalog_def def;
    struct rs_tag_def *tags;
    struct rs_course_def *courses;
    struct rs_target_def *targets;
    char *names;                /* every id, title and module, NUL-separated */
    float *coverage;            /* N x D */
    float *levels;              /* targets x D */
    const char **prereq;        /* all prerequisite id pointers */
};

uint64_t rs_synth_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

float rs_synth_uniform(uint64_t *state)
{
    return (float)(rs_synth_next(state) >> 40) / (float)(1u << 24);
}

static size_t below(uint64_t *st, size_t n)
{
    return n ? (size_t)(rs_synth_next(st) % n) : 0;
}

#define NAME_LEN 32
#define N_MODULES 6

struct rs_synth *rs_synth_create(const struct rs_synth_params *p)
{
    size_t N = p->n_courses, D = p->n_tags, T = p->n_targets ? p->n_targets : 1;
    unsigned max_pre = p->max_prereqs, max_cov = p->max_cover ? p->max_cover : 1;
    if (max_cov > D)
        max_cov = (unsigned)D;
    struct rs_synth *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->tags = calloc(D + 1, sizeof *s->tags);
    s->courses = calloc(N + 1, sizeof *s->courses);
    s->targets = calloc(T, sizeof *s->targets);
    s->names = calloc((D * 2 + N * 2 + T * 2 + N_MODULES) + 1, NAME_LEN);
    s->coverage = calloc(N * D + 1, sizeof(float));
    s->levels = calloc(T * D + 1, sizeof(float));
    s->prereq = calloc((size_t)N * max_pre + 1, sizeof(char *));
    if (!s->tags || !s->courses || !s->targets || !s->names || !s->coverage || !s->levels ||
        !s->prereq) {
        rs_synth_destroy(s);
        return NULL;
    }
    uint64_t st = p->seed ^ 0x5EED5EED5EED5EEDULL;
    char *name = s->names;
#define NEXT_NAME(...) (snprintf(name, NAME_LEN, __VA_ARGS__), name += NAME_LEN, name - NAME_LEN)
    const char *modules[N_MODULES];
    for (size_t m = 0; m < N_MODULES; m++)
        modules[m] = NEXT_NAME("mod%zu", m);
    for (size_t k = 0; k < D; k++) {
        s->tags[k].id = NEXT_NAME("t%zu", k);
        s->tags[k].name = NEXT_NAME("tag %zu", k);
        s->tags[k].module = modules[k % N_MODULES];
        s->tags[k].weight = 0.3f + 0.7f * rs_synth_uniform(&st);
    }
    const char **pre = s->prereq;
    for (size_t j = 0; j < N; j++) {
        struct rs_course_def *c = &s->courses[j];
        c->id = NEXT_NAME("c%zu", j);
        c->title = NEXT_NAME("course %zu", j);
        c->tier = 1 + (int)below(&st, 3);
        c->difficulty = rs_synth_uniform(&st);
        c->duration_min = p->duration_min ? p->duration_min : 15;
        c->coverage = s->coverage + j * D;
        c->n_coverage = D;
        unsigned ncov = 1 + (unsigned)below(&st, max_cov);
        size_t first_tag = below(&st, D);
        for (unsigned i = 0; i < ncov; i++)
            s->coverage[j * D + (first_tag + below(&st, D) * (i > 0)) % D] =
                0.2f + 0.8f * rs_synth_uniform(&st);
        c->module = modules[first_tag % N_MODULES];
        /* Prerequisites among the previous few dozen courses: a DAG (edges
         * only point back) with real depth, as a curriculum has. */
        unsigned npre = j ? (unsigned)below(&st, (size_t)max_pre + 1) : 0;
        c->prerequisites = pre;
        for (unsigned i = 0; i < npre; i++) {
            size_t back = 1 + below(&st, j < 40 ? j : 40);
            const char *id = s->courses[j - back].id;
            bool dup = false;
            for (unsigned q = 0; q < c->n_prerequisites; q++)
                dup |= c->prerequisites[q] == id;
            if (!dup) {
                *pre++ = id;
                c->n_prerequisites++;
            }
        }
    }
    for (size_t t = 0; t < T; t++) {
        s->targets[t].id = NEXT_NAME("target%zu", t);
        s->targets[t].name = NEXT_NAME("target %zu", t);
        s->targets[t].level = s->levels + t * D;
        s->targets[t].n_level = D;
        for (size_t k = 0; k < D; k++)
            s->levels[t * D + k] = 0.4f + 0.6f * rs_synth_uniform(&st);
    }
#undef NEXT_NAME
    s->def = (struct rs_catalog_def){
        .version = "synthetic", .tags = s->tags, .n_tags = D, .courses = s->courses,
        .n_courses = N, .targets = s->targets, .n_targets = T,
    };
    return s;
}

void rs_synth_destroy(struct rs_synth *s)
{
    if (s == NULL)
        return;
    free(s->tags);
    free(s->courses);
    free(s->targets);
    free(s->names);
    free(s->coverage);
    free(s->levels);
    free(s->prereq);
    free(s);
}

const struct rs_catalog_def *rs_synth_def(const struct rs_synth *s)
{
    return &s->def;
}

int rs_synth_learner(const struct rs_catalog *cat, uint64_t seed, int64_t now,
                     struct rs_learner *out)
{
    size_t D = cat->n_tags, N = cat->n_courses;
    int rc = rs_learner_init(out, D);
    if (rc != 0)
        return rc;
    uint64_t st = seed ^ 0x1EA27E21EA27E2ULL;
    out->tier = (enum rs_tier)(1 + below(&st, 3));
    out->target = cat->n_targets ? (long)below(&st, cat->n_targets) : -1;
    for (size_t k = 0; k < D; k++) {
        out->capability[k] = rs_synth_uniform(&st) * 0.8f;
        if (rs_synth_uniform(&st) < 0.5f)
            out->practiced_at[k] = now - (int64_t)below(&st, 365 * 86400);
    }
    size_t n_att = below(&st, 12);
    for (size_t i = 0; i < n_att; i++) {
        uint32_t j = (uint32_t)below(&st, N);
        float score = rs_synth_uniform(&st);
        struct rs_attempt a = {
            .course = j, .score = score, .passed = score >= cat->mastery[j],
            .at = now - (int64_t)below(&st, 365 * 86400),
        };
        a.fails = a.passed ? 0 : (uint16_t)(1 + below(&st, 3));
        rc = rs_learner_set_attempt(out, &a);
        if (rc != 0) {
            rs_learner_deinit(out);
            return rc;
        }
        for (uint32_t e = cat->nz_off[j]; e < cat->nz_off[j + 1]; e++)
            out->evidence[cat->nz_tag[e]] += cat->nz_val[e];
        if (rs_synth_uniform(&st) < 0.5f && a.at > out->anchor_at) {
            out->anchor = j;
            out->anchor_at = a.at;
        }
    }
    return 0;
}
