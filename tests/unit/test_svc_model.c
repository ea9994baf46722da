/* SPDX-License-Identifier: MIT
 * Wire <-> core conversions, and the demo catalog and learners: they load,
 * validate, and give a new hire a sensible path. Run from the repository root. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "svc_catalog.h"
#include "svc_json.h"
#include "svc_model.h"
#include "svc_stored.h"

#define NOW 1767225600      /* 2026-01-01 */

static ProtobufCMessage *load(const char *path, const ProtobufCMessageDescriptor *d)
{
    size_t len;
    char *buf = sp_read_file(path, &len);
    char err[256];
    ProtobufCMessage *m = svc_json_decode(d, buf, len, err, sizeof err);
    if (m == NULL)
        fail_msg("%s: %s", path, err);
    free(buf);
    return m;
}

static struct rs_catalog *demo_catalog(void)
{
    Skillpath__V1__Catalog *pb = (Skillpath__V1__Catalog *)load("deploy/demo/catalog.json",
                                                                &skillpath__v1__catalog__descriptor);
    char err[4096];
    size_t nerr;
    struct rs_catalog *cat = svc_model_catalog(pb, err, sizeof err, &nerr);
    if (cat == NULL)
        fail_msg("demo catalog invalid: %s", err);
    protobuf_c_message_free_unpacked(&pb->base, NULL);
    return cat;
}

static void test_model_demo_catalog_validates(void **state)
{
    (void)state;
    struct rs_catalog *cat = demo_catalog();
    size_t N = rs_catalog_n_courses(cat);
    assert_int_equal(rs_catalog_n_tags(cat), 28);
    assert_int_equal(N, 108);
    assert_int_equal(rs_catalog_n_targets(cat), 11);
    int tiers[4] = {0};
    for (size_t j = 0; j < N; j++) {
        assert_int_equal(rs_catalog_course_duration(cat, j), 15);
        tiers[rs_catalog_course_tier(cat, j)]++;
    }
    assert_int_equal(tiers[0], 0);
    assert_true(tiers[1] > 20 && tiers[2] > 20 && tiers[3] > 20);
    /* a prerequisite DAG with real depth */
    uint8_t *mark = calloc(N, 1);
    uint32_t *out = malloc(N * sizeof *out);
    long deepest = 0;
    for (size_t j = 0; j < N; j++) {
        long n = rs_graph_closure(cat, j, mark, out, N);
        deepest = n > deepest ? n : deepest;
    }
    assert_true(deepest >= 8);
    free(mark);
    free(out);
    static const char *targets[] = { "pro-1", "pro-2", "pro-3", "pro-4", "mgt-1", "mgt-2",
                                     "mgt-3", "mgt-4", "cert-junior", "cert-senior", "cert-expert" };
    for (size_t i = 0; i < 11; i++) {
        size_t t;
        assert_int_equal(rs_catalog_find_target(cat, targets[i], &t), 0);
    }
    rs_catalog_destroy(cat);
}

static void test_model_demo_new_hire_path_is_sensible(void **state)
{
    (void)state;
    struct rs_catalog *cat = demo_catalog();
    Skillpath__V1__LearnerList *ll = (Skillpath__V1__LearnerList *)load(
        "deploy/demo/learners.json", &skillpath__v1__learner_list__descriptor);
    assert_true(ll->n_learners >= 9);
    struct rs_model m;
    rs_model_default(&m);
    struct rs_path_ws *ws = rs_path_ws_create(cat);
    char err[256];
    for (size_t i = 0; i < ll->n_learners; i++) {
        struct rs_learner l;
        if (svc_model_learner_from_pb(cat, ll->learners[i], true, &l, err, sizeof err))
            fail_msg("%s: %s", ll->learners[i]->id, err);
        Skillpath__V1__RecommendRequest req;
        skillpath__v1__recommend_request__init(&req);
        req.now = NOW;
        struct rs_path_query q;
        assert_int_equal(svc_model_query_from_pb(cat, &req, &l, &q, err, sizeof err), 0);
        struct rs_path p = {0};
        assert_int_equal(rs_path_build(cat, &m, &q, ws, &p, err, sizeof err), 0);
        assert_int_equal(p.n_items, 10);
        assert_true(p.gap_after < p.gap_before);
        if (strcmp(ll->learners[i]->id, "nh-001") == 0) {
            /* A new hire aiming at intermediate specialist: the path teaches
             * the AIGC and private-domain skills the ladder asks for, from
             * new-hire courses. */
            size_t aigc, priv;
            rs_catalog_find_tag(cat, "aigc_copy", &aigc);
            rs_catalog_find_tag(cat, "private_domain", &priv);
            bool has_aigc = false, has_priv = false;
            int new_hire = 0;
            for (size_t k = 0; k < p.n_items; k++) {
                for (size_t c = 0; c < p.items[k].n_changes; c++) {
                    uint32_t tag = p.changes[p.items[k].first_change + c].tag;
                    has_aigc |= tag == aigc;
                    has_priv |= tag == priv;
                }
                new_hire += rs_catalog_course_tier(cat, p.items[k].course) == RS_TIER_NEW_HIRE;
            }
            assert_true(has_aigc && has_priv);
            assert_true(new_hire >= 8);
            Skillpath__V1__RecommendResponse *r = svc_model_path_to_pb(cat, &p, "nh-001");
            assert_non_null(r);
            assert_int_equal(r->n_items, 10);
            assert_int_equal(r->total_min, 150);
            assert_string_equal(r->catalog_version, rs_catalog_version(cat));
            svc_model_path_free(r);
        }
        rs_path_deinit(&p);
        svc_model_query_deinit(&q);
        rs_learner_deinit(&l);
    }
    rs_path_ws_destroy(ws);
    protobuf_c_message_free_unpacked(&ll->base, NULL);
    rs_catalog_destroy(cat);
}

static void test_model_learner_round_trip_and_errors(void **state)
{
    (void)state;
    struct rs_catalog *cat = demo_catalog();
    Skillpath__V1__LearnerList *ll = (Skillpath__V1__LearnerList *)load(
        "deploy/demo/learners.json", &skillpath__v1__learner_list__descriptor);
    Skillpath__V1__Learner *src = ll->learners[3];
    struct rs_learner l, back;
    char err[256];
    assert_int_equal(svc_model_learner_from_pb(cat, src, true, &l, err, sizeof err), 0);
    Skillpath__V1__Learner *pb = svc_model_learner_to_pb(cat, &l, src->id);
    assert_non_null(pb);
    assert_int_equal(svc_model_learner_from_pb(cat, pb, true, &back, err, sizeof err), 0);
    assert_memory_equal(l.capability, back.capability, l.dim * sizeof(float));
    assert_memory_equal(l.practiced_at, back.practiced_at, l.dim * sizeof(int64_t));
    assert_int_equal(l.n_attempts, back.n_attempts);
    assert_int_equal(l.target, back.target);
    rs_learner_deinit(&back);
    protobuf_c_message_free_unpacked(&pb->base, NULL);
    rs_learner_deinit(&l);

    float cap[27] = {0};
    Skillpath__V1__Learner bad;
    skillpath__v1__learner__init(&bad);
    bad.capability = cap;
    bad.n_capability = 27;
    assert_int_equal(svc_model_learner_from_pb(cat, &bad, true, &l, err, sizeof err), -1);
    assert_string_equal(err, "capability: has 27 values, expected 28 (one per tag)");
    bad.n_capability = 0;
    bad.target_id = "ceo";
    assert_int_equal(svc_model_learner_from_pb(cat, &bad, true, &l, err, sizeof err), -1);
    assert_string_equal(err, "targetId: unknown target 'ceo'");
    protobuf_c_message_free_unpacked(&ll->base, NULL);
    rs_catalog_destroy(cat);
}

static void test_model_event_and_query_errors(void **state)
{
    (void)state;
    struct rs_catalog *cat = demo_catalog();
    char err[256];
    struct rs_event e;
    Skillpath__V1__Event ev;
    skillpath__v1__event__init(&ev);
    ev.course_id = "cc-101";
    ev.kind = SKILLPATH__V1__EVENT_KIND__ASSESSED;
    ev.at = NOW;
    ev.score = 0.7f;
    assert_int_equal(svc_model_event_from_pb(cat, &ev, &e, err, sizeof err), 0);
    assert_true(e.has_score);
    ev.course_id = "nope";
    assert_int_equal(svc_model_event_from_pb(cat, &ev, &e, err, sizeof err), -1);
    assert_string_equal(err, "courseId: unknown course 'nope'");
    ev.course_id = "cc-101";
    ev.score = NAN;
    assert_int_equal(svc_model_event_from_pb(cat, &ev, &e, err, sizeof err), -1);
    ev.score = 0;
    ev.kind = 0;
    assert_int_equal(svc_model_event_from_pb(cat, &ev, &e, err, sizeof err), -1);
    assert_non_null(strstr(err, "kind"));

    struct rs_learner l;
    rs_learner_init(&l, rs_catalog_n_tags(cat));
    Skillpath__V1__RecommendRequest req;
    skillpath__v1__recommend_request__init(&req);
    struct rs_path_query q;
    assert_int_equal(svc_model_query_from_pb(cat, &req, &l, &q, err, sizeof err), -1);
    assert_non_null(strstr(err, "targetId"));
    req.target_id = "pro-2";
    char *ex[] = { "cc-101", "zz-1" };
    req.exclude = ex;
    req.n_exclude = 2;
    assert_int_equal(svc_model_query_from_pb(cat, &req, &l, &q, err, sizeof err), -1);
    assert_string_equal(err, "exclude[1]: unknown course 'zz-1'");
    req.n_exclude = 1;
    char *mods[] = { "content", "astrology" };
    req.modules = mods;
    req.n_modules = 2;
    assert_int_equal(svc_model_query_from_pb(cat, &req, &l, &q, err, sizeof err), -1);
    assert_string_equal(err, "modules[1]: unknown module 'astrology'");
    req.n_modules = 1;
    assert_int_equal(svc_model_query_from_pb(cat, &req, &l, &q, err, sizeof err), 0);
    assert_int_equal(q.n_exclude, 1);
    assert_int_equal(q.n_modules, 1);
    svc_model_query_deinit(&q);
    rs_learner_deinit(&l);
    rs_catalog_destroy(cat);
}

/* A demo-catalog learner with `attempts` attempts, varied: rs_synth's
 * profile, odd scores and times, a target. */
static void stored_learner(const struct rs_catalog *cat, uint64_t seed, size_t attempts,
                           struct rs_learner *l)
{
    assert_int_equal(rs_synth_learner(cat, seed, NOW, l), 0);
    uint64_t st = seed * 31 + 7;
    size_t N = rs_catalog_n_courses(cat);
    l->n_attempts = 0;
    while (l->n_attempts < attempts) {
        uint32_t j = (uint32_t)(rs_synth_next(&st) % N);
        float y = rs_synth_uniform(&st);
        struct rs_attempt a = { j, y, y >= 0.5f, NOW - (int64_t)(rs_synth_next(&st) % 40000000), y < 0.5f };
        assert_int_equal(rs_learner_set_attempt(l, &a), 0);
    }
    l->version = rs_synth_next(&st) % 100000;
    l->target = (long)(seed % rs_catalog_n_targets(cat));
    l->tier = (enum rs_tier)(seed % 4);
}

static void assert_same_learner(const struct rs_learner *a, const struct rs_learner *b)
{
    assert_int_equal(a->dim, b->dim);
    assert_int_equal(a->tier, b->tier);
    assert_int_equal(a->target, b->target);
    assert_int_equal(a->version, b->version);
    assert_memory_equal(a->capability, b->capability, a->dim * sizeof(float));
    assert_memory_equal(a->practiced_at, b->practiced_at, a->dim * sizeof(int64_t));
    assert_memory_equal(a->evidence, b->evidence, a->dim * sizeof(float));
    assert_int_equal(a->anchor, b->anchor);
    assert_int_equal(a->anchor_at, b->anchor_at);
    assert_int_equal(a->n_attempts, b->n_attempts);
    for (size_t i = 0; i < a->n_attempts; i++) {
        assert_int_equal(a->attempts[i].course, b->attempts[i].course);
        assert_true(a->attempts[i].score == b->attempts[i].score);
        assert_int_equal(a->attempts[i].passed, b->attempts[i].passed);
        assert_int_equal(a->attempts[i].at, b->attempts[i].at);
        assert_int_equal(a->attempts[i].fails, b->attempts[i].fails);
    }
}

static void test_model_stored_form_round_trips(void **state)
{
    (void)state;
    struct rs_catalog *cat = demo_catalog();
    size_t biggest = 0;
    for (uint64_t seed = 1; seed <= 2000; seed++) {
        struct rs_learner l, orig, back;
        stored_learner(cat, seed, seed % 13, &l);
        assert_int_equal(rs_learner_init(&orig, l.dim), 0);
        assert_int_equal(rs_learner_copy(&orig, &l), 0);
        orig.version = l.version;
        orig.target = l.target;
        orig.tier = l.tier;
        size_t len = 0;
        char *v = svc_stored_encode(cat, &l, &len);
        assert_non_null(v);
        /* encoding rounded l to 1e-6, and only that */
        for (size_t k = 0; k < l.dim; k++)
            assert_true(fabsf(l.capability[k] - orig.capability[k]) <= 0.55e-6f);
        for (size_t i = 0; i < l.n_attempts; i++)
            assert_true(fabsf(l.attempts[i].score - orig.attempts[i].score) <= 0.55e-6f);
        /* and a read returns exactly what the writer now holds */
        assert_int_equal(svc_stored_decode(cat, v, len, &back), 0);
        assert_same_learner(&l, &back);
        /* a second encoding is the same bytes: rounding is idempotent */
        size_t len2 = 0;
        char *v2 = svc_stored_encode(cat, &back, &len2);
        assert_int_equal(len, len2);
        assert_memory_equal(v, v2, len);
        if (l.n_attempts == 10 && len > biggest)
            biggest = len;
        /* the version token: marker + the version's varint */
        size_t vbytes = l.version < 128 ? 1 : l.version < 16384 ? 2 : 3;
        assert_int_equal(svc_stored_token(v, len), 1 + vbytes);
        /* every truncation is unreadable, never a crash or a wrong learner */
        for (size_t cut = 0; cut < len; cut += 1 + seed % 7) {
            struct rs_learner t;
            assert_int_equal(svc_stored_decode(cat, v, cut, &t), -1);
        }
        free(v);
        free(v2);
        rs_learner_deinit(&l);
        rs_learner_deinit(&orig);
        rs_learner_deinit(&back);
    }
    /* 28 tags (capability, times, evidence), 10 attempts over more than a
     * year and an anchor fit one 384-byte allocation in Redis: the value,
     * its 5-byte string header and a NUL */
    assert_true(biggest > 300 && biggest + 6 <= 384);
    rs_catalog_destroy(cat);
}

static void test_model_stored_form_reads_the_old_form_and_drops_the_unknown(void **state)
{
    (void)state;
    struct rs_catalog *cat = demo_catalog();
    struct rs_learner l, back;
    stored_learner(cat, 42, 10, &l);
    svc_stored_round(&l);
    /* the first form: 8-byte big-endian version + Learner protobuf */
    Skillpath__V1__Learner *pb = svc_model_learner_to_pb(cat, &l, "old-1");
    size_t n = protobuf_c_message_get_packed_size(&pb->base);
    char *old = malloc(8 + n);
    uint64_t ver = 0x0102030405ULL;
    for (int i = 7; i >= 0; i--, ver >>= 8)
        old[i] = (char)(ver & 0xff);
    protobuf_c_message_pack(&pb->base, (uint8_t *)old + 8);
    protobuf_c_message_free_unpacked(&pb->base, NULL);
    assert_int_equal(svc_stored_decode(cat, old, 8 + n, &back), 0);
    l.version = 0x0102030405ULL;
    assert_same_learner(&l, &back);
    assert_int_equal(svc_stored_token(old, 8 + n), 8);
    rs_learner_deinit(&back);
    free(old);

    /* against another catalog with as many tags: courses and target unknown */
    size_t len;
    char *v = svc_stored_encode(cat, &l, &len);
    struct rs_catalog *other = sp_synth_catalog(50, 28, 3, 2, 4);
    assert_int_equal(svc_stored_decode(other, v, len, &back), 0);
    assert_int_equal(back.n_attempts, 0);
    assert_int_equal(back.target, -1);
    assert_memory_equal(back.capability, l.capability, 28 * sizeof(float));
    rs_learner_deinit(&back);
    /* ... and one with another number of tags cannot read it */
    struct rs_catalog *narrow = sp_synth_catalog(50, 27, 3, 2, 4);
    assert_int_equal(svc_stored_decode(narrow, v, len, &back), -1);
    /* flipped bytes: readable or not, never out of range or a crash */
    for (size_t i = 0; i < len; i++)
        for (int bit = 0; bit < 8; bit++) {
            v[i] ^= (char)(1 << bit);
            if (svc_stored_decode(cat, v, len, &back) == 0) {
                for (size_t k = 0; k < back.dim; k++)
                    assert_true(back.capability[k] >= 0 && back.capability[k] <= 1);
                for (size_t a = 0; a < back.n_attempts; a++)
                    assert_true(back.attempts[a].score >= 0 && back.attempts[a].score <= 1);
                rs_learner_deinit(&back);
            }
            v[i] ^= (char)(1 << bit);
        }
    free(v);
    rs_learner_deinit(&l);
    rs_catalog_destroy(narrow);
    rs_catalog_destroy(other);
    rs_catalog_destroy(cat);
}

static void test_model_stored_form_takes_ids_of_any_length(void **state)
{
    (void)state;
    struct sp_def d;
    sp_def_init(&d);
    char long3[420], long4[400], longt[400];
    memset(long4, 'x', 300);
    long4[300] = '\0';
    snprintf(long3, sizeof long3, "%sy", long4);        /* shares 300 bytes with long4 */
    memset(longt, 't', 299);
    longt[299] = '\0';
    d.courses[2].id = long3;
    d.courses[3].id = long4;
    d.targets[0].id = longt;
    char err[4096];
    size_t nerr;
    struct rs_catalog *cat = rs_catalog_create(&d.def, err, sizeof err, &nerr);
    assert_non_null(cat);
    struct rs_learner l, back;
    assert_int_equal(rs_learner_init(&l, 3), 0);
    l.target = 0;
    l.version = 9;
    for (uint32_t j = 0; j < 4; j++) {
        struct rs_attempt a = { j, 0.25f * (float)j, j % 2 == 1, NOW - (int64_t)j, j % 2 == 0 };
        assert_int_equal(rs_learner_set_attempt(&l, &a), 0);
    }
    size_t len;
    char *v = svc_stored_encode(cat, &l, &len);
    assert_non_null(v);
    assert_true(len > 600 && len < 1000);       /* the long ids once each, front-coded */
    assert_int_equal(svc_stored_decode(cat, v, len, &back), 0);
    assert_same_learner(&l, &back);
    free(v);
    rs_learner_deinit(&l);
    rs_learner_deinit(&back);
    rs_catalog_destroy(cat);
}

/* The model's settings: a catalog's Model overrides the defaults field by
 * field (0 = the default), every range is checked, --model's assignments
 * apply on top, and a catalog with a bad model is refused. */
static void test_model_settings_from_the_catalog_and_flags(void **state)
{
    (void)state;
    struct rs_model def, m;
    rs_model_default(&def);
    char err[256];
    assert_int_equal(svc_model_settings_from_pb(NULL, &m, err, sizeof err), 0);
    assert_memory_equal(&m, &def, sizeof m);
    Skillpath__V1__Model pb;
    skillpath__v1__model__init(&pb);
    pb.continuity = 0.5f;
    pb.max_sessions = 4;
    pb.half_life_days = 100;
    pb.sequencer = SKILLPATH__V1__SEQUENCER__LEGACY;
    assert_int_equal(svc_model_settings_from_pb(&pb, &m, err, sizeof err), 0);
    assert_float_equal(m.continuity, 0.5f, 0);
    assert_int_equal(m.max_sessions, 4);
    assert_float_equal(m.half_life_days, 100, 0);
    assert_int_equal(m.sequencer, RS_SEQUENCER_LEGACY);
    assert_float_equal(m.rate_floor, def.rate_floor, 0);         /* left out: the default */
    pb.rate_floor = 1.5f;
    assert_int_equal(svc_model_settings_from_pb(&pb, &m, err, sizeof err), -1);
    assert_non_null(strstr(err, "model.rate_floor: 1.5 is outside (0, 1]"));
    pb.rate_floor = 0;
    pb.sequencer = 7;
    assert_int_equal(svc_model_settings_from_pb(&pb, &m, err, sizeof err), -1);
    assert_non_null(strstr(err, "model.sequencer"));

    rs_model_default(&m);
    assert_int_equal(svc_model_settings_parse("continuity=0.25,retake_cap=3,sequencer=legacy,"
                                              "half_life_days=30", &m, err, sizeof err), 0);
    assert_float_equal(m.continuity, 0.25f, 0);
    assert_int_equal(m.retake_cap, 3);
    assert_int_equal(m.sequencer, RS_SEQUENCER_LEGACY);
    assert_float_equal(m.half_life_days, 30, 0);
    const char *bad[] = { "continuity", "continuity=", "continuity=x", "frob=1", "retake_cap=-1",
                          "sequencer=best", "session_gain=0", "fit_width=nan" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        rs_model_default(&m);
        if (svc_model_settings_parse(bad[i], &m, err, sizeof err) != -1)
            fail_msg("'%s' accepted", bad[i]);
    }

    /* a catalog whose model is out of range is refused, naming it */
    Skillpath__V1__Catalog *cat = (Skillpath__V1__Catalog *)load("deploy/demo/catalog.json",
                                                                 &skillpath__v1__catalog__descriptor);
    assert_non_null(cat->model);                                  /* the demo spells it out */
    cat->model->continuity = 2;
    assert_null(svc_catalog_create(cat, err, sizeof err));        /* takes cat, frees it */
    assert_non_null(strstr(err, "model.continuity: 2 is outside [0, 1]"));
}

int main(void)
{
    rs_blas_setup();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_demo_catalog_validates),
        cmocka_unit_test(test_model_demo_new_hire_path_is_sensible),
        cmocka_unit_test(test_model_learner_round_trip_and_errors),
        cmocka_unit_test(test_model_event_and_query_errors),
        cmocka_unit_test(test_model_stored_form_round_trips),
        cmocka_unit_test(test_model_stored_form_reads_the_old_form_and_drops_the_unknown),
        cmocka_unit_test(test_model_stored_form_takes_ids_of_any_length),
        cmocka_unit_test(test_model_settings_from_the_catalog_and_flags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
