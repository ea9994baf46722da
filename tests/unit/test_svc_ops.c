/* SPDX-License-Identifier: MIT
 * The operations (svc_ops.c) against the fake store (fake_store.c, linked
 * in place of svc_store.c): each test decides when the store answers and
 * what changes meanwhile. rs_path_ws_create and rs_learner_apply are
 * wrapped at link time (-Wl,--wrap) so a test can make them run out of
 * memory. Run from the repository root (the demo catalog). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_store.h"
#include "support.h"
#include "svc_support.h"
#include "svc_catalog.h"
#include "svc_model.h"
#include "svc_stored.h"
#include "svc_ops.h"
#include "svc_stats.h"
#include "svc_store.h"

#define NOW 1767225600

/* ---------------------------------------------------------------- wraps */

static int fail_ws;             /* rs_path_ws_create returns NULL while set */
static int fail_apply;          /* rs_learner_apply runs out of memory while set */

struct rs_path_ws *__real_rs_path_ws_create(const struct rs_catalog *cat);
struct rs_path_ws *__wrap_rs_path_ws_create(const struct rs_catalog *cat);
struct rs_path_ws *__wrap_rs_path_ws_create(const struct rs_catalog *cat)
{
    return fail_ws ? NULL : __real_rs_path_ws_create(cat);
}

int __real_rs_learner_apply(const struct rs_catalog *cat, const struct rs_model *m,
                            const struct rs_learner *in, const struct rs_event *e,
                            struct rs_learner *out, char *err, size_t errlen);
int __wrap_rs_learner_apply(const struct rs_catalog *cat, const struct rs_model *m,
                            const struct rs_learner *in, const struct rs_event *e,
                            struct rs_learner *out, char *err, size_t errlen);
int __wrap_rs_learner_apply(const struct rs_catalog *cat, const struct rs_model *m,
                            const struct rs_learner *in, const struct rs_event *e,
                            struct rs_learner *out, char *err, size_t errlen)
{
    if (fail_apply)
        return RS_ENOMEM;       /* as an allocation failure would: err untouched */
    return __real_rs_learner_apply(cat, m, in, e, out, err, errlen);
}

/* ---------------------------------------------------------------- fixture */

struct fix {
    struct svc_catalog *cat;
    struct svc_stats stats;
    struct svc_ops ops;
    int dummy_push;             /* a non-NULL push: the fake ignores it */
};

/* What a completion reported. */
struct got {
    int calls;
    enum svc_err err;
    char msg[512];
    uint64_t version;
    bool created;
    size_t n_results;
    Skillpath__V1__EventStatus status[8];
    char reason[8][128];
};

static int setup(void **state)
{
    struct fix *f = calloc(1, sizeof *f);
    f->cat = sp_demo_catalog();
    fake_store_reset();
    svc_ops_init(&f->ops, NULL, (struct svc_push *)&f->dummy_push, 3, 5, &f->stats);
    fail_ws = fail_apply = 0;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fix *f = *state;
    fake_store_reset();
    svc_ops_deinit(&f->ops);
    svc_catalog_unref(f->cat);
    free(f);
    return 0;
}

static void on_put(void *arg, enum svc_err err, const char *msg, const struct rs_learner *l, bool created)
{
    struct got *g = arg;
    g->calls++;
    g->err = err;
    snprintf(g->msg, sizeof g->msg, "%s", msg);
    g->version = l ? l->version : 0;
    g->created = created;
}

static void on_events(void *arg, enum svc_err err, const char *msg, const Skillpath__V1__EventResults *res)
{
    struct got *g = arg;
    g->calls++;
    g->err = err;
    snprintf(g->msg, sizeof g->msg, "%s", msg);
    g->n_results = res ? res->n_results : 0;
    for (size_t i = 0; res && i < res->n_results && i < 8; i++) {
        g->status[i] = res->results[i]->status;
        snprintf(g->reason[i], sizeof g->reason[i], "%s", res->results[i]->reason);
    }
}

static void on_read(void *arg, enum svc_err err, const char *msg, const struct rs_learner *l)
{
    struct got *g = arg;
    g->calls++;
    g->err = err;
    snprintf(g->msg, sizeof g->msg, "%s", msg);
    g->version = l ? l->version : 0;
}

static Skillpath__V1__Learner *learner_body(const char *target)
{
    static Skillpath__V1__Learner b;
    skillpath__v1__learner__init(&b);
    b.tier = SKILLPATH__V1__TIER__NEW_HIRE;
    b.target_id = (char *)(target ? target : "");
    return &b;
}

/* Create learner `id` through the operation itself; its version is 1. */
static void create(struct fix *f, const char *id, const char *target)
{
    struct got g = {0};
    svc_op_put(&f->ops, f->cat, id, learner_body(target), NOW, on_put, &g);
    fake_store_run_all();
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.err, SVC_ERR_OK);
    assert_int_equal(g.version, 1);
}

/* The stored version of learner `id`. */
static uint64_t stored_version(struct fix *f, const char *id)
{
    size_t len;
    const char *v = fake_store_value(id, &len);
    assert_non_null(v);
    struct rs_learner l;
    assert_int_equal(svc_stored_decode(f->cat->cat, v, len, &l), 0);
    uint64_t version = l.version;
    rs_learner_deinit(&l);
    return version;
}

/* Another writer stores learner `id` at `version` (tier CORE_STAFF). */
static void write_behind(struct fix *f, const char *id, uint64_t version)
{
    size_t len;
    const char *v = fake_store_value(id, &len);
    struct rs_learner l;
    assert_int_equal(svc_stored_decode(f->cat->cat, v, len, &l), 0);
    l.version = version;
    l.tier = RS_TIER_CORE_STAFF;
    size_t nlen;
    char *nv = svc_stored_encode(f->cat->cat, &l, &nlen);
    fake_store_set(id, nv, nlen);
    free(nv);
    rs_learner_deinit(&l);
}

struct batch {
    Skillpath__V1__EventBatch msg;
    Skillpath__V1__Event ev[8];
    Skillpath__V1__Event *ptr[8];
    char ids[8][32];
};

/* n STARTED events for `learner` on cc-101, ids PREFIX-0.. */
static void make_batch(struct batch *b, const char *prefix, const char *learner, size_t n)
{
    skillpath__v1__event_batch__init(&b->msg);
    for (size_t i = 0; i < n; i++) {
        skillpath__v1__event__init(&b->ev[i]);
        snprintf(b->ids[i], sizeof b->ids[i], "%s-%zu", prefix, i);
        b->ev[i].event_id = b->ids[i];
        b->ev[i].learner_id = (char *)learner;
        b->ev[i].course_id = "cc-101";
        b->ev[i].kind = SKILLPATH__V1__EVENT_KIND__STARTED;
        b->ev[i].at = NOW + (int64_t)i;
        b->ptr[i] = &b->ev[i];
    }
    b->msg.events = b->ptr;
    b->msg.n_events = n;
}

/* ---------------------------------------------------------------- tests */

static void test_ops_put_creates_then_replaces(void **state)
{
    struct fix *f = *state;
    struct got g = {0};
    svc_op_put(&f->ops, f->cat, "u1", learner_body("pro-2"), NOW, on_put, &g);
    assert_int_equal(g.calls, 0);               /* waits for the store */
    fake_store_run_all();
    assert_int_equal(g.calls, 1);
    assert_true(g.created);
    assert_int_equal(g.version, 1);
    memset(&g, 0, sizeof g);
    svc_op_put(&f->ops, f->cat, "u1", learner_body("pro-3"), NOW, on_put, &g);
    fake_store_run_all();
    assert_int_equal(g.err, SVC_ERR_OK);
    assert_false(g.created);
    assert_int_equal(g.version, 2);
    assert_int_equal(stored_version(f, "u1"), 2);
}

/* Someone writes between the read and the write: the write is refused
 * (CONFLICT), the operation reads again and builds on the other write. */
static void test_ops_put_retries_after_a_conflict(void **state)
{
    struct fix *f = *state;
    create(f, "u1", "pro-2");
    struct got g = {0};
    svc_op_put(&f->ops, f->cat, "u1", learner_body("pro-3"), NOW, on_put, &g);
    assert_true(fake_store_run());              /* its read */
    write_behind(f, "u1", 5);                   /* another daemon's write */
    assert_true(fake_store_run());              /* its write: CONFLICT */
    assert_int_equal(g.calls, 0);
    assert_int_equal(f->stats.version_conflicts, 1);
    fake_store_run_all();                       /* read again, write */
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.err, SVC_ERR_OK);
    assert_int_equal(g.version, 6);             /* on top of the other write */
    assert_int_equal(stored_version(f, "u1"), 6);
}

/* A learner that changes before every write: max_retries retries, then
 * UNAVAILABLE, and the operation wrote nothing. */
static void test_ops_put_gives_up_after_max_retries(void **state)
{
    struct fix *f = *state;
    create(f, "u1", "pro-2");
    struct got g = {0};
    svc_op_put(&f->ops, f->cat, "u1", learner_body("pro-3"), NOW, on_put, &g);
    uint64_t v = 10;
    while (g.calls == 0) {
        assert_true(fake_store_run());          /* a read */
        write_behind(f, "u1", ++v);
        assert_true(fake_store_run());          /* its write: CONFLICT */
    }
    assert_int_equal(g.err, SVC_ERR_UNAVAILABLE);
    assert_non_null(strstr(g.msg, "changing too fast"));
    assert_int_equal(f->stats.version_conflicts, 5);
    assert_int_equal(v, 10 + 6);                /* 1 try + 5 retries */
    assert_int_equal(stored_version(f, "u1"), v);
    assert_int_equal(fake_store_pending(), 0);
}

/* The same event id twice in a batch, then the batch again: applied once. */
static void test_ops_events_apply_each_id_once(void **state)
{
    struct fix *f = *state;
    create(f, "u1", "pro-2");
    struct batch b;
    make_batch(&b, "e", "u1", 3);
    b.ev[2].event_id = b.ids[0];                /* a repeat inside the batch */
    struct got g = {0};
    bool gone = false;
    svc_op_events(&f->ops, f->cat, &b.msg, NOW, &gone, on_events, &g);
    fake_store_run_all();
    assert_int_equal(g.err, SVC_ERR_OK);
    assert_int_equal(g.n_results, 3);
    assert_int_equal(g.status[0], SKILLPATH__V1__EVENT_STATUS__APPLIED);
    assert_int_equal(g.status[1], SKILLPATH__V1__EVENT_STATUS__APPLIED);
    assert_int_equal(g.status[2], SKILLPATH__V1__EVENT_STATUS__DUPLICATE);
    memset(&g, 0, sizeof g);
    svc_op_events(&f->ops, f->cat, &b.msg, NOW, &gone, on_events, &g);
    fake_store_run_all();
    for (int i = 0; i < 3; i++)
        assert_int_equal(g.status[i], SKILLPATH__V1__EVENT_STATUS__DUPLICATE);
    assert_int_equal(stored_version(f, "u1"), 3);
    assert_int_equal(f->stats.events_applied, 2);
    assert_int_equal(f->stats.events_duplicate, 4);
}

/* Rejections: each names its reason; the others still apply. */
static void test_ops_events_reject_with_reasons(void **state)
{
    struct fix *f = *state;
    create(f, "u1", "pro-2");
    struct batch b;
    make_batch(&b, "r", "u1", 3);
    b.ev[0].course_id = "zz";
    b.ev[1].learner_id = "nobody";
    struct got g = {0};
    bool gone = false;
    svc_op_events(&f->ops, f->cat, &b.msg, NOW, &gone, on_events, &g);
    fake_store_run_all();
    assert_int_equal(g.status[0], SKILLPATH__V1__EVENT_STATUS__REJECTED);
    assert_string_equal(g.reason[0], "courseId: unknown course 'zz'");
    assert_int_equal(g.status[1], SKILLPATH__V1__EVENT_STATUS__REJECTED);
    assert_string_equal(g.reason[1], "learnerId: unknown learner");
    assert_int_equal(g.status[2], SKILLPATH__V1__EVENT_STATUS__APPLIED);
}

/* The client leaves after the first event: no further event starts, the
 * completion still runs once, and nothing is left outstanding. */
static void test_ops_events_stop_when_the_client_is_gone(void **state)
{
    struct fix *f = *state;
    create(f, "u1", "pro-2");
    struct batch b;
    make_batch(&b, "g", "u1", 3);
    struct got g = {0};
    bool gone = false;
    svc_op_events(&f->ops, f->cat, &b.msg, NOW, &gone, on_events, &g);
    assert_true(fake_store_run());              /* event 0: read */
    gone = true;                                /* the client hangs up */
    fake_store_run_all();                       /* event 0: write */
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.status[0], SKILLPATH__V1__EVENT_STATUS__APPLIED);
    assert_int_equal(g.status[1], 0);           /* never started */
    assert_int_equal(fake_store_pending(), 0);
    assert_int_equal(stored_version(f, "u1"), 2);
}

/* Redis fails in the middle: the batch fails (503), what was applied
 * stays, and the batch sent again finds it DUPLICATE and applies the rest. */
static void test_ops_events_store_failure_fails_the_batch(void **state)
{
    struct fix *f = *state;
    create(f, "u1", "pro-2");
    struct batch b;
    make_batch(&b, "s", "u1", 2);
    struct got g = {0};
    bool gone = false;
    svc_op_events(&f->ops, f->cat, &b.msg, NOW, &gone, on_events, &g);
    assert_true(fake_store_run());              /* event 0: read */
    assert_true(fake_store_run());              /* event 0: write */
    fake_store_fail_next(SVC_STORE_TIMEOUT);
    fake_store_run_all();                       /* event 1: its read times out */
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.err, SVC_ERR_UNAVAILABLE);
    assert_non_null(strstr(g.msg, "timed out"));
    assert_int_equal(stored_version(f, "u1"), 2);
    memset(&g, 0, sizeof g);
    svc_op_events(&f->ops, f->cat, &b.msg, NOW, &gone, on_events, &g);
    fake_store_run_all();
    assert_int_equal(g.status[0], SKILLPATH__V1__EVENT_STATUS__DUPLICATE);
    assert_int_equal(g.status[1], SKILLPATH__V1__EVENT_STATUS__APPLIED);
    assert_int_equal(stored_version(f, "u1"), 3);
}

/* Issue 10, defect 3: an event whose update runs out of memory is not the
 * event's fault: the batch fails (500, "out of memory") — never REJECTED
 * with a reason read from a buffer nobody wrote. */
static void test_issue_10_event_out_of_memory_is_not_rejected(void **state)
{
    struct fix *f = *state;
    create(f, "u1", "pro-2");
    struct batch b;
    make_batch(&b, "m", "u1", 1);
    struct got g = {0};
    bool gone = false;
    fail_apply = 1;
    svc_op_events(&f->ops, f->cat, &b.msg, NOW, &gone, on_events, &g);
    fake_store_run_all();
    fail_apply = 0;
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.err, SVC_ERR_INTERNAL);
    assert_string_equal(g.msg, "out of memory");
    assert_int_equal(f->stats.events_rejected, 0);
    assert_int_equal(stored_version(f, "u1"), 1);
}

/* Issue 10, defect 1: publishing is a side effect. A watched learner's
 * lessons that cannot be computed (out of memory here) are counted as a
 * push failure; the write is answered as it went. A watched learner
 * without a target gets an update with no lessons. */
static void test_issue_10_publish_failure_never_answers(void **state)
{
    struct fix *f = *state;
    create(f, "u1", "pro-2");
    fake_store_set_watched("u1", true);
    fail_ws = 1;
    struct got g = {0};
    svc_op_put(&f->ops, f->cat, "u1", learner_body("pro-3"), NOW, on_put, &g);
    fake_store_run_all();
    fail_ws = 0;
    assert_int_equal(g.err, SVC_ERR_OK);
    assert_int_equal(g.version, 2);
    assert_int_equal(fake_push_failed, 1);
    assert_int_equal(fake_push_published, 0);
    /* no target: written, answered OK, and an empty update published */
    memset(&g, 0, sizeof g);
    svc_op_put(&f->ops, f->cat, "u1", learner_body(NULL), NOW, on_put, &g);
    fake_store_run_all();
    assert_int_equal(g.err, SVC_ERR_OK);
    assert_int_equal(fake_push_published, 1);
    assert_int_equal(fake_push_last_lessons, 0);
    struct batch b;
    make_batch(&b, "n", "u1", 2);
    struct got ge = {0};
    bool gone = false;
    svc_op_events(&f->ops, f->cat, &b.msg, NOW, &gone, on_events, &ge);
    fake_store_run_all();
    assert_int_equal(ge.err, SVC_ERR_OK);
    assert_int_equal(ge.status[0], SKILLPATH__V1__EVENT_STATUS__APPLIED);
    assert_int_equal(ge.status[1], SKILLPATH__V1__EVENT_STATUS__APPLIED);
    assert_int_equal(fake_push_published, 3);
    /* a watched learner with a target: lessons published */
    svc_op_put(&f->ops, f->cat, "u1", learner_body("pro-2"), NOW, on_put, &g);
    fake_store_run_all();
    assert_int_equal(fake_push_published, 4);
    assert_int_equal(fake_push_last_lessons, 3);
}

/* No connection: the completion runs at once with UNAVAILABLE. */
static void test_ops_without_a_connection_fail_at_once(void **state)
{
    struct fix *f = *state;
    fake_store_down = true;
    struct got g = {0};
    svc_op_read(&f->ops, f->cat, "u1", on_read, &g);
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.err, SVC_ERR_UNAVAILABLE);
    assert_non_null(strstr(g.msg, "not connected"));
    memset(&g, 0, sizeof g);
    svc_op_put(&f->ops, f->cat, "u1", learner_body("pro-2"), NOW, on_put, &g);
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.err, SVC_ERR_UNAVAILABLE);
    struct batch b;
    make_batch(&b, "d", "u1", 1);
    bool gone = false;
    memset(&g, 0, sizeof g);
    svc_op_events(&f->ops, f->cat, &b.msg, NOW, &gone, on_events, &g);
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.err, SVC_ERR_UNAVAILABLE);
}

static void test_ops_read_reports_not_found_and_unreadable(void **state)
{
    struct fix *f = *state;
    struct got g = {0};
    svc_op_read(&f->ops, f->cat, "ghost", on_read, &g);
    fake_store_run_all();
    assert_int_equal(g.err, SVC_ERR_NOT_FOUND);
    assert_string_equal(g.msg, "no learner 'ghost'");
    fake_store_set("junk", "\xc2\xff\xff", 3);
    memset(&g, 0, sizeof g);
    svc_op_read(&f->ops, f->cat, "junk", on_read, &g);
    fake_store_run_all();
    assert_int_equal(g.err, SVC_ERR_INTERNAL);
    assert_string_equal(g.msg, "stored learner 'junk' is unreadable");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ops_put_creates_then_replaces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ops_put_retries_after_a_conflict, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ops_put_gives_up_after_max_retries, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ops_events_apply_each_id_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ops_events_reject_with_reasons, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ops_events_stop_when_the_client_is_gone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ops_events_store_failure_fails_the_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_issue_10_event_out_of_memory_is_not_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_issue_10_publish_failure_never_answers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ops_without_a_connection_fail_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ops_read_reports_not_found_and_unreadable, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
