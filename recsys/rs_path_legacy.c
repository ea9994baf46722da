/* SPDX-License-Identifier: MIT
 * The sequencer as it was before the rules of DESIGN §3.4 (issue 11), kept
 * unchanged as the baseline `make bench-quality` measures the rules'
 * sequencer (rs_path.c) against; a model chooses it with
 * RS_SEQUENCER_LEGACY, the service's default does not. One pass counts as mastery, a pick's prerequisites go in together or
 * not at all, continuity is a 15% bonus. Its expected effect of a course is
 * the old fixed rate (0.5 of the gap per session); its flags of faded skill
 * use the old 0.05 drop. See rs_path.c for the lazy greedy it shares the
 * idea of.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rs_internal.h"

#define LEGACY_ETA 0.5f
#define LEGACY_FADE 0.05f
#define LEGACY_CONTINUITY 0.15f

enum {
    F_EXCLUDED = 1 << 0,
    F_IN_PATH = 1 << 1,
    F_PASSED = 1 << 2,
    F_FAILED = 1 << 3,
    F_FADED = 1 << 4,           /* passed, but its skills faded below target */
    F_OFF_MODULE = 1 << 5,      /* outside the requested modules */
    F_NEAR = 1 << 6,            /* next to the continuity anchor */
    F_REJECTED = 1 << 7,        /* cannot be taken any more in this path */
};

#define CAND_PER_ITEM 32        /* candidates wanted per requested item */
#define CAND_MIN 256            /* ... and at least this many */
#define CAND_SHARE 16           /* ... and at least 1/CAND_SHARE of the catalog: the
                                 * best falls fast along a path, and a wider first set
                                 * is cheaper than widening later */
#define SAMPLE 1024             /* scores sampled to place the threshold */
#define MIN_CHANGE 0.005f       /* smaller tag changes are not worth listing */

/* A candidate carries what its walk needs, so walks stay in cache. */
struct cand {
    float bound;                /* bound on its priority: full pass, then tightened */
    float weight;               /* 1/minutes · tier factor */
    uint32_t course;
};

struct legacy_ws {
    const struct rs_catalog *cat;   /* the catalog this scratch is sized for */
    size_t max_cover;           /* the most tags a course covers: changes per item */
    float *s;                   /* N: scores A·g of the full pass */
    float *inv_dur;             /* N: 1 / duration */
    struct cand *cand;          /* N: candidates */
    uint8_t *flags;             /* N: F_* for the current query */
    uint8_t *mark;              /* N: DFS marks, zero between uses */
    uint32_t *stack;            /* N */
    uint32_t *group;            /* N: the pick's unmet prerequisites */
    uint32_t *nbr;              /* N: neighbours of the anchor */
    float *chat;                /* D: simulated effective capability */
    float *g;                   /* D: simulated weighted gap */
};

struct legacy_ws *rs_legacy_ws_create(const struct rs_catalog *cat)
{
    size_t N = cat->n_courses, D = cat->n_tags;
    struct legacy_ws *ws = calloc(1, sizeof *ws);
    if (ws == NULL)
        return NULL;
    ws->cat = cat;
    ws->s = rs_aligned_alloc(N * sizeof(float));
    ws->inv_dur = malloc(N * sizeof(float));
    ws->cand = malloc(N * sizeof(struct cand));
    ws->flags = calloc(N, 1);
    ws->mark = calloc(N, 1);
    ws->stack = malloc(N * sizeof(uint32_t));
    ws->group = malloc(N * sizeof(uint32_t));
    ws->nbr = malloc(N * sizeof(uint32_t));
    ws->chat = malloc(D * sizeof(float));
    ws->g = malloc(D * sizeof(float));
    if (!ws->s || !ws->inv_dur || !ws->cand || !ws->flags || !ws->mark || !ws->stack ||
        !ws->group || !ws->nbr || !ws->chat || !ws->g) {
        rs_legacy_ws_destroy(ws);
        return NULL;
    }
    for (size_t j = 0; j < N; j++) {
        ws->inv_dur[j] = 1.0f / (float)cat->duration[j];
        size_t n = cat->nz_off[j + 1] - cat->nz_off[j];
        ws->max_cover = n > ws->max_cover ? n : ws->max_cover;
    }
    return ws;
}

void rs_legacy_ws_destroy(struct legacy_ws *ws)
{
    if (ws == NULL)
        return;
    free(ws->s);
    free(ws->inv_dur);
    free(ws->cand);
    free(ws->flags);
    free(ws->mark);
    free(ws->stack);
    free(ws->group);
    free(ws->nbr);
    free(ws->chat);
    free(ws->g);
    free(ws);
}

struct step_ctx {
    const struct rs_catalog *cat;
    const struct rs_model *m;
    struct legacy_ws *ws;
    const float *target;        /* D */
    enum rs_tier tier;          /* the learner's */
    float tier_factor[4];       /* by course tier, for this learner's tier */
    size_t items_left;
    uint32_t budget_left;       /* UINT32_MAX = unlimited */
    size_t k;                   /* candidates wanted */
    size_t n_cand;              /* candidates held */
    float thr;                  /* every course left out has a bound below this */
    size_t n_near;              /* neighbours of the anchor, in ws->nbr */
};

/* ---------------------------------------------------------------- query */


static int check_query(const struct rs_catalog *cat, const struct rs_path_query *q,
                       const struct legacy_ws *ws, char *err, size_t errlen)
{
    if (ws == NULL || ws->cat != cat) {
        rs_err_set(err, errlen, "path workspace was made for another catalog");
        return RS_EINVAL;
    }
    return rs_path_query_check(cat, q, err, errlen);
}

/* Per-query course flags: exclusions, modules, history. */
static void set_flags(const struct rs_catalog *cat, const struct rs_model *m __attribute__((unused)),
                      const struct rs_path_query *q, struct legacy_ws *ws, const float *chat,
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
            if (chat[k] < target[k] && l->capability[k] - chat[k] >= LEGACY_FADE) {
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
    return rs_path_fit(x->m, x->cat->difficulty[j], rs_course_level(x->cat, x->ws->chat, j));
}

/* Collect j's unmet prerequisites into ws->group in topological order.
 * Returns their count, or -1 when j cannot be taken now: an unmet one is
 * excluded, or j and its prerequisites exceed the items or minutes left. */
static long unmet_prerequisites(const struct step_ctx *x, uint32_t j)
{
    const struct rs_catalog *cat = x->cat;
    struct legacy_ws *ws = x->ws;
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

static bool blocked(uint8_t f)
{
    return (f & (F_EXCLUDED | F_IN_PATH | F_OFF_MODULE | F_REJECTED)) ||
           ((f & F_PASSED) && !(f & F_FADED));
}

/* ---------------------------------------------------------------- candidates */

/* Course j's bound from the full pass's score, which only overstates its
 * current score as the path goes on. */
static float full_pass_bound(const struct step_ctx *x, size_t j)
{
    return x->ws->s[j] * x->ws->inv_dur[j] * x->tier_factor[x->cat->course_tier[j]];
}

/* Course j's exact current score A_j·g. The dense row, not the sparse one:
 * the sgemv has just streamed A through the cache, so its rows are close,
 * and two adjacent lines beat three scattered arrays. */
static float current_score(const struct step_ctx *x, uint32_t j)
{
    const size_t D = x->cat->n_tags;
    const float *a = x->cat->A + (size_t)j * D, *g = x->ws->g;
    float p[4] = {0, 0, 0, 0};
    size_t k = 0;
    for (; k + 4 <= D; k += 4)
        for (int i = 0; i < 4; i++)
            p[i] += a[k + i] * g[k + i];
    for (; k < D; k++)
        p[0] += a[k] * g[k];
    return (p[0] + p[1]) + (p[2] + p[3]);
}

static void add_cand(struct step_ctx *x, uint32_t j, float bound)
{
    struct legacy_ws *ws = x->ws;
    ws->cand[x->n_cand++] = (struct cand){
        .bound = bound, .weight = ws->inv_dur[j] * x->tier_factor[x->cat->course_tier[j]],
        .course = j,
    };
}

/* The first candidates: every course's bound from the full pass, and those
 * reaching a sampled quantile (so that about x->k pass) join; when x->k is a
 * large share of the catalog, all eligible courses join and x->thr = 0. */
static void first_candidates(struct step_ctx *x)
{
    const struct rs_catalog *cat = x->cat;
    struct legacy_ws *ws = x->ws;
    const size_t N = cat->n_courses;
    const float min_s = x->m->min_gain / LEGACY_ETA;
    const float *s = ws->s, *inv = ws->inv_dur, *tf = x->tier_factor;
    const uint8_t *f = ws->flags, *tier = cat->course_tier;
    const uint8_t never = F_EXCLUDED | F_IN_PATH | F_OFF_MODULE | F_REJECTED;
    float thr = 0;
    if (x->k * 4 < N && N > SAMPLE) {
        float sample[SAMPLE];
        size_t stride = N / SAMPLE, rank = x->k * SAMPLE / N;
        for (size_t i = 0; i < SAMPLE; i++)
            sample[i] = s[i * stride] * inv[i * stride] * tf[tier[i * stride]];
        thr = rs_kth_largest(sample, SAMPLE, rank ? rank : 1);
    }
    /* With the sgemv, the only pass over every course: keep it lean. */
    x->n_cand = 0;
    for (size_t j = 0; j < N; j++) {
        bool out = (f[j] & never) | ((f[j] & (F_PASSED | F_FADED)) == F_PASSED) | (s[j] < min_s);
        float bj = out ? -1.0f : s[j] * inv[j] * tf[tier[j]];
        if (bj >= thr && bj >= 0)
            add_cand(x, (uint32_t)j, bj);
    }
    x->thr = thr;
}

/* Lower the threshold to lo: the courses with a full-pass bound in
 * [lo, x->thr) get their current score read off g, in catalog order, and those
 * still at or above lo join the candidates; the others can never reach lo. */
static void widen(struct step_ctx *x, float lo)
{
    struct legacy_ws *ws = x->ws;
    const float min_s = x->m->min_gain / LEGACY_ETA;
    for (size_t j = 0; j < x->cat->n_courses; j++) {
        float b = full_pass_bound(x, j);
        if (b < lo || b >= x->thr || ws->s[j] < min_s || blocked(ws->flags[j]))
            continue;
        float now = current_score(x, (uint32_t)j) * ws->inv_dur[j] *
                    x->tier_factor[x->cat->course_tier[j]];
        if (now >= lo)
            add_cand(x, (uint32_t)j, now);
    }
    x->thr = lo;
}

/* Consider course j at current score sj and priority bound `bound` (sj per
 * minute, tier applied): if it beats *best and can be taken now, with its
 * unmet prerequisites, it becomes the pick. */
static void consider(const struct step_ctx *x, uint32_t j, float sj, float bound, float *best,
                     long *pick, long *n_group)
{
    struct legacy_ws *ws = x->ws;
    if (sj < x->m->min_gain / LEGACY_ETA)
        return;
    float prio = bound * ((ws->flags[j] & F_NEAR) ? 1 + LEGACY_CONTINUITY : 1);
    if (prio <= *best)
        return;                         /* fit ≤ 1 cannot lift it */
    prio *= difficulty_fit(x, j);
    if (prio <= *best)
        return;
    long n = unmet_prerequisites(x, j);
    if (n < 0) {
        /* Items and minutes only shrink: it will never fit again. */
        ws->flags[j] |= F_REJECTED;
        return;
    }
    *best = prio;
    *pick = (long)j;
    *n_group = n;
}

/* The next course, or -1: the neighbours of the anchor, then every
 * candidate whose bound could beat the best so far. When courses left out
 * could still beat it (x->thr > best), those down to a bit below the best
 * join — below, since the next picks will score lower still — and are walked. */
static long next_course(struct step_ctx *x, long *n_group)
{
    struct legacy_ws *ws = x->ws;
    const float bonus = 1 + LEGACY_CONTINUITY;
    float best = 0;
    long pick = -1;
    for (size_t i = 0; i < x->n_near; i++) {
        uint32_t j = ws->nbr[i];
        if (full_pass_bound(x, j) * bonus > best && !blocked(ws->flags[j])) {
            float sj = current_score(x, j);
            consider(x, j, sj, sj * ws->inv_dur[j] * x->tier_factor[x->cat->course_tier[j]],
                     &best, &pick, n_group);
        }
    }
    size_t i = 0, live = 0;
    for (;;) {
        for (; i < x->n_cand; i++) {
            struct cand c = ws->cand[i];
            uint8_t f = ws->flags[c.course];
            if (blocked(f))
                continue;               /* dropped from the list for good */
            if (c.bound > best && !(f & F_NEAR)) {
                float sj = current_score(x, c.course);
                c.bound = sj * c.weight;        /* tighter now, and for the rest of the path */
                consider(x, c.course, sj, c.bound, &best, &pick, n_group);
            }
            ws->cand[live++] = c;
        }
        x->n_cand = i = live;
        if (x->thr <= best || x->thr == 0)
            break;
        widen(x, best * 0.9f > x->thr * 0.25f ? best * 0.9f : x->thr * 0.25f);
        if (x->thr < 1e-12f)
            widen(x, 0);
    }
    if (pick >= 0 && *n_group > 0)
        unmet_prerequisites(x, (uint32_t)pick);     /* ws->group was overwritten since */
    return pick;
}

/* Move the continuity bonus from the neighbours of `prev` to those of `next`. */
static void set_anchor(struct step_ctx *x, long prev, long next)
{
    const struct rs_catalog *cat = x->cat;
    struct legacy_ws *ws = x->ws;
    for (size_t i = 0; prev >= 0 && i < x->n_near; i++)
        ws->flags[ws->nbr[i]] &= (uint8_t)~F_NEAR;
    x->n_near = 0;
    if (next >= 0) {
        x->n_near = rs_graph_neighbours(cat, (size_t)next, ws->mark, ws->nbr, cat->n_courses);
        for (size_t i = 0; i < x->n_near; i++)
            ws->flags[ws->nbr[i]] |= F_NEAR;
    }
}

/* Simulate taking course j: move its tags eta·a_jk of the way to the target,
 * record the item and its tag changes. Only the pick's own tags change. */
static void take(const struct step_ctx *x, uint32_t j, enum rs_reason reason, struct rs_path *out)
{
    const struct rs_catalog *cat = x->cat;
    struct legacy_ws *ws = x->ws;
    const float eta = LEGACY_ETA;
    struct rs_path_item *it = &out->items[out->n_items++];
    it->course = j;
    it->reason = reason;
    it->duration_min = cat->duration[j];
    it->first_change = out->n_changes;
    it->n_changes = 0;
    it->gain = 0;
    for (uint32_t e = cat->nz_off[j]; e < cat->nz_off[j + 1]; e++) {
        uint32_t k = cat->nz_tag[e];
        float a = cat->nz_val[e];
        if (ws->g[k] <= 0)
            continue;
        float before = ws->chat[k];
        float step = eta * a * (x->target[k] - before);
        float dg = -eta * a * ws->g[k];
        ws->chat[k] = before + step;
        ws->g[k] += dg;
        it->gain -= dg;
        if (step >= MIN_CHANGE) {
            out->changes[out->n_changes++] = (struct rs_tag_change){ k, before, before + step };
            it->n_changes++;
        }
    }
    ws->flags[j] |= F_IN_PATH;
    out->total_min += cat->duration[j];
}

int rs_legacy_build(const struct rs_catalog *cat, const struct rs_model *m,
                    const struct rs_path_query *q, struct legacy_ws *ws, struct rs_path *out,
                    char *err, size_t errlen)
{
    int rc = check_query(cat, q, ws, err, errlen);
    if (rc != 0)
        return rc;
    size_t D = cat->n_tags;
    size_t n_max = q->max_items ? q->max_items : RS_PATH_DEFAULT_ITEMS;
    memset(out, 0, sizeof *out);
    out->items = malloc(n_max * sizeof *out->items);        /* take() fills what is used */
    /* an item lists at most its course's tags: a few, not D */
    out->changes = malloc(n_max * (ws->max_cover ? ws->max_cover : 1) * sizeof *out->changes);
    if (!out->items || !out->changes) {
        rs_path_deinit(out);
        return RS_ENOMEM;
    }

    const float *target = cat->T + q->target * D;
    rs_learner_effective(m, q->learner, q->now, ws->chat);
    out->gap_before = rs_learner_gap(ws->chat, target, cat->tag_weight, D, ws->g);
    rs_score_one(cat, ws->g, ws->s);
    set_flags(cat, m, q, ws, ws->chat, target);

    struct step_ctx x = {
        .cat = cat, .m = m, .ws = ws, .target = target, .tier = q->learner->tier,
        .items_left = n_max, .budget_left = q->budget_min ? q->budget_min : UINT32_MAX,
        .k = n_max * CAND_PER_ITEM > CAND_MIN ? n_max * CAND_PER_ITEM : CAND_MIN,
    };
    if (x.k < cat->n_courses / CAND_SHARE)
        x.k = cat->n_courses / CAND_SHARE;
    for (int t = 0; t < 4; t++) {
        int above = t - (int)x.tier;
        x.tier_factor[t] = x.tier == RS_TIER_ANY || t == RS_TIER_ANY || above <= 0
                               ? 1.0f : powf(m->tier_penalty, (float)above);
    }
    /* Continuity starts from the learner's latest course. */
    long anchor = -1;
    int64_t latest = 0;
    for (size_t i = 0; i < q->learner->n_attempts; i++)
        if (q->learner->attempts[i].at > latest) {
            latest = q->learner->attempts[i].at;
            anchor = q->learner->attempts[i].course;
        }
    set_anchor(&x, -1, anchor);
    first_candidates(&x);

    while (x.items_left > 0) {
        long n_group = 0;
        long j = next_course(&x, &n_group);
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
        if (x.items_left == 0)
            break;
        set_anchor(&x, anchor, j);
        anchor = j;
    }
    out->gap_after = 0;
    for (size_t k = 0; k < D; k++)
        out->gap_after += ws->g[k];
    out->status = out->gap_after < m->gap_tolerance ? RS_PATH_TARGET_REACHED
                : x.items_left == 0 || out->n_items > 0 ? RS_PATH_IN_PROGRESS
                : RS_PATH_NOTHING_LEFT;
    return 0;
}
