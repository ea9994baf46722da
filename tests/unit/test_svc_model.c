/* SPDX-License-Identifier: MIT
 * Wire <-> core conversions, and the demo catalog and learners: they load,
 * validate, and give a new hire a sensible path. Run from the repository root. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "svc_json.h"
#include "svc_model.h"

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
            /* A new hire aiming at intermediate specialist: the AIGC and
             * private-domain skills the ladder asks for, from new-hire courses. */
            size_t aigc, priv;
            rs_catalog_find_tag(cat, "aigc_copy", &aigc);
            rs_catalog_find_tag(cat, "private_domain", &priv);
            bool has_aigc = false, has_priv = false;
            int new_hire = 0;
            for (size_t k = 0; k < p.n_items; k++) {
                const float *a = rs_catalog_course_coverage(cat, p.items[k].course);
                has_aigc |= a[aigc] >= 0.5f;
                has_priv |= a[priv] >= 0.5f;
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

int main(void)
{
    rs_blas_setup();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_demo_catalog_validates),
        cmocka_unit_test(test_model_demo_new_hire_path_is_sensible),
        cmocka_unit_test(test_model_learner_round_trip_and_errors),
        cmocka_unit_test(test_model_event_and_query_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
