/* SPDX-License-Identifier: MIT
 * Path sequencing: the properties of DESIGN.md §6 on thousands of random
 * catalogs and learners, greedy optimality against full reference rescoring,
 * and the reasons, filters and limits on a hand-made catalog. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define NOW 1750000000
#define DAY 86400

static bool passed(const struct rs_learner *l, uint32_t j)
{
    const struct rs_attempt *a = rs_learner_find_attempt(l, j);
    return a && a->passed;
}

/* The documented fade rule, computed independently. */
static bool faded(const struct rs_catalog *cat, const struct rs_model *m,
                  const struct rs_learner *l, const float *chat, const float *t, uint32_t j)
{
    const float *a = rs_catalog_course_coverage(cat, j);
    for (size_t k = 0; k < l->dim; k++)
        if (a[k] > 0 && chat[k] < t[k] && l->capability[k] - chat[k] >= m->fade_min)
            return true;
    return false;
}

static void check_properties(const struct rs_catalog *cat, const struct rs_model *m,
                             const struct rs_path_query *q, const struct rs_path *p)
{
    size_t N = rs_catalog_n_courses(cat), D = rs_catalog_n_tags(cat);
    const struct rs_learner *l = q->learner;
    const float *t = rs_catalog_target_level(cat, q->target);
    float *chat = malloc(D * sizeof *chat);
    uint8_t *pos = calloc(N, 1);        /* 1 + position in path */
    rs_learner_effective(m, l, q->now, chat);
    size_t n_max = q->max_items ? q->max_items : RS_PATH_DEFAULT_ITEMS;
    assert_true(p->n_items <= n_max);
    uint32_t minutes = 0;
    float gains = 0;
    for (size_t i = 0; i < p->n_items; i++) {
        uint32_t j = p->items[i].course;
        assert_int_equal(pos[j], 0);                        /* no duplicates */
        pos[j] = (uint8_t)(i + 1);
        minutes += rs_catalog_course_duration(cat, j);
        assert_true(p->items[i].gain >= 0);
        gains += p->items[i].gain;
        for (size_t e = 0; e < q->n_exclude; e++)
            assert_int_not_equal(q->exclude[e], j);         /* exclusions hold */
        const uint32_t *pre;
        size_t np = rs_graph_prerequisites(cat, j, &pre);
        for (size_t k = 0; k < np; k++)                     /* prerequisites first */
            assert_true(passed(l, pre[k]) || (pos[pre[k]] && pos[pre[k]] < pos[j]));
        if (passed(l, j)) {                                 /* passed only if faded */
            assert_int_equal(p->items[i].reason, RS_REASON_REVIEW);
            assert_true(faded(cat, m, l, chat, t, j));
        }
        if (p->items[i].reason != RS_REASON_PREREQUISITE && q->n_modules) {
            bool in = false;
            for (size_t k = 0; k < q->n_modules; k++)
                in |= rs_catalog_course_module(cat, j) == q->modules[k];
            assert_true(in);                                /* module filter */
        }
        if (p->items[i].reason == RS_REASON_RETAKE)
            assert_non_null(rs_learner_find_attempt(l, j));
    }
    assert_int_equal(minutes, p->total_min);
    if (q->budget_min)
        assert_true(p->total_min <= q->budget_min);         /* budget never exceeded */
    assert_true(p->gap_after <= p->gap_before + 1e-5f);
    assert_float_equal(p->gap_before - p->gap_after, gains, 1e-3 * (1 + p->gap_before));
    free(chat);
    free(pos);
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
    uint64_t st = 2024;
    int nonempty = 0, with_prereq = 0, reviews = 0, retakes = 0;
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
            for (size_t i = 0; i < p.n_items; i++) {
                with_prereq += p.items[i].reason == RS_REASON_PREREQUISITE;
                reviews += p.items[i].reason == RS_REASON_REVIEW;
                retakes += p.items[i].reason == RS_REASON_RETAKE;
            }
            rs_path_deinit(&p);
            rs_learner_deinit(&l);
        }
        rs_path_ws_destroy(ws);
        rs_catalog_destroy(cat);
    }
    /* The random cases really exercise every branch. */
    assert_true(nonempty > 5000);
    assert_true(with_prereq > 1000);
    assert_true(reviews > 20);
    assert_true(retakes > 100);
}

/* ---------------------------------------------------------------- greedy */

/* With tier and continuity switched off the priority is gain per minute
 * times the difficulty fit: replay each path and check every pick against a
 * full reference rescoring, which proves the lazy bounds and incremental
 * updates right, with the fit off (floor 1: every fit is 1) and on. */
static long unmet_count(const struct rs_catalog *cat, const struct rs_learner *l,
                        const uint8_t *in_path, const uint8_t *excluded, uint32_t j,
                        uint32_t *minutes)
{
    size_t N = rs_catalog_n_courses(cat);
    uint8_t *mark = calloc(N, 1);
    uint32_t *stack = malloc(N * sizeof *stack);
    size_t sp = 0;
    long n = 0;
    stack[sp++] = j;
    *minutes = rs_catalog_course_duration(cat, j);
    while (sp) {
        uint32_t u = stack[--sp];
        const uint32_t *pre;
        size_t np = rs_graph_prerequisites(cat, u, &pre);
        for (size_t i = 0; i < np; i++) {
            uint32_t v = pre[i];
            if (mark[v] || in_path[v] || passed(l, v))
                continue;
            if (excluded[v]) {
                n = -1;
                goto out;
            }
            mark[v] = 1;
            n++;
            *minutes += rs_catalog_course_duration(cat, v);
            stack[sp++] = v;
        }
    }
out:
    free(mark);
    free(stack);
    return n;
}

/* The reference difficulty fit of course j at levels chat. */
static float ref_fit(const struct rs_catalog *cat, const struct rs_model *m, const float *chat,
                     size_t j)
{
    const float *a = rs_catalog_course_coverage(cat, j);
    double level = 0, sum = 0;
    for (size_t k = 0; k < rs_catalog_n_tags(cat); k++) {
        level += (double)a[k] * chat[k];
        sum += a[k];
    }
    level = sum > 0 ? level / sum : 0;
    double z = (rs_catalog_course_difficulty(cat, j) - (level + m->stretch)) / m->fit_width;
    return (float)(m->fit_floor + (1 - m->fit_floor) * exp(-z * z));
}

static void test_path_greedy_matches_reference_rescoring(void **state)
{
    (void)state;
    struct rs_model m;
    rs_model_default(&m);
    m.tier_penalty = 1;
    m.continuity = 0;
    struct rs_model def;
    rs_model_default(&def);
    uint64_t st = 99;
    for (int trial = 0; trial < 800; trial++) {
        m.fit_floor = trial < 400 ? 1 : def.fit_floor;
        size_t N = 10 + rs_synth_next(&st) % 200, D = 1 + rs_synth_next(&st) % 33;
        struct rs_catalog *cat = sp_synth_catalog(N, D, 1000 + (uint64_t)trial, 2, 4);
        struct rs_path_ws *ws = rs_path_ws_create(cat);
        struct rs_learner l;
        rs_synth_learner(cat, (uint64_t)trial, NOW, &l);
        struct rs_path_query q = { .learner = &l, .target = 0, .max_items = 12, .now = NOW,
                                   .budget_min = trial % 2 ? 120 : 0 };
        struct rs_path p = {0};
        assert_int_equal(rs_path_build(cat, &m, &q, ws, &p, NULL, 0), 0);

        const float *t = rs_catalog_target_level(cat, 0), *w = rs_catalog_tag_weights(cat);
        float *chat = malloc(D * sizeof *chat), *g = malloc(D * sizeof *g), *s = malloc(N * sizeof *s);
        uint8_t *in_path = calloc(N, 1), *excluded = calloc(N, 1);
        rs_learner_effective(&m, &l, NOW, chat);
        float *chat0 = malloc(D * sizeof *chat0);       /* fades are judged at the start */
        memcpy(chat0, chat, D * sizeof *chat0);
        size_t items_left = 12;
        uint32_t budget_left = q.budget_min ? q.budget_min : UINT32_MAX;
        for (size_t i = 0; i < p.n_items; i++) {
            rs_learner_gap(chat, t, w, D, g);
            const struct rs_path_item *it = &p.items[i];
            bool group_start = i == 0 || p.items[i - 1].reason != RS_REASON_PREREQUISITE;
            if (group_start) {
                /* A group is a pick and the prerequisites placed before it: the
                 * pick was chosen on the scores before the group began. */
                size_t e = i;
                while (e < p.n_items && p.items[e].reason == RS_REASON_PREREQUISITE)
                    e++;
                assert_true(e < p.n_items);
                uint32_t pick = p.items[e].course;
                rs_score_ref(cat, g, 1, s);
                float best = 0;
                for (size_t j = 0; j < N; j++) {
                    uint32_t mins;
                    if (in_path[j] || (passed(&l, (uint32_t)j) &&
                                       !faded(cat, &m, &l, chat0, t, (uint32_t)j)))
                        continue;
                    long n = unmet_count(cat, &l, in_path, excluded, (uint32_t)j, &mins);
                    if (n < 0 || (size_t)n + 1 > items_left || mins > budget_left)
                        continue;
                    float prio = s[j] / (float)rs_catalog_course_duration(cat, j) *
                                 ref_fit(cat, &m, chat, j);
                    if (prio > best)
                        best = prio;
                }
                float got = s[pick] / (float)rs_catalog_course_duration(cat, pick) *
                            ref_fit(cat, &m, chat, pick);
                if (got < best * (1 - 1e-4f) - 1e-7f)
                    fail_msg("trial %d item %zu: picked priority %g, best available %g", trial, e,
                             (double)got, (double)best);
                /* The pick and its prerequisites spend the items and minutes. */
                uint32_t mins;
                long n = unmet_count(cat, &l, in_path, excluded, pick, &mins);
                assert_int_equal(n, (long)(e - i));
                items_left -= (size_t)n + 1;
                if (budget_left != UINT32_MAX)
                    budget_left -= mins;
            }
            /* Replay the simulated effect from the reported tag changes. */
            for (size_t c = 0; c < it->n_changes; c++) {
                const struct rs_tag_change *tc = &p.changes[it->first_change + c];
                assert_float_equal(tc->before, chat[tc->tag], 1e-5);
                chat[tc->tag] = tc->after;
            }
            const float *a = rs_catalog_course_coverage(cat, it->course);
            for (size_t k = 0; k < D; k++)      /* changes below the listing threshold */
                if (a[k] > 0 && g[k] > 0 && chat[k] < t[k]) {
                    float step = m.eta_assessed * a[k] * (t[k] - chat[k]);
                    bool listed = false;
                    for (size_t c = 0; c < it->n_changes; c++)
                        listed |= p.changes[it->first_change + c].tag == k;
                    if (!listed)
                        chat[k] += step;
                }
            in_path[it->course] = 1;
        }
        free(chat);
        free(chat0);
        free(g);
        free(s);
        free(in_path);
        free(excluded);
        rs_path_deinit(&p);
        rs_learner_deinit(&l);
        rs_path_ws_destroy(ws);
        rs_catalog_destroy(cat);
    }
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
}

static void test_path_prerequisites_come_first(void **state)
{
    (void)state;
    struct fx f = fx_open();
    f.l.capability[0] = f.l.capability[2] = 0.7f;   /* only tag b (c3) is short */
    struct rs_path_query q = {0};
    struct rs_path p;
    build(&f, &q, &p);
    assert_true(p.n_items >= 3);
    assert_int_equal(p.items[0].course, 0);
    assert_int_equal(p.items[0].reason, RS_REASON_PREREQUISITE);
    assert_int_equal(p.items[1].course, 1);
    assert_int_equal(p.items[1].reason, RS_REASON_PREREQUISITE);
    assert_int_equal(p.items[2].course, 2);
    assert_int_equal(p.items[2].reason, RS_REASON_GAP);
    assert_int_equal(p.items[2].n_changes, 1);
    assert_int_equal(p.changes[p.items[2].first_change].tag, 1);
    rs_path_deinit(&p);

    q.max_items = 2;                    /* c3 and its two prerequisites do not fit */
    build(&f, &q, &p);
    for (size_t i = 0; i < p.n_items; i++)
        assert_int_not_equal(p.items[i].course, 2);
    rs_path_deinit(&p);
    fx_close(&f);
}

static void test_path_reasons_from_history(void **state)
{
    (void)state;
    struct fx f = fx_open();
    /* c1 passed recently: not recommended. c4 failed: a retake. */
    struct rs_attempt a1 = { 0, 0.9f, true, NOW - DAY }, a4 = { 3, 0.3f, false, NOW - DAY };
    rs_learner_set_attempt(&f.l, &a1);
    rs_learner_set_attempt(&f.l, &a4);
    f.l.capability[0] = 0.3f;
    f.l.practiced_at[0] = NOW - DAY;
    struct rs_path_query q = {0};
    struct rs_path p;
    build(&f, &q, &p);
    bool saw_retake = false;
    for (size_t i = 0; i < p.n_items; i++) {
        assert_int_not_equal(p.items[i].course, 0);
        if (p.items[i].course == 3) {
            assert_int_equal(p.items[i].reason, RS_REASON_RETAKE);
            saw_retake = true;
        }
    }
    assert_true(saw_retake);
    rs_path_deinit(&p);

    /* c1 passed at 0.9 two years ago, and tag a faded below target: a review. */
    f.l.capability[0] = 0.9f;
    f.l.practiced_at[0] = NOW - 730 * DAY;
    build(&f, &q, &p);
    bool saw_review = false;
    for (size_t i = 0; i < p.n_items; i++)
        if (p.items[i].course == 0) {
            assert_int_equal(p.items[i].reason, RS_REASON_REVIEW);
            saw_review = true;
        }
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
    for (size_t i = 0; i < p.n_items; i++)
        if (p.items[i].reason != RS_REASON_PREREQUISITE)
            assert_int_equal(rs_catalog_course_module(f.cat, p.items[i].course), m2);
    rs_path_deinit(&p);

    memset(&q, 0, sizeof q);
    q.budget_min = 29;                      /* one 15-minute course fits */
    build(&f, &q, &p);
    assert_int_equal(p.n_items, 1);
    assert_int_equal(p.total_min, 15);
    rs_path_deinit(&p);

    memset(&q, 0, sizeof q);
    q.max_items = 1;                        /* n = 1: the best next lesson */
    build(&f, &q, &p);
    assert_int_equal(p.n_items, 1);
    rs_path_deinit(&p);
    fx_close(&f);
}

static void test_path_nothing_to_close(void **state)
{
    (void)state;
    struct fx f = fx_open();
    for (int k = 0; k < 3; k++)
        f.l.capability[k] = 1.0f;
    struct rs_path_query q = {0};
    struct rs_path p;
    build(&f, &q, &p);
    assert_int_equal(p.n_items, 0);
    assert_float_equal(p.gap_before, 0, 0);
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
        cmocka_unit_test(test_path_greedy_matches_reference_rescoring),
        cmocka_unit_test(test_path_prerequisites_come_first),
        cmocka_unit_test(test_path_reasons_from_history),
        cmocka_unit_test(test_path_filters_budget_and_n),
        cmocka_unit_test(test_path_nothing_to_close),
        cmocka_unit_test(test_path_bad_queries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
