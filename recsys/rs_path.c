/* SPDX-License-Identifier: MIT
 * Path sequencing: the rules of DESIGN §3.4.
 *
 * THE PLANNING MODEL
 * A planned session of course j moves each tag k it teaches a share
 * session_gain·a_jk of the way from ĉ_k to 1 (learning, not merely the gap:
 * the tags of a prerequisite outside the target rise too). Its direct value
 * is the weighted gap it closes, Σ_k w_k·min(t_k − ĉ_k, session_gain·a_jk·(1 − ĉ_k))
 * over the tags still below target. A course is mastered, and as a
 * prerequisite met, when its level (rs_course_level: the coverage-weighted
 * mean of ĉ over its tags) reaches its mastery score — from whatever raised
 * ĉ, an assessment, a profile or a session planned earlier in this path.
 * Nothing ever lowers ĉ along a path, so a mastered course stays mastered.
 *
 * ONE STEP
 * 1. The best course overall, B: the one with the best priority
 *        value_j / chain_minutes_j · tier_j · fit_j · (retake_factor if just failed)
 *    where chain_minutes_j are j's minutes plus, for each unmet prerequisite,
 *    its minutes times the sessions the planning model expects it to need
 *    (a deep course pays for its chain), among those allowed (not mastered, not excluded, in the modules asked
 *    for, not planned max_sessions times, not the previous item, not capped
 *    after failures).
 * 2. One thread of study: the best course R related to the anchor (the
 *    learner's latest course with progress, then each item planned): the
 *    anchor itself, its prerequisites, its dependents, courses sharing a
 *    prerequisite. R is taken when its priority reaches (1 − continuity)
 *    of B's; else the previous item again (practice back to back) when it
 *    does; else the best course one hop further that does; else B.
 * 3. The head of the chain: the pick's unmet prerequisites come first, in a
 *    depth-first post-order (each chain followed to its end before the
 *    next, the one leading back to the anchor first): as many as the items
 *    and minutes left allow, the pick itself last if it still fits. At n = 1
 *    the answer is the deepest unmet prerequisite on the first chain.
 * 4. Recovery: a course whose latest attempt failed with no progress since
 *    gets retake_factor and is no thread to follow (step 2 skips it); after
 *    retake_cap failures in a row it is not picked while anything else is
 *    allowed. Its unmet prerequisites are its chain; an easier course on its
 *    tags beats a retake by that factor.
 * 5. Finish the job: a planned course whose level stays below its mastery
 *    score is allowed again later as PRACTICE, never as the very next item
 *    while anything else is allowed.
 * When a step finds nothing under these rules it relaxes them in order
 * (back to back, then capped retakes, then a mastered course whose tags the
 * target still asks more of, as PRACTICE) before giving up: a path is empty
 * only when no allowed course can close any of the gap, and `status` says
 * why.
 *
 * SPEED
 * The learner's bound u_k = w_k·min(gap_k / min_cover, session_gain·(1 − ĉ_k))
 * on tags below target (bound_weight says why it bounds) is scored against
 * every course (s = A·u, one sgemv); s_j bounds course j's value for the rest
 * of the path (ĉ only rises: u only shrinks), so, its fit being at most 1,
 * s_j / minutes_j · tier_j bounds its priority. (Bounding by the fit at the
 * start of the path as well was tried: it examines fewer candidates but
 * costs a fit for every course near the threshold, and the path was 25%
 * slower for the same gap closed.) Once examined, a course's bound is its
 * priority then, fit included — with one approximation: a course harder
 * than the learner can fit better once the path has raised its level.
 * The candidates are the courses whose bound reaches a sampled quantile (so
 * that about K pass), put roughly in the order of their bounds (a counting
 * sort into quarter-octaves): a step scans them, examines each whose bound
 * can still beat the best — tightening the bound to the course's own
 * priority now — and skips the rest (the lazy greedy of submodular
 * maximisation: a skipped bound is at most the best, which only rises, so
 * the pick is the best of all). A max-heap popping them in exact bound
 * order was 10-30% slower: its pops cost more than the examinations the
 * order saved. The chain's minutes only lower a priority, and the chain walk stops once
 * it is too long to win. Before there is a best to bound it, a chain is
 * walked to 8 sessions' worth of minutes; one longer waits until the
 * candidates above the best are done and is walked again, bounded by the
 * best by then, or 8 times further while there is none (on a deep catalog
 * the first candidate's chain can be hundreds of courses). When the
 * candidates run out above the best, the step first marks every course
 * already mastered (one sgemv of the levels, once a path) and scores the
 * whole catalog again against u as it is (a picked course lowers the value
 * of every course sharing its tags: on a catalog of 28 tags most of them,
 * and one more sgemv is cheaper than examining them one by one), then
 * widens the threshold — at once to everything when it has no pick yet.
 * The last resort's practice bounds mastered courses by A·u (one more
 * sgemv) before it values them. Rules are relaxed only when one held a
 * course back. A step that has examined EXAMINE_MAX candidates and holds a
 * pick takes it: on a large catalog whose picks lower everyone's value, a
 * step is exact in what it examined and close to the best beyond. The first step is exact: tests/unit/test_rs_path.c
 * checks it against a full pass, and that a shorter path is the start of a
 * longer one.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rs_internal.h"

enum {
    F_EXCLUDED = 1 << 0,
    F_OFF_MODULE = 1 << 1,      /* outside the requested modules (may still be a prerequisite) */
    F_REJECTED = 1 << 2,        /* cannot be taken in this path (its chain is excluded or too long) */
    F_MASTERED = 1 << 3,        /* found mastered: stays so for the rest of the path */
    F_DONE = 1 << 4,            /* planned max_sessions times */
    F_LAST = 1 << 5,            /* the previous item */
    F_CAPPED = 1 << 6,          /* failed retake_cap times in a row, no progress since */
    F_FAILED = 1 << 7,          /* the latest attempt failed, no progress since */
    F_PASSED = 1 << 8,          /* the latest attempt passed */
    F_NEAR = 1 << 9,            /* related to the anchor */
    F_FAR = 1 << 10,            /* one hop further */
    F_CAND = 1 << 11,           /* in the candidate list (or dropped from it for good) */
    F_SEEN = 1 << 12,           /* examined in this step */
};

/* Rules a step may relax, in this order, when it finds nothing. */
enum { STRICT = 0, ALLOW_BACK_TO_BACK = 1, ALLOW_CAPPED = 2 };

#define CAND_MIN 256            /* candidates wanted at first: at least this many, */
#define CAND_SHARE 16           /* and 1/CAND_SHARE of the catalog; not by the items
                                 * asked for, so that a shorter path starts the same */
#define SAMPLE 1024             /* scores sampled to place the threshold */
#define EXAMINE_MAX 512         /* candidates a step examines at most once it has a pick */
#define MIN_CHANGE 0.005f       /* smaller tag changes are not worth listing */
#define MASTERY_EPS 1e-4f       /* planned levels meet a mastery score this close */

struct cand {
    float bound;                /* bound on its priority: full pass, then tightened */
    uint32_t course;
};

struct rs_path_ws {
    const struct rs_catalog *cat;   /* the catalog this scratch is sized for */
    size_t max_cover;           /* the most tags a course covers: changes per item */
    float min_cover;            /* the smallest coverage any course has on a tag it teaches */
    float *s;                   /* N: the bound pass A·u */
    float *inv_dur;             /* N: 1 / duration */
    struct cand *cand;          /* N: candidates, roughly in the order of their bounds */
    struct cand *aside;         /* N: the courses examined in a step (F_SEEN) */
    struct cand *later;         /* N: scratch for ordering the candidates */
    uint8_t *mark_key;          /* N: ... their buckets */
    uint16_t *flags;            /* N: F_* for the current query */
    uint8_t *sessions;          /* N: sessions planned in this path */
    uint8_t *mark;              /* N: DFS marks, zero between uses */
    uint32_t *stack;            /* N: DFS nodes ... */
    uint32_t *edge;             /* N: ... and the next prerequisite edge of each */
    uint32_t *group;            /* N: the pick's chain */
    uint32_t *near;             /* N: related to the anchor */
    uint32_t *far;              /* N: one hop further */
    float *chat;                /* D: simulated effective capability */
    float *u;                   /* D: the bound vector */
    float *lvl;                 /* N: A·ĉ, the courses' levels times their cover sums (the
                                 * last resort's value bounds afterwards) */
    float max_inv;              /* the largest 1 / duration */
    uint32_t *short_at;         /* N: the stamp when met() last found the course short */
    uint32_t stamp;             /* changes whenever ĉ does (a session planned, a new path) */
    struct legacy_ws *legacy;   /* the legacy sequencer's scratch, or NULL until needed */
};

struct rs_path_ws *rs_path_ws_create(const struct rs_catalog *cat)
{
    size_t N = cat->n_courses, D = cat->n_tags;
    struct rs_path_ws *ws = calloc(1, sizeof *ws);
    if (ws == NULL)
        return NULL;
    ws->cat = cat;
    ws->s = rs_aligned_alloc((N ? N : 1) * sizeof(float));
    ws->inv_dur = malloc((N ? N : 1) * sizeof(float));
    ws->cand = malloc((N ? N : 1) * sizeof(struct cand));
    ws->aside = malloc((N ? N : 1) * sizeof(struct cand));
    ws->later = malloc((N ? N : 1) * sizeof(struct cand));
    ws->mark_key = malloc(N ? N : 1);
    ws->flags = calloc(N ? N : 1, sizeof *ws->flags);
    ws->sessions = calloc(N ? N : 1, 1);
    ws->mark = calloc(N ? N : 1, 1);
    ws->stack = malloc((N ? N : 1) * sizeof(uint32_t));
    ws->edge = malloc((N ? N : 1) * sizeof(uint32_t));
    ws->group = malloc((N ? N : 1) * sizeof(uint32_t));
    ws->near = malloc((N ? N : 1) * sizeof(uint32_t));
    ws->far = malloc((N ? N : 1) * sizeof(uint32_t));
    ws->chat = malloc((D ? D : 1) * sizeof(float));
    ws->u = malloc((D ? D : 1) * sizeof(float));
    ws->lvl = rs_aligned_alloc((N ? N : 1) * sizeof(float));
    ws->short_at = calloc(N ? N : 1, sizeof(uint32_t));
    if (!ws->s || !ws->aside || !ws->later || !ws->mark_key || !ws->inv_dur || !ws->cand || !ws->flags || !ws->sessions || !ws->mark ||
        !ws->stack || !ws->edge || !ws->group || !ws->near || !ws->far || !ws->chat || !ws->u || !ws->lvl || !ws->short_at) {
        rs_path_ws_destroy(ws);
        return NULL;
    }
    for (size_t j = 0; j < N; j++) {
        ws->inv_dur[j] = 1.0f / (float)cat->duration[j];
        ws->max_inv = ws->inv_dur[j] > ws->max_inv ? ws->inv_dur[j] : ws->max_inv;
        size_t n = cat->nz_off[j + 1] - cat->nz_off[j];
        ws->max_cover = n > ws->max_cover ? n : ws->max_cover;
        for (uint32_t e = cat->nz_off[j]; e < cat->nz_off[j + 1]; e++)
            if (ws->min_cover == 0 || cat->nz_val[e] < ws->min_cover)
                ws->min_cover = cat->nz_val[e];
    }
    return ws;
}

void rs_path_ws_destroy(struct rs_path_ws *ws)
{
    if (ws == NULL)
        return;
    free(ws->s);
    free(ws->inv_dur);
    free(ws->cand);
    free(ws->aside);
    free(ws->later);
    free(ws->mark_key);
    free(ws->flags);
    free(ws->sessions);
    free(ws->mark);
    free(ws->stack);
    free(ws->edge);
    free(ws->group);
    free(ws->near);
    free(ws->far);
    free(ws->chat);
    free(ws->u);
    free(ws->lvl);
    free(ws->short_at);
    rs_legacy_ws_destroy(ws->legacy);
    free(ws);
}

void rs_path_deinit(struct rs_path *p)
{
    free(p->items);
    free(p->changes);
    memset(p, 0, sizeof *p);
}

struct step_ctx {
    const struct rs_catalog *cat;
    const struct rs_model *m;
    struct rs_path_ws *ws;
    const struct rs_learner *learner;
    const float *target;        /* D */
    float tier_factor[4];       /* by course tier, for this learner's tier */
    size_t items_left;
    uint32_t budget_left;       /* UINT32_MAX = unlimited */
    size_t k;                   /* candidates wanted */
    size_t n_cand;              /* candidates held */
    float thr;                  /* every course left out has a bound below this */
    long anchor;                /* the thread of study, or -1 */
    size_t n_near, n_far;       /* ws->near, ws->far */
    bool far_ready;             /* ws->far holds the anchor's second hop */
    int relax;                  /* STRICT, ALLOW_BACK_TO_BACK or ALLOW_CAPPED */
    bool held_back;             /* a course was refused for a rule a relaxation lifts */
    bool chain_cut;             /* takeable() stopped a chain at its cap */
    bool levels_marked;         /* every course already mastered carries F_MASTERED */
    unsigned passes;            /* sgemv passes over the catalog so far */
    size_t rescored_at;         /* items_left when the last pass was made */
    bool too_long;              /* some course was left out for the minutes left */
};

/* ---------------------------------------------------------------- query */

int rs_path_query_check(const struct rs_catalog *cat, const struct rs_path_query *q, char *err,
                        size_t errlen)
{
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

static int check_query(const struct rs_catalog *cat, const struct rs_path_query *q,
                       const struct rs_path_ws *ws, char *err, size_t errlen)
{
    if (ws == NULL || ws->cat != cat) {
        rs_err_set(err, errlen, "path workspace was made for another catalog");
        return RS_EINVAL;
    }
    return rs_path_query_check(cat, q, err, errlen);
}

/* Per-query course flags: exclusions, modules, the history of attempts. */
static void set_flags(const struct rs_catalog *cat, const struct rs_model *m,
                      const struct rs_path_query *q, struct rs_path_ws *ws)
{
    size_t N = cat->n_courses;
    uint16_t *f = ws->flags;
    memset(ws->sessions, 0, N);
    if (q->n_modules == 0) {
        memset(f, 0, N * sizeof *f);
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
        const struct rs_attempt *a = &l->attempts[i];
        if (a->passed) {
            f[a->course] |= F_PASSED;
        } else if (l->anchor_at <= a->at) {
            /* failed, and nothing learnt anywhere since: a retake would be immediate */
            f[a->course] |= F_FAILED;
            if (a->fails >= m->retake_cap)
                f[a->course] |= F_CAPPED;
        }
    }
}

/* A new stamp for met()'s memory of courses found short (0 is never one). */
static void new_stamp(struct rs_path_ws *ws)
{
    if (++ws->stamp == 0) {
        memset(ws->short_at, 0, ws->cat->n_courses * sizeof *ws->short_at);
        ws->stamp = 1;
    }
}

/* The learner's simulated level on course j meets its mastery score; a
 * course planned max_sessions times counts as met too (the path assumes it
 * done; the learner's next request sees the truth). Caches the answer. */
static bool met(const struct step_ctx *x, uint32_t j)
{
    uint16_t *f = &x->ws->flags[j];
    if (*f & (F_MASTERED | F_DONE))
        return true;
    if (x->ws->short_at[j] == x->ws->stamp)
        return false;           /* found short of it since the last session planned */
    if (rs_course_level(x->cat, x->ws->chat, j) + MASTERY_EPS >= x->cat->mastery[j]) {
        *f |= F_MASTERED;
        return true;
    }
    x->ws->short_at[j] = x->ws->stamp;
    return false;
}

/* How well j's difficulty fits the learner's simulated level on its tags: a
 * bell around level + stretch, floored. */
float rs_path_fit(const struct rs_model *m, float difficulty, float level)
{
    float z = (difficulty - (level + m->stretch)) / m->fit_width;
    return m->fit_floor + (1 - m->fit_floor) * expf(-z * z);
}

static float difficulty_fit(const struct step_ctx *x, size_t j)
{
    return rs_path_fit(x->m, x->cat->difficulty[j], rs_course_level(x->cat, x->ws->chat, j));
}

/* Tag k's entry in the bound vector u, for a gap `gap` (target − ĉ) at ĉ:
 * a session closes w·min(gap, sg·a·(1 − ĉ)) of it, and since every coverage
 * a is at least min_cover, that is at most a·w·min(gap / min_cover,
 * sg·(1 − ĉ)) — linear in a, so A·u bounds every course's value at once,
 * and it only falls as ĉ rises. */
static float bound_weight(const struct rs_model *m, const struct rs_path_ws *ws, float w,
                          float gap, float chat)
{
    if (gap <= 0)
        return 0;
    float by_gap = ws->min_cover > 0 ? gap / ws->min_cover : INFINITY;
    float by_step = m->session_gain * (1 - chat);
    return w * (by_gap < by_step ? by_gap : by_step);
}

void rs_path_first_weights(const struct rs_catalog *cat, const struct rs_model *m,
                           const struct rs_path_query *q, struct rs_path_ws *ws, float *u)
{
    size_t D = cat->n_tags;
    const float *target = cat->T + q->target * D;
    rs_learner_effective(m, q->learner, q->now, ws->chat);
    for (size_t k = 0; k < D; k++)
        u[k] = bound_weight(m, ws, cat->tag_weight[k], target[k] - ws->chat[k], ws->chat[k]);
}

/* Course j's exact direct value now: the weighted gap one session closes. */
static float value(const struct step_ctx *x, uint32_t j)
{
    const struct rs_catalog *cat = x->cat;
    const float *chat = x->ws->chat, *t = x->target, *w = cat->tag_weight;
    const float sg = x->m->session_gain;
    float v = 0;
    for (uint32_t e = cat->nz_off[j]; e < cat->nz_off[j + 1]; e++) {
        uint32_t k = cat->nz_tag[e];
        float gap = t[k] - chat[k];
        if (gap <= 0)
            continue;
        float step = sg * cat->nz_val[e] * (1 - chat[k]);
        v += w[k] * (step < gap ? step : gap);
    }
    return v;
}

/* value(x, j), and j's level on the way (one pass over its tags). */
static float value_level(const struct step_ctx *x, uint32_t j, float *level)
{
    const struct rs_catalog *cat = x->cat;
    const float *chat = x->ws->chat, *t = x->target, *w = cat->tag_weight;
    const float sg = x->m->session_gain;
    float v = 0, l = 0;
    for (uint32_t e = cat->nz_off[j]; e < cat->nz_off[j + 1]; e++) {
        uint32_t k = cat->nz_tag[e];
        float a = cat->nz_val[e], c = chat[k], gap = t[k] - c;
        l += a * c;
        if (gap <= 0)
            continue;
        float step = sg * a * (1 - c);
        v += w[k] * (step < gap ? step : gap);
    }
    *level = cat->cover_sum[j] > 0 ? l / cat->cover_sum[j] : 0;
    return v;
}

/* Whether j may be the pick of this step, under the step's relaxations. */
static bool allowed(struct step_ctx *x, uint32_t j)
{
    uint16_t f = x->ws->flags[j];
    if (f & (F_EXCLUDED | F_OFF_MODULE | F_REJECTED | F_MASTERED | F_DONE))
        return false;
    if (((f & F_LAST) && x->relax < ALLOW_BACK_TO_BACK) ||
        ((f & F_CAPPED) && x->ws->sessions[j] == 0 && x->relax < ALLOW_CAPPED)) {
        x->held_back = true;            /* a relaxation would allow it */
        return false;
    }
    return true;
}

/* Priority factors other than value per minute; ≤ 1 each, so the bound holds. */
static float factors(const struct step_ctx *x, uint32_t j)
{
    float p = x->tier_factor[x->cat->course_tier[j]] * difficulty_fit(x, j);
    if ((x->ws->flags[j] & F_FAILED) && x->ws->sessions[j] == 0)
        p *= x->m->retake_factor;
    return p;
}

/* ---------------------------------------------------------------- chains */

#define CHAIN_NEVER (-1)        /* a prerequisite can never be taken in this path */
#define CHAIN_TOO_LONG (-2)     /* its minutes exceed the caller's cap */

/* Collect j's unmet prerequisites into ws->group in depth-first post-order
 * (each chain to its end, prerequisites related to the anchor first), j
 * itself last. Returns the group's length; CHAIN_NEVER when a prerequisite
 * can never be taken in this path (excluded); CHAIN_TOO_LONG as soon as the
 * group's minutes pass `cap` (a walk that need not finish: the caller only
 * wants chains cheaper than that). */
static long chain(const struct step_ctx *x, uint32_t j, float cap)
{
    const struct rs_catalog *cat = x->cat;
    struct rs_path_ws *ws = x->ws;
    size_t n = 0, sp = 0;
    bool ok = true;
    long fail = CHAIN_NEVER;
    float minutes = (float)cat->duration[j];
    ws->stack[sp] = j;
    ws->edge[sp++] = 0;
    ws->mark[j] = 1;
    while (sp > 0 && ok) {
        uint32_t v = ws->stack[sp - 1];
        uint32_t deg = cat->pre_off[v + 1] - cat->pre_off[v];
        /* Edges in two rounds: those related to the anchor, then the rest. */
        bool pushed = false;
        while (ws->edge[sp - 1] < 2 * deg) {
            uint32_t e = ws->edge[sp - 1]++;
            uint32_t p = cat->pre_idx[cat->pre_off[v] + e % deg];
            bool near = (ws->flags[p] & F_NEAR) != 0;
            if ((e < deg) != near || ws->mark[p] || met(x, p))
                continue;
            if (ws->flags[p] & (F_EXCLUDED | F_REJECTED)) {
                ok = false;
                break;
            }
            minutes += (float)cat->duration[p];        /* a session at least */
            if (minutes > cap) {
                ok = false;
                fail = CHAIN_TOO_LONG;
                break;
            }
            ws->mark[p] = 1;
            ws->stack[sp] = p;
            ws->edge[sp++] = 0;
            pushed = true;
            break;
        }
        if (!pushed && ok) {
            ws->group[n++] = v;
            sp--;
        }
    }
    /* Unmark: the group, and whatever was left on the stack. */
    for (size_t i = 0; i < n; i++)
        ws->mark[ws->group[i]] = 0;
    for (size_t i = 0; i < sp; i++)
        ws->mark[ws->stack[i]] = 0;
    return ok ? (long)n : fail;
}

/* Whether every direct prerequisite of v is met now. */
static bool prerequisites_met(const struct step_ctx *x, uint32_t v)
{
    for (uint32_t e = x->cat->pre_off[v]; e < x->cat->pre_off[v + 1]; e++)
        if (!met(x, x->cat->pre_idx[e]))
            return false;
    return true;
}

/* ---------------------------------------------------------------- candidates */

/* The k-th largest of n values (k in [1, n]); reorders v. */
float rs_kth_largest(float *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1, want = k - 1;
    while (lo < hi) {
        float pivot = v[(lo + hi) / 2];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (v[i] > pivot)
                i++;
            while (v[j] < pivot)
                j--;
            if (i <= j) {
                float t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (want <= j)
            hi = j;
        else if (want >= i)
            lo = i;
        else
            return v[want];
    }
    return v[want];
}

/* Put the candidates from `from` on roughly in descending order of their bounds: a
 * counting sort into quarter-octave buckets below the largest (the bits of
 * a positive float order as it does). A step scans them in this order, so
 * the likeliest picks come first and raise the best early. */
static void order_candidates(struct step_ctx *x, size_t from)
{
    struct rs_path_ws *ws = x->ws;
    enum { BUCKETS = 64 };
    size_t count[BUCKETS + 1] = {0};
    float top = 0;
    for (size_t i = from; i < x->n_cand; i++)
        top = ws->cand[i].bound > top ? ws->cand[i].bound : top;
    uint32_t tb;
    memcpy(&tb, &top, sizeof tb);
    uint8_t *key = ws->mark_key;
    struct cand *c = ws->cand + from;
    size_t n = x->n_cand - from;
    for (size_t i = 0; i < n; i++) {
        uint32_t b;
        memcpy(&b, &c[i].bound, sizeof b);
        uint32_t k = (tb - b) >> 21;                /* 4 a factor of 2 */
        key[i] = (uint8_t)(k < BUCKETS - 1 ? k : BUCKETS - 1);
        count[key[i] + 1]++;
    }
    for (size_t k = 1; k <= BUCKETS; k++)
        count[k] += count[k - 1];
    for (size_t i = 0; i < n; i++)
        ws->later[count[key[i]]++] = c[i];
    memcpy(c, ws->later, n * sizeof *c);
}

static float full_pass_bound(const struct step_ctx *x, size_t j)
{
    return x->ws->s[j] * x->ws->inv_dur[j] * x->tier_factor[x->cat->course_tier[j]];
}

/* The candidates after a pass: the courses whose bound s_j/minutes·tier
 * reaches a threshold (a quantile of a sample, so that about x->k pass).
 * When x->k is a large share of the catalog, all join and x->thr = 0. */
static void first_candidates(struct step_ctx *x)
{
    const struct rs_catalog *cat = x->cat;
    struct rs_path_ws *ws = x->ws;
    const size_t N = cat->n_courses;
    const float min_s = x->m->min_gain;
    float *s = ws->s;
    const float *inv = ws->inv_dur, *tf = x->tier_factor;
    const uint8_t *tier = cat->course_tier;
    float thr = 0;
    if (x->k * 4 < N && N > SAMPLE) {
        float sample[SAMPLE];
        size_t stride = N / SAMPLE, rank = x->k * SAMPLE / N;
        for (size_t i = 0; i < SAMPLE; i++) {
            size_t j = i * stride;
            sample[i] = s[j] * inv[j] * tf[tier[j]];
        }
        thr = rs_kth_largest(sample, SAMPLE, rank ? rank : 1);
    }
    /* With the sgemv, the only pass over every course: keep it lean. It
     * reads s alone (a tier factor is at most 1 and 1/minutes at most
     * max_inv, so s_j < thr / max_inv cannot reach thr) and lists the rest
     * without a branch, since which pass is close to random. */
    x->n_cand = 0;
    uint16_t *f = ws->flags;
    float lo = thr / ws->max_inv;
    lo = lo > min_s ? lo : min_s;
    uint32_t *pass = ws->stack;
    size_t n_pass = 0;
    for (size_t j = 0; j < N; j++) {
        pass[n_pass] = (uint32_t)j;
        n_pass += s[j] >= lo;
    }
    for (size_t i = 0; i < n_pass; i++) {
        size_t j = pass[i];
        if (f[j] & (F_EXCLUDED | F_OFF_MODULE))
            continue;
        float bj = s[j] * inv[j] * tf[tier[j]];
        if (bj >= thr) {
            ws->cand[x->n_cand++] = (struct cand){ bj, (uint32_t)j };
            f[j] |= F_CAND;
        }
    }
    order_candidates(x, 0);
    x->thr = thr;
}

/* Mark every course the learner has mastered by now, in one more sgemv
 * (levels only rise along a path: marked stays right). Done once a path,
 * when the candidates run out: a step that has to look further would
 * otherwise find each mastered course one by one, which on a large catalog
 * whose target asks more than the mastery scores is most of it (a learner
 * of bench_core's took 41 ms for a 10-item path at N = 100k). A course is
 * marked only clear of the rounding between the sgemv and met()'s sum;
 * met() decides the rest. */
static void mark_mastered(struct step_ctx *x)
{
    const struct rs_catalog *cat = x->cat;
    struct rs_path_ws *ws = x->ws;
    rs_score_one(cat, ws->chat, ws->lvl);
    for (size_t j = 0; j < cat->n_courses; j++)
        if (cat->cover_sum[j] > 0 &&
            ws->lvl[j] >= (cat->mastery[j] - MASTERY_EPS + 1e-5f) * cat->cover_sum[j])
            ws->flags[j] |= F_MASTERED;
    x->levels_marked = true;
    x->passes++;
}

/* Score every course again against the bound vector u as it is now (one
 * more sgemv) and choose the candidates afresh: cheaper than widening
 * course by course once the best has fallen far below the bounds of the
 * last pass. */
static void rescore(struct step_ctx *x)
{
    for (size_t j = 0; j < x->cat->n_courses; j++)
        x->ws->flags[j] &= (uint16_t)~F_CAND;    /* (a new path starts with none) */
    if (!x->levels_marked)
        mark_mastered(x);
    rs_score_one(x->cat, x->ws->u, x->ws->s);
    first_candidates(x);
    x->passes++;
}

/* Course j's exact priority now (0 when it closes too little to count). */
static float priority(const struct step_ctx *x, uint32_t j)
{
    float v = value(x, j);
    if (v < x->m->min_gain)
        return 0;
    return v * x->ws->inv_dur[j] * factors(x, j);
}

/* Lower the threshold to lo: the courses not yet candidates whose bound
 * reaches lo join, after the others and in their own rough order, to be
 * examined only if their bound can still beat the best (a course outside
 * the candidates has a bound below the threshold). */
static void widen(struct step_ctx *x, float lo)
{
    struct rs_path_ws *ws = x->ws;
    size_t from = x->n_cand;
    for (size_t j = 0; j < x->cat->n_courses; j++) {
        float b = full_pass_bound(x, j);
        if (b < lo || ws->s[j] < x->m->min_gain ||
            (ws->flags[j] & (F_CAND | F_EXCLUDED | F_OFF_MODULE | F_MASTERED)))
            continue;
        ws->cand[x->n_cand++] = (struct cand){ b, (uint32_t)j };
        ws->flags[j] |= F_CAND;
    }
    order_candidates(x, from);
    x->thr = lo;
}

/* Sessions of course p the planning model expects before p is met (at least
 * one, at most what is left of max_sessions). */
static unsigned sessions_needed(const struct step_ctx *x, uint32_t p)
{
    const struct rs_catalog *cat = x->cat;
    const float sg = x->m->session_gain;
    unsigned left = x->m->max_sessions > x->ws->sessions[p] ? x->m->max_sessions - x->ws->sessions[p] : 1;
    for (unsigned s = 1; s < left; s++) {
        /* level after s sessions: each tag at 1 - (1 - c)(1 - sg·a)^s (s is
         * a few: the power by products, not powf) */
        float level = 0;
        for (uint32_t e = cat->nz_off[p]; e < cat->nz_off[p + 1]; e++) {
            float a = cat->nz_val[e], c = x->ws->chat[cat->nz_tag[e]], q = 1 - sg * a, r = 1 - c;
            for (unsigned i = 0; i < s; i++)
                r *= q;
            level += a * (1 - r);
        }
        if (level + MASTERY_EPS * cat->cover_sum[p] >= cat->mastery[p] * cat->cover_sum[p])
            return s;
    }
    return left;
}

/* Whether j can start a step: allowed, and its chain can be taken (its head
 * fits the minutes left) for at most `cap` minutes. A chain that never can
 * marks j rejected. When it can, *minutes is what the chain costs: j's own
 * minutes, and each unmet prerequisite's times the sessions it is expected
 * to need. */
static bool takeable(struct step_ctx *x, uint32_t j, float cap, float *minutes)
{
    x->chain_cut = false;
    if (met(x, j) || !allowed(x, j))       /* mastered first: held_back is for courses it would take */
        return false;
    long n = chain(x, j, cap);
    x->chain_cut = n == CHAIN_TOO_LONG;
    if (n == CHAIN_TOO_LONG)
        return false;                   /* not this step: costlier than the best so far */
    if (n < 0 || x->cat->duration[x->ws->group[0]] > x->budget_left) {
        /* Minutes only shrink and exclusions stay: it never will be. */
        x->too_long |= n >= 0;
        x->ws->flags[j] |= F_REJECTED;
        return false;
    }
    /* The previous item must not come back at once through a chain either. */
    if ((x->ws->flags[x->ws->group[0]] & F_LAST) && x->relax < ALLOW_BACK_TO_BACK) {
        x->held_back = true;
        return false;
    }
    *minutes = (float)x->cat->duration[j];
    for (long i = 0; i + 1 < n; i++) {
        uint32_t p = x->ws->group[i];
        *minutes += (float)x->cat->duration[p] * (float)sessions_needed(x, p);
    }
    return true;
}

/* B: the allowed course with the best priority, or -1; *best gets it. */
static long best_overall(struct step_ctx *x, float *best)
{
    struct rs_path_ws *ws = x->ws;
    long pick = -1;
    size_t n_seen = 0;
    float probe = 8;                    /* chains walked to this many sessions while no pick */
    *best = 0;
    for (;;) {
        /* The candidates in their order (roughly by bound), each that could
         * still beat the best examined once a step: its bound tightened to
         * its own priority now (before retakes and chains). One whose chain
         * was cut before there was a best stays unexamined for the next
         * pass. */
        bool cut = false;
        for (size_t i = 0; i < x->n_cand; i++) {
            struct cand *c = &ws->cand[i];
            if (c->bound <= *best)
                continue;
            if (n_seen >= EXAMINE_MAX && pick >= 0)
                break;                  /* good enough: see SPEED */
            uint32_t j = c->course;
            uint16_t fj = ws->flags[j];
            if (fj & F_SEEN)
                continue;
            if (fj & (F_EXCLUDED | F_OFF_MODULE | F_REJECTED | F_MASTERED | F_DONE)) {
                c->bound = -1;          /* dropped for good */
                continue;
            }
            for (size_t a = i + 1; a < i + 4 && a < x->n_cand; a++) {
                __builtin_prefetch(&x->cat->nz_off[ws->cand[a].course]);
                __builtin_prefetch(&ws->flags[ws->cand[a].course]);
            }
            float level, v = value_level(x, j, &level);
            if (level + MASTERY_EPS >= x->cat->mastery[j]) {
                ws->flags[j] |= F_MASTERED | F_SEEN;   /* as met() would find it: dropped */
                ws->aside[n_seen++].course = j;         /* for good, and examined */
                c->bound = -1;
                continue;
            }
            c->bound = v * ws->inv_dur[j] * x->tier_factor[x->cat->course_tier[j]];
            if (c->bound > *best)                               /* see SPEED */
                c->bound *= rs_path_fit(x->m, x->cat->difficulty[j], level);
            if (c->bound > *best && v >= x->m->min_gain) {
                /* its own value per minute first (a bound), then per minute
                 * of its whole chain; a chain longer than dur·p/best cannot
                 * beat the best */
                float p = c->bound * ((fj & F_FAILED) && ws->sessions[j] == 0
                                          ? x->m->retake_factor : 1.0f);
                float dur = (float)x->cat->duration[j], minutes;
                float cap = *best > 0 ? dur * p / *best : dur * probe;
                if (p > *best && takeable(x, j, cap, &minutes)) {
                    p *= dur / minutes;
                    if (p > *best) {
                        *best = p;
                        pick = j;
                    }
                } else if (*best == 0 && x->chain_cut) {
                    /* No pick yet to bound its chain by: rather than walk a
                     * chain that may be most of a deep catalog, come back to
                     * it when the candidates above the best are done */
                    cut = true;
                    continue;
                }
            }
            ws->flags[j] |= F_SEEN;
            ws->aside[n_seen++].course = j;
        }
        if (cut && !(n_seen >= EXAMINE_MAX && pick >= 0)) {
            probe *= 8;                 /* the cut chains again: bounded by the best
                                         * now, or walked eight times further */
            continue;
        }
        if (x->thr <= *best || x->thr == 0 || (n_seen >= EXAMINE_MAX && pick >= 0))
            break;
        if (x->rescored_at != x->items_left) {
            for (size_t i = 0; i < n_seen; i++)     /* new bounds for every course */
                ws->flags[ws->aside[i].course] &= (uint16_t)~F_SEEN;
            n_seen = 0;
            rescore(x);
            x->rescored_at = x->items_left;
            continue;
        }
        /* Below the best so far, or, with none yet, all at once: after the
         * mastered are marked, what is left to look at is what a step
         * without a pick would examine anyway, and each widening is a scan
         * of the catalog. */
        widen(x, *best > 0 ? (*best * 0.9f > x->thr * 0.25f ? *best * 0.9f : x->thr * 0.25f) : 0);
        if (x->thr < 1e-12f)
            widen(x, 0);
    }
    for (size_t i = 0; i < n_seen; i++)
        ws->flags[ws->aside[i].course] &= (uint16_t)~F_SEEN;
    return pick;
}

/* The best takeable course of list[0..n) at or above `floor`, or -1. */
static long best_of(struct step_ctx *x, const uint32_t *list, size_t n, float floor)
{
    long pick = -1;
    float best = floor;
    for (size_t i = 0; i < n; i++) {
        uint32_t j = list[i];
        /* a course just failed is no thread to follow: step back instead */
        bool failed = (x->ws->flags[j] & F_FAILED) && x->ws->sessions[j] == 0;
        if (failed || full_pass_bound(x, j) < best || !allowed(x, j))
            continue;
        float p = priority(x, j), minutes;
        float cap = best > 0 ? (float)x->cat->duration[j] * p / best : INFINITY;
        if (p > 0 && p >= best && takeable(x, j, cap, &minutes)) {
            p *= (float)x->cat->duration[j] / minutes;
            if (p >= best) {
                best = p;
                pick = j;
            }
        }
    }
    return pick;
}

/* Move the thread of study to `anchor`: its related courses get F_NEAR. */
static void set_anchor(struct step_ctx *x, long anchor)
{
    struct rs_path_ws *ws = x->ws;
    for (size_t i = 0; i < x->n_near; i++)
        ws->flags[ws->near[i]] &= (uint16_t)~F_NEAR;
    x->n_near = 0;
    x->far_ready = false;
    x->anchor = anchor;
    if (anchor >= 0) {
        x->n_near = rs_graph_related(x->cat, (size_t)anchor, ws->mark, ws->near, x->cat->n_courses);
        for (size_t i = 0; i < x->n_near; i++)
            ws->flags[ws->near[i]] |= F_NEAR;
    }
}

/* The second hop from the anchor: the courses related to its related ones. */
static void second_hop(struct step_ctx *x)
{
    struct rs_path_ws *ws = x->ws;
    const struct rs_catalog *cat = x->cat;
    size_t n = 0;
    for (size_t i = 0; i < x->n_near && n < cat->n_courses; i++) {
        uint32_t v = ws->near[i];
        uint32_t *out = ws->far + n;
        size_t got = rs_graph_related(cat, v, ws->mark, out, cat->n_courses - n);
        for (size_t r = 0; r < got; r++)
            if (!(ws->flags[out[r]] & (F_NEAR | F_FAR))) {
                ws->flags[out[r]] |= F_FAR;
                ws->far[n++] = out[r];
            }
    }
    for (size_t i = 0; i < n; i++)
        ws->flags[ws->far[i]] &= (uint16_t)~F_FAR;
    x->n_far = n;
    x->far_ready = true;
}

/* The course this step is for (its chain goes first), or -1. */
static long pick_course(struct step_ctx *x)
{
    float best;
    long b = best_overall(x, &best);
    if (b < 0)
        return -1;
    if (x->anchor < 0 || (x->ws->flags[b] & F_NEAR))
        return b;
    float floor = (1 - x->m->continuity) * best;
    long r = best_of(x, x->ws->near, x->n_near, floor);
    if (r >= 0)
        return r;
    if (x->relax == STRICT) {
        /* nothing else related is worth taking: practice the last one again
         * (or what leads back to it) rather than leave the thread */
        x->relax = ALLOW_BACK_TO_BACK;
        r = best_of(x, x->ws->near, x->n_near, floor);
        x->relax = STRICT;
        if (r >= 0)
            return r;
    }
    if (!x->far_ready)
        second_hop(x);
    r = best_of(x, x->ws->far, x->n_far, floor);
    return r >= 0 ? r : b;
}

/* When no course short of mastery can close any of the gap, the best
 * mastered one that still can (the target asks more than its mastery
 * score), its prerequisites met, as PRACTICE; or -1. Never empty while
 * something can raise the capability the target asks for. */
static long last_resort(struct step_ctx *x)
{
    long pick = -1;
    float best = 0;
    /* every course's value bound now (A·u, one sgemv, into the levels'
     * scratch): most mastered courses are passed over on it */
    float *bound = x->ws->lvl;
    rs_score_one(x->cat, x->ws->u, bound);
    x->passes++;
    for (uint32_t j = 0; j < x->cat->n_courses; j++) {
        uint16_t f = x->ws->flags[j];
        if ((f & (F_EXCLUDED | F_OFF_MODULE | F_REJECTED | F_DONE)) || !(f & F_MASTERED) ||
            x->cat->duration[j] > x->budget_left ||
            bound[j] * x->ws->inv_dur[j] * x->tier_factor[x->cat->course_tier[j]] <= best)
            continue;
        float v = value(x, j);     /* times factors of at most 1: a bound, before the fit */
        if (v < x->m->min_gain || v * x->ws->inv_dur[j] * x->tier_factor[x->cat->course_tier[j]] <= best ||
            !prerequisites_met(x, j))
            continue;
        float p = priority(x, j);
        if (p > best) {
            best = p;
            pick = j;
        }
    }
    return pick;
}

/* ---------------------------------------------------------------- taking */

/* The reason an item at course j is on the path. */
static enum rs_reason reason_for(const struct step_ctx *x, uint32_t j, bool for_later)
{
    struct rs_path_ws *ws = x->ws;
    uint16_t f = ws->flags[j];
    if (ws->sessions[j] > 0 || (f & F_MASTERED))
        return RS_REASON_PRACTICE;
    bool faded = false;
    if (f & F_PASSED)   /* passed, mastered on the record, below it now: faded */
        faded = rs_course_mastered(x->cat, x->learner->capability, j);
    if (faded)
        return RS_REASON_REVIEW;
    if (for_later)
        return RS_REASON_PREREQUISITE;
    if (f & F_FAILED)
        return RS_REASON_RETAKE;
    return (f & F_PASSED) ? RS_REASON_PRACTICE : RS_REASON_GAP;
}

/* Simulate a session of course j: its tags move session_gain·a of the way to
 * 1; record the item and its tag changes. Only the pick's own tags change. */
static void take(struct step_ctx *x, uint32_t j, enum rs_reason reason, struct rs_path *out)
{
    const struct rs_catalog *cat = x->cat;
    struct rs_path_ws *ws = x->ws;
    const float sg = x->m->session_gain, *t = x->target, *w = cat->tag_weight;
    struct rs_path_item *it = &out->items[out->n_items++];
    it->course = j;
    it->reason = reason;
    it->duration_min = cat->duration[j];
    it->first_change = out->n_changes;
    it->n_changes = 0;
    it->gain = 0;
    for (uint32_t e = cat->nz_off[j]; e < cat->nz_off[j + 1]; e++) {
        uint32_t k = cat->nz_tag[e];
        float before = ws->chat[k], after = before + sg * cat->nz_val[e] * (1 - before);
        float gap_before = t[k] > before ? t[k] - before : 0;
        float gap_after = t[k] > after ? t[k] - after : 0;
        ws->chat[k] = after;
        ws->u[k] = bound_weight(x->m, ws, w[k], gap_after, after);
        it->gain += w[k] * (gap_before - gap_after);
        if (gap_before > 0 && after - before >= MIN_CHANGE) {
            float shown = after < t[k] ? after : t[k];
            out->changes[out->n_changes++] = (struct rs_tag_change){ k, before, shown };
            it->n_changes++;
        }
    }
    new_stamp(ws);                     /* levels rose: what was short may be met */
    if (++ws->sessions[j] >= x->m->max_sessions)
        ws->flags[j] |= F_DONE;
    out->total_min += cat->duration[j];
    x->items_left--;
    if (x->budget_left != UINT32_MAX)
        x->budget_left -= cat->duration[j];
}

/* One step: a pick and its chain, as much as fits. false when nothing can. */
static bool step(struct step_ctx *x, struct rs_path *out, long *last)
{
    long j = -1;
    for (x->relax = STRICT; j < 0 && x->relax <= ALLOW_CAPPED; x->relax++) {
        x->held_back = false;
        j = pick_course(x);
        if (!x->held_back)
            break;      /* no rule to relax held anything back: relaxing finds nothing */
    }
    if (j < 0 && (j = last_resort(x)) >= 0) {
        take(x, (uint32_t)j, RS_REASON_PRACTICE, out);
        if (*last >= 0)
            x->ws->flags[*last] &= (uint16_t)~F_LAST;
        x->ws->flags[j] |= F_LAST;
        *last = j;
        set_anchor(x, j);
        return true;
    }
    if (j < 0)
        return false;
    long n = chain(x, (uint32_t)j, INFINITY);  /* ws->group was overwritten since */
    for (long i = 0; i < n && x->items_left > 0; i++) {
        uint32_t v = x->ws->group[i];
        if (i > 0 && met(x, v))
            continue;   /* an earlier session of the chain taught it already */
        if (x->cat->duration[v] > x->budget_left || (i > 0 && !prerequisites_met(x, v)))
            break;      /* its dependents cannot come before it; or a prerequisite
                         * needs practice first: the next step sees to it */
        take(x, v, reason_for(x, v, v != (uint32_t)j), out);
        if (*last >= 0)
            x->ws->flags[*last] &= (uint16_t)~F_LAST;
        x->ws->flags[v] |= F_LAST;
        *last = v;
        set_anchor(x, v);
    }
    return true;
}

/* ---------------------------------------------------------------- build */

int rs_path_build(const struct rs_catalog *cat, const struct rs_model *m,
                  const struct rs_path_query *q, struct rs_path_ws *ws, struct rs_path *out,
                  char *err, size_t errlen)
{
    int rc = check_query(cat, q, ws, err, errlen);
    if (rc != 0)
        return rc;
    if (m->sequencer != RS_SEQUENCER_RULES) {
        /* the legacy sequencer's scratch, made the first time it is asked for */
        if (ws->legacy == NULL && (ws->legacy = rs_legacy_ws_create(cat)) == NULL)
            return RS_ENOMEM;
        return rs_legacy_build(cat, m, q, ws->legacy, out, err, errlen);
    }
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
    rs_path_first_weights(cat, m, q, ws, ws->u);       /* and ws->chat */
    out->gap_before = rs_learner_gap(ws->chat, target, cat->tag_weight, D, NULL);
    if (q->scores)                      /* scored by the caller, with others */
        memcpy(ws->s, q->scores, cat->n_courses * sizeof *ws->s);
    else
        rs_score_one(cat, ws->u, ws->s);
    new_stamp(ws);
    set_flags(cat, m, q, ws);

    struct step_ctx x = {
        .cat = cat, .m = m, .ws = ws, .learner = q->learner, .target = target,
        .items_left = n_max, .budget_left = q->budget_min ? q->budget_min : UINT32_MAX,
        .k = CAND_MIN > cat->n_courses / CAND_SHARE ? CAND_MIN : cat->n_courses / CAND_SHARE,
        .anchor = -1,
    };
    enum rs_tier tier = q->learner->tier;
    for (int t = 0; t < 4; t++) {
        int above = t - (int)tier;
        x.tier_factor[t] = tier == RS_TIER_ANY || t == RS_TIER_ANY || above <= 0
                               ? 1.0f : powf(m->tier_penalty, (float)above);
    }
    /* The thread of study starts at the learner's latest course with
     * progress (not merely the latest attempt: one that taught nothing is
     * no thread to follow). */
    x.passes = 1;
    x.rescored_at = n_max;
    set_anchor(&x, q->learner->anchor);
    first_candidates(&x);

    /* The learner's latest lesson is the previous item: not again at once
     * while anything else is allowed (a request is one step of a path). */
    long last = -1;
    int64_t latest = 0;
    for (size_t i = 0; i < q->learner->n_attempts; i++)
        if (q->learner->attempts[i].at > latest) {
            latest = q->learner->attempts[i].at;
            last = q->learner->attempts[i].course;
        }
    if (q->learner->anchor_at > latest)
        last = q->learner->anchor;
    if (last >= 0)
        ws->flags[last] |= F_LAST;
    bool stuck = false;
    while (x.items_left > 0 && !stuck) {
        float gap = rs_learner_gap(ws->chat, target, cat->tag_weight, D, NULL);
        if (gap < m->gap_tolerance)
            break;
        stuck = !step(&x, out, &last);
    }
    set_anchor(&x, -1);
    if (last >= 0)
        ws->flags[last] &= (uint16_t)~F_LAST;
    out->gap_after = rs_learner_gap(ws->chat, target, cat->tag_weight, D, NULL);
    if (out->gap_after < m->gap_tolerance)
        out->status = RS_PATH_TARGET_REACHED;
    else if (!stuck)
        out->status = RS_PATH_IN_PROGRESS;
    else if (x.too_long)
        out->status = out->n_items ? RS_PATH_IN_PROGRESS : RS_PATH_BUDGET_TOO_SMALL;
    else
        out->status = RS_PATH_NOTHING_LEFT;
    return 0;
}
