/* SPDX-License-Identifier: MIT
 * The team snapshot and its statistics (svc_team.c) on hand-made teams
 * with known answers: headcounts, per-tag mean and quartiles, shares at
 * target, mean gaps, review due, certification readiness, completions,
 * filters, the at-risk order, CSV; the snapshot through its stored form;
 * refusals of a snapshot that does not fit the catalog; the quantile
 * against a sort. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "svc_catalog.h"
#include "svc_json.h"
#include "svc_recommend.h"
#include "svc_support.h"
#include "svc_team.h"

#define NOW 1767225600
#define DAY 86400

/* Tags a (content), b (content), c (data, named with a comma and a quote);
 * targets: pro (levels .5 .5 .5, PRO_LADDER), cert (.4 .4 0, CERTIFICATION). */
static const char catalog_json[] =
    "{\"version\":\"team-1\","
    "\"tags\":[{\"id\":\"a\",\"name\":\"甲\",\"module\":\"content\",\"weight\":1},"
    "{\"id\":\"b\",\"name\":\"乙\",\"module\":\"content\",\"weight\":0.5},"
    "{\"id\":\"c\",\"name\":\"c, \\\"the\\\" tag\",\"module\":\"data\",\"weight\":1}],"
    "\"courses\":[{\"id\":\"k0\",\"title\":\"k0\",\"module\":\"content\",\"tier\":\"NEW_HIRE\",\"durationMin\":15,\"coverage\":[1,0,0]},"
    "{\"id\":\"k1\",\"title\":\"k1\",\"module\":\"data\",\"tier\":\"NEW_HIRE\",\"durationMin\":15,\"coverage\":[0,0,1]}],"
    "\"targets\":[{\"id\":\"pro\",\"name\":\"专业\",\"level\":[0.5,0.5,0.5],\"kind\":\"PRO_LADDER\"},"
    "{\"id\":\"cert\",\"name\":\"认证\",\"level\":[0.4,0.4,0],\"kind\":\"CERTIFICATION\"}]}";

static struct svc_catalog *made(void)
{
    return sp_catalog_from_json(catalog_json);
}

static void learner(struct rs_learner *l, enum rs_tier tier, long target, float a, float b, float c)
{
    assert_int_equal(rs_learner_init(l, 3), 0);
    l->tier = tier;
    l->target = target;
    l->capability[0] = a;
    l->capability[1] = b;
    l->capability[2] = c;
}

/* The team: four learners, capability as given and never practised (no
 * decay), except u4, whose tag a (0.9, at the target) was practised a year
 * ago and has faded below 0.5. */
static struct svc_team *team_of(const struct svc_catalog *c, enum svc_team_kind kind)
{
    struct svc_team_acc *a = svc_team_acc_create(c, kind, NOW);
    assert_non_null(a);
    struct rs_learner l[4];
    learner(&l[0], RS_TIER_NEW_HIRE, 0, 0.1f, 0.6f, 0.5f);
    learner(&l[1], RS_TIER_NEW_HIRE, 1, 0.2f, 0.4f, 0.0f);
    learner(&l[2], RS_TIER_CORE_STAFF, -1, 0.3f, 0.2f, 1.0f);
    learner(&l[3], RS_TIER_MANAGER, 0, 0.9f, 0.5f, 0.5f);
    l[3].practiced_at[0] = NOW - 365 * DAY;
    struct rs_attempt pass = { .course = 1, .score = 0.9f, .passed = true, .at = NOW - DAY };
    struct rs_attempt fail = { .course = 0, .score = 0.1f, .passed = false, .at = NOW - DAY };
    assert_int_equal(rs_learner_set_attempt(&l[0], &pass), 0);
    assert_int_equal(rs_learner_set_attempt(&l[0], &fail), 0);
    assert_int_equal(rs_learner_set_attempt(&l[2], &pass), 0);
    const char *ids[] = { "u1", "u2", "u3", "u4" };
    for (int i = 0; i < 4; i++) {
        assert_int_equal(svc_team_acc_add(a, ids[i], &l[i], 0), 0);
        rs_learner_deinit(&l[i]);
    }
    Skillpath__V1__TeamSnapshot *s = svc_team_acc_finish(a, "test", 7);
    assert_non_null(s);
    /* through the stored form, as every daemon reads it */
    size_t len = protobuf_c_message_get_packed_size(&s->base);
    uint8_t *buf = malloc(len);
    protobuf_c_message_pack(&s->base, buf);
    svc_team_snapshot_free(s);
    Skillpath__V1__TeamSnapshot *back = skillpath__v1__team_snapshot__unpack(NULL, len, buf);
    free(buf);
    assert_non_null(back);
    char err[256];
    struct svc_team *t = svc_team_create(back, c, kind, err, sizeof err);
    if (t == NULL)
        fail_msg("%s", err);
    return t;
}

static struct svc_team *team(const struct svc_catalog *c)
{
    return team_of(c, SVC_TEAM_SNAPSHOT);
}

static void near(double got, double want, const char *what)
{
    if (fabs(got - want) > 1e-5)
        fail_msg("%s: %g, want %g", what, got, want);
}

static void test_team_summary(void **state)
{
    (void)state;
    struct svc_catalog *c = made();
    struct svc_team *t = team(c);
    const struct svc_team_filter all = { 0, -1, -1 };
    Skillpath__V1__TeamSummary *s = svc_team_summary(t, c, &all);
    assert_non_null(s);
    assert_int_equal(s->built_at, NOW);
    assert_string_equal(s->catalog_version, "team-1");
    assert_int_equal(s->headcount, 4);
    assert_int_equal(s->n_by_tier, 3);
    assert_string_equal(s->by_tier[0]->key, "NEW_HIRE");
    assert_int_equal(s->by_tier[0]->count, 2);
    assert_int_equal(s->by_tier[1]->count, 1);
    assert_int_equal(s->by_tier[2]->count, 1);
    assert_int_equal(s->n_by_target, 2);
    assert_string_equal(s->by_target[0]->key, "pro");
    assert_int_equal(s->by_target[0]->count, 2);
    assert_int_equal(s->by_target[1]->count, 1);

    /* u4's tag a: 0.2 + 0.7 * 0.6^(365/182) ≈ 0.451 (the half-life's 60% in 182 days) */
    double a4 = 0.2 + 0.7 * pow(2.0, -365.0 / c->model.half_life_days);
    assert_int_equal(s->n_tags, 3);
    const Skillpath__V1__TagStats *ta = s->tags[0], *tb = s->tags[1], *tc = s->tags[2];
    assert_string_equal(ta->tag_id, "a");
    near(ta->mean, (0.1 + 0.2 + 0.3 + a4) / 4, "a mean");
    near(ta->q1, 0.175, "a q1");                    /* 0.1 0.2 0.3 a4: type-7 quantiles */
    near(ta->median, 0.25, "a median");
    near(ta->q3, 0.3 + 0.25 * (a4 - 0.3), "a q3");
    near(ta->at_target_share, 0.0, "a at target");  /* u1 .1<.5, u2 .2<.4, u4 faded below .5 */
    near(ta->mean_gap, (0.4 + 0.2 + (0.5 - a4)) / 4, "a mean gap");
    assert_int_equal(ta->review_due, 1);            /* u4: was at .9 >= .5, now below */
    near(tb->mean, (0.6 + 0.4 + 0.2 + 0.5) / 4, "b mean");
    near(tb->at_target_share, 1.0, "b at target"); /* u1 .6>=.5, u2 .4>=.4, u4 .5>=.5 */
    near(tb->mean_gap, 0.0, "b gap");
    near(tc->at_target_share, 1.0, "c at target");   /* u1 .5>=.5, u2 0>=0, u4 .5>=.5 */
    assert_int_equal(s->review_due_learners, 1);

    /* readiness for the certification (.4 .4 0): u1 lacks a (gap .3), u2 lacks
     * a (.2), u3 lacks a and b (.1 + .5·.2 = .2), u4 ready (a4 ≥ .4, b .5) */
    assert_int_equal(s->n_certifications, 1);
    assert_string_equal(s->certifications[0]->target_id, "cert");
    near(s->certifications[0]->ready_share, 0.25, "cert ready");
    near(s->certifications[0]->median_gap_rest, 0.2, "cert median gap of the rest");
    assert_int_equal(s->n_completions, 1);          /* k1 by u1 and u3; a failed k0 is none */
    assert_string_equal(s->completions[0]->key, "k1");
    assert_int_equal(s->completions[0]->count, 2);
    svc_team_summary_free(s);

    /* filters: tier and target narrow the learners, module the tags */
    const struct svc_team_filter nh = { RS_TIER_NEW_HIRE, -1, -1 }, pro = { 0, 0, -1 };
    s = svc_team_summary(t, c, &nh);
    assert_int_equal(s->headcount, 2);
    near(s->tags[0]->mean, 0.15, "new hires' a");
    svc_team_summary_free(s);
    s = svc_team_summary(t, c, &pro);
    assert_int_equal(s->headcount, 2);
    assert_int_equal(s->n_by_target, 1);
    svc_team_summary_free(s);
    size_t data;
    assert_int_equal(rs_catalog_find_module(c->cat, "data", &data), 0);
    const struct svc_team_filter mod = { 0, -1, (long)data };
    s = svc_team_summary(t, c, &mod);
    assert_int_equal(s->headcount, 4);
    assert_int_equal(s->n_tags, 1);
    assert_string_equal(s->tags[0]->tag_id, "c");

    /* CSV: BOM, header, a row per tag, the awkward name quoted */
    size_t len;
    char *csv = svc_team_summary_csv(s, &len);
    assert_non_null(csv);
    assert_int_equal(len, strlen(csv));
    const char head[] = "\xEF\xBB\xBFtag_id,name,module,mean,q1,median,q3,at_target_share,mean_gap,review_due\r\n";
    assert_memory_equal(csv, head, sizeof head - 1);
    assert_non_null(strstr(csv, "\r\nc,\"c, \"\"the\"\" tag\",data,0.5000,"));
    free(csv);
    svc_team_summary_free(s);
    svc_team_unref(t);
    svc_catalog_unref(c);
}

static void test_team_at_risk(void **state)
{
    (void)state;
    struct svc_catalog *c = made();
    struct svc_team *t = team(c);
    const struct svc_team_filter all = { 0, -1, -1 };
    /* gaps: u1 to pro .4·1 + 0 + 0 = .4; u2 to cert .2; u3 none 0; u4 .5 − a4 ≈ .049 */
    Skillpath__V1__AtRiskList *r = svc_team_at_risk(t, c, &all, SVC_TEAM_BY_GAP, 3);
    assert_non_null(r);
    assert_int_equal(r->total, 4);
    assert_int_equal(r->n_learners, 3);
    assert_string_equal(r->learners[0]->learner_id, "u1");
    assert_string_equal(r->learners[1]->learner_id, "u2");
    assert_string_equal(r->learners[2]->learner_id, "u4");
    near(r->learners[0]->gap, 0.4, "u1 gap");
    assert_string_equal(r->learners[0]->target_id, "pro");
    assert_int_equal(r->learners[2]->n_review_due, 1);
    assert_string_equal(r->learners[2]->review_due[0], "a");
    size_t len;
    char *csv = svc_team_at_risk_csv(r, &len);
    assert_int_equal(len, strlen(csv));
    const char head[] = "\xEF\xBB\xBFlearner_id,tier,target_id,gap,decay_loss,review_due\r\nu1,NEW_HIRE,pro,0.4000,0.0000,\r\n";
    assert_memory_equal(csv, head, sizeof head - 1);
    assert_non_null(strstr(csv, "\r\nu4,MANAGER,pro,0.04"));
    assert_non_null(strstr(csv, ",a\r\n"));
    free(csv);
    svc_team_at_risk_free(r);
    /* by decay: only u4 lost anything; the rest tie at 0, by id */
    r = svc_team_at_risk(t, c, &all, SVC_TEAM_BY_DECAY, 10);
    assert_int_equal(r->n_learners, 4);
    assert_string_equal(r->learners[0]->learner_id, "u4");
    near(r->learners[0]->decay_loss, 0.9 - (0.2 + 0.7 * pow(2.0, -365.0 / c->model.half_life_days)), "u4 loss");
    assert_string_equal(r->learners[1]->learner_id, "u1");
    assert_string_equal(r->learners[3]->learner_id, "u3");
    svc_team_at_risk_free(r);
    const struct svc_team_filter mgr = { RS_TIER_MANAGER, -1, -1 };
    r = svc_team_at_risk(t, c, &mgr, SVC_TEAM_BY_GAP, 10);
    assert_int_equal(r->total, 1);
    svc_team_at_risk_free(r);
    svc_team_unref(t);
    svc_catalog_unref(c);
}

/* No learners at all: every statistic empty, nothing leaked (ASan). */
static struct svc_team *empty_team(const struct svc_catalog *c, enum svc_team_kind kind)
{
    struct svc_team_acc *a = svc_team_acc_create(c, kind, NOW);
    Skillpath__V1__TeamSnapshot *s = svc_team_acc_finish(a, "test", 0);
    size_t len = protobuf_c_message_get_packed_size(&s->base);
    uint8_t buf[256];
    assert_true(len < sizeof buf);
    protobuf_c_message_pack(&s->base, buf);
    svc_team_snapshot_free(s);
    char err[256];
    struct svc_team *t = svc_team_create(skillpath__v1__team_snapshot__unpack(NULL, len, buf), c, kind, err,
                                         sizeof err);
    assert_non_null(t);
    return t;
}

static void test_team_empty(void **state)
{
    (void)state;
    struct svc_catalog *c = made();
    struct svc_team *t = empty_team(c, SVC_TEAM_SNAPSHOT);
    const struct svc_team_filter all = { 0, -1, -1 };
    Skillpath__V1__TeamSummary *sum = svc_team_summary(t, c, &all);
    assert_int_equal(sum->headcount, 0);
    assert_int_equal(sum->n_by_target, 0);
    assert_int_equal(sum->n_completions, 0);
    assert_true(sum->tags[0]->mean == 0 && sum->tags[0]->median == 0);
    svc_team_summary_free(sum);
    Skillpath__V1__AtRiskList *r = svc_team_at_risk(t, c, &all, SVC_TEAM_BY_GAP, 10);
    assert_int_equal(r->n_learners, 0);
    svc_team_at_risk_free(r);
    svc_team_unref(t);
    t = empty_team(c, SVC_TEAM_DEMAND);
    Skillpath__V1__TeamDemand *d = svc_team_demand(t, c, &all, 3);
    assert_int_equal(d->n_courses, 0);
    svc_team_demand_free(d);
    svc_team_unref(t);
    svc_catalog_unref(c);
}

static void test_team_refusals(void **state)
{
    (void)state;
    struct svc_catalog *c = made();
    char err[256];
    Skillpath__V1__TeamSnapshot *s = calloc(1, sizeof *s);
    skillpath__v1__team_snapshot__init(s);
    s->dim = 4;
    s->catalog_version = strdup("other");
    size_t len = protobuf_c_message_get_packed_size(&s->base);
    uint8_t buf[256];
    protobuf_c_message_pack(&s->base, buf);
    free(s->catalog_version);
    free(s);
    assert_null(svc_team_create(skillpath__v1__team_snapshot__unpack(NULL, len, buf), c, SVC_TEAM_SNAPSHOT, err,
                                sizeof err));
    assert_non_null(strstr(err, "its tags are not the catalog's"));
    /* columns of different lengths */
    Skillpath__V1__TeamSnapshot t2;
    skillpath__v1__team_snapshot__init(&t2);
    t2.dim = 3;
    char *ids[] = { "u1" };
    t2.learner_ids = ids;
    t2.n_learner_ids = 1;
    len = protobuf_c_message_get_packed_size(&t2.base);
    protobuf_c_message_pack(&t2.base, buf);
    assert_null(svc_team_create(skillpath__v1__team_snapshot__unpack(NULL, len, buf), c, SVC_TEAM_SNAPSHOT, err,
                                sizeof err));
    assert_non_null(strstr(err, "disagree in length"));
    /* each kind refuses the other: a snapshot has no lessons, demand no matrix */
    struct svc_team *snap = team_of(c, SVC_TEAM_SNAPSHOT), *dem = team_of(c, SVC_TEAM_DEMAND);
    assert_int_equal(snap->pb->lessons_k, 0);
    assert_int_equal(snap->pb->n_next_lessons, 0);
    assert_int_equal(dem->pb->n_effective, 0);
    assert_int_equal(dem->pb->n_learner_ids, 4);
    len = protobuf_c_message_get_packed_size(&snap->pb->base);
    uint8_t *big = malloc(len);
    protobuf_c_message_pack(&snap->pb->base, big);
    assert_null(svc_team_create(skillpath__v1__team_snapshot__unpack(NULL, len, big), c, SVC_TEAM_DEMAND, err,
                                sizeof err));
    assert_non_null(strstr(err, "team demand of catalog team-1: its lessons disagree in length"));
    free(big);
    len = protobuf_c_message_get_packed_size(&dem->pb->base);
    big = malloc(len);
    protobuf_c_message_pack(&dem->pb->base, big);
    assert_null(svc_team_create(skillpath__v1__team_snapshot__unpack(NULL, len, big), c, SVC_TEAM_SNAPSHOT, err,
                                sizeof err));
    assert_non_null(strstr(err, "team snapshot of catalog team-1: its columns disagree in length"));
    /* a lesson past the catalog's courses */
    dem->pb->next_lessons[0] = 99;
    len = protobuf_c_message_get_packed_size(&dem->pb->base);
    protobuf_c_message_pack(&dem->pb->base, big);
    assert_null(svc_team_create(skillpath__v1__team_snapshot__unpack(NULL, len, big), c, SVC_TEAM_DEMAND, err,
                                sizeof err));
    assert_non_null(strstr(err, "a lesson is out of range"));
    free(big);
    svc_team_unref(snap);
    svc_team_unref(dem);
    svc_catalog_unref(c);
}

/* The lessons a snapshot keeps are those GET .../next gives: for 600 random
 * learners on the demo catalog (scored 256 at a time by one sgemm), each
 * row equals svc_recommend_next's n = 10 lessons, and n = k gives their
 * first k — the demand's k is read off the one row. */
static void test_team_lessons_are_next(void **state)
{
    (void)state;
    struct svc_catalog *c = sp_demo_catalog();
    size_t T = rs_catalog_n_targets(c->cat), L = 600;
    struct svc_team_acc *a = svc_team_acc_create(c, SVC_TEAM_DEMAND, NOW);
    struct rs_learner *ls = calloc(L, sizeof *ls);
    char id[32];
    for (size_t i = 0; i < L; i++) {
        assert_int_equal(rs_synth_learner(c->cat, 1000 + i, NOW, &ls[i]), 0);
        ls[i].target = i % 7 == 6 ? -1 : (long)(i % T);     /* some have none */
        snprintf(id, sizeof id, "s%zu", i);
        assert_int_equal(svc_team_acc_add(a, id, &ls[i], 0), 0);
    }
    Skillpath__V1__TeamSnapshot *s = svc_team_acc_finish(a, "test", 0);
    assert_non_null(s);
    assert_int_equal(s->lessons_k, SVC_TEAM_LESSONS);
    assert_int_equal(s->n_next_lessons, L * SVC_TEAM_LESSONS);
    assert_int_equal(s->n_learner_ids, L);
    assert_int_equal(s->n_effective, 0);            /* demand holds no matrix */
    struct svc_recommend_ctx x = { .cat = c->cat, .model = &c->model, .ws = rs_path_ws_create(c->cat), .now = NOW };
    size_t compared = 0;
    for (size_t i = 0; i < L; i++) {
        const uint32_t *row = s->next_lessons + i * SVC_TEAM_LESSONS;
        for (uint32_t k = SVC_TEAM_LESSONS; k >= 1; k--) {
            struct svc_lessons out;
            char err[256];
            snprintf(id, sizeof id, "s%zu", i);
            assert_int_equal(svc_recommend_next(&x, &ls[i], id, k, &out, err, sizeof err), SVC_RECOMMEND_OK);
            for (size_t r = 0; r < k; r++) {
                uint32_t want = SVC_TEAM_NO_LESSON;
                size_t j;
                if (r < out.msg.n_lessons) {
                    assert_int_equal(rs_catalog_find_course(c->cat, out.msg.lessons[r]->course_id, &j), 0);
                    want = (uint32_t)j;
                }
                if (row[r] != want)
                    fail_msg("learner %zu, n = %u, lesson %zu: snapshot %u, next %u", i, k, r, row[r], want);
                compared++;
            }
            svc_recommend_lessons_deinit(&out);
        }
        if (ls[i].target < 0)
            assert_int_equal(row[0], SVC_TEAM_NO_LESSON);
        rs_learner_deinit(&ls[i]);
    }
    assert_true(compared == L * 55);
    rs_path_ws_destroy(x.ws);
    free(ls);
    svc_team_snapshot_free(s);
    svc_catalog_unref(c);
}

/* Learner i's n = 10 lessons from GET .../next, as course indices. */
static void next10(struct svc_recommend_ctx *x, const struct svc_catalog *c, const struct rs_learner *l,
                   uint32_t row[SVC_TEAM_LESSONS])
{
    struct svc_lessons out;
    char err[256];
    assert_int_equal(svc_recommend_next(x, l, "s", SVC_TEAM_LESSONS, &out, err, sizeof err), SVC_RECOMMEND_OK);
    for (size_t r = 0; r < SVC_TEAM_LESSONS; r++) {
        size_t j = SVC_TEAM_NO_LESSON;
        if (r < out.msg.n_lessons)
            assert_int_equal(rs_catalog_find_course(c->cat, out.msg.lessons[r]->course_id, &j), 0);
        row[r] = (uint32_t)j;
    }
    svc_recommend_lessons_deinit(&out);
}

/* Demand built over the one before keeps the lessons of learners whose
 * fingerprint is unchanged and computes the others (and newcomers): every
 * row still what GET .../next gives at the same time, computed for just
 * the changed ones; full_at carries over. */
static void test_team_demand_keeps_unchanged(void **state)
{
    (void)state;
    struct svc_catalog *c = sp_demo_catalog();
    size_t T = rs_catalog_n_targets(c->cat), L = 600;
    struct rs_learner *ls = calloc(L + 1, sizeof *ls);
    char id[32], err[256];
    struct svc_team_acc *a = svc_team_acc_create(c, SVC_TEAM_DEMAND, NOW - 60);
    for (size_t i = 0; i < L; i++) {
        assert_int_equal(rs_synth_learner(c->cat, 5000 + i, NOW, &ls[i]), 0);
        ls[i].target = (long)(i % T);
        snprintf(id, sizeof id, "k%zu", i);
        assert_int_equal(svc_team_acc_add(a, id, &ls[i], 1000 + i), 0);
    }
    Skillpath__V1__TeamSnapshot *s = svc_team_acc_finish(a, "test", 0);
    assert_int_equal(s->full_at, NOW - 60);
    size_t len = protobuf_c_message_get_packed_size(&s->base);
    uint8_t *buf = malloc(len);
    protobuf_c_message_pack(&s->base, buf);
    svc_team_snapshot_free(s);
    struct svc_team *prev = svc_team_create(skillpath__v1__team_snapshot__unpack(NULL, len, buf), c,
                                            SVC_TEAM_DEMAND, err, sizeof err);
    free(buf);
    assert_non_null(prev);
    /* every 12th learner changes (new fingerprint), one joins; then again */
    for (size_t i = 0; i < L; i += 12)
        for (size_t k = 0; k < ls[i].dim; k++)
            ls[i].capability[k] = 0.5f * ls[i].capability[k];
    assert_int_equal(rs_synth_learner(c->cat, 9999, NOW, &ls[L]), 0);
    ls[L].target = 0;
    a = svc_team_acc_create(c, SVC_TEAM_DEMAND, NOW - 60);
    assert_int_equal(svc_team_acc_reuse(a, prev), 0);
    for (size_t i = 0; i <= L; i++) {
        snprintf(id, sizeof id, "k%zu", i);
        assert_int_equal(svc_team_acc_add(a, id, &ls[i], i % 12 == 0 ? 5000 + i : 1000 + i), 0);
    }
    size_t kept, computed;
    svc_team_acc_counts(a, &kept, &computed);
    assert_int_equal(computed, L / 12 + 1);
    assert_int_equal(kept, L - L / 12);
    s = svc_team_acc_finish(a, "test", 0);
    assert_int_equal(s->full_at, NOW - 60);
    assert_int_equal(s->n_fingerprints, L + 1);
    struct svc_recommend_ctx x = { .cat = c->cat, .model = &c->model, .ws = rs_path_ws_create(c->cat), .now = NOW - 60 };
    size_t changed_rows = 0;
    for (size_t i = 0; i <= L; i++) {
        uint32_t want[SVC_TEAM_LESSONS];
        next10(&x, c, &ls[i], want);
        const uint32_t *row = s->next_lessons + i * SVC_TEAM_LESSONS;
        if (memcmp(row, want, sizeof want) != 0)
            fail_msg("learner %zu (%s): its lessons are not next's", i, i % 12 ? "kept" : "computed");
        if (i < L && memcmp(row, prev->pb->next_lessons + i * SVC_TEAM_LESSONS, sizeof want) != 0)
            changed_rows++;
        rs_learner_deinit(&ls[i]);
    }
    assert_true(changed_rows > 0);      /* the changed learners' lessons did change */
    rs_path_ws_destroy(x.ws);
    free(ls);
    svc_team_snapshot_free(s);
    svc_team_unref(prev);
    svc_catalog_unref(c);
}

/* Demand on a hand-made team: what each learner's lessons say. */
static void test_team_demand(void **state)
{
    (void)state;
    struct svc_catalog *c = made();
    struct svc_team *t = team_of(c, SVC_TEAM_DEMAND);
    /* overwrite the lessons with known ones: u1 k0 k1 k0, u2 k1, u3 none, u4 k1 k0 */
    uint32_t *nl = t->pb->next_lessons, X = SVC_TEAM_NO_LESSON, K = t->pb->lessons_k;
    for (size_t i = 0; i < 4 * K; i++)
        nl[i] = X;
    nl[0] = 0, nl[1] = 1, nl[2] = 0;
    nl[K] = 1;
    nl[3 * K] = 1, nl[3 * K + 1] = 0;
    const struct svc_team_filter all = { 0, -1, -1 };
    Skillpath__V1__TeamDemand *d = svc_team_demand(t, c, &all, 3);
    assert_int_equal(d->k, 3);
    assert_int_equal(d->learners, 4);
    assert_int_equal(d->n_courses, 2);
    assert_string_equal(d->courses[0]->course_id, "k1");    /* u1, u2, u4 */
    assert_int_equal(d->courses[0]->learners, 3);
    assert_int_equal(d->courses[0]->next, 2);
    assert_string_equal(d->courses[1]->course_id, "k0");    /* u1 (twice: once), u4 */
    assert_int_equal(d->courses[1]->learners, 2);
    assert_int_equal(d->courses[1]->next, 1);
    size_t len;
    char *csv = svc_team_demand_csv(d, &len);
    assert_non_null(strstr(csv, "course_id,title,module,tier,learners,next\r\nk1,k1,data,NEW_HIRE,3,2\r\n"));
    free(csv);
    svc_team_demand_free(d);
    d = svc_team_demand(t, c, &all, 1);                     /* the very next only */
    assert_int_equal(d->courses[0]->learners, 2);
    assert_int_equal(d->n_courses, 2);
    svc_team_demand_free(d);
    const struct svc_team_filter nh = { RS_TIER_NEW_HIRE, -1, -1 };
    d = svc_team_demand(t, c, &nh, 10);                     /* u1 and u2 */
    assert_int_equal(d->learners, 2);
    assert_int_equal(d->courses[0]->learners, 2);
    svc_team_demand_free(d);
    size_t content;
    assert_int_equal(rs_catalog_find_module(c->cat, "content", &content), 0);
    const struct svc_team_filter mod = { 0, -1, (long)content };
    d = svc_team_demand(t, c, &mod, 3);                     /* k0's module only */
    assert_int_equal(d->n_courses, 1);
    assert_string_equal(d->courses[0]->course_id, "k0");
    svc_team_demand_free(d);
    svc_team_unref(t);
    svc_catalog_unref(c);
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y;
}

static void test_quantile_against_sort(void **state)
{
    (void)state;
    uint64_t seed = 7;
    for (int round = 0; round < 300; round++) {
        size_t n = 1 + (size_t)(round * 7 % 97);
        float v[128], w[128];
        for (size_t i = 0; i < n; i++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            v[i] = (float)((seed >> 40) % 50) / 50.0f;      /* many ties */
        }
        memcpy(w, v, n * sizeof *v);
        qsort(w, n, sizeof *w, cmp_float);
        const double ps[] = { 0, 0.25, 0.5, 0.75, 1 };
        for (size_t k = 0; k < 5; k++) {
            double pos = ps[k] * (double)(n - 1);
            size_t lo = (size_t)pos;
            float want = lo + 1 < n ? w[lo] + (float)(pos - (double)lo) * (w[lo + 1] - w[lo]) : w[lo];
            float copy[128];
            memcpy(copy, v, n * sizeof *v);
            near(svc_team_quantile(copy, n, ps[k]), want, "quantile");
        }
    }
    assert_true(svc_team_quantile(NULL, 0, 0.5) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_team_summary),
        cmocka_unit_test(test_team_at_risk),
        cmocka_unit_test(test_team_refusals),
        cmocka_unit_test(test_team_empty),
        cmocka_unit_test(test_quantile_against_sort),
        cmocka_unit_test(test_team_lessons_are_next),
        cmocka_unit_test(test_team_demand),
        cmocka_unit_test(test_team_demand_keeps_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
