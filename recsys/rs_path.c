/* SPDX-License-Identifier: MIT
 * Path sequencing.
 *
 * DESIGN
 * The learner's weighted gap g is scored once against every course (s = A·g,
 * one sgemv). The expected effect of taking course j is modelled as closing a
 * fraction eta·a_jk of the gap on each covered tag k, so its expected gain is
 * exactly eta·s_j and, after it, g_k shrinks by eta·a_jk·g_k on its tags only.
 * Each step scans s once for the best priority
 *     eta·s_j / minutes_j · fit_j · tier_j · (1 + continuity if next to the last course)
 * where fit ≤ 1 and tier ≤ 1: the cheap bound eta·s_j/minutes_j·(1+continuity)
 * skips almost every course, and only courses that could beat the best so far
 * get their difficulty fit, eligibility and prerequisite check computed. The
 * pick's unmet prerequisites go first (topological order); then the scores are
 * updated for the changed tags only, one saxpy per tag over Aᵀ's contiguous
 * column — or one sgemv when so many tags changed that a full pass is cheaper.
 */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rs_internal.h"

enum {
    F_EXCLUDED = 1 << 0,
    F_IN_PATH = 1 << 1,
    F_PASSED = 1 << 2,
    F_FAILED = 1 << 3,
    F_FADED = 1 << 4,           /* passed, but its skills faded below target */
    F_OFF_MODULE = 1 << 5,      /* outside the requested modules */
    F_NEAR = 1 << 6,            /* next to the continuity anchor */
};

#define MIN_CHANGE 0.005f       /* smaller tag changes are not worth listing */

struct rs_path_ws {
    const struct rs_catalog *cat;   /* the catalog this scratch is sized for */
    float *s;                   /* N: current scores A·g */
    float *inv_dur;             /* N: 1 / duration */
    uint8_t *flags;             /* N: F_* for the current query */
    uint8_t *mark;              /* N: DFS marks, zero between uses */
    uint32_t *stack;            /* N */
    uint32_t *group;            /* N: the pick's unmet prerequisites */
    uint32_t *nbr;              /* N: neighbours of the anchor */
    float *chat;                /* D: simulated effective capability */
    float *g;                   /* D: simulated weighted gap */
    float *dg;                  /* D: gap change of the current step */
};

struct rs_path_ws *rs_path_ws_create(const struct rs_catalog *cat)
{
    size_t N = cat->n_courses, D = cat->n_tags;
    struct rs_path_ws *ws = calloc(1, sizeof *ws);
    if (ws == NULL)
        return NULL;
    ws->cat = cat;
    ws->s = rs_aligned_alloc(N * sizeof(float));
    ws->inv_dur = malloc(N * sizeof(float));
    ws->flags = calloc(N, 1);
    ws->mark = calloc(N, 1);
    ws->stack = malloc(N * sizeof(uint32_t));
    ws->group = malloc(N * sizeof(uint32_t));
    ws->nbr = malloc(N * sizeof(uint32_t));
    ws->chat = malloc(D * sizeof(float));
    ws->g = malloc(D * sizeof(float));
    ws->dg = malloc(D * sizeof(float));
    if (!ws->s || !ws->inv_dur || !ws->flags || !ws->mark || !ws->stack || !ws->group ||
        !ws->nbr || !ws->chat || !ws->g || !ws->dg) {
        rs_path_ws_destroy(ws);
        return NULL;
    }
    for (size_t j = 0; j < N; j++)
        ws->inv_dur[j] = 1.0f / (float)cat->duration[j];
    return ws;
}

void rs_path_ws_destroy(struct rs_path_ws *ws)
{
    if (ws == NULL)
        return;
    free(ws->s);
    free(ws->inv_dur);
    free(ws->flags);
    free(ws->mark);
    free(ws->stack);
    free(ws->group);
    free(ws->nbr);
    free(ws->chat);
    free(ws->g);
    free(ws->dg);
    free(ws);
}

void rs_path_deinit(struct rs_path *p)
{
    free(p->items);
    free(p->changes);
    memset(p, 0, sizeof *p);
}

/* ---------------------------------------------------------------- query */

struct step_ctx {
    const struct rs_catalog *cat;
    const struct rs_model *m;
    struct rs_path_ws *ws;
    const float *target;        /* D */
    enum rs_tier tier;          /* learner's */
    size_t items_left;
    uint32_t budget_left;       /* UINT32_MAX = unlimited */
};

static int check_query(const struct rs_catalog *cat, const struct rs_path_query *q,
                       const struct rs_path_ws *ws, char *err, size_t errlen)
{
    if (ws == NULL || ws->cat != cat) {
        rs_err_set(err, errlen, "path workspace was made for another catalog");
        return RS_EINVAL;
    }
    if (q->learner == NULL) {
        rs_err_set(err, errlen, "learner: missing");
        return RS_EINVAL;
    }
    int rc = rs_learner_check(cat, q->learner, err, errlen);
    if (rc != 0)
        return rc;
    if (q->target >= cat->n_targets) {
        rs_err_set(err, errlen, "target: index %zu out of range", q->target);
        return RS_EINVAL;
    }
    if (q->max_items > RS_PATH_MAX_ITEMS) {
        rs_err_set(err, errlen, "max_items: %zu is more than %d", q->max_items, RS_PATH_MAX_ITEMS);
        return RS_EINVAL;
    }
    for (size_t i = 0; i < q->n_exclude; i++)
        if (q->exclude[i] >= cat->n_courses) {
            rs_err_set(err, errlen, "exclude[%zu]: course index out of range", i);
            return RS_EINVAL;
        }
    for (size_t i = 0; i < q->n_modules; i++)
        if (q->modules[i] >= cat->n_modules) {
            rs_err_set(err, errlen, "modules[%zu]: module index out of range", i);
            return RS_EINVAL;
        }
    return 0;
}

/* Per-query course flags: exclusions, modules, history. */
static void set_flags(const struct rs_catalog *cat, const struct rs_model *m,
                      const struct rs_path_query *q, struct rs_path_ws *ws, const float *chat,
                      const float *target)
{
    size_t N = cat->n_courses;
    uint8_t *f = ws->flags;
    if (q->n_modules == 0) {
        memset(f, 0, N);
    } else {
        uint8_t want[256] = {0};
        bool many = cat->n_modules > sizeof want;
        for (size_t i = 0; i < q->n_modules && !many; i++)
            want[q->modules[i]] = 1;
        for (size_t j = 0; j < N; j++) {
            bool in = false;
            if (many) {
                for (size_t i = 0; i < q->n_modules && !in; i++)
                    in = cat->course_module[j] == q->modules[i];
            } else {
                in = want[cat->course_module[j]];
            }
            f[j] = in ? 0 : F_OFF_MODULE;
        }
    }
    for (size_t i = 0; i < q->n_exclude; i++)
        f[q->exclude[i]] |= F_EXCLUDED;
    const struct rs_learner *l = q->learner;
    for (size_t i = 0; i < l->n_attempts; i++) {
        uint32_t j = l->attempts[i].course;
        if (!l->attempts[i].passed) {
            f[j] |= F_FAILED;
            continue;
        }
        f[j] |= F_PASSED;
        for (uint32_t e = cat->nz_off[j]; e < cat->nz_off[j + 1]; e++) {
            uint32_t k = cat->nz_tag[e];
            if (chat[k] < target[k] && l->capability[k] - chat[k] >= m->fade_min) {
                f[j] |= F_FADED;
                break;
            }
        }
    }
}

/* The learner's current level on course j's tags, and how well j's difficulty
 * fits it (a bell around level + stretch, floored). */
static float difficulty_fit(const struct step_ctx *x, size_t j)
{
    const struct rs_catalog *cat = x->cat;
    const float *a = cat->A + j * cat->n_tags;
    float level = 0;
    for (uint32_t e = cat->nz_off[j]; e < cat->nz_off[j + 1]; e++) {
        uint32_t k = cat->nz_tag[e];
        level += a[k] * x->ws->chat[k];
    }
    level = cat->cover_sum[j] > 0 ? level / cat->cover_sum[j] : 0;
    float z = (cat->difficulty[j] - (level + x->m->stretch)) / x->m->fit_width;
    return x->m->fit_floor + (1 - x->m->fit_floor) * expf(-z * z);
}

static float tier_fit(const struct step_ctx *x, size_t j)
{
    int above = (int)x->cat->course_tier[j] - (int)x->tier;
    if (x->tier == RS_TIER_ANY || x->cat->course_tier[j] == RS_TIER_ANY || above <= 0)
        return 1.0f;
    return powf(x->m->tier_penalty, (float)above);
}

/* Collect j's unmet prerequisites into ws->group in topological order.
 * Returns their count, or -1 when j cannot be taken now: an unmet one is
 * excluded, or j and its prerequisites exceed the items or minutes left. */
static long unmet_prerequisites(const struct step_ctx *x, uint32_t j)
{
    const struct rs_catalog *cat = x->cat;
    struct rs_path_ws *ws = x->ws;
    size_t n = 0, sp = 0;
    uint64_t minutes = cat->duration[j];
    bool ok = true;
    ws->stack[sp++] = j;
    while (sp > 0 && ok) {
        uint32_t u = ws->stack[--sp];
        for (uint32_t e = cat->pre_off[u]; e < cat->pre_off[u + 1]; e++) {
            uint32_t p = cat->pre_idx[e];
            if ((ws->flags[p] & (F_PASSED | F_IN_PATH)) || ws->mark[p])
                continue;
            if ((ws->flags[p] & F_EXCLUDED) || n + 1 >= x->items_left) {
                ok = false;
                break;
            }
            ws->mark[p] = 1;
            ws->group[n++] = p;
            ws->stack[sp++] = p;
            minutes += cat->duration[p];
        }
    }
    for (size_t i = 0; i < n; i++)
        ws->mark[ws->group[i]] = 0;
    if (!ok || minutes > x->budget_left)
        return -1;
    /* Insertion sort by topological rank: groups are small. */
    for (size_t i = 1; i < n; i++) {
        uint32_t v = ws->group[i];
        size_t k = i;
        while (k > 0 && cat->topo_rank[ws->group[k - 1]] > cat->topo_rank[v]) {
            ws->group[k] = ws->group[k - 1];
            k--;
        }
        ws->group[k] = v;
    }
    return (long)n;
}

/* One scan over the scores: the best course to take next, or -1. */
static long best_course(const struct step_ctx *x, long *n_group)
{
    const struct rs_catalog *cat = x->cat;
    struct rs_path_ws *ws = x->ws;
    const float eta = x->m->eta_assessed, min_s = x->m->min_gain / eta;
    const float bonus = 1 + x->m->continuity;
    const float *s = ws->s, *inv = ws->inv_dur;
    const uint8_t *f = ws->flags;
    const uint8_t blocked = F_EXCLUDED | F_IN_PATH | F_OFF_MODULE;
    float best = 0;
    long pick = -1;
    for (size_t j = 0; j < cat->n_courses; j++) {
        if (s[j] * inv[j] * bonus <= best || s[j] < min_s)
            continue;
        if ((f[j] & blocked) || ((f[j] & F_PASSED) && !(f[j] & F_FADED)))
            continue;
        float prio = s[j] * inv[j] * difficulty_fit(x, j) * tier_fit(x, j);
        if (f[j] & F_NEAR)
            prio *= bonus;
        if (prio <= best)
            continue;
        long n = unmet_prerequisites(x, (uint32_t)j);
        if (n < 0)
            continue;
        best = prio;
        pick = (long)j;
        *n_group = n;
    }
    if (pick >= 0 && *n_group > 0)
        unmet_prerequisites(x, (uint32_t)pick);     /* ws->group was overwritten since */
    return pick;
}

static void set_anchor(struct rs_path_ws *ws, const struct rs_catalog *cat, long prev, long next)
{
    if (prev >= 0) {
        size_t n = rs_graph_neighbours(cat, (size_t)prev, ws->mark, ws->nbr, cat->n_courses);
        for (size_t i = 0; i < n; i++)
            ws->flags[ws->nbr[i]] &= (uint8_t)~F_NEAR;
    }
    if (next >= 0) {
        size_t n = rs_graph_neighbours(cat, (size_t)next, ws->mark, ws->nbr, cat->n_courses);
        for (size_t i = 0; i < n; i++)
            ws->flags[ws->nbr[i]] |= F_NEAR;
    }
}

/* Simulate taking course j: move its tags eta·a_jk of the way to the target,
 * record the item and its tag changes, accumulate the gap change in ws->dg. */
static void take(const struct step_ctx *x, uint32_t j, enum rs_reason reason, struct rs_path *out)
{
    const struct rs_catalog *cat = x->cat;
    struct rs_path_ws *ws = x->ws;
    const float *a = cat->A + (size_t)j * cat->n_tags;
    const float eta = x->m->eta_assessed;
    struct rs_path_item *it = &out->items[out->n_items++];
    it->course = j;
    it->reason = reason;
    it->duration_min = cat->duration[j];
    it->first_change = out->n_changes;
    it->n_changes = 0;
    it->gain = 0;
    for (uint32_t e = cat->nz_off[j]; e < cat->nz_off[j + 1]; e++) {
        uint32_t k = cat->nz_tag[e];
        if (ws->g[k] <= 0)
            continue;
        float before = ws->chat[k];
        float step = eta * a[k] * (x->target[k] - before);
        float dg = -eta * a[k] * ws->g[k];
        ws->chat[k] = before + step;
        ws->g[k] += dg;
        ws->dg[k] += dg;
        it->gain -= dg;
        if (step >= MIN_CHANGE) {
            out->changes[out->n_changes++] = (struct rs_tag_change){ k, before, before + step };
            it->n_changes++;
        }
    }
    ws->flags[j] |= F_IN_PATH;
    out->total_min += cat->duration[j];
}

/* s += A·dg for the tags that changed; a full sgemv when that is cheaper. */
static void rescore(const struct step_ctx *x)
{
    const struct rs_catalog *cat = x->cat;
    struct rs_path_ws *ws = x->ws;
    size_t D = cat->n_tags, N = cat->n_courses, changed = 0;
    for (size_t k = 0; k < D; k++)
        changed += ws->dg[k] != 0;
    if (2 * changed >= D) {
        rs_score_one(cat, ws->g, ws->s);
    } else {
        for (size_t k = 0; k < D; k++)
            if (ws->dg[k] != 0)
                cblas_saxpy((blasint)N, ws->dg[k], cat->AT + k * N, 1, ws->s, 1);
    }
    memset(ws->dg, 0, D * sizeof *ws->dg);
}

int rs_path_build(const struct rs_catalog *cat, const struct rs_model *m,
                  const struct rs_path_query *q, struct rs_path_ws *ws, struct rs_path *out,
                  char *err, size_t errlen)
{
    int rc = check_query(cat, q, ws, err, errlen);
    if (rc != 0)
        return rc;
    size_t D = cat->n_tags;
    size_t n_max = q->max_items ? q->max_items : RS_PATH_DEFAULT_ITEMS;
    memset(out, 0, sizeof *out);
    out->items = calloc(n_max, sizeof *out->items);
    out->changes = calloc(n_max * D, sizeof *out->changes);
    if (!out->items || !out->changes) {
        rs_path_deinit(out);
        return RS_ENOMEM;
    }

    const float *target = cat->T + q->target * D;
    rs_learner_effective(m, q->learner, q->now, ws->chat);
    out->gap_before = rs_learner_gap(ws->chat, target, cat->tag_weight, D, ws->g);
    memset(ws->dg, 0, D * sizeof *ws->dg);
    rs_score_one(cat, ws->g, ws->s);
    set_flags(cat, m, q, ws, ws->chat, target);

    struct step_ctx x = {
        .cat = cat, .m = m, .ws = ws, .target = target, .tier = q->learner->tier,
        .items_left = n_max, .budget_left = q->budget_min ? q->budget_min : UINT32_MAX,
    };
    /* Continuity starts from the learner's latest course. */
    long anchor = -1;
    int64_t latest = 0;
    for (size_t i = 0; i < q->learner->n_attempts; i++)
        if (q->learner->attempts[i].at > latest) {
            latest = q->learner->attempts[i].at;
            anchor = q->learner->attempts[i].course;
        }
    set_anchor(ws, cat, -1, anchor);

    while (x.items_left > 0) {
        long n_group = 0;
        long j = best_course(&x, &n_group);
        if (j < 0)
            break;
        uint32_t before_min = out->total_min;
        for (long i = 0; i < n_group; i++)
            take(&x, ws->group[i], RS_REASON_PREREQUISITE, out);
        uint8_t f = ws->flags[j];
        enum rs_reason why = (f & F_PASSED) ? RS_REASON_REVIEW
                           : (f & F_FAILED) ? RS_REASON_RETAKE : RS_REASON_GAP;
        take(&x, (uint32_t)j, why, out);
        x.items_left -= (size_t)n_group + 1;
        if (x.budget_left != UINT32_MAX)
            x.budget_left -= out->total_min - before_min;
        set_anchor(ws, cat, anchor, j);
        anchor = j;
        if (x.items_left > 0)
            rescore(&x);
    }
    set_anchor(ws, cat, anchor, -1);
    out->gap_after = 0;
    for (size_t k = 0; k < D; k++)
        out->gap_after += ws->g[k];
    return 0;
}
