/* SPDX-License-Identifier: MIT
 * The learner model: decay, review dates, the gap, and the event update. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

#define DAY 86400

static struct rs_catalog *small_catalog(void)
{
    struct sp_def d;
    sp_def_init(&d);
    d.courses[3].mastery_score = 0.8f;
    struct rs_catalog *cat = rs_catalog_create(&d.def, NULL, 0, NULL);
    assert_non_null(cat);
    return cat;
}

static void test_learner_decay_default_keeps_60_percent_at_182_days(void **state)
{
    (void)state;
    struct rs_model m;
    rs_model_default(&m);
    assert_float_equal(rs_model_retention(&m, 182), 0.6, 1e-9);
    assert_float_equal(rs_model_retention(&m, 0), 1.0, 0);
    assert_float_equal(rs_model_retention(&m, m.half_life_days), 0.5, 1e-12);

    struct rs_learner l;
    assert_int_equal(rs_learner_init(&l, 3), 0);
    int64_t t0 = 1700000000;
    l.capability[0] = 0.9f;                 /* practised: fades toward the baseline */
    l.practiced_at[0] = t0;
    l.capability[1] = 0.9f;                 /* never practised: no decay */
    l.capability[2] = 0.1f;                 /* below the baseline: nothing to lose */
    l.practiced_at[2] = t0;
    float e[3];
    rs_learner_effective(&m, &l, t0 + 182 * DAY, e);
    float trained = 0.9f - m.baseline;
    assert_float_equal(e[0], m.baseline + 0.6f * trained, 1e-5);
    assert_float_equal(e[1], 0.9f, 0);
    assert_float_equal(e[2], 0.1f, 0);
    rs_learner_effective(&m, &l, t0 - DAY, e);       /* "now" before practice: as is */
    assert_float_equal(e[0], 0.9f, 0);

    m.half_life_days = 30;                          /* configurable */
    rs_learner_effective(&m, &l, t0 + 30 * DAY, e);
    assert_float_equal(e[0], m.baseline + 0.5f * trained, 1e-5);
    rs_learner_deinit(&l);
}

static void test_learner_review_due_matches_decay(void **state)
{
    (void)state;
    struct rs_model m;
    rs_model_default(&m);
    int64_t t0 = 1700000000;
    int64_t due = rs_learner_review_due(&m, 0.9f, t0, 0.7f);
    assert_true(due > t0);
    struct rs_learner l;
    rs_learner_init(&l, 1);
    l.capability[0] = 0.9f;
    l.practiced_at[0] = t0;
    float e;
    rs_learner_effective(&m, &l, due - DAY, &e);
    assert_true(e > 0.7f);
    rs_learner_effective(&m, &l, due + DAY, &e);
    assert_true(e < 0.7f);
    assert_int_equal(rs_learner_review_due(&m, 0.5f, t0, 0.7f), t0);   /* below already */
    assert_int_equal(rs_learner_review_due(&m, 0.9f, t0, 0.1f), 0);    /* never */
    rs_learner_deinit(&l);
}

static void test_learner_gap_is_weighted_and_clipped(void **state)
{
    (void)state;
    float c[3] = { 0.2f, 0.9f, 0.5f }, t[3] = { 0.7f, 0.5f, 0.5f }, w[3] = { 0.5f, 1, 1 }, g[3];
    float total = rs_learner_gap(c, t, w, 3, g);
    assert_float_equal(g[0], 0.25f, 1e-6);
    assert_float_equal(g[1], 0, 0);
    assert_float_equal(g[2], 0, 0);
    assert_float_equal(total, 0.25f, 1e-6);
}

static void apply_ok(const struct rs_catalog *cat, const struct rs_learner *old,
                     const struct rs_event *ev, struct rs_learner *out)
{
    struct rs_model m;
    rs_model_default(&m);
    char err[200];
    assert_int_equal(rs_learner_init(out, old->dim), 0);
    if (rs_learner_apply(cat, &m, old, ev, out, err, sizeof err) != 0)
        fail_msg("apply failed: %s", err);
}

static void test_learner_assessed_moves_toward_score(void **state)
{
    (void)state;
    struct rs_catalog *cat = small_catalog();
    struct rs_learner l, a, b;
    rs_learner_init(&l, 3);
    for (int k = 0; k < 3; k++)
        l.capability[k] = 0.4f;
    l.version = 7;
    /* Course c1 (index 0) covers tag a only (0.8). */
    struct rs_event ev = { .course = 0, .kind = RS_EVENT_ASSESSED, .score = 0.9f, .at = 1700000000 };
    apply_ok(cat, &l, &ev, &a);
    assert_true(a.capability[0] > 0.4f && a.capability[0] < 0.9f);
    assert_float_equal(a.capability[1], 0.4f, 0);     /* uncovered: untouched */
    assert_float_equal(a.capability[2], 0.4f, 0);
    assert_int_equal(a.practiced_at[0], 1700000000);
    assert_int_equal(a.practiced_at[1], 0);
    assert_int_equal(a.version, 8);
    assert_float_equal(l.capability[0], 0.4f, 0);     /* pure: the old state is unchanged */
    assert_int_equal(l.version, 7);
    const struct rs_attempt *at = rs_learner_find_attempt(&a, 0);
    assert_non_null(at);
    assert_true(at->passed);                          /* 0.9 >= default 0.6 */

    ev.score = 0.1f;                                  /* a poor score pulls down */
    apply_ok(cat, &l, &ev, &b);
    assert_true(b.capability[0] < 0.4f);
    assert_false(rs_learner_find_attempt(&b, 0)->passed);
    rs_learner_deinit(&a);
    rs_learner_deinit(&b);
    rs_learner_deinit(&l);
    rs_catalog_destroy(cat);
}

/* The step shrinks as evidence accumulates: the first assessment counts for
 * most of the estimate (the starting profile is worth prior_evidence of
 * one), the next ones less, never below the floor; an estimate follows
 * consistent evidence to it, and the evidence fades with the skill. */
static void test_learner_step_shrinks_with_evidence(void **state)
{
    (void)state;
    struct rs_catalog *cat = small_catalog();
    struct rs_model m;
    rs_model_default(&m);
    m.rate_floor = 0.25f;                   /* low, to see the shrinking */
    struct rs_learner l, next;
    rs_learner_init(&l, 3);
    l.capability[0] = 0.2f;
    int64_t t = 1700000000;
    float prev_step = 1;
    const float a = rs_catalog_course_coverage(cat, 0)[0];
    for (int i = 0; i < 8; i++) {
        /* c1 teaches tag a alone: its level is that tag; the step is what
         * the score adds to the lesson's predicted effect */
        struct rs_event ev = { .course = 0, .kind = RS_EVENT_ASSESSED, .score = 0.9f, .at = t + i };
        rs_learner_init(&next, 3);
        assert_int_equal(rs_learner_apply(cat, &m, &l, &ev, &next, NULL, 0), 0);
        float c = l.capability[0], pred = c + m.lesson_gain * a * (1 - c);
        float step = (next.capability[0] - pred) / (0.9f - pred);
        float e = l.evidence[0];
        assert_float_equal(step, fmaxf(m.rate_floor, 1.0f / (m.prior_evidence + e + 1)), 1e-4);
        assert_true(step <= prev_step + 1e-4f);
        assert_float_equal(next.evidence[0], e + 1, 1e-5);     /* one assessment */
        prev_step = step;
        rs_learner_deinit(&l);
        l = next;
    }
    assert_float_equal(prev_step, m.rate_floor, 1e-4);          /* at the floor */
    assert_true(l.capability[0] > 0.85f);                       /* it follows the scores */
    /* a first pass at 0.9 takes the estimate most of the way: not 0.2 -> 0.55 */
    const float pred0 = 0.2f + m.lesson_gain * a * 0.8f;
    struct rs_learner fresh, one;
    rs_learner_init(&fresh, 3);
    rs_learner_init(&one, 3);
    fresh.capability[0] = 0.2f;
    struct rs_event ev = { .course = 0, .kind = RS_EVENT_ASSESSED, .score = 0.9f, .at = t };
    assert_int_equal(rs_learner_apply(cat, &m, &fresh, &ev, &one, NULL, 0), 0);
    assert_float_equal(one.capability[0], pred0 + (0.9f - pred0) / (1 + m.prior_evidence), 1e-5);
    /* evidence fades with the skill: a half-life later, half of it is left */
    struct rs_learner later;
    rs_learner_init(&later, 3);
    ev.at = t + 8 + (int64_t)(m.half_life_days * DAY);
    ev.course = 3;                                  /* c4 also teaches tag a alone */
    assert_int_equal(rs_learner_apply(cat, &m, &l, &ev, &later, NULL, 0), 0);
    assert_float_equal(later.evidence[0], l.evidence[0] * 0.5f + 1, 1e-3);
    rs_learner_deinit(&later);
    rs_learner_deinit(&fresh);
    rs_learner_deinit(&one);
    rs_learner_deinit(&l);
    rs_catalog_destroy(cat);
}

/* Calibrated: an assessment of a course teaching several tags at different
 * levels moves the course's predicted level (the level after the lesson
 * taught lesson_gain·a·(1 − c) on each tag) exactly the share rho of the
 * way to the score, each tag in proportion to its coverage; a score equal
 * to the predicted level leaves the prediction, which is progress. */
static void test_learner_update_moves_the_course_level(void **state)
{
    (void)state;
    struct sp_def d;
    sp_def_init(&d);
    d.coverage[0][0] = 0.9f;                /* c1 teaches a (0.9) and b (0.3) */
    d.coverage[0][1] = 0.3f;
    struct rs_catalog *cat = rs_catalog_create(&d.def, NULL, 0, NULL);
    assert_non_null(cat);
    struct rs_model m;
    rs_model_default(&m);
    struct rs_learner l, a, b;
    rs_learner_init(&l, 3);
    l.capability[0] = 0.6f;
    l.capability[1] = 0.2f;
    float level = rs_course_level(cat, l.capability, 0);
    assert_float_equal(level, (0.9 * 0.6 + 0.3 * 0.2) / 1.2, 1e-6);
    float pa = 0.6f + m.lesson_gain * 0.9f * 0.4f, pb = 0.2f + m.lesson_gain * 0.3f * 0.8f;
    float predicted = (0.9f * pa + 0.3f * pb) / 1.2f;
    struct rs_event ev = { .course = 0, .kind = RS_EVENT_ASSESSED, .score = 0.9f, .at = 1700000000 };
    rs_learner_init(&a, 3);
    assert_int_equal(rs_learner_apply(cat, &m, &l, &ev, &a, NULL, 0), 0);
    float rho = fmaxf(m.rate_floor, 1.0f / (m.prior_evidence + 1));
    assert_float_equal(rs_course_level(cat, a.capability, 0), predicted + rho * (0.9f - predicted), 1e-5);
    float da = a.capability[0] - pa, db = a.capability[1] - pb;
    assert_float_equal(da / db, 0.9f / 0.3f, 1e-3);             /* by coverage */
    assert_float_equal(a.capability[2], 0, 0);                  /* untaught: untouched */
    ev.score = predicted;
    rs_learner_init(&b, 3);
    assert_int_equal(rs_learner_apply(cat, &m, &l, &ev, &b, NULL, 0), 0);
    assert_float_equal(b.capability[0], pa, 1e-6);
    assert_float_equal(b.capability[1], pb, 1e-6);
    assert_int_equal(b.anchor, 0);                              /* it taught: progress */
    rs_learner_deinit(&b);
    /* with no prediction (lesson_gain 0), a score equal to the level changes nothing */
    m.lesson_gain = 0;
    ev.score = level;
    rs_learner_init(&b, 3);
    assert_int_equal(rs_learner_apply(cat, &m, &l, &ev, &b, NULL, 0), 0);
    assert_float_equal(b.capability[0], 0.6f, 1e-6);
    assert_float_equal(b.capability[1], 0.2f, 1e-6);
    assert_int_equal(b.anchor, -1);                             /* no progress */
    rs_learner_deinit(&a);
    rs_learner_deinit(&b);
    rs_learner_deinit(&l);
    rs_catalog_destroy(cat);
}

/* The anchor is the latest course whose event raised capability; failures in
 * a row are counted per course and reset by a pass. */
/* The prediction: for a learner who learns what the model says a lesson
 * teaches and scores exactly their level, the estimate stays on the truth;
 * without it (lesson_gain 0) it lags behind after every lesson. A learner
 * who keeps scoring 0.7 on a course of mastery score 0.8 settles where the
 * comment in rs_learner_apply says, short of it. */
static void test_learner_prediction_follows_a_learner_who_learns(void **state)
{
    (void)state;
    struct rs_catalog *cat = small_catalog();
    const float a = rs_catalog_course_coverage(cat, 0)[0];     /* c1: tag a alone */
    struct rs_model m;
    rs_model_default(&m);
    int64_t t = 1700000000;
    for (int predict = 1; predict >= 0; predict--) {
        m.lesson_gain = predict ? 0.3f : 0;
        struct rs_learner l;
        rs_learner_init(&l, 3);
        float truth = 0.2f;
        l.capability[0] = truth;
        for (int i = 0; i < 6; i++) {
            truth += 0.3f * a * (1 - truth);
            struct rs_event ev = { .course = 0, .kind = RS_EVENT_ASSESSED, .score = truth, .at = t + i };
            struct rs_learner next;
            rs_learner_init(&next, 3);
            assert_int_equal(rs_learner_apply(cat, &m, &l, &ev, &next, NULL, 0), 0);
            if (predict)
                assert_float_equal(next.capability[0], truth, 1e-5);
            else
                assert_true(next.capability[0] < truth - 0.01f);
            rs_learner_deinit(&l);
            l = next;
        }
        rs_learner_deinit(&l);
    }
    rs_model_default(&m);
    struct rs_learner l;
    rs_learner_init(&l, 3);
    l.capability[0] = 0.2f;
    for (int i = 0; i < 60; i++) {
        struct rs_event ev = { .course = 3, .kind = RS_EVENT_ASSESSED, .score = 0.7f, .at = t + i };
        struct rs_learner next;
        rs_learner_init(&next, 3);
        assert_int_equal(rs_learner_apply(cat, &m, &l, &ev, &next, NULL, 0), 0);
        rs_learner_deinit(&l);
        l = next;
    }
    float g = m.lesson_gain * rs_catalog_course_coverage(cat, 3)[0], rho = m.rate_floor;
    assert_float_equal(l.capability[0], (rho * 0.7f + (1 - rho) * g) / (rho + (1 - rho) * g), 1e-3);
    assert_true(l.capability[0] < 0.8f);
    assert_false(rs_course_mastered(cat, l.capability, 3));      /* c4: mastery 0.8, tag a */
    rs_learner_deinit(&l);
    rs_catalog_destroy(cat);
}

static void test_learner_anchor_and_failures_in_a_row(void **state)
{
    (void)state;
    struct rs_catalog *cat = small_catalog();
    struct rs_model m;
    rs_model_default(&m);
    struct rs_learner l;
    rs_learner_init(&l, 3);
    for (int k = 0; k < 3; k++)
        l.capability[k] = 0.5f;
    int64_t t = 1700000000;
    struct step { uint32_t course; float score; long anchor; uint16_t fails; } steps[] = {
        { 0, 0.9f, 0, 0 },      /* c1 passed, t_a rises: anchor c1 */
        { 1, 0.1f, 0, 1 },      /* c2 failed, t_c falls: no progress, anchor stays */
        { 1, 0.1f, 0, 2 },      /* failed again, no higher: two in a row */
        { 1, 0.9f, 1, 0 },      /* passed and rose: anchor c2, the count resets */
        { 1, 0.3f, 1, 1 },
    };
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
        struct rs_event ev = { .course = steps[i].course, .kind = RS_EVENT_ASSESSED,
                               .score = steps[i].score, .at = t + (int64_t)i };
        struct rs_learner next;
        rs_learner_init(&next, 3);
        assert_int_equal(rs_learner_apply(cat, &m, &l, &ev, &next, NULL, 0), 0);
        assert_int_equal(next.anchor, steps[i].anchor);
        assert_int_equal(rs_learner_find_attempt(&next, steps[i].course)->fails, steps[i].fails);
        rs_learner_deinit(&l);
        l = next;
    }
    assert_int_equal(l.anchor_at, t + 3);
    rs_learner_deinit(&l);
    rs_catalog_destroy(cat);
}

static void test_learner_update_monotone_in_score(void **state)
{
    (void)state;
    struct rs_catalog *cat = sp_synth_catalog(60, 28, 5, 2, 6);
    uint64_t st = 77;
    for (int trial = 0; trial < 300; trial++) {
        struct rs_learner l, lo, hi;
        assert_int_equal(rs_synth_learner(cat, (uint64_t)trial, 1700000000, &l), 0);
        float y1 = rs_synth_uniform(&st), y2 = rs_synth_uniform(&st);
        if (y1 > y2) {
            float t = y1;
            y1 = y2;
            y2 = t;
        }
        struct rs_event ev = { .course = (uint32_t)(rs_synth_next(&st) % 60),
                               .kind = RS_EVENT_ASSESSED, .at = 1700000000 + 5 * DAY };
        ev.score = y1;
        apply_ok(cat, &l, &ev, &lo);
        ev.score = y2;
        apply_ok(cat, &l, &ev, &hi);
        for (size_t k = 0; k < l.dim; k++) {
            assert_true(hi.capability[k] >= lo.capability[k]);
            assert_true(lo.capability[k] >= 0 && hi.capability[k] <= 1);
        }
        /* A perfect score never lowers any tag below its effective value. */
        struct rs_model m;
        rs_model_default(&m);
        float *e = malloc(l.dim * sizeof *e);
        rs_learner_effective(&m, &l, ev.at, e);
        struct rs_learner top;
        ev.score = 1;
        apply_ok(cat, &l, &ev, &top);
        const float *a = rs_catalog_course_coverage(cat, ev.course);
        for (size_t k = 0; k < l.dim; k++)
            if (a[k] > 0)
                assert_true(top.capability[k] >= e[k] - 1e-6f);
        free(e);
        rs_learner_deinit(&top);
        rs_learner_deinit(&lo);
        rs_learner_deinit(&hi);
        rs_learner_deinit(&l);
    }
    rs_catalog_destroy(cat);
}

static void test_learner_completed_smaller_gain_started_none(void **state)
{
    (void)state;
    struct rs_catalog *cat = small_catalog();
    struct rs_learner l, done, assessed, started;
    rs_learner_init(&l, 3);
    for (int k = 0; k < 3; k++)
        l.capability[k] = 0.3f;
    struct rs_event ev = { .course = 0, .kind = RS_EVENT_COMPLETED, .at = 1700000000 };
    apply_ok(cat, &l, &ev, &done);
    ev.kind = RS_EVENT_ASSESSED;
    ev.score = 0.9f;
    apply_ok(cat, &l, &ev, &assessed);
    ev.kind = RS_EVENT_STARTED;
    apply_ok(cat, &l, &ev, &started);
    assert_true(done.capability[0] > 0.3f);
    assert_true(done.capability[0] - 0.3f < assessed.capability[0] - 0.3f);
    assert_null(rs_learner_find_attempt(&done, 0));     /* no score, no attempt */
    assert_memory_equal(started.capability, l.capability, 3 * sizeof(float));
    assert_int_equal(started.practiced_at[0], 0);
    assert_int_equal(started.version, l.version + 1);
    rs_learner_deinit(&done);
    rs_learner_deinit(&assessed);
    rs_learner_deinit(&started);
    rs_learner_deinit(&l);
    rs_catalog_destroy(cat);
}

static void test_learner_pass_uses_mastery_score(void **state)
{
    (void)state;
    struct rs_catalog *cat = small_catalog();       /* c4 (index 3) needs 0.8 */
    struct rs_learner l, out;
    rs_learner_init(&l, 3);
    struct rs_event ev = { .course = 3, .kind = RS_EVENT_ASSESSED, .score = 0.75f, .at = 1700000000 };
    apply_ok(cat, &l, &ev, &out);
    assert_false(rs_learner_find_attempt(&out, 3)->passed);
    rs_learner_deinit(&out);
    ev.score = 0.8f;
    apply_ok(cat, &l, &ev, &out);
    assert_true(rs_learner_find_attempt(&out, 3)->passed);
    /* COMPLETED with a score counts as assessed. */
    rs_learner_deinit(&out);
    ev.kind = RS_EVENT_COMPLETED;
    ev.has_score = true;
    ev.score = 0.95f;
    apply_ok(cat, &l, &ev, &out);
    assert_true(rs_learner_find_attempt(&out, 3)->passed);
    rs_learner_deinit(&out);
    rs_learner_deinit(&l);
    rs_catalog_destroy(cat);
}

static void test_learner_late_older_attempt_does_not_replace(void **state)
{
    (void)state;
    struct rs_catalog *cat = small_catalog();
    struct rs_learner l, a, b;
    rs_learner_init(&l, 3);
    struct rs_event ev = { .course = 0, .kind = RS_EVENT_ASSESSED, .score = 0.9f, .at = 1700000000 };
    apply_ok(cat, &l, &ev, &a);
    ev.score = 0.2f;
    ev.at -= DAY;                           /* arrives late, happened earlier */
    apply_ok(cat, &a, &ev, &b);
    assert_true(rs_learner_find_attempt(&b, 0)->passed);
    assert_int_equal(b.n_attempts, 1);
    rs_learner_deinit(&a);
    rs_learner_deinit(&b);
    rs_learner_deinit(&l);
    rs_catalog_destroy(cat);
}

static void test_learner_bad_events_rejected(void **state)
{
    (void)state;
    struct rs_catalog *cat = small_catalog();
    struct rs_model m;
    rs_model_default(&m);
    struct rs_learner l, out;
    rs_learner_init(&l, 3);
    rs_learner_init(&out, 3);
    char err[200];
    struct rs_event good = { .course = 0, .kind = RS_EVENT_ASSESSED, .score = 0.5f, .at = 1700000000 };
    struct rs_event ev = good;
    ev.course = 99;
    assert_int_equal(rs_learner_apply(cat, &m, &l, &ev, &out, err, sizeof err), RS_EINVAL);
    ev = good;
    ev.score = NAN;
    assert_int_equal(rs_learner_apply(cat, &m, &l, &ev, &out, err, sizeof err), RS_EINVAL);
    assert_non_null(strstr(err, "score"));
    ev = good;
    ev.score = 1.5f;
    assert_int_equal(rs_learner_apply(cat, &m, &l, &ev, &out, err, sizeof err), RS_EINVAL);
    ev = good;
    ev.kind = 9;
    assert_int_equal(rs_learner_apply(cat, &m, &l, &ev, &out, err, sizeof err), RS_EINVAL);
    ev = good;
    ev.at = 0;
    assert_int_equal(rs_learner_apply(cat, &m, &l, &ev, &out, err, sizeof err), RS_EINVAL);
    assert_non_null(strstr(err, "at"));
    rs_learner_deinit(&out);
    rs_learner_deinit(&l);
    rs_catalog_destroy(cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_learner_decay_default_keeps_60_percent_at_182_days),
        cmocka_unit_test(test_learner_review_due_matches_decay),
        cmocka_unit_test(test_learner_gap_is_weighted_and_clipped),
        cmocka_unit_test(test_learner_assessed_moves_toward_score),
        cmocka_unit_test(test_learner_step_shrinks_with_evidence),
        cmocka_unit_test(test_learner_update_moves_the_course_level),
        cmocka_unit_test(test_learner_prediction_follows_a_learner_who_learns),
        cmocka_unit_test(test_learner_anchor_and_failures_in_a_row),
        cmocka_unit_test(test_learner_update_monotone_in_score),
        cmocka_unit_test(test_learner_completed_smaller_gain_started_none),
        cmocka_unit_test(test_learner_pass_uses_mastery_score),
        cmocka_unit_test(test_learner_late_older_attempt_does_not_replace),
        cmocka_unit_test(test_learner_bad_events_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
