/* SPDX-License-Identifier: MIT
 * PUT merges and history rebuilds (svc_learner.c) on the demo catalog,
 * against the same steps taken directly: a rebuild without an event equals
 * the learner that never had it, PUTs in between merged again; a base that
 * holds the effect of an earlier voided event is not used; a history that
 * cannot undo the event says why and builds nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "svc_support.h"
#include "svc_catalog.h"
#include "svc_learner.h"
#include "svc_stored.h"

#define T0 1767225600

/* A history under construction: entries own their bytes. */
struct hist {
    struct svc_history_entry e[16];
    char ids[16][32];
    size_t n;
};

static void hist_free(struct hist *h)
{
    for (size_t i = 0; i < h->n; i++) {
        free((void *)h->e[i].data);
        free((void *)h->e[i].state);
    }
}

static struct svc_history_entry *hist_add(struct hist *h, const char *kind)
{
    struct svc_history_entry *e = &h->e[h->n];
    snprintf(h->ids[h->n], sizeof h->ids[h->n], "1767225600000-%zu", h->n);
    memset(e, 0, sizeof *e);
    e->id = h->ids[h->n];
    e->kind = kind;
    h->n++;
    return e;
}

static char *stored(const struct svc_catalog *c, const struct rs_learner *l, size_t *len)
{
    struct rs_learner tmp = { .target = -1 };
    assert_int_equal(rs_learner_init(&tmp, l->dim), 0);
    assert_int_equal(rs_learner_copy(&tmp, l), 0);
    char *v = svc_stored_encode(c->cat, &tmp, len);
    assert_non_null(v);
    rs_learner_deinit(&tmp);
    return v;
}

/* A PUT of `body` onto *cur (NULL: create), recorded; *cur becomes the result. */
static void put(const struct svc_catalog *c, struct hist *h, struct rs_learner *cur, bool create,
                Skillpath__V1__Learner *body)
{
    struct rs_learner next;
    char err[256];
    if (svc_learner_merge(c, create ? NULL : cur, body, &next, err, sizeof err) != 0)
        fail_msg("merge: %s", err);
    svc_stored_round(&next);
    struct svc_history_entry *e = hist_add(h, "put");
    size_t blen = protobuf_c_message_get_packed_size(&body->base);
    uint8_t *b = malloc(blen + 1);
    protobuf_c_message_pack(&body->base, b);
    e->data = (const char *)b;
    e->len = blen;
    e->state = stored(c, &next, &e->state_len);
    rs_learner_deinit(cur);
    *cur = next;
}

/* Event `id` (ASSESSED at `course` scored y, at T0 + day days) applied to
 * *cur and recorded when `record`. */
static void event(const struct svc_catalog *c, struct hist *h, struct rs_learner *cur, const char *id,
                  const char *course, float y, int day, bool record)
{
    Skillpath__V1__Event pe;
    skillpath__v1__event__init(&pe);
    pe.event_id = (char *)id;
    pe.learner_id = "nh-001";
    pe.course_id = (char *)course;
    pe.kind = SKILLPATH__V1__EVENT_KIND__ASSESSED;
    pe.score = y;
    pe.at = T0 + (int64_t)day * 86400;
    size_t j;
    assert_int_equal(rs_catalog_find_course(c->cat, course, &j), 0);
    struct rs_event ev = { .course = (uint32_t)j, .kind = RS_EVENT_ASSESSED, .has_score = true,
                           .score = y, .at = pe.at };
    struct rs_learner next = { .target = -1 };
    char err[256];
    assert_int_equal(rs_learner_init(&next, cur->dim), 0);
    if (rs_learner_apply(c->cat, &c->model, cur, &ev, &next, err, sizeof err) != 0)
        fail_msg("apply: %s", err);
    svc_stored_round(&next);
    rs_learner_deinit(cur);
    *cur = next;
    if (record) {
        struct svc_history_entry *e = hist_add(h, "event");
        size_t len = protobuf_c_message_get_packed_size(&pe.base);
        uint8_t *b = malloc(len + 1);
        protobuf_c_message_pack(&pe.base, b);
        e->data = (const char *)b;
        e->len = len;
    }
}

static void assert_same(const struct rs_learner *a, const struct rs_learner *b)
{
    assert_int_equal(a->dim, b->dim);
    assert_int_equal(a->tier, b->tier);
    assert_int_equal(a->target, b->target);
    for (size_t k = 0; k < a->dim; k++) {
        if (a->capability[k] != b->capability[k] || a->evidence[k] != b->evidence[k] ||
            a->practiced_at[k] != b->practiced_at[k])
            fail_msg("tag %zu: capability %g/%g evidence %g/%g practiced %lld/%lld", k,
                     (double)a->capability[k], (double)b->capability[k], (double)a->evidence[k],
                     (double)b->evidence[k], (long long)a->practiced_at[k], (long long)b->practiced_at[k]);
    }
    assert_int_equal(a->n_attempts, b->n_attempts);
    for (size_t i = 0; i < a->n_attempts; i++) {
        assert_int_equal(a->attempts[i].course, b->attempts[i].course);
        assert_true(a->attempts[i].score == b->attempts[i].score);
        assert_int_equal(a->attempts[i].fails, b->attempts[i].fails);
    }
    assert_int_equal(a->anchor, b->anchor);
}

static Skillpath__V1__Learner body_of(Skillpath__V1__Tier tier)
{
    Skillpath__V1__Learner b;
    skillpath__v1__learner__init(&b);
    b.tier = tier;
    b.target_id = "pro-2";
    return b;
}

static void test_rebuild_without_one_event(void **state)
{
    (void)state;
    struct svc_catalog *c = sp_demo_catalog();
    struct hist h = { .n = 0 };
    struct rs_learner live = { .target = -1 }, twin = { .target = -1 }, out;
    Skillpath__V1__Learner b0 = body_of(SKILLPATH__V1__TIER__NEW_HIRE);
    Skillpath__V1__Learner b1 = body_of(SKILLPATH__V1__TIER__CORE_STAFF);
    struct hist scratch = { .n = 0 };
    put(c, &h, &live, true, &b0);
    put(c, &scratch, &twin, true, &b0);
    event(c, &h, &live, "e1", "cc-101", 0.9f, 1, true);
    event(c, &scratch, &twin, "e1", "cc-101", 0.9f, 1, false);
    event(c, &h, &live, "e2", "cc-104", 0.4f, 2, true);         /* the one undone */
    put(c, &h, &live, false, &b1);                               /* keeps capability */
    put(c, &scratch, &twin, false, &b1);
    event(c, &h, &live, "e3", "cc-104", 0.7f, 3, true);
    event(c, &scratch, &twin, "e3", "cc-104", 0.7f, 3, false);
    char err[256];
    size_t entry = 99;
    assert_int_equal(svc_learner_rebuild(c, h.e, h.n, "e2", &out, &entry, err, sizeof err), SVC_REBUILD_OK);
    assert_int_equal(entry, 2);
    assert_same(&out, &twin);
    rs_learner_deinit(&out);

    /* nothing kept of it; no PUT before it */
    assert_int_equal(svc_learner_rebuild(c, h.e, h.n, "e9", &out, &entry, err, sizeof err),
                     SVC_REBUILD_NOT_IN_HISTORY);
    assert_non_null(strstr(err, "e9"));
    assert_int_equal(svc_learner_rebuild(c, h.e + 1, h.n - 1, "e2", &out, &entry, err, sizeof err),
                     SVC_REBUILD_NO_BASE);

    /* an unreadable entry after the base: an error, nothing built */
    struct svc_history_entry bad[8];
    memcpy(bad, h.e, h.n * sizeof *bad);
    bad[3].data = "\xff\xff\xff";
    bad[3].len = 3;
    assert_int_equal(svc_learner_rebuild(c, bad, h.n, "e2", &out, &entry, err, sizeof err),
                     SVC_REBUILD_ERROR);
    hist_free(&h);
    hist_free(&scratch);
    rs_learner_deinit(&live);
    rs_learner_deinit(&twin);
    svc_catalog_unref(c);
}

/* P0 E1 P1 E2 VOID(E1): P1's state holds E1, so undoing E2 starts at P0. */
static void test_rebuild_skips_a_stale_base(void **state)
{
    (void)state;
    struct svc_catalog *c = sp_demo_catalog();
    struct hist h = { .n = 0 }, scratch = { .n = 0 };
    struct rs_learner live = { .target = -1 }, twin = { .target = -1 }, out;
    Skillpath__V1__Learner b0 = body_of(SKILLPATH__V1__TIER__NEW_HIRE);
    Skillpath__V1__Learner b1 = body_of(SKILLPATH__V1__TIER__CORE_STAFF);
    put(c, &h, &live, true, &b0);
    put(c, &scratch, &twin, true, &b0);
    event(c, &h, &live, "e1", "cc-101", 0.95f, 1, true);
    put(c, &h, &live, false, &b1);
    put(c, &scratch, &twin, false, &b1);
    event(c, &h, &live, "e2", "cc-104", 0.8f, 2, true);
    /* E1 voided: its entry goes, a void entry (with the state then) comes */
    char err[256];
    size_t entry;
    assert_int_equal(svc_learner_rebuild(c, h.e, h.n, "e1", &out, &entry, err, sizeof err), SVC_REBUILD_OK);
    assert_int_equal(entry, 1);
    struct svc_history_entry *v = hist_add(&h, "void");
    v->data = strdup("stmt-e1");
    v->len = 7;
    v->voided = h.e[1].id;
    v->state = stored(c, &out, &v->state_len);
    rs_learner_deinit(&out);
    h.e[1].kind = "gone";           /* as XDEL leaves it: not replayed */
    assert_int_equal(svc_learner_rebuild(c, h.e, h.n, "e2", &out, &entry, err, sizeof err), SVC_REBUILD_OK);
    assert_same(&out, &twin);       /* neither E1 nor E2 */
    rs_learner_deinit(&out);
    hist_free(&h);
    hist_free(&scratch);
    rs_learner_deinit(&live);
    rs_learner_deinit(&twin);
    svc_catalog_unref(c);
}

static void test_merge(void **state)
{
    (void)state;
    struct svc_catalog *c = sp_demo_catalog();
    Skillpath__V1__Learner b = body_of(SKILLPATH__V1__TIER__CORE_STAFF);
    struct rs_learner fresh, kept, cur = { .target = -1 };
    char err[256];
    assert_int_equal(svc_learner_merge(c, NULL, &b, &fresh, err, sizeof err), 0);
    assert_non_null(c->profile[RS_TIER_CORE_STAFF]);
    for (size_t k = 0; k < fresh.dim; k++)      /* a new learner starts at its tier's profile */
        assert_true(fresh.capability[k] == c->profile[RS_TIER_CORE_STAFF][k]);
    assert_int_equal(rs_learner_init(&cur, fresh.dim), 0);
    assert_int_equal(rs_learner_copy(&cur, &fresh), 0);
    cur.capability[3] = 0.9f;
    struct rs_attempt a = { .course = 2, .score = 0.5f, .at = T0 };
    assert_int_equal(rs_learner_set_attempt(&cur, &a), 0);
    assert_int_equal(svc_learner_merge(c, &cur, &b, &kept, err, sizeof err), 0);
    assert_true(kept.capability[3] == 0.9f);    /* what the body leaves out is kept */
    assert_int_equal(kept.n_attempts, 1);
    b.target_id = "no-such-target";
    struct rs_learner bad;
    assert_int_equal(svc_learner_merge(c, &cur, &b, &bad, err, sizeof err), RS_EINVAL);
    assert_non_null(strstr(err, "target"));
    rs_learner_deinit(&fresh);
    rs_learner_deinit(&kept);
    rs_learner_deinit(&cur);
    svc_catalog_unref(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rebuild_without_one_event),
        cmocka_unit_test(test_rebuild_skips_a_stale_base),
        cmocka_unit_test(test_merge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
