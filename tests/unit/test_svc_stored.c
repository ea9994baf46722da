/* SPDX-License-Identifier: MIT
 * Golden bytes of the stored learner form (svc_stored.c): fixed learners on
 * a fixed catalog encode to the bytes checked in below, and those bytes —
 * and a value in the first form — decode to the same learners. Every daemon
 * sharing a Redis reads what the others wrote, so a change that keeps
 * encode and decode symmetric but moves a byte must fail here, not in a
 * rolling upgrade. If the form must change, add a new marker byte, keep
 * reading the old one, and add its golden bytes beside these. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "svc_stored.h"

/* A learner of the support catalog (tags a b c; courses c1..c4; target t1). */
struct golden {
    const char *name;
    enum rs_tier tier;
    long target;
    uint64_t version;
    float cap[3];
    int64_t at[3];
    size_t n_attempts;
    struct rs_attempt attempts[3];
    float evidence[3];
    long anchor;                        /* 0 = none, else course index + 1 */
    int64_t anchor_at;
    const char *hex;                    /* its stored form */
};

static const struct golden goldens[] = {
    {
        .name = "core staff, target, two attempts, evidence, an anchor",
        .tier = RS_TIER_CORE_STAFF, .target = 0, .version = 42,
        .cap = { 0.25f, 0.5f, 1.0f }, .at = { 1767225600, 0, 1767225000 },
        .n_attempts = 2,
        .attempts = { { 1, 0.75f, true, 1767225600, 0 }, { 2, 0.3f, false, 1767225500, 3 } },
        .evidence = { 1.5f, 0, 2.25f }, .anchor = 2, .anchor_at = 1767225600,
        .hex = "c32a020274310390d003127a40420f80f2d6ca060100d90402026332e1c65b01001133c0cf24650318002402633201",
    },
    {
        .name = "new hire, no target, nothing yet",
        .tier = RS_TIER_NEW_HIRE, .target = -1, .version = 1,
        .hex = "c301010003000000000000000000000000000000000000",
    },
    {
        .name = "manager, a large version, precise values",
        .tier = RS_TIER_MANAGER, .target = 0, .version = (1ull << 40) + 7,
        .cap = { 0.123456f, 0.999999f, 0.000001f }, .at = { 1, 2, 3 },
        .n_attempts = 3,
        .attempts = { { 0, 1.0f, true, 5, 0 }, { 1, 0.0f, false, 4, 1 }, { 3, 0.5f, true, 0, 0 } },
        .evidence = { 0.03f, 12345.678f, 0 }, .anchor = 4, .anchor_at = 6,
        .hex = "c3878080808020030274310340e2f123f4010000060605040302633181897a020011320003011134c1843d000000ff0002633401",
    },
};
#define N_GOLDEN (sizeof goldens / sizeof *goldens)

/* The second form (0xC2), written before evidence, failures in a row and the
 * anchor were kept: the first and third goldens' learners without them. It
 * reads with evidence from its attempts' coverage and one failure per failed
 * attempt. */
static const char *const v2_hex[] = {
    "c22a020274310390d003127a40420f80f2d6ca060100d90402026332e1c65b011133c0cf2465",
    "c2878080808020030274310340e2f123f4010000050504030302633181897a01113200021134c1843d00",
};
static const size_t v2_golden[] = { 0, 2 };

/* The first form: an 8-byte big-endian version (7), then the Learner
 * protobuf {id "old", tier CORE_STAFF, targetId "t1", capability [0.5, 0,
 * 0.25], attempts [{c2, 0.75, passed, 1767225600}]}. */
static const char v1_hex[] = "00000000000000070a036f6c6410021a027431220c0000003f000000000000803e32110a026332150000403f18012080f2d6ca06";

static struct rs_catalog *catalog(void)
{
    struct sp_def d;
    sp_def_init(&d);
    char err[1024];
    size_t nerr;
    struct rs_catalog *cat = rs_catalog_create(&d.def, err, sizeof err, &nerr);
    if (cat == NULL)
        fail_msg("support catalog: %s", err);
    return cat;
}

static void build(const struct golden *g, struct rs_learner *l)
{
    assert_int_equal(rs_learner_init(l, 3), 0);
    l->tier = g->tier;
    l->target = g->target;
    l->version = g->version;
    for (size_t k = 0; k < 3; k++) {
        l->capability[k] = g->cap[k];
        l->practiced_at[k] = g->at[k];
    }
    for (size_t i = 0; i < g->n_attempts; i++)
        assert_int_equal(rs_learner_set_attempt(l, &g->attempts[i]), 0);
    for (size_t k = 0; k < 3; k++)
        l->evidence[k] = g->evidence[k];
    l->anchor = g->anchor - 1;
    l->anchor_at = g->anchor ? g->anchor_at : 0;
}

static char *to_hex(const char *data, size_t len)
{
    char *hex = malloc(2 * len + 1);
    for (size_t i = 0; i < len; i++)
        sprintf(hex + 2 * i, "%02x", (unsigned char)data[i]);
    hex[2 * len] = '\0';
    return hex;
}

static char *from_hex(const char *hex, size_t *len)
{
    size_t n = strlen(hex) / 2;
    char *out = malloc(n + 1);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        out[i] = (char)v;
    }
    *len = n;
    return out;
}

static void assert_same_learner(const struct rs_learner *a, const struct rs_learner *b)
{
    assert_int_equal(a->dim, b->dim);
    assert_int_equal(a->tier, b->tier);
    assert_int_equal(a->target, b->target);
    assert_int_equal(a->version, b->version);
    for (size_t k = 0; k < a->dim; k++) {
        assert_float_equal(a->capability[k], b->capability[k], 0);
        assert_int_equal(a->practiced_at[k], b->practiced_at[k]);
        assert_float_equal(a->evidence[k], b->evidence[k], 1e-6);
    }
    assert_int_equal(a->anchor, b->anchor);
    assert_int_equal(a->anchor_at, b->anchor_at);
    assert_int_equal(a->n_attempts, b->n_attempts);
    for (size_t i = 0; i < a->n_attempts; i++) {
        assert_int_equal(a->attempts[i].course, b->attempts[i].course);
        assert_float_equal(a->attempts[i].score, b->attempts[i].score, 0);
        assert_int_equal(a->attempts[i].passed, b->attempts[i].passed);
        assert_int_equal(a->attempts[i].at, b->attempts[i].at);
        assert_int_equal(a->attempts[i].fails, b->attempts[i].fails);
    }
}

/* Each learner encodes to exactly its golden bytes. */
static void test_stored_encodes_to_the_golden_bytes(void **state)
{
    (void)state;
    struct rs_catalog *cat = catalog();
    for (size_t i = 0; i < N_GOLDEN; i++) {
        struct rs_learner l;
        build(&goldens[i], &l);
        size_t len;
        char *v = svc_stored_encode(cat, &l, &len);
        assert_non_null(v);
        char *hex = to_hex(v, len);
        if (strcmp(hex, goldens[i].hex) != 0)
            fail_msg("%s: encodes to\n  %s\nnot the golden\n  %s", goldens[i].name, hex, goldens[i].hex);
        free(hex);
        free(v);
        rs_learner_deinit(&l);
    }
    rs_catalog_destroy(cat);
}

/* The golden bytes decode to the learner (rounded as stored), and their
 * version token is what the write script compares. */
static void test_stored_golden_bytes_decode(void **state)
{
    (void)state;
    struct rs_catalog *cat = catalog();
    for (size_t i = 0; i < N_GOLDEN; i++) {
        size_t len;
        char *v = from_hex(goldens[i].hex, &len);
        struct rs_learner got, want;
        assert_int_equal(svc_stored_decode(cat, v, len, &got), 0);
        build(&goldens[i], &want);
        svc_stored_round(&want);
        assert_same_learner(&got, &want);
        assert_int_equal((unsigned char)v[0], 0xC3);
        assert_true(svc_stored_token(v, len) >= 2);
        rs_learner_deinit(&got);
        rs_learner_deinit(&want);
        free(v);
    }
    rs_catalog_destroy(cat);
}

/* A value in the second form still reads: as its golden learner without
 * evidence, anchor or failure counts, those taken from its attempts. */
static void test_stored_reads_the_second_form(void **state)
{
    (void)state;
    struct rs_catalog *cat = catalog();
    for (size_t i = 0; i < sizeof v2_hex / sizeof *v2_hex; i++) {
        size_t len;
        char *v = from_hex(v2_hex[i], &len);
        struct rs_learner got, want;
        assert_int_equal(svc_stored_decode(cat, v, len, &got), 0);
        build(&goldens[v2_golden[i]], &want);
        svc_stored_round(&want);
        want.anchor = -1;
        want.anchor_at = 0;
        memset(want.evidence, 0, 3 * sizeof *want.evidence);
        for (size_t a = 0; a < want.n_attempts; a++) {
            struct rs_attempt *at = &want.attempts[a];
            at->fails = !at->passed;
            for (size_t k = 0; k < 3; k++)
                want.evidence[k] += rs_catalog_course_coverage(cat, at->course)[k];
        }
        assert_same_learner(&got, &want);
        assert_int_equal(svc_stored_token(v, len), 2 + (goldens[v2_golden[i]].version >= 128) * 5);
        rs_learner_deinit(&got);
        rs_learner_deinit(&want);
        free(v);
    }
    rs_catalog_destroy(cat);
}

/* A value in the first form still reads, and its token is the 8-byte version. */
static void test_stored_reads_the_first_form(void **state)
{
    (void)state;
    struct rs_catalog *cat = catalog();
    size_t len;
    char *v = from_hex(v1_hex, &len);
    struct rs_learner l;
    assert_int_equal(svc_stored_decode(cat, v, len, &l), 0);
    assert_int_equal(l.version, 7);
    assert_int_equal(l.tier, RS_TIER_CORE_STAFF);
    assert_int_equal(l.target, 0);
    assert_float_equal(l.capability[0], 0.5f, 0);
    assert_float_equal(l.capability[2], 0.25f, 0);
    assert_int_equal(l.n_attempts, 1);
    assert_int_equal(l.attempts[0].course, 1);
    assert_float_equal(l.attempts[0].score, 0.75f, 0);
    assert_true(l.attempts[0].passed);
    assert_int_equal(l.attempts[0].at, 1767225600);
    assert_int_equal(svc_stored_token(v, len), 8);
    rs_learner_deinit(&l);
    free(v);
    rs_catalog_destroy(cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stored_encodes_to_the_golden_bytes),
        cmocka_unit_test(test_stored_golden_bytes_decode),
        cmocka_unit_test(test_stored_reads_the_second_form),
        cmocka_unit_test(test_stored_reads_the_first_form),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
