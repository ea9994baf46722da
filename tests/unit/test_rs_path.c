/* SPDX-License-Identifier: MIT
 * Path sequencing: the properties of DESIGN.md §6 on thousands of random
 * catalogs and learners, the lazy greedy against a full reference pass, a
 * test per rule of DESIGN §3.4 on small hand-made graphs, and the reasons,
 * filters and limits. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define NOW 1750000000
#define DAY 86400

/* The planning model, computed independently: a session of course j moves
 * each covered tag session_gain·a of the way to 1. */
static void ref_session(const struct rs_catalog *cat, const struct rs_model *m, float *chat,
                        uint32_t j)
{
    const float *a = rs_catalog_course_coverage(cat, j);
    for (size_t k = 0; k < rs_catalog_n_tags(cat); k++)
        chat[k] += m->session_gain * a[k] * (1 - chat[k]);
}

static double ref_level(const struct rs_catalog *cat, const float *chat, uint32_t j)
{
    const float *a = rs_catalog_course_coverage(cat, j);
    double level = 0, sum = 0;
    for (size_t k = 0; k < rs_catalog_n_tags(cat); k++) {
        level += (double)a[k] * chat[k];
        sum += a[k];
    }
    return sum > 0 ? level / sum : 0;
}

static bool ref_met(const struct rs_catalog *cat, const struct rs_model *m, const float *chat,
                    const uint8_t *sessions, uint32_t j)
{
    return ref_level(cat, chat, j) + 2e-4 >= rs_catalog_course_mastery(cat, j) ||
           sessions[j] >= m->max_sessions;
}

/* The weighted gap one session of j closes at chat. */
static double ref_value(const struct rs_catalog *cat, const struct rs_model *m,
                        const float *chat, const float *t, uint32_t j)
{
    const float *a = rs_catalog_course_coverage(cat, j), *w = rs_catalog_tag_weights(cat);
    double v = 0;
    for (size_t k = 0; k < rs_catalog_n_tags(cat); k++) {
        double gap = t[k] - chat[k], step = m->session_gain * a[k] * (1 - chat[k]);
        if (a[k] > 0 && gap > 0)
            v += w[k] * (step < gap ? step : gap);
    }
    return v;
}

static bool in_modules(const struct rs_catalog *cat, const struct rs_path_query *q, uint32_t j)
{
    if (q->n_modules == 0)
        return true;
    bool in = false;
    for (size_t k = 0; k < q->n_modules; k++)
        in |= rs_catalog_course_module(cat, j) == q->modules[k];
    return in;
}

static bool excluded(const struct rs_path_query *q, uint32_t j)
{
    for (size_t e = 0; e < q->n_exclude; e++)
        if (q->exclude[e] == j)
            return true;
    return false;
}

/* Whether course j's unmet prerequisites (by capability at chat) reach an
 * excluded course. */
static bool chain_blocked(const struct rs_catalog *cat, const struct rs_path_query *q,
                          const float *chat, uint32_t j, uint8_t *seen)
{
    const uint32_t *pre;
    size_t np = rs_graph_prerequisites(cat, j, &pre);
    for (size_t i = 0; i < np; i++) {
        uint32_t p = pre[i];
        if (seen[p] || ref_level(cat, chat, p) + 2e-4 >= rs_catalog_course_mastery(cat, p))
            continue;
        seen[p] = 1;
        if (excluded(q, p) || chain_blocked(cat, q, chat, p, seen))
            return true;
    }
    return false;
}

/* DESIGN §6 on a built path, replayed with the planning model. */
static void check_properties(const struct rs_catalog *cat, const struct rs_model *m,
                             const struct rs_path_query *q, const struct rs_path *p)
{
    size_t N = rs_catalog_n_courses(cat), D = rs_catalog_n_tags(cat);
    const float *t = rs_catalog_target_level(cat, q->target);
    float *chat = malloc(D * sizeof *chat);
    uint8_t *sessions = calloc(N, 1);
    rs_learner_effective(m, q->learner, q->now, chat);
    size_t n_max = q->max_items ? q->max_items : RS_PATH_DEFAULT_ITEMS;
    assert_true(p->n_items <= n_max);
    uint32_t minutes = 0;
    float gains = 0;
    for (size_t i = 0; i < p->n_items; i++) {
        const struct rs_path_item *it = &p->items[i];
        uint32_t j = it->course;
        minutes += rs_catalog_course_duration(cat, j);
        assert_true(it->gain >= 0);
        gains += it->gain;
        assert_false(excluded(q, j));                       /* exclusions hold */
        /* a course mastered at that point only as the last resort: practice
         * of one that still closes some of the gap */
        if (ref_level(cat, chat, j) >= rs_catalog_course_mastery(cat, j)) {
            assert_int_equal(it->reason, RS_REASON_PRACTICE);
            assert_true(ref_value(cat, m, chat, t, j) > 0);
        }
        const uint32_t *pre;                                /* prerequisites first */
        size_t np = rs_graph_prerequisites(cat, j, &pre);
        for (size_t k = 0; k < np; k++)
            if (!ref_met(cat, m, chat, sessions, pre[k]))
                fail_msg("item %zu (course %u) before its prerequisite %u is met", i, j, pre[k]);
        if (sessions[j] > 0) {                              /* repeats only as practice */
            assert_int_equal(it->reason, RS_REASON_PRACTICE);
            assert_true(sessions[j] < m->max_sessions);
        }
        if (it->reason == RS_REASON_GAP || it->reason == RS_REASON_RETAKE)
            assert_true(in_modules(cat, q, j));             /* module filter (picks) */
        if (it->reason == RS_REASON_RETAKE || it->reason == RS_REASON_REVIEW)
            assert_non_null(rs_learner_find_attempt(q->learner, j));
        ref_session(cat, m, chat, j);
        sessions[j]++;
    }
    assert_int_equal(minutes, p->total_min);
    if (q->budget_min)
        assert_true(p->total_min <= q->budget_min);         /* budget never exceeded */
    assert_true(p->gap_after <= p->gap_before + 1e-5f);
    assert_float_equal(p->gap_before - p->gap_after, gains, 1e-3 * (1 + p->gap_before));
    assert_float_equal(p->gap_after, rs_learner_gap(chat, t, rs_catalog_tag_weights(cat), D, NULL),
                       1e-3 * (1 + p->gap_before));
    /* Why it ends there. */
    if (p->gap_after < m->gap_tolerance)
        assert_int_equal(p->status, RS_PATH_TARGET_REACHED);
    else if (p->n_items == 0)
        assert_true(p->status == RS_PATH_NOTHING_LEFT || p->status == RS_PATH_BUDGET_TOO_SMALL);
    else
        assert_true(p->status == RS_PATH_IN_PROGRESS || p->status == RS_PATH_NOTHING_LEFT);
    if (p->n_items == 0 && p->status == RS_PATH_NOTHING_LEFT) {
        /* Never empty while some allowed course could close part of the gap. */
        uint8_t *seen = calloc(N, 1);
        for (uint32_t j = 0; j < N; j++) {
            if (excluded(q, j) || !in_modules(cat, q, j) ||
                ref_value(cat, m, chat, t, j) < 2 * m->min_gain ||
                ref_level(cat, chat, j) + 2e-4 >= rs_catalog_course_mastery(cat, j))
                continue;
            memset(seen, 0, N);
            if (!chain_blocked(cat, q, chat, j, seen))
                fail_msg("empty path (NOTHING_LEFT) while course %u could close %g", j,
                         ref_value(cat, m, chat, t, j));
        }
        free(seen);
    }
    free(chat);
    free(sessions);
}

static void random_query(const struct rs_catalog *cat, uint64_t *st, struct rs_path_query *q,
                         uint32_t *ex, uint32_t *mods)
{
    size_t N = rs_catalog_n_courses(cat);
    q->target = rs_synth_next(st) % rs_catalog_n_targets(cat);
    q->max_items = rs_synth_next(st) % 16;
    q->budget_min = rs_synth_next(st) % 3 ? 0 : 15 * (uint32_t)(rs_synth_next(st) % 12);
    q->now = NOW;
    q->n_exclude = rs_synth_next(st) % 4 ? 0 : rs_synth_next(st) % (N < 5 ? N : 5);
    for (size_t i = 0; i < q->n_exclude; i++)
        ex[i] = (uint32_t)(rs_synth_next(st) % N);
    q->exclude = ex;
    q->n_modules = rs_synth_next(st) % 4 ? 0 : 1 + rs_synth_next(st) % 2;
    for (size_t i = 0; i < q->n_modules; i++)
        mods[i] = (uint32_t)(rs_synth_next(st) % rs_catalog_n_modules(cat));
    q->modules = mods;
}

static void test_path_properties_on_random_catalogs(void **state)
{
    (void)state;
    struct rs_model m;
    rs_model_default(&m);
    m.sequencer = RS_SEQUENCER_RULES;
    uint64_t st = 2024;
    int nonempty = 0, reasons[6] = {0}, statuses[5] = {0};
    for (int trial = 0; trial < 3000; trial++) {
        size_t N = 5 + rs_synth_next(&st) % 120, D = 1 + rs_synth_next(&st) % 33;
        struct rs_catalog *cat = sp_synth_catalog(N, D, (uint64_t)trial, 3, 5);
        struct rs_path_ws *ws = rs_path_ws_create(cat);
        assert_non_null(ws);
        for (int lq = 0; lq < 3; lq++) {
            struct rs_learner l;
            assert_int_equal(rs_synth_learner(cat, rs_synth_next(&st), NOW, &l), 0);
            struct rs_path_query q = { .learner = &l };
            uint32_t ex[8], mods[4];
            random_query(cat, &st, &q, ex, mods);
            struct rs_path p = {0};
            char err[256];
            if (rs_path_build(cat, &m, &q, ws, &p, err, sizeof err) != 0)
                fail_msg("trial %d: %s", trial, err);
            check_properties(cat, &m, &q, &p);
            nonempty += p.n_items > 0;
            statuses[p.status]++;
            for (size_t i = 0; i < p.n_items; i++)
                reasons[p.items[i].reason]++;
            rs_path_deinit(&p);
            rs_learner_deinit(&l);
        }
        rs_path_ws_destroy(ws);
        rs_catalog_destroy(cat);
    }
    /* The random cases really exercise every branch. */
    assert_true(nonempty > 5000);
    assert_true(reasons[RS_REASON_GAP] > 1000);
    assert_true(reasons[RS_REASON_PREREQUISITE] > 1000);
    assert_true(reasons[RS_REASON_PRACTICE] > 100);
    assert_true(reasons[RS_REASON_REVIEW] > 20);
    assert_true(reasons[RS_REASON_RETAKE] > 50);
    assert_true(statuses[RS_PATH_IN_PROGRESS] > 1000);
    assert_true(statuses[RS_PATH_TARGET_REACHED] > 20);
    assert_true(statuses[RS_PATH_NOTHING_LEFT] > 20);    /* BUDGET_TOO_SMALL: its own test */
}

/* ---------------------------------------------------------------- greedy */

/* The lazy greedy is exact. With tier and continuity switched off and no
 * history, the first item of a path is the best course by a full reference
 * pass (value per minute of its chain — its own minutes and each unmet
 * prerequisite's times the sessions it needs — times the difficulty fit),
 * or an unmet prerequisite of it; and a path is the prefix of a longer one, though the
 * two start from different candidate sets. Catalogs of 1,500-2,500 courses,
 * so the sampled threshold and widening are exercised. */
static float ref_fit(const struct rs_catalog *cat, const struct rs_model *m, const float *chat,
                     size_t j)
{
    double z = (rs_catalog_course_difficulty(cat, j) - (ref_level(cat, chat, (uint32_t)j) + m->stretch)) /
               m->fit_width;
    return (float)(m->fit_floor + (1 - m->fit_floor) * exp(-z * z));
}

static bool in_closure(const struct rs_catalog *cat, uint32_t j, uint32_t p)
{
    const uint32_t *pre;
    size_t np = rs_graph_prerequisites(cat, j, &pre);
    for (size_t i = 0; i < np; i++)
        if (pre[i] == p || in_closure(cat, pre[i], p))
            return true;
    return false;
}

/* The planning model's sessions for prerequisite p to be met, from chat. */
static unsigned ref_sessions(const struct rs_catalog *cat, const struct rs_model *m,
                             const float *chat, uint32_t p)
{
    const float *a = rs_catalog_course_coverage(cat, p);
    for (unsigned n = 1; n < m->max_sessions; n++) {
        double level = 0, sum = 0;
        for (size_t k = 0; k < rs_catalog_n_tags(cat); k++) {
            level += a[k] * (1 - (1 - chat[k]) * pow(1 - m->session_gain * a[k], n));
            sum += a[k];
        }
        if (level / sum + 1e-4 >= rs_catalog_course_mastery(cat, p))
            return n;
    }
    return m->max_sessions;
}

/* Minutes of j's unmet prerequisites (through unmet ones only), each times
 * its sessions; `seen` marks them. */
static double ref_chain_minutes(const struct rs_catalog *cat, const struct rs_model *m,
                                const float *chat, uint32_t j, uint8_t *seen)
{
    double minutes = 0;
    const uint32_t *pre;
    size_t np = rs_graph_prerequisites(cat, j, &pre);
    for (size_t i = 0; i < np; i++) {
        uint32_t p = pre[i];
        if (seen[p] || ref_level(cat, chat, p) + 1e-4 >= rs_catalog_course_mastery(cat, p))
            continue;
        seen[p] = 1;
        minutes += rs_catalog_course_duration(cat, p) * ref_sessions(cat, m, chat, p) +
                   ref_chain_minutes(cat, m, chat, p, seen);
    }
    return minutes;
}

static void test_path_greedy_matches_reference(void **state)
{
    (void)state;
    struct rs_model m;
    rs_model_default(&m);
    m.sequencer = RS_SEQUENCER_RULES;
    m.tier_penalty = 1;
    m.continuity = 0;
    uint64_t st = 99;
    for (int trial = 0; trial < 40; trial++) {
        size_t N = 1500 + rs_synth_next(&st) % 1000, D = 4 + rs_synth_next(&st) % 30;
        struct rs_catalog *cat = sp_synth_catalog(N, D, 1000 + (uint64_t)trial, 2, 4);
        struct rs_path_ws *ws = rs_path_ws_create(cat);
        struct rs_learner l;
        rs_synth_learner(cat, (uint64_t)trial, NOW, &l);
        l.n_attempts = 0;                       /* no retakes, no previous lesson */
        l.anchor = -1;
        l.anchor_at = 0;
        const float *t = rs_catalog_target_level(cat, 0);
        float *chat = malloc(D * sizeof *chat);
        uint8_t *seen = calloc(N, 1);
        float *prio = calloc(N, sizeof *prio);
        rs_learner_effective(&m, &l, NOW, chat);
        float best = 0;
        for (uint32_t j = 0; j < N; j++) {
            if (ref_level(cat, chat, j) + 1e-4 >= rs_catalog_course_mastery(cat, j))
                continue;
            double v = ref_value(cat, &m, chat, t, j);
            if (v < m.min_gain)
                continue;
            memset(seen, 0, N);
            double minutes = rs_catalog_course_duration(cat, j) + ref_chain_minutes(cat, &m, chat, j, seen);
            prio[j] = (float)(v / minutes) * ref_fit(cat, &m, chat, j);
            best = prio[j] > best ? prio[j] : best;
        }
        struct rs_path_query q = { .learner = &l, .target = 0, .max_items = 1, .now = NOW };
        struct rs_path one = {0}, more = {0};
        assert_int_equal(rs_path_build(cat, &m, &q, ws, &one, NULL, 0), 0);
        assert_int_equal(one.n_items, 1);
        uint32_t h = one.items[0].course;
        bool ok = false;
        for (uint32_t j = 0; j < N && !ok; j++)
            ok = prio[j] > 0 && prio[j] >= best * (1 - 1e-3f) && (j == h || in_closure(cat, j, h));
        if (!ok)
            fail_msg("trial %d: the first item %u is neither the best course (by value per "
                     "minute of its chain) nor its prerequisite", trial, h);
        q.max_items = 12;
        assert_int_equal(rs_path_build(cat, &m, &q, ws, &more, NULL, 0), 0);
        for (size_t n = 2; n <= more.n_items; n += 3) {
            struct rs_path part = {0};
            q.max_items = n;
            assert_int_equal(rs_path_build(cat, &m, &q, ws, &part, NULL, 0), 0);
            /* the last step of `part` may be a chain cut short: compare what
             * it has in common with the longer path */
            for (size_t i = 0; i + 1 < part.n_items; i++)
                if (part.items[i].course != more.items[i].course) {
                    for (size_t k = 0; k < part.n_items; k++)
                        print_message("n=%zu item %zu: %u (%d) vs %u (%d)\n", n, k, part.items[k].course, part.items[k].reason, more.items[k].course, more.items[k].reason);
                    fail_msg("trial %d: a path of %zu is not the start of one of 12 (item %zu)", trial, n, i);
                }
            rs_path_deinit(&part);
        }
        free(chat);
        free(seen);
        free(prio);
        rs_path_deinit(&one);
        rs_path_deinit(&more);
        rs_learner_deinit(&l);
        rs_path_ws_destroy(ws);
        rs_catalog_destroy(cat);
    }
}

/* A small catalog from a table: tags t0..t5 (weight 1, module m), target
 * `level`. */
#define MINI_D 6
struct mini {
    const char *id;
    const char *pre[3];
    float cover[MINI_D];
    float difficulty;
    float mastery;              /* 0 = the default */
};

static struct rs_catalog *mini_catalog(const struct mini *c, size_t n, const float *level)
{
    static const char *tag_ids[] = { "t0", "t1", "t2", "t3", "t4", "t5" };
    struct rs_tag_def tags[MINI_D];
    struct rs_course_def courses[24];
    assert_true(n <= 24);
    for (int k = 0; k < MINI_D; k++)
        tags[k] = (struct rs_tag_def){ tag_ids[k], tag_ids[k], "m", 1.0f };
    for (size_t j = 0; j < n; j++) {
        size_t np = 0;
        while (np < 3 && c[j].pre[np])
            np++;
        courses[j] = (struct rs_course_def){
            .id = c[j].id, .title = c[j].id, .module = "m", .tier = RS_TIER_NEW_HIRE,
            .difficulty = c[j].difficulty, .duration_min = 15, .coverage = c[j].cover,
            .n_coverage = MINI_D, .prerequisites = c[j].pre, .n_prerequisites = np,
            .mastery_score = c[j].mastery,
        };
    }
    struct rs_target_def target = { "goal", "goal", level, MINI_D };
    struct rs_catalog_def def = { "mini", tags, MINI_D, courses, n, &target, 1 };
    char err[512];
    struct rs_catalog *cat = rs_catalog_create(&def, err, sizeof err, NULL);
    if (cat == NULL)
        fail_msg("mini catalog: %s", err);
    return cat;
}

static uint32_t course(const struct rs_catalog *cat, const char *id)
{
    size_t j;
    assert_int_equal(rs_catalog_find_course(cat, id, &j), 0);
    return (uint32_t)j;
}

/* Build for learner l; check the properties; the caller frees p. */
static void mini_build(const struct rs_catalog *cat, const struct rs_model *m,
                       const struct rs_learner *l, size_t n, struct rs_path *p)
{
    struct rs_path_ws *ws = rs_path_ws_create(cat);
    struct rs_path_query q = { .learner = l, .target = 0, .max_items = n, .now = NOW };
    char err[200];
    memset(p, 0, sizeof *p);
    if (rs_path_build(cat, m, &q, ws, p, err, sizeof err) != 0)
        fail_msg("build: %s", err);
    check_properties(cat, m, &q, p);
    rs_path_ws_destroy(ws);
}

/* The next lesson (n = 1) for l is course `id`, for `reason`. */
static void first_lesson(const struct rs_catalog *cat, const struct rs_model *m,
                         const struct rs_learner *l, const char *id, enum rs_reason reason)
{
    struct rs_path p;
    mini_build(cat, m, l, 1, &p);
    assert_int_equal(p.n_items, 1);
    assert_int_equal(p.items[0].course, course(cat, id));
    assert_int_equal(p.items[0].reason, reason);
    rs_path_deinit(&p);
}

static void learner_at(struct rs_learner *l, float c0, float c1, float c2, float c3)
{
    assert_int_equal(rs_learner_init(l, MINI_D), 0);
    l->target = 0;
    l->capability[0] = c0;
    l->capability[1] = c1;
    l->capability[2] = c2;
    l->capability[3] = c3;
}

static void attempt(struct rs_learner *l, uint32_t j, float score, bool passed, int64_t at,
                    uint16_t fails)
{
    struct rs_attempt a = { j, score, passed, at, fails };
    assert_int_equal(rs_learner_set_attempt(l, &a), 0);
}

/* A chain x0 <- x1 <- x2 where only x2 teaches what the target asks. */
static const struct mini chain3[] = {
    { "x0", {0}, { 0.8f, 0, 0, 0 }, 0.3f, 0 },
    { "x1", { "x0" }, { 0, 0.8f, 0, 0 }, 0.3f, 0 },
    { "x2", { "x1" }, { 0, 0, 0.8f, 0 }, 0.3f, 0 },
};
static const float only_t2[MINI_D] = { 0, 0, 0.9f, 0 };

/* The head of the chain: at n = 1 the answer is the deepest unmet
 * prerequisite, though its own tags are not in the target. */
static void test_rule_head_of_chain_at_n1(void **state)
{
    (void)state;
    struct rs_catalog *cat = mini_catalog(chain3, 3, only_t2);
    struct rs_model m;
    rs_model_default(&m);
    m.sequencer = RS_SEQUENCER_RULES;
    struct rs_learner l;
    learner_at(&l, 0.2f, 0.2f, 0.2f, 0);
    struct rs_path p;
    mini_build(cat, &m, &l, 1, &p);
    assert_int_equal(p.n_items, 1);
    assert_int_equal(p.items[0].course, course(cat, "x0"));
    assert_int_equal(p.items[0].reason, RS_REASON_PREREQUISITE);
    assert_int_equal(p.status, RS_PATH_IN_PROGRESS);
    rs_path_deinit(&p);
    /* a whole path reaches x2, every prerequisite mastered (in the plan) first */
    mini_build(cat, &m, &l, 10, &p);
    bool saw_x2 = false;
    for (size_t i = 0; i < p.n_items; i++)
        saw_x2 |= p.items[i].course == course(cat, "x2");
    assert_true(saw_x2);
    rs_path_deinit(&p);
    rs_learner_deinit(&l);
    rs_catalog_destroy(cat);
}

/* Prerequisites are met by capability, whatever raised it: a profile at 1.0
 * with no attempt meets them; one pass with the capability still low does not. */
static void test_rule_prerequisites_from_capability(void **state)
{
    (void)state;
    struct rs_catalog *cat = mini_catalog(chain3, 3, only_t2);
    struct rs_model m;
    rs_model_default(&m);
    m.sequencer = RS_SEQUENCER_RULES;
    struct rs_learner l;
    learner_at(&l, 1.0f, 1.0f, 0.2f, 0);
    first_lesson(cat, &m, &l, "x2", RS_REASON_GAP);
    /* x1 passed once, but t1 is at 0.4 (mastery 0.6): x1 comes first, as practice */
    l.capability[1] = 0.4f;
    attempt(&l, course(cat, "x1"), 0.7f, true, NOW - DAY, 0);
    first_lesson(cat, &m, &l, "x1", RS_REASON_PREREQUISITE);
    rs_learner_deinit(&l);
    rs_catalog_destroy(cat);
}

/* Never empty while a course can close the gap; otherwise the status says why. */
static void test_rule_status_when_nothing_is_answered(void **state)
{
    (void)state;
    struct rs_catalog *cat = mini_catalog(chain3, 3, only_t2);
    struct rs_model m;
    rs_model_default(&m);
    m.sequencer = RS_SEQUENCER_RULES;
    struct rs_path_ws *ws = rs_path_ws_create(cat);
    struct rs_learner l;
    learner_at(&l, 0.2f, 0.2f, 0.95f, 0);
    struct rs_path_query q = { .learner = &l, .target = 0, .now = NOW };
    struct rs_path p = {0};
    assert_int_equal(rs_path_build(cat, &m, &q, ws, &p, NULL, 0), 0);
    assert_int_equal(p.n_items, 0);
    assert_int_equal(p.status, RS_PATH_TARGET_REACHED);
    rs_path_deinit(&p);

    l.capability[2] = 0.2f;
    uint32_t ex[] = { course(cat, "x0") };      /* x2's chain runs through it */
    q.exclude = ex;
    q.n_exclude = 1;
    assert_int_equal(rs_path_build(cat, &m, &q, ws, &p, NULL, 0), 0);
    assert_int_equal(p.n_items, 0);
    assert_int_equal(p.status, RS_PATH_NOTHING_LEFT);
    rs_path_deinit(&p);

    q.n_exclude = 0;
    q.budget_min = 10;                          /* every course is 15 minutes */
    assert_int_equal(rs_path_build(cat, &m, &q, ws, &p, NULL, 0), 0);
    assert_int_equal(p.n_items, 0);
    assert_int_equal(p.status, RS_PATH_BUDGET_TOO_SMALL);
    rs_path_deinit(&p);
    rs_path_ws_destroy(ws);
    rs_learner_deinit(&l);
    rs_catalog_destroy(cat);
}

/* p <- j on t1; e teaches t1 too, easier; o is elsewhere (t2). */
static const struct mini recovery[] = {
    { "p", {0}, { 0.8f, 0, 0, 0 }, 0.3f, 0 },
    { "j", { "p" }, { 0, 0.8f, 0, 0 }, 0.5f, 0 },
    { "e", {0}, { 0, 0.8f, 0, 0 }, 0.3f, 0 },
    { "o", {0}, { 0, 0, 0.8f, 0 }, 0.5f, 0 },
};

/* Recovery: after a failure, step back before retaking; after retake_cap
 * failures in a row, anything else first; the retake only when nothing else. */
static void test_rule_step_back_after_failure(void **state)
{
    (void)state;
    const float level[MINI_D] = { 0, 0.9f, 0, 0 };
    const float both[MINI_D] = { 0, 0.9f, 0.9f, 0 };
    const struct mini no_easier[] = { recovery[0], recovery[1], recovery[3] };
    struct rs_model m;
    rs_model_default(&m);
    m.sequencer = RS_SEQUENCER_RULES;
    struct rs_path p;
    struct rs_learner l;
    /* j failed; its prerequisite p was passed once but t0 is weak: back to p */
    struct rs_catalog *cat = mini_catalog(no_easier, 3, level);
    uint32_t j = course(cat, "j"), p_ = course(cat, "p");
    learner_at(&l, 0.45f, 0.3f, 0.2f, 0);
    attempt(&l, p_, 0.7f, true, NOW - 2 * DAY, 0);
    attempt(&l, j, 0.3f, false, NOW - DAY, 1);
    mini_build(cat, &m, &l, 1, &p);
    assert_int_equal(p.items[0].course, p_);
    rs_path_deinit(&p);
    rs_learner_deinit(&l);
    rs_catalog_destroy(cat);

    /* p mastered: the easier course on the same tag before a retake, even
     * with j's thread (j itself the anchor: its attempt raised t1) */
    cat = mini_catalog(recovery, 4, level);
    j = course(cat, "j");
    learner_at(&l, 0.9f, 0.3f, 0.2f, 0);
    attempt(&l, j, 0.35f, false, NOW - DAY, 1);
    l.anchor = j;
    l.anchor_at = NOW - DAY;
    mini_build(cat, &m, &l, 1, &p);
    assert_int_equal(p.items[0].course, course(cat, "e"));
    rs_path_deinit(&p);
    rs_learner_deinit(&l);
    rs_catalog_destroy(cat);

    /* failed twice in a row: anything else first */
    cat = mini_catalog(no_easier, 3, both);
    j = course(cat, "j");
    learner_at(&l, 0.9f, 0.3f, 0.2f, 0);
    attempt(&l, j, 0.3f, false, NOW - DAY, 2);
    mini_build(cat, &m, &l, 1, &p);
    assert_int_equal(p.items[0].course, course(cat, "o"));
    rs_path_deinit(&p);
    l.capability[2] = 0.95f;                    /* nothing else left: the retake */
    mini_build(cat, &m, &l, 1, &p);
    assert_int_equal(p.n_items, 1);
    assert_int_equal(p.items[0].course, j);
    assert_int_equal(p.items[0].reason, RS_REASON_RETAKE);
    rs_path_deinit(&p);
    /* progress elsewhere since the failures: the retake is no longer immediate */
    l.capability[2] = 0.2f;
    l.anchor = course(cat, "o");
    l.anchor_at = NOW - DAY / 2;
    mini_build(cat, &m, &l, 2, &p);
    bool saw_j = false;
    for (size_t i = 0; i < p.n_items; i++)
        saw_j |= p.items[i].course == j;
    assert_true(saw_j);
    rs_path_deinit(&p);
    rs_learner_deinit(&l);
    rs_catalog_destroy(cat);
}

/* One thread of study: the course related to the anchor wins while worth
 * (1 - continuity) of the best; a prerequisite group follows its chain from
 * the anchor. */
static void test_rule_thread_of_study(void **state)
{
    (void)state;
    const struct mini thread[] = {
        { "a1", {0}, { 0.8f, 0, 0, 0 }, 0.3f, 0 },
        { "a2", { "a1" }, { 0, 0.6f, 0, 0 }, 0.3f, 0 },
        { "b1", {0}, { 0, 0, 0.8f, 0 }, 0.3f, 0 },
    };
    const float level[MINI_D] = { 0.3f, 0.9f, 0.9f, 0 };
    struct rs_catalog *cat = mini_catalog(thread, 3, level);
    struct rs_model m;
    rs_model_default(&m);
    m.sequencer = RS_SEQUENCER_RULES;
    struct rs_learner l;
    learner_at(&l, 0.9f, 0.2f, 0.2f, 0);
    l.anchor = course(cat, "a1");
    l.anchor_at = NOW - DAY;
    struct rs_path p;
    mini_build(cat, &m, &l, 1, &p);
    assert_int_equal(p.items[0].course, course(cat, "a2"));     /* b1 is worth a bit more */
    rs_path_deinit(&p);
    m.continuity = 0;                                           /* no thread: the best */
    mini_build(cat, &m, &l, 1, &p);
    assert_int_equal(p.items[0].course, course(cat, "b1"));
    rs_path_deinit(&p);
    rs_learner_deinit(&l);
    rs_catalog_destroy(cat);

    /* z needs x1 (after x0) and y1; y1 follows the anchor y0: y1's branch first */
    const struct mini branches[] = {   /* one session masters each (0.2 -> 0.6) */
        { "x0", {0}, { 1, 0, 0, 0, 0, 0 }, 0.3f, 0.55f },
        { "x1", { "x0" }, { 0, 0, 0, 1, 0, 0 }, 0.3f, 0.55f },
        { "y0", {0}, { 0, 1, 0, 0, 0, 0 }, 0.3f, 0.55f },
        { "y1", { "y0" }, { 0, 0, 0, 0, 1, 0 }, 0.3f, 0.55f },
        { "z", { "x1", "y1" }, { 0, 0, 1, 0, 0, 0 }, 0.3f, 0.55f },
    };
    const float only_t2b[MINI_D] = { 0, 0, 0.9f, 0 };
    cat = mini_catalog(branches, 5, only_t2b);
    rs_model_default(&m);
    m.sequencer = RS_SEQUENCER_RULES;
    learner_at(&l, 0.2f, 0.2f, 0.2f, 0.2f);
    l.capability[4] = 0.2f;
    const char *no_anchor[] = { "x0", "x1", "y0", "y1", "z" };
    mini_build(cat, &m, &l, 5, &p);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(p.items[i].course, course(cat, no_anchor[i]));
    rs_path_deinit(&p);
    l.capability[1] = 0.9f;                     /* y0 done: the learner's anchor */
    l.anchor = course(cat, "y0");
    l.anchor_at = NOW - DAY;
    const char *from_y0[] = { "y1", "x0", "x1", "z" };
    mini_build(cat, &m, &l, 4, &p);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(p.items[i].course, course(cat, from_y0[i]));
    rs_path_deinit(&p);
    rs_learner_deinit(&l);
    rs_catalog_destroy(cat);
}

/* Finish the job: a course one session short of mastery comes back as
 * PRACTICE, not back to back while anything else is worth taking. */
static void test_rule_practice_repeats(void **state)
{
    (void)state;
    /* c and d share the prerequisite r (mastered): related, so the thread
     * goes from one to the other */
    const struct mini two[] = {
        { "c", { "r" }, { 1.0f, 0, 0, 0 }, 0.3f, 0.85f },
        { "d", { "r" }, { 0, 1.0f, 0, 0 }, 0.3f, 0.85f },
        { "r", {0}, { 0, 0, 0, 1.0f }, 0.3f, 0 },
    };
    const float level[MINI_D] = { 1.0f, 1.0f, 0, 0 };
    struct rs_catalog *cat = mini_catalog(two, 3, level);
    struct rs_model m;
    rs_model_default(&m);
    m.sequencer = RS_SEQUENCER_RULES;
    struct rs_learner l;
    learner_at(&l, 0.2f, 0.2f, 0, 0.9f);
    struct rs_path p;
    mini_build(cat, &m, &l, 6, &p);
    /* 0.2 -> 0.6 -> 0.8 -> 0.9: three sessions each, alternating */
    assert_int_equal(p.n_items, 6);
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(p.items[i].reason, i < 2 ? RS_REASON_GAP : RS_REASON_PRACTICE);
        if (i > 0)
            assert_int_not_equal(p.items[i].course, p.items[i - 1].course);
    }
    rs_path_deinit(&p);
    rs_learner_deinit(&l);
    rs_catalog_destroy(cat);

    const struct mini alone[] = { { "c", {0}, { 1.0f, 0, 0, 0 }, 0.3f, 0.85f } };
    cat = mini_catalog(alone, 1, level);        /* c alone: back to back, then done */
    learner_at(&l, 0.2f, 0.2f, 0, 0);
    mini_build(cat, &m, &l, 6, &p);
    assert_int_equal(p.n_items, 3);
    assert_int_equal(p.items[1].reason, RS_REASON_PRACTICE);
    assert_int_equal(p.status, RS_PATH_NOTHING_LEFT);
    rs_path_deinit(&p);
    rs_learner_deinit(&l);
    rs_catalog_destroy(cat);
}

/* Chains longer than a step walks before it has a pick (8 sessions' worth)
 * wait and are walked further, not dropped: with every candidate behind
 * such a chain, the step still answers the head of the cheaper chain. A
 * (on t2) needs a0..a7 in a line, B (on t3) b0..b9 (9 and 11 sessions at
 * least: both cut at first); both teach what the target asks equally, the
 * prerequisites teach t0 and t1 only. */
static void test_path_long_chains_before_any_pick(void **state)
{
    (void)state;
    struct mini c[20];
    static const char *a_ids[] = { "a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7" };
    static const char *b_ids[] = { "b0", "b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "b9" };
    size_t n = 0;
    for (size_t i = 0; i < 8; i++)
        c[n++] = (struct mini){ a_ids[i], { i ? a_ids[i - 1] : NULL }, { 0.8f, 0, 0, 0, 0, 0 }, 0.3f, 0 };
    c[n++] = (struct mini){ "A", { "a7" }, { 0, 0, 1.0f, 0, 0, 0 }, 0.3f, 0 };
    for (size_t i = 0; i < 10; i++)
        c[n++] = (struct mini){ b_ids[i], { i ? b_ids[i - 1] : NULL }, { 0, 0.8f, 0, 0, 0, 0 }, 0.3f, 0 };
    c[n++] = (struct mini){ "B", { "b9" }, { 0, 0, 0, 1.0f, 0, 0 }, 0.3f, 0 };
    const float level[MINI_D] = { 0, 0, 0.9f, 0.9f, 0, 0 };
    struct rs_catalog *cat = mini_catalog(c, n, level);
    struct rs_model m;
    rs_model_default(&m);
    struct rs_learner l;
    learner_at(&l, 0.2f, 0.2f, 0.2f, 0.2f);
    first_lesson(cat, &m, &l, "a0", RS_REASON_PREREQUISITE);
    /* and a longer path gets to both (the prerequisites share a tag each
     * side: mastering the first masters the rest) */
    struct rs_path p;
    mini_build(cat, &m, &l, 20, &p);
    bool saw_a = false, saw_b = false;
    for (size_t i = 0; i < p.n_items; i++) {
        saw_a |= p.items[i].course == course(cat, "A");
        saw_b |= p.items[i].course == course(cat, "B");
    }
    assert_true(saw_a);
    assert_true(saw_b);
    rs_path_deinit(&p);
    rs_learner_deinit(&l);
    rs_catalog_destroy(cat);
}

/* ---------------------------------------------------------------- fixture */

/* Tags a, b (module m1), c (m2); c1 covers a, c2 covers c, c3 covers b,
 * c4 covers a; c2 needs c1; c3 needs c2 and c1. */
struct fx {
    struct rs_catalog *cat;
    struct rs_path_ws *ws;
    struct rs_model m;
    struct rs_learner l;
};

static struct fx fx_open(void)
{
    struct fx f;
    struct sp_def d;
    sp_def_init(&d);
    f.cat = rs_catalog_create(&d.def, NULL, 0, NULL);
    assert_non_null(f.cat);
    f.ws = rs_path_ws_create(f.cat);
    rs_model_default(&f.m);
    f.m.sequencer = RS_SEQUENCER_RULES;
    rs_learner_init(&f.l, 3);
    f.l.target = 0;
    return f;
}

static void fx_close(struct fx *f)
{
    rs_learner_deinit(&f->l);
    rs_path_ws_destroy(f->ws);
    rs_catalog_destroy(f->cat);
}

static void build(struct fx *f, struct rs_path_query *q, struct rs_path *p)
{
    q->learner = &f->l;
    q->now = q->now ? q->now : NOW;
    char err[200];
    memset(p, 0, sizeof *p);
    if (rs_path_build(f->cat, &f->m, q, f->ws, p, err, sizeof err) != 0)
        fail_msg("build: %s", err);
    check_properties(f->cat, &f->m, q, p);
}

/* Reasons from the record: a mastered course is not offered, a faded one is
 * a REVIEW, a failed one a RETAKE. */
static void test_path_reasons_from_history(void **state)
{
    (void)state;
    struct fx f = fx_open();
    struct rs_attempt a1 = { 0, 0.9f, true, NOW - DAY, 0 }, a4 = { 3, 0.3f, false, NOW - DAY, 1 };
    rs_learner_set_attempt(&f.l, &a1);
    rs_learner_set_attempt(&f.l, &a4);
    f.l.capability[0] = 0.3f;           /* c1's tag: below mastery, c1 comes back */
    f.l.practiced_at[0] = NOW - DAY;
    struct rs_path_query q = {0};
    struct rs_path p;
    build(&f, &q, &p);
    bool saw_retake = false;
    for (size_t i = 0; i < p.n_items; i++)
        if (p.items[i].course == 3) {
            assert_int_equal(p.items[i].reason, RS_REASON_RETAKE);
            saw_retake = true;
        }
    assert_true(saw_retake);
    rs_path_deinit(&p);

    /* c1 mastered (tag a at 0.65 >= 0.6; c4, on the same tag, too): not
     * offered while any course short of mastery can close the gap; then,
     * the target asking 0.7 of tag a, only as the last resort's practice */
    f.l.capability[0] = 0.65f;
    build(&f, &q, &p);
    assert_int_not_equal(p.items[0].course, 0);
    for (size_t i = 0; i < p.n_items; i++)
        if (p.items[i].course == 0 || p.items[i].course == 3)
            assert_int_equal(p.items[i].reason, RS_REASON_PRACTICE);
    rs_path_deinit(&p);

    /* passed at 0.9 two years ago, faded below mastery since: a review */
    f.l.capability[0] = 0.9f;
    f.l.practiced_at[0] = NOW - 730 * DAY;
    build(&f, &q, &p);
    bool saw_review = false;
    for (size_t i = 0; i < p.n_items; i++)
        if (p.items[i].course == 0 && p.items[i].reason == RS_REASON_REVIEW)
            saw_review = true;
    assert_true(saw_review);
    rs_path_deinit(&p);
    fx_close(&f);
}

static void test_path_filters_budget_and_n(void **state)
{
    (void)state;
    struct fx f = fx_open();
    struct rs_path_query q = {0};
    struct rs_path p;
    uint32_t ex[] = { 0 };                  /* c1 excluded: c2 and c3 cannot be taken */
    q.exclude = ex;
    q.n_exclude = 1;
    build(&f, &q, &p);
    assert_true(p.n_items > 0);
    for (size_t i = 0; i < p.n_items; i++)
        assert_int_equal(p.items[i].course, 3);
    rs_path_deinit(&p);

    memset(&q, 0, sizeof q);
    size_t m2;
    assert_int_equal(rs_catalog_find_module(f.cat, "m2", &m2), 0);
    uint32_t mods[] = { (uint32_t)m2 };
    q.modules = mods;
    q.n_modules = 1;
    build(&f, &q, &p);
    assert_true(p.n_items > 0);
    rs_path_deinit(&p);

    memset(&q, 0, sizeof q);
    q.budget_min = 29;                      /* one 15-minute course fits */
    build(&f, &q, &p);
    assert_int_equal(p.n_items, 1);
    assert_int_equal(p.total_min, 15);
    assert_int_equal(p.status, RS_PATH_IN_PROGRESS);
    rs_path_deinit(&p);
    fx_close(&f);
}

static void test_path_bad_queries(void **state)
{
    (void)state;
    struct fx f = fx_open();
    struct rs_path p = {0};
    char err[200];
    struct rs_path_query q = { .learner = &f.l, .target = 5, .now = NOW };
    assert_int_equal(rs_path_build(f.cat, &f.m, &q, f.ws, &p, err, sizeof err), RS_EINVAL);
    assert_non_null(strstr(err, "target"));
    q.target = 0;
    q.max_items = RS_PATH_MAX_ITEMS + 1;
    assert_int_equal(rs_path_build(f.cat, &f.m, &q, f.ws, &p, err, sizeof err), RS_EINVAL);
    q.max_items = 0;
    f.l.capability[1] = NAN;
    assert_int_equal(rs_path_build(f.cat, &f.m, &q, f.ws, &p, err, sizeof err), RS_EINVAL);
    assert_non_null(strstr(err, "capability[1]"));
    f.l.capability[1] = 0;
    uint32_t ex[] = { 99 };
    q.exclude = ex;
    q.n_exclude = 1;
    assert_int_equal(rs_path_build(f.cat, &f.m, &q, f.ws, &p, err, sizeof err), RS_EINVAL);
    fx_close(&f);
}

int main(void)
{
    rs_blas_setup();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path_properties_on_random_catalogs),
        cmocka_unit_test(test_path_greedy_matches_reference),
        cmocka_unit_test(test_rule_head_of_chain_at_n1),
        cmocka_unit_test(test_rule_prerequisites_from_capability),
        cmocka_unit_test(test_rule_status_when_nothing_is_answered),
        cmocka_unit_test(test_rule_step_back_after_failure),
        cmocka_unit_test(test_rule_thread_of_study),
        cmocka_unit_test(test_rule_practice_repeats),
        cmocka_unit_test(test_path_long_chains_before_any_pick),
        cmocka_unit_test(test_path_reasons_from_history),
        cmocka_unit_test(test_path_filters_budget_and_n),
        cmocka_unit_test(test_path_bad_queries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
