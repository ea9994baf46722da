/* SPDX-License-Identifier: MIT
 * The team snapshot and its statistics (svc_team.h).
 *
 * DESIGN
 * The snapshot is columnar (one array per field, matrices row-major) so it
 * packs into one protobuf of plain repeated scalars — 100,000 learners x
 * 28 tags is ~11 MB of capability — and the statistics walk it in order.
 * What a request asks is computed from it on the spot: per tag the mean
 * and the quartiles (selection, not a sort: O(L) per quantile), shares and
 * gaps; a certification's readiness needs each learner's gap to it, also
 * O(L·D). At the team's size this is milliseconds, and a filter is then
 * just a test per learner.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "svc_hash.h"
#include "svc_catalog.h"
#include "svc_model.h"
#include "svc_team.h"

/* ---------------------------------------------------------------- growable */

struct vec {
    void *p;
    size_t n, cap, size;
};

static bool vec_push(struct vec *v, const void *x, size_t count)
{
    if (v->n + count > v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 1024;
        while (cap < v->n + count)
            cap *= 2;
        void *q = realloc(v->p, cap * v->size);
        if (q == NULL)
            return false;
        v->p = q;
        v->cap = cap;
    }
    memcpy((char *)v->p + v->n * v->size, x, count * v->size);
    v->n += count;
    return true;
}

/* ---------------------------------------------------------------- building */

#define CHUNK 256                       /* learners scored by one sgemm */

struct svc_team_acc {
    const struct svc_catalog *c;
    enum svc_team_kind kind;
    int64_t now;
    size_t D, N, bytes;
    float *chat;                        /* D: scratch */
    struct vec ids, tiers, targets, eff, decay, review, off, passed, lessons, fps;
    /* next lessons: learners wait in a chunk, scored together; each fills
     * its row of `lessons` (pend_row) */
    struct rs_path_ws *ws;
    struct rs_learner pend[CHUNK];
    size_t pend_row[CHUNK];
    size_t n_pend;
    /* demand: the previous demand whose rows a learner with an unchanged
     * fingerprint keeps (svc_team_acc_reuse), by id */
    const struct svc_team *prev;
    uint32_t *prev_slot;                /* open addressing: row + 1, 0 empty */
    size_t prev_cap;
    int64_t full_at;
    size_t reused, computed;
    float *U, *S;                       /* CHUNK x D weights, CHUNK x N scores */
    double lessons_s;                   /* time spent on them */
};

struct svc_team_acc *svc_team_acc_create(const struct svc_catalog *c, enum svc_team_kind kind, int64_t now)
{
    struct svc_team_acc *a = calloc(1, sizeof *a);
    if (a == NULL)
        return NULL;
    a->c = c;
    a->kind = kind;
    a->now = now;
    a->D = rs_catalog_n_tags(c->cat);
    a->N = rs_catalog_n_courses(c->cat);
    a->bytes = (a->D + 7) / 8;
    a->chat = calloc(a->D + 1, sizeof *a->chat);
    a->ids.size = sizeof(char *);
    a->tiers.size = a->targets.size = sizeof(int32_t);
    a->eff.size = a->decay.size = sizeof(float);
    a->review.size = 1;
    a->off.size = a->passed.size = a->lessons.size = sizeof(uint32_t);
    a->fps.size = sizeof(uint64_t);
    a->full_at = now;
    uint32_t zero = 0;
    bool ok = a->chat != NULL;
    if (kind == SVC_TEAM_DEMAND) {
        a->ws = rs_path_ws_create(c->cat);
        a->U = calloc(CHUNK * a->D + 1, sizeof *a->U);
        a->S = calloc(CHUNK * a->N + 1, sizeof *a->S);
        ok = ok && a->ws && a->U && a->S;
    } else {
        ok = ok && vec_push(&a->off, &zero, 1);
    }
    if (!ok) {
        svc_team_acc_free(a);
        return NULL;
    }
    return a;
}

/* The pending learners' next lessons: their first scoring passes as one
 * sgemm, then each path from its row of scores — the lessons GET
 * .../next?n=SVC_TEAM_LESSONS gives each of them at the build time. */
static int flush(struct svc_team_acc *a)
{
    const struct rs_catalog *cat = a->c->cat;
    const struct rs_model *m = &a->c->model;
    size_t D = a->D, N = a->N, B = a->n_pend;
    int rc = 0;
    if (B == 0)
        return 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t b = 0; b < B; b++) {
        struct rs_path_query q = { .learner = &a->pend[b], .max_items = SVC_TEAM_LESSONS, .now = a->now };
        if (a->pend[b].target >= 0) {
            q.target = (size_t)a->pend[b].target;
            rs_path_first_weights(cat, m, &q, a->ws, a->U + b * D);
        } else {
            memset(a->U + b * D, 0, D * sizeof *a->U);
        }
    }
    rs_score_batch(cat, a->U, B, a->S);
    for (size_t b = 0; b < B && rc == 0; b++) {
        uint32_t *row = (uint32_t *)a->lessons.p + a->pend_row[b] * SVC_TEAM_LESSONS;
        if (a->pend[b].target >= 0) {
            struct rs_path_query q = { .learner = &a->pend[b], .target = (size_t)a->pend[b].target,
                                       .max_items = SVC_TEAM_LESSONS, .now = a->now,
                                       .scores = a->S + b * N };
            struct rs_path p = { 0 };
            char err[256];
            int prc = rs_path_build(cat, m, &q, a->ws, &p, err, sizeof err);
            if (prc == RS_ENOMEM)
                rc = -1;
            for (size_t i = 0; prc == 0 && i < p.n_items && i < SVC_TEAM_LESSONS; i++)
                row[i] = p.items[i].course;
            rs_path_deinit(&p);
        }
    }
    for (size_t b = 0; b < B; b++)
        rs_learner_deinit(&a->pend[b]);
    a->n_pend = 0;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    a->lessons_s += (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    return rc;
}

int svc_team_acc_reuse(struct svc_team_acc *a, const struct svc_team *prev)
{
    const Skillpath__V1__TeamSnapshot *pb = prev->pb;
    size_t L = pb->n_learner_ids;
    if (a->kind != SVC_TEAM_DEMAND || prev->kind != SVC_TEAM_DEMAND || pb->n_fingerprints != L ||
        pb->lessons_k != SVC_TEAM_LESSONS || strcmp(pb->catalog_version, rs_catalog_version(a->c->cat)) != 0 ||
        L >= UINT32_MAX / 4)
        return 0;                       /* nothing to reuse: every learner is computed */
    size_t cap = 16;
    while (cap < 2 * L)
        cap *= 2;
    uint32_t *slot = calloc(cap, sizeof *slot);
    if (slot == NULL)
        return -1;
    for (size_t i = 0; i < L; i++) {
        size_t j = svc_hash_str(pb->learner_ids[i]) & (cap - 1);
        while (slot[j])
            j = (j + 1) & (cap - 1);
        slot[j] = (uint32_t)i + 1;
    }
    free(a->prev_slot);
    a->prev = prev;
    a->prev_slot = slot;
    a->prev_cap = cap;
    a->full_at = pb->full_at;
    return 0;
}

/* The previous demand's lessons of `id`, when its fingerprint is `fp`. */
static const uint32_t *prev_row(const struct svc_team_acc *a, const char *id, uint64_t fp)
{
    if (a->prev == NULL)
        return NULL;
    const Skillpath__V1__TeamSnapshot *pb = a->prev->pb;
    for (size_t j = svc_hash_str(id) & (a->prev_cap - 1); a->prev_slot[j]; j = (j + 1) & (a->prev_cap - 1)) {
        size_t i = a->prev_slot[j] - 1;
        if (strcmp(pb->learner_ids[i], id) == 0)
            return pb->fingerprints[i] == fp ? pb->next_lessons + i * SVC_TEAM_LESSONS : NULL;
    }
    return NULL;
}

void svc_team_acc_counts(const struct svc_team_acc *a, size_t *reused, size_t *computed)
{
    *reused = a->reused;
    *computed = a->computed;
}

int svc_team_acc_add(struct svc_team_acc *a, const char *id, const struct rs_learner *l, uint64_t fp)
{
    char *copy = strdup(id);
    int32_t tier = (int32_t)l->tier, target = (int32_t)l->target;
    bool ok = copy && vec_push(&a->ids, &copy, 1);
    if (!ok) {
        free(copy);
        return -1;
    }
    if (!vec_push(&a->tiers, &tier, 1) || !vec_push(&a->targets, &target, 1))
        return -1;
    if (a->kind == SVC_TEAM_DEMAND) {
        const uint32_t *kept = fp ? prev_row(a, id, fp) : NULL;
        uint32_t none[SVC_TEAM_LESSONS];
        for (size_t i = 0; i < SVC_TEAM_LESSONS; i++)
            none[i] = SVC_TEAM_NO_LESSON;
        if (!vec_push(&a->fps, &fp, 1) || !vec_push(&a->lessons, kept ? kept : none, SVC_TEAM_LESSONS))
            return -1;
        if (kept) {
            a->reused++;
            return 0;
        }
        a->computed++;
        struct rs_learner *p = &a->pend[a->n_pend];
        memset(p, 0, sizeof *p);
        if (rs_learner_init(p, l->dim) != 0 || rs_learner_copy(p, l) != 0) {
            rs_learner_deinit(p);
            return -1;
        }
        a->pend_row[a->n_pend++] = a->ids.n - 1;
        return a->n_pend == CHUNK ? flush(a) : 0;
    }
    const struct rs_catalog *cat = a->c->cat;
    const float *w = rs_catalog_tag_weights(cat);
    const float *level = l->target >= 0 ? rs_catalog_target_level(cat, (size_t)l->target) : NULL;
    rs_learner_effective(&a->c->model, l, a->now, a->chat);
    float decay = 0;
    uint8_t bits[64] = { 0 };
    for (size_t k = 0; k < a->D; k++) {
        if (l->capability[k] > a->chat[k])
            decay += w[k] * (l->capability[k] - a->chat[k]);
        if (level && level[k] > 0 && l->capability[k] >= level[k] && a->chat[k] < level[k] && k < 512)
            bits[k / 8] |= (uint8_t)(1u << (k % 8));
    }
    ok = vec_push(&a->eff, a->chat, a->D) && vec_push(&a->decay, &decay, 1) &&
         vec_push(&a->review, bits, a->bytes <= sizeof bits ? a->bytes : sizeof bits);
    for (size_t i = 0; ok && i < l->n_attempts; i++)
        if (l->attempts[i].passed)
            ok = vec_push(&a->passed, &l->attempts[i].course, 1);
    uint32_t end = (uint32_t)a->passed.n;
    return ok && vec_push(&a->off, &end, 1) ? 0 : -1;
}

size_t svc_team_acc_count(const struct svc_team_acc *a)
{
    return a->ids.n;
}

void svc_team_acc_free(struct svc_team_acc *a)
{
    if (a == NULL)
        return;
    for (size_t i = 0; i < a->ids.n; i++)
        free(((char **)a->ids.p)[i]);
    free(a->ids.p);
    free(a->tiers.p);
    free(a->targets.p);
    free(a->eff.p);
    free(a->decay.p);
    free(a->review.p);
    free(a->off.p);
    free(a->passed.p);
    free(a->lessons.p);
    free(a->fps.p);
    free(a->prev_slot);
    for (size_t b = 0; b < a->n_pend; b++)
        rs_learner_deinit(&a->pend[b]);
    rs_path_ws_destroy(a->ws);
    free(a->U);
    free(a->S);
    free(a->chat);
    free(a);
}

Skillpath__V1__TeamSnapshot *svc_team_acc_finish(struct svc_team_acc *a, const char *builder,
                                                 uint32_t build_ms)
{
    Skillpath__V1__TeamSnapshot *s = flush(a) == 0 ? calloc(1, sizeof *s) : NULL;
    char *version = strdup(rs_catalog_version(a->c->cat)), *by = strdup(builder);
    if (s == NULL || version == NULL || by == NULL) {
        free(s);
        free(version);
        free(by);
        svc_team_acc_free(a);
        return NULL;
    }
    skillpath__v1__team_snapshot__init(s);
    s->built_at = a->now;
    s->catalog_version = version;
    s->builder = by;
    s->build_ms = build_ms;
    s->dim = (uint32_t)a->D;
    s->n_learner_ids = a->ids.n;
    s->learner_ids = a->ids.p;
    s->n_tiers = a->tiers.n;
    s->tiers = a->tiers.p;
    s->n_targets = a->targets.n;
    s->targets = a->targets.p;
    s->n_effective = a->eff.n;
    s->effective = a->eff.p;
    s->n_decay_loss = a->decay.n;
    s->decay_loss = a->decay.p;
    s->review_due.len = a->review.n;
    s->review_due.data = a->review.p;
    s->n_passed_offsets = a->off.n;
    s->passed_offsets = a->off.p;
    s->n_passed = a->passed.n;
    s->passed = a->passed.p;
    s->lessons_k = a->kind == SVC_TEAM_DEMAND ? SVC_TEAM_LESSONS : 0;
    s->lessons_ms = (uint32_t)(a->lessons_s * 1000);
    s->n_next_lessons = a->lessons.n;
    s->next_lessons = a->lessons.p;
    s->n_fingerprints = a->fps.n;
    s->fingerprints = a->fps.p;
    s->full_at = a->kind == SVC_TEAM_DEMAND ? a->full_at : 0;
    free(a->prev_slot);
    rs_path_ws_destroy(a->ws);
    free(a->U);
    free(a->S);
    free(a->chat);
    free(a);                            /* the arrays now belong to s */
    return s;
}

void svc_team_snapshot_free(Skillpath__V1__TeamSnapshot *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n_learner_ids; i++)
        free(s->learner_ids[i]);
    free(s->learner_ids);
    free(s->tiers);
    free(s->targets);
    free(s->effective);
    free(s->decay_loss);
    free(s->review_due.data);
    free(s->passed_offsets);
    free(s->passed);
    free(s->next_lessons);
    free(s->fingerprints);
    free(s->catalog_version);
    free(s->builder);
    free(s);
}

/* ---------------------------------------------------------------- serving */

struct svc_team *svc_team_create(Skillpath__V1__TeamSnapshot *pb, const struct svc_catalog *c,
                                 enum svc_team_kind kind, char *err, size_t errlen)
{
    const struct rs_catalog *cat = c->cat;
    size_t L = pb->n_learner_ids, D = rs_catalog_n_tags(cat);
    size_t T = rs_catalog_n_targets(cat), N = rs_catalog_n_courses(cat);
    size_t bytes = (D + 7) / 8;
    const char *why = NULL;
    if (pb->dim != D)
        why = "its tags are not the catalog's";
    else if (pb->n_tiers != L || pb->n_targets != L)
        why = "its columns disagree in length";
    else if (kind == SVC_TEAM_SNAPSHOT &&
             (pb->n_effective != L * D || pb->n_decay_loss != L || pb->review_due.len != L * bytes ||
              pb->n_passed_offsets != L + 1 || pb->passed_offsets[0] != 0 ||
              pb->passed_offsets[L] != pb->n_passed))
        why = "its columns disagree in length";
    else if (kind == SVC_TEAM_DEMAND &&
             (pb->lessons_k == 0 || pb->lessons_k > 100 || pb->n_next_lessons != L * pb->lessons_k ||
              (pb->n_fingerprints != 0 && pb->n_fingerprints != L)))
        why = "its lessons disagree in length (or it is no demand)";
    for (size_t i = 0; !why && i < L; i++)
        if (pb->targets[i] < -1 || pb->targets[i] >= (int32_t)T || pb->tiers[i] < 0 || pb->tiers[i] > 3)
            why = "a learner's tier or target is out of range";
    for (size_t i = 0; !why && kind == SVC_TEAM_SNAPSHOT && i < L; i++)
        if (pb->passed_offsets[i] > pb->passed_offsets[i + 1])
            why = "a learner's passed courses are out of range";
    for (size_t i = 0; !why && kind == SVC_TEAM_SNAPSHOT && i < pb->n_passed; i++)
        if (pb->passed[i] >= N)
            why = "a passed course is out of range";
    for (size_t i = 0; !why && kind == SVC_TEAM_DEMAND && i < pb->n_next_lessons; i++)
        if (pb->next_lessons[i] >= N && pb->next_lessons[i] != SVC_TEAM_NO_LESSON)
            why = "a lesson is out of range";
    struct svc_team *t = why ? NULL : calloc(1, sizeof *t);
    float *gap = why ? NULL : calloc(L + 1, sizeof *gap);
    if (why || t == NULL || gap == NULL) {
        snprintf(err, errlen, "team %s of catalog %s: %s", kind == SVC_TEAM_DEMAND ? "demand" : "snapshot",
                 pb->catalog_version,
                 why ? why : "out of memory");
        free(t);
        free(gap);
        skillpath__v1__team_snapshot__free_unpacked(pb, NULL);
        return NULL;
    }
    const float *w = rs_catalog_tag_weights(cat);
    for (size_t i = 0; kind == SVC_TEAM_SNAPSHOT && i < L; i++)
        if (pb->targets[i] >= 0)
            gap[i] = rs_learner_gap(pb->effective + i * D, rs_catalog_target_level(cat, (size_t)pb->targets[i]),
                                    w, D, NULL);
    t->refs = 1;
    t->kind = kind;
    t->pb = pb;
    t->L = L;
    t->D = D;
    t->review_bytes = bytes;
    t->gap = gap;
    return t;
}

struct svc_team *svc_team_ref(struct svc_team *t)
{
    atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
    return t;
}

void svc_team_unref(struct svc_team *t)
{
    if (t == NULL || atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) > 1)
        return;
    skillpath__v1__team_snapshot__free_unpacked(t->pb, NULL);
    free(t->gap);
    free(t);
}

/* ---------------------------------------------------------------- statistics */

static void swapf(float *a, float *b)
{
    float t = *a;
    *a = *b;
    *b = t;
}

/* Put the k-th smallest of v[0..n) at v[k], smaller ones before it. */
static float select_k(float *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;        /* median of three as the pivot */
        if (v[mid] < v[lo])
            swapf(&v[mid], &v[lo]);
        if (v[hi] < v[lo])
            swapf(&v[hi], &v[lo]);
        if (v[hi] < v[mid])
            swapf(&v[hi], &v[mid]);
        float pivot = v[mid];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (v[j] > pivot)
                j--;
            if (i <= j) {
                swapf(&v[i], &v[j]);
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            break;
    }
    return v[k];
}

float svc_team_quantile(float *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    double pos = p * (double)(n - 1);
    size_t lo = (size_t)pos;
    float a = select_k(v, n, lo);
    if (lo + 1 >= n || pos == (double)lo)
        return a;
    float b = v[lo + 1];                    /* the least of those above: the next one */
    for (size_t i = lo + 2; i < n; i++)
        if (v[i] < b)
            b = v[i];
    return a + (float)(pos - (double)lo) * (b - a);
}

static bool keep(const struct svc_team *t, const struct svc_team_filter *f, size_t i)
{
    return (f->tier == 0 || (int)t->pb->tiers[i] == f->tier) &&
           (f->target < 0 || t->pb->targets[i] == f->target);
}

static bool review_bit(const struct svc_team *t, size_t i, size_t k)
{
    return t->pb->review_due.data[i * t->review_bytes + k / 8] & (1u << (k % 8));
}

/* The module index of tag k, or -1. */
static long tag_module(const struct rs_catalog *cat, size_t k)
{
    size_t m;
    return rs_catalog_find_module(cat, rs_catalog_tag_module(cat, k), &m) == 0 ? (long)m : -1;
}

static Skillpath__V1__Count *counts(size_t n)
{
    Skillpath__V1__Count *c = calloc(n + 1, sizeof *c);
    for (size_t i = 0; c && i < n; i++)
        skillpath__v1__count__init(&c[i]);
    return c;
}

static Skillpath__V1__Count **count_ptrs(Skillpath__V1__Count *c, size_t n)
{
    Skillpath__V1__Count **p = calloc(n + 1, sizeof *p);
    for (size_t i = 0; p && i < n; i++)
        p[i] = &c[i];
    return p;
}

/* The pb target of catalog target index t (same order, checked by id). */
static const Skillpath__V1__Target *pb_target(const struct svc_catalog *c, size_t t)
{
    const char *id = rs_catalog_target_id(c->cat, t);
    if (t < c->pb->n_targets && strcmp(c->pb->targets[t]->id, id) == 0)
        return c->pb->targets[t];
    for (size_t i = 0; i < c->pb->n_targets; i++)
        if (strcmp(c->pb->targets[i]->id, id) == 0)
            return c->pb->targets[i];
    return NULL;
}

void svc_team_summary_free(Skillpath__V1__TeamSummary *s)
{
    if (s == NULL)
        return;
    if (s->by_tier)
        free(s->by_tier[0]);
    free(s->by_tier);
    if (s->by_target)
        free(s->by_target[0]);
    free(s->by_target);
    if (s->tags)
        free(s->tags[0]);
    free(s->tags);
    if (s->certifications)
        free(s->certifications[0]);
    free(s->certifications);
    if (s->completions)
        free(s->completions[0]);
    free(s->completions);
    free(s);
}

Skillpath__V1__TeamSummary *svc_team_summary(const struct svc_team *t, const struct svc_catalog *c,
                                             const struct svc_team_filter *f)
{
    const struct rs_catalog *cat = c->cat;
    const Skillpath__V1__TeamSnapshot *pb = t->pb;
    size_t L = t->L, D = t->D, T = rs_catalog_n_targets(cat), N = rs_catalog_n_courses(cat);
    const float *w = rs_catalog_tag_weights(cat);
    Skillpath__V1__TeamSummary *s = calloc(1, sizeof *s);
    uint32_t *idx = calloc(L + 1, sizeof *idx);
    float *vals = calloc(L + 1, sizeof *vals);
    uint32_t *tier_n = calloc(4, sizeof *tier_n), *target_n = calloc(T + 1, sizeof *target_n);
    uint32_t *done = calloc(N + 1, sizeof *done);
    if (!s || !idx || !vals || !tier_n || !target_n || !done)
        goto fail;
    skillpath__v1__team_summary__init(s);
    s->built_at = pb->built_at;
    s->catalog_version = pb->catalog_version;

    /* who */
    size_t n = 0;
    for (size_t i = 0; i < L; i++)
        if (keep(t, f, i)) {
            idx[n++] = (uint32_t)i;
            tier_n[pb->tiers[i]]++;
            if (pb->targets[i] >= 0)
                target_n[pb->targets[i]]++;
            for (uint32_t p = pb->passed_offsets[i]; p < pb->passed_offsets[i + 1]; p++)
                done[pb->passed[p]]++;
            for (size_t k = 0; k < D; k++)
                if (review_bit(t, i, k)) {
                    s->review_due_learners++;
                    break;
                }
        }
    s->headcount = (uint32_t)n;
    Skillpath__V1__Count *tc = counts(3);
    size_t nt = 0;
    for (size_t x = 0; x < T; x++)
        nt += target_n[x] > 0;
    Skillpath__V1__Count *gc = counts(nt);
    if (!tc || !gc) {
        free(tc);
        free(gc);
        goto fail;
    }
    for (int tier = 1; tier <= 3; tier++) {
        tc[tier - 1].key = (char *)protobuf_c_enum_descriptor_get_value(&skillpath__v1__tier__descriptor, tier)->name;
        tc[tier - 1].count = tier_n[tier];
    }
    s->by_tier = count_ptrs(tc, 3);
    s->n_by_tier = 3;
    nt = 0;
    for (size_t x = 0; x < T; x++)
        if (target_n[x] > 0) {
            gc[nt].key = (char *)rs_catalog_target_id(cat, x);
            gc[nt++].count = target_n[x];
        }
    s->by_target = count_ptrs(gc, nt);
    s->n_by_target = nt;
    if (nt == 0)                        /* freed through by_target[0] only when there is one */
        free(gc), gc = NULL;
    if (!s->by_tier || !s->by_target) {
        free(s->by_tier ? NULL : tc);
        free(s->by_target ? NULL : gc);
        goto fail;
    }

    /* per tag */
    size_t ntags = 0;
    for (size_t k = 0; k < D; k++)
        ntags += f->module < 0 || tag_module(cat, k) == f->module;
    Skillpath__V1__TagStats *ts = calloc(ntags + 1, sizeof *ts);
    s->tags = calloc(ntags + 1, sizeof *s->tags);
    if (!ts || !s->tags) {
        free(ts);
        goto fail;
    }
    size_t at = 0;
    for (size_t k = 0; k < D; k++) {
        if (f->module >= 0 && tag_module(cat, k) != f->module)
            continue;
        Skillpath__V1__TagStats *x = &ts[at];
        skillpath__v1__tag_stats__init(x);
        x->tag_id = (char *)rs_catalog_tag_id(cat, k);
        x->name = (char *)rs_catalog_tag_name(cat, k);
        x->module = (char *)rs_catalog_tag_module(cat, k);
        double sum = 0, gap = 0;
        size_t with_target = 0, at_target = 0;
        for (size_t j = 0; j < n; j++) {
            size_t i = idx[j];
            float e = pb->effective[i * D + k];
            vals[j] = e;
            sum += e;
            if (pb->targets[i] >= 0) {
                float lv = rs_catalog_target_level(cat, (size_t)pb->targets[i])[k];
                with_target++;
                at_target += e >= lv;
                gap += lv > e ? w[k] * (lv - e) : 0;
            }
            x->review_due += review_bit(t, i, k);
        }
        x->mean = n ? (float)(sum / (double)n) : 0;
        x->mean_gap = n ? (float)(gap / (double)n) : 0;
        x->at_target_share = with_target ? (float)at_target / (float)with_target : 0;
        x->q1 = svc_team_quantile(vals, n, 0.25);
        x->median = svc_team_quantile(vals, n, 0.5);
        x->q3 = svc_team_quantile(vals, n, 0.75);
        s->tags[at++] = x;
    }
    s->n_tags = at;
    if (at == 0)
        free(ts);

    /* certifications */
    size_t ncert = 0;
    for (size_t x = 0; x < T; x++) {
        const Skillpath__V1__Target *pt = pb_target(c, x);
        ncert += pt && pt->kind == SKILLPATH__V1__TARGET_KIND__CERTIFICATION;
    }
    Skillpath__V1__Readiness *rd = calloc(ncert + 1, sizeof *rd);
    s->certifications = calloc(ncert + 1, sizeof *s->certifications);
    if (!rd || !s->certifications) {
        free(rd);
        goto fail;
    }
    size_t rc = 0;
    for (size_t x = 0; x < T; x++) {
        const Skillpath__V1__Target *pt = pb_target(c, x);
        if (!pt || pt->kind != SKILLPATH__V1__TARGET_KIND__CERTIFICATION)
            continue;
        const float *lv = rs_catalog_target_level(cat, x);
        size_t ready = 0, rest = 0;
        for (size_t j = 0; j < n; j++) {
            float g = rs_learner_gap(pb->effective + (size_t)idx[j] * D, lv, w, D, NULL);
            if (g <= c->model.gap_tolerance)
                ready++;
            else
                vals[rest++] = g;
        }
        skillpath__v1__readiness__init(&rd[rc]);
        rd[rc].target_id = (char *)rs_catalog_target_id(cat, x);
        rd[rc].name = (char *)rs_catalog_target_name(cat, x);
        rd[rc].ready_share = n ? (float)ready / (float)n : 0;
        rd[rc].median_gap_rest = svc_team_quantile(vals, rest, 0.5);
        s->certifications[rc] = &rd[rc];
        rc++;
    }
    s->n_certifications = rc;
    if (rc == 0)
        free(rd);

    /* completions: the courses someone passed, in catalog order */
    size_t nd = 0;
    for (size_t j = 0; j < N; j++)
        nd += done[j] > 0;
    Skillpath__V1__Count *dc = counts(nd);
    if (!dc)
        goto fail;
    s->completions = count_ptrs(dc, nd);
    if (!s->completions) {
        free(dc);
        goto fail;
    }
    nd = 0;
    for (size_t j = 0; j < N; j++)
        if (done[j] > 0) {
            dc[nd].key = (char *)rs_catalog_course_id(cat, j);
            dc[nd++].count = done[j];
        }
    s->n_completions = nd;
    if (nd == 0)
        free(dc);
    free(idx);
    free(vals);
    free(tier_n);
    free(target_n);
    free(done);
    return s;
fail:
    free(idx);
    free(vals);
    free(tier_n);
    free(target_n);
    free(done);
    svc_team_summary_free(s);
    return NULL;
}

/* ---------------------------------------------------------------- demand */

void svc_team_demand_free(Skillpath__V1__TeamDemand *s)
{
    if (s == NULL)
        return;
    if (s->courses)
        free(s->courses[0]);
    free(s->courses);
    free(s);
}

struct demand_order {
    const uint32_t *want;
};

static int by_demand(const void *a, const void *b, void *arg)
{
    const struct demand_order *o = arg;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    if (o->want[x] != o->want[y])
        return o->want[x] > o->want[y] ? -1 : 1;
    return x < y ? -1 : x > y;
}

Skillpath__V1__TeamDemand *svc_team_demand(const struct svc_team *t, const struct svc_catalog *c,
                                           const struct svc_team_filter *f, size_t k)
{
    const struct rs_catalog *cat = c->cat;
    const Skillpath__V1__TeamSnapshot *pb = t->pb;
    size_t N = rs_catalog_n_courses(cat), K = pb->lessons_k;
    Skillpath__V1__TeamDemand *s = calloc(1, sizeof *s);
    uint32_t *want = calloc(N + 1, sizeof *want), *next = calloc(N + 1, sizeof *next);
    uint32_t *order = calloc(N + 1, sizeof *order);
    Skillpath__V1__CourseDemand *cd = NULL;
    if (!s || !want || !next || !order)
        goto fail;
    skillpath__v1__team_demand__init(s);
    s->built_at = pb->built_at;
    s->catalog_version = pb->catalog_version;
    s->k = (uint32_t)(k < K ? k : K);
    for (size_t i = 0; i < t->L; i++) {
        if (!keep(t, f, i))
            continue;
        s->learners++;
        const uint32_t *row = pb->next_lessons + i * K;
        for (size_t r = 0; r < s->k && row[r] != SVC_TEAM_NO_LESSON; r++) {
            bool again = false;         /* a course a path plans twice counts once */
            for (size_t e = 0; e < r && !again; e++)
                again = row[e] == row[r];
            if (!again)
                want[row[r]]++;
            if (r == 0)
                next[row[r]]++;
        }
    }
    size_t n = 0;
    for (size_t j = 0; j < N; j++)
        if (want[j] > 0 && (f->module < 0 || (long)rs_catalog_course_module(cat, j) == f->module))
            order[n++] = (uint32_t)j;
    struct demand_order o = { want };
    qsort_r(order, n, sizeof *order, by_demand, &o);
    cd = calloc(n + 1, sizeof *cd);
    s->courses = calloc(n + 1, sizeof *s->courses);
    if (!cd || !s->courses)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        uint32_t j = order[i];
        skillpath__v1__course_demand__init(&cd[i]);
        cd[i].course_id = (char *)rs_catalog_course_id(cat, j);
        cd[i].title = (char *)rs_catalog_course_title(cat, j);
        cd[i].module = (char *)rs_catalog_module_name(cat, rs_catalog_course_module(cat, j));
        cd[i].tier = (Skillpath__V1__Tier)rs_catalog_course_tier(cat, j);
        cd[i].learners = want[j];
        cd[i].next = next[j];
        s->courses[i] = &cd[i];
    }
    s->n_courses = n;
    if (n == 0)
        free(cd);
    free(want);
    free(next);
    free(order);
    return s;
fail:
    free(cd);
    free(want);
    free(next);
    free(order);
    svc_team_demand_free(s);
    return NULL;
}

/* ---------------------------------------------------------------- at risk */

struct risk_order {
    const float *v;             /* gap or decay loss, per learner */
    char **ids;
};

static int by_risk(const void *a, const void *b, void *arg)
{
    const struct risk_order *o = arg;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    if (o->v[x] != o->v[y])
        return o->v[x] > o->v[y] ? -1 : 1;
    return strcmp(o->ids[x], o->ids[y]);
}

void svc_team_at_risk_free(Skillpath__V1__AtRiskList *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n_learners; i++)
        free(s->learners[i]->review_due);
    if (s->learners)
        free(s->learners[0]);
    free(s->learners);
    free(s);
}

Skillpath__V1__AtRiskList *svc_team_at_risk(const struct svc_team *t, const struct svc_catalog *c,
                                            const struct svc_team_filter *f, enum svc_team_sort by,
                                            size_t limit)
{
    const Skillpath__V1__TeamSnapshot *pb = t->pb;
    Skillpath__V1__AtRiskList *s = calloc(1, sizeof *s);
    uint32_t *idx = calloc(t->L + 1, sizeof *idx);
    if (!s || !idx) {
        free(s);
        free(idx);
        return NULL;
    }
    skillpath__v1__at_risk_list__init(s);
    s->built_at = pb->built_at;
    s->catalog_version = pb->catalog_version;
    size_t n = 0;
    for (size_t i = 0; i < t->L; i++)
        if (keep(t, f, i))
            idx[n++] = (uint32_t)i;
    s->total = (uint32_t)n;
    /* a sort of the kept ones: the team is small enough, and the request
     * rare enough, that a selection would not pay for its code */
    struct risk_order o = { by == SVC_TEAM_BY_GAP ? t->gap : pb->decay_loss, pb->learner_ids };
    qsort_r(idx, n, sizeof *idx, by_risk, &o);
    size_t m = n < limit ? n : limit;
    Skillpath__V1__AtRiskLearner *a = calloc(m + 1, sizeof *a);
    s->learners = calloc(m + 1, sizeof *s->learners);
    if (!a || !s->learners) {
        free(a);
        free(idx);
        svc_team_at_risk_free(s);
        return NULL;
    }
    for (size_t r = 0; r < m; r++) {
        size_t i = idx[r];
        skillpath__v1__at_risk_learner__init(&a[r]);
        a[r].learner_id = pb->learner_ids[i];
        a[r].tier = (Skillpath__V1__Tier)pb->tiers[i];
        a[r].target_id = pb->targets[i] >= 0 ? (char *)rs_catalog_target_id(c->cat, (size_t)pb->targets[i]) : "";
        a[r].gap = t->gap[i];
        a[r].decay_loss = pb->decay_loss[i];
        a[r].review_due = calloc(t->D + 1, sizeof *a[r].review_due);
        for (size_t k = 0; a[r].review_due && k < t->D; k++)
            if (review_bit(t, i, k))
                a[r].review_due[a[r].n_review_due++] = (char *)rs_catalog_tag_id(c->cat, k);
        s->learners[r] = &a[r];
        s->n_learners = r + 1;
    }
    if (m == 0)
        free(a);
    free(idx);
    return s;
}

/* ---------------------------------------------------------------- CSV */

struct text {
    char *p;
    size_t n, cap;
    bool failed;
};

static void put(struct text *t, const char *s, size_t len)
{
    if (t->failed)
        return;
    if (t->n + len + 1 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 4096;
        while (cap < t->n + len + 1)
            cap *= 2;
        char *q = realloc(t->p, cap);
        if (q == NULL) {
            t->failed = true;
            return;
        }
        t->p = q;
        t->cap = cap;
    }
    memcpy(t->p + t->n, s, len);
    t->n += len;
    t->p[t->n] = '\0';
}

static void put_str(struct text *t, const char *s)
{
    put(t, s, strlen(s));
}

/* A field, quoted when it holds a comma, a quote or a line break (a quote
 * inside doubled). */
static void field(struct text *t, const char *s, bool last)
{
    if (strpbrk(s, ",\"\r\n")) {
        put(t, "\"", 1);
        for (const char *p = s; *p; p++)
            put(t, *p == '"' ? "\"\"" : p, *p == '"' ? 2 : 1);
        put(t, "\"", 1);
    } else {
        put(t, s, strlen(s));
    }
    put(t, last ? "\r\n" : ",", last ? 2 : 1);
}

static void number(struct text *t, double v, bool last)
{
    char b[64];
    snprintf(b, sizeof b, "%.4f", v);
    field(t, b, last);
}

static char *finish_text(struct text *t, size_t *len)
{
    if (t->failed) {
        free(t->p);
        return NULL;
    }
    *len = t->n;
    return t->p;
}

char *svc_team_summary_csv(const Skillpath__V1__TeamSummary *s, size_t *len)
{
    struct text t = { 0 };
    put(&t, "\xEF\xBB\xBF", 3);
    put_str(&t, "tag_id,name,module,mean,q1,median,q3,at_target_share,mean_gap,review_due\r\n");
    for (size_t i = 0; i < s->n_tags; i++) {
        const Skillpath__V1__TagStats *x = s->tags[i];
        char due[32];
        snprintf(due, sizeof due, "%u", x->review_due);
        field(&t, x->tag_id, false);
        field(&t, x->name, false);
        field(&t, x->module, false);
        number(&t, x->mean, false);
        number(&t, x->q1, false);
        number(&t, x->median, false);
        number(&t, x->q3, false);
        number(&t, x->at_target_share, false);
        number(&t, x->mean_gap, false);
        field(&t, due, true);
    }
    return finish_text(&t, len);
}

char *svc_team_demand_csv(const Skillpath__V1__TeamDemand *s, size_t *len)
{
    struct text t = { 0 };
    put(&t, "\xEF\xBB\xBF", 3);
    put_str(&t, "course_id,title,module,tier,learners,next\r\n");
    for (size_t i = 0; i < s->n_courses; i++) {
        const Skillpath__V1__CourseDemand *d = s->courses[i];
        const ProtobufCEnumValue *tv = protobuf_c_enum_descriptor_get_value(&skillpath__v1__tier__descriptor, d->tier);
        char a[32], b[32];
        snprintf(a, sizeof a, "%u", d->learners);
        snprintf(b, sizeof b, "%u", d->next);
        field(&t, d->course_id, false);
        field(&t, d->title, false);
        field(&t, d->module, false);
        field(&t, tv ? tv->name : "", false);
        field(&t, a, false);
        field(&t, b, true);
    }
    return finish_text(&t, len);
}

char *svc_team_at_risk_csv(const Skillpath__V1__AtRiskList *s, size_t *len)
{
    struct text t = { 0 };
    put(&t, "\xEF\xBB\xBF", 3);
    put_str(&t, "learner_id,tier,target_id,gap,decay_loss,review_due\r\n");
    for (size_t i = 0; i < s->n_learners; i++) {
        const Skillpath__V1__AtRiskLearner *a = s->learners[i];
        const ProtobufCEnumValue *tv = protobuf_c_enum_descriptor_get_value(&skillpath__v1__tier__descriptor, a->tier);
        struct text due = { 0 };
        for (size_t k = 0; k < a->n_review_due; k++) {
            if (k)
                put(&due, ";", 1);
            put(&due, a->review_due[k], strlen(a->review_due[k]));
        }
        field(&t, a->learner_id, false);
        field(&t, tv ? tv->name : "", false);
        field(&t, a->target_id, false);
        number(&t, a->gap, false);
        number(&t, a->decay_loss, false);
        field(&t, due.p ? due.p : "", true);
        free(due.p);
    }
    return finish_text(&t, len);
}
