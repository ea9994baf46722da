/* SPDX-License-Identifier: MIT
 * xAPI statements read as events (svc_xapi.c): times, durations and UUIDs;
 * statements shaped as Moodle, Open edX, Learning Locker and cmi5 send
 * them, mapped to the demo catalog's courses; derived ids; every refusal
 * naming the statement and the field. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "svc_support.h"
#include "svc_catalog.h"
#include "svc_xapi.h"

#define NOW 1767225600
#define COURSE_1001 "https:\\/\\/lms.example.com\\/course\\/view.php?id=1001"   /* cc-101, JSON-escaped as Moodle does */

static const struct svc_xapi_conf conf = { .max_statements = 50, .fail_score = 0 };

static void parse_ok(const struct svc_catalog *c, const char *json, struct svc_xapi_batch *b)
{
    char err[512];
    if (svc_xapi_parse(c, &conf, json, strlen(json), false, NOW, b, err, sizeof err) != 0)
        fail_msg("refused: %s\n%s", err, json);
}

static void parse_bad(const struct svc_catalog *c, const char *json, const char *needle)
{
    char err[512];
    struct svc_xapi_batch b;
    assert_int_equal(svc_xapi_parse(c, &conf, json, strlen(json), false, NOW, &b, err, sizeof err), -1);
    if (strstr(err, needle) == NULL)
        fail_msg("error '%s' does not say '%s'", err, needle);
    assert_null(b.stmts);
}

static void test_xapi_times_durations_uuids(void **state)
{
    (void)state;
    assert_int_equal(svc_xapi_time("2026-01-01T00:00:00Z"), 1767225600);
    assert_int_equal(svc_xapi_time("2026-01-01T08:00:00+08:00"), 1767225600);
    assert_int_equal(svc_xapi_time("2025-12-31T19:00:00.123-05:00"), 1767225600);
    assert_int_equal(svc_xapi_time("2026-01-01T00:00:00"), 1767225600);          /* no offset: UTC */
    assert_int_equal(svc_xapi_time("2026-01-01T00:00:00.5+0000"), 1767225600);
    const char *bad_times[] = { "", "2026-01-01", "2026-13-01T00:00:00Z", "2026-02-31T00:00:00Z",
                                "2026-01-01T25:00:00Z", "2026-01-01T00:00:00Q", "yesterday" };
    for (size_t i = 0; i < sizeof bad_times / sizeof *bad_times; i++)
        assert_int_equal(svc_xapi_time(bad_times[i]), -1);
    assert_int_equal(svc_xapi_duration("PT14M30S"), 870);
    assert_int_equal(svc_xapi_duration("PT0H0M4S"), 4);
    assert_int_equal(svc_xapi_duration("P4W"), 4 * 7 * 86400);
    assert_int_equal(svc_xapi_duration("P1DT2H"), 93600);
    assert_int_equal(svc_xapi_duration("PT4.4S"), 4);
    const char *bad_durations[] = { "", "P", "PT", "14M", "PTM", "P1H", "PT1D", "PT1S2M", "P-1D" };
    for (size_t i = 0; i < sizeof bad_durations / sizeof *bad_durations; i++)
        assert_int_equal(svc_xapi_duration(bad_durations[i]), -1);
    char id[37];
    assert_true(svc_xapi_uuid("A1B2C3D4-0000-4000-8000-00000000000F", id));
    assert_string_equal(id, "a1b2c3d4-0000-4000-8000-00000000000f");
    assert_false(svc_xapi_uuid("a1b2c3d4000040008000000000000000", id));
    assert_false(svc_xapi_uuid("a1b2c3d4-0000-4000-8000-00000000000g", id));
}

/* A Moodle batch: an array, no ids, escaped slashes, an account actor. */
static const char moodle[] =
    "[{\"actor\":{\"objectType\":\"Agent\",\"name\":\"\\u5f20\\u4e09\",\"account\":{\"homePage\":"
    "\"https:\\/\\/lms.example.com\",\"name\":\"nh-001\"}},"
    "\"verb\":{\"id\":\"http:\\/\\/adlnet.gov\\/expapi\\/verbs\\/completed\",\"display\":{\"zh-CN\":\"完成\"}},"
    "\"object\":{\"id\":\"" COURSE_1001 "\",\"definition\":{\"name\":{\"zh-CN\":\"内容创作入门\"}}},"
    "\"result\":{\"score\":{\"raw\":18,\"min\":0,\"max\":20},\"duration\":\"PT14M30S\"},"
    "\"timestamp\":\"2026-01-01T08:00:00+08:00\"},"
    "{\"actor\":{\"account\":{\"homePage\":\"https:\\/\\/lms.example.com\",\"name\":\"nh-001\"}},"
    "\"verb\":{\"id\":\"http:\\/\\/adlnet.gov\\/expapi\\/verbs\\/experienced\"},"
    "\"object\":{\"id\":\"https:\\/\\/lms.example.com\\/mod\\/page\\/view.php?id=77&x=1#top\"},"
    "\"context\":{\"contextActivities\":{\"parent\":[{\"id\":\"" COURSE_1001 "\"}]}},"
    "\"timestamp\":\"2026-01-01T00:00:05Z\"}]";

static void test_xapi_moodle_batch(void **state)
{
    (void)state;
    struct svc_catalog *c = sp_demo_catalog();
    size_t cc101;
    assert_int_equal(rs_catalog_find_course(c->cat, "cc-101", &cc101), 0);
    struct svc_xapi_batch a, b;
    parse_ok(c, moodle, &a);
    assert_int_equal(a.n, 2);
    const struct svc_xapi_stmt *s0 = &a.stmts[0], *s1 = &a.stmts[1];
    assert_int_equal(s0->outcome, SVC_XAPI_applied);
    assert_string_equal(s0->learner, "nh-001");
    assert_int_equal(s0->event.course, cc101);
    assert_int_equal(s0->event.kind, RS_EVENT_ASSESSED);          /* completed with a score */
    assert_float_equal(s0->event.score, 0.9f, 1e-6);              /* (18 - 0) / (20 - 0) */
    assert_int_equal(s0->event.at, 1767225600);
    assert_int_equal(s0->duration_s, 870);
    assert_int_equal(s1->outcome, SVC_XAPI_applied);              /* a page inside the course */
    assert_int_equal(s1->event.course, cc101);
    assert_int_equal(s1->event.kind, RS_EVENT_STARTED);
    /* no ids sent: derived, v5, the same on a second reading, distinct */
    assert_true(s0->derived && s1->derived);
    assert_int_equal(s0->id[14], '5');
    assert_string_not_equal(s0->id, s1->id);
    parse_ok(c, moodle, &b);
    assert_string_equal(a.stmts[0].id, b.stmts[0].id);
    assert_string_equal(a.stmts[1].id, b.stmts[1].id);
    assert_string_equal(a.stmts[0].digest, b.stmts[0].digest);
    assert_int_equal(strlen(a.stmts[0].digest), 40);
    svc_xapi_batch_free(&b);
    /* the digest: the content, not stored, authority, version or display */
    const char *base = "{\"id\":\"00000000-0000-4000-8000-000000000001\",\"actor\":{\"account\":"
                       "{\"homePage\":\"h\",\"name\":\"x\"}},\"verb\":{\"id\":\"v\"%s},"
                       "\"object\":{\"id\":\"o\"},\"result\":{\"score\":{\"scaled\":%s}}%s}";
    char j1[512], j2[512], j3[512];
    snprintf(j1, sizeof j1, base, "", "0.5", "");
    snprintf(j2, sizeof j2, base, ",\"display\":{\"en\":\"did\"}", "0.5",
             ",\"stored\":\"2026-01-01T00:00:00Z\",\"version\":\"1.0.3\",\"authority\":{\"mbox\":\"mailto:a@b\"}");
    snprintf(j3, sizeof j3, base, "", "0.6", "");
    struct svc_xapi_batch d1, d2, d3;
    parse_ok(c, j1, &d1);
    parse_ok(c, j2, &d2);
    parse_ok(c, j3, &d3);
    assert_string_equal(d1.stmts[0].digest, d2.stmts[0].digest);
    assert_string_not_equal(d1.stmts[0].digest, d3.stmts[0].digest);
    svc_xapi_batch_free(&d1);
    svc_xapi_batch_free(&d2);
    svc_xapi_batch_free(&d3);
    parse_ok(c, moodle, &b);
    svc_xapi_batch_free(&a);
    svc_xapi_batch_free(&b);
    svc_catalog_unref(c);
}

/* Open edX (one statement with an id), Learning Locker (stored, authority,
 * version: not part of the content), cmi5 verbs, scores and outcomes. */
static void test_xapi_senders_verbs_and_outcomes(void **state)
{
    (void)state;
    struct svc_catalog *c = sp_demo_catalog();
    size_t cc101;
    rs_catalog_find_course(c->cat, "cc-101", &cc101);
    float mastery = rs_catalog_course_mastery(c->cat, cc101);
    struct {
        const char *verb, *result;
        enum svc_xapi_outcome outcome;
        enum rs_event_kind kind;
        float score;
    } cases[] = {
        { "http://adlnet.gov/expapi/verbs/passed", "{\"score\":{\"scaled\":0.85}}", SVC_XAPI_applied, RS_EVENT_ASSESSED, 0.85f },
        { "http://adlnet.gov/expapi/verbs/passed", "{}", SVC_XAPI_applied, RS_EVENT_ASSESSED, mastery },
        { "http://adlnet.gov/expapi/verbs/failed", "{\"success\":false}", SVC_XAPI_applied, RS_EVENT_ASSESSED, 0 },
        { "http://adlnet.gov/expapi/verbs/failed", "{\"score\":{\"scaled\":0}}", SVC_XAPI_applied, RS_EVENT_ASSESSED, 0 },
        { "http://adlnet.gov/expapi/verbs/mastered", "{\"score\":{\"scaled\":-0.5}}", SVC_XAPI_applied, RS_EVENT_ASSESSED, 0 },
        { "http://adlnet.gov/expapi/verbs/completed", "{\"completion\":true}", SVC_XAPI_applied, RS_EVENT_COMPLETED, 0 },
        { "https://w3id.org/xapi/adl/verbs/waived", "{}", SVC_XAPI_applied, RS_EVENT_ASSESSED, mastery },
        { "http://adlnet.gov/expapi/verbs/progressed", "{\"completion\":true}", SVC_XAPI_applied, RS_EVENT_COMPLETED, 0 },
        { "http://adlnet.gov/expapi/verbs/launched", "{}", SVC_XAPI_applied, RS_EVENT_STARTED, 0 },
        { "http://adlnet.gov/expapi/verbs/scored", "{}", SVC_XAPI_ignored_verb, RS_EVENT_ASSESSED, 0 },
        { "https://example.com/verbs/logged-in", "{}", SVC_XAPI_ignored_verb, RS_EVENT_STARTED, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char json[2048];
        snprintf(json, sizeof json,
                 "{\"id\":\"1e8f8a5e-2c1d-4a7b-9f00-%012zx\",\"version\":\"1.0.3\","
                 "\"actor\":{\"account\":{\"homePage\":\"https://lms.example.com\",\"name\":\"cs-007\"}},"
                 "\"verb\":{\"id\":\"%s\"},\"object\":{\"id\":\"%s\",\"objectType\":\"Activity\"},"
                 "\"result\":%s,\"stored\":\"2026-01-01T00:00:00Z\","
                 "\"authority\":{\"mbox\":\"mailto:lrs@example.com\"}}",
                 i, cases[i].verb, "https://lms.example.com/course/view.php?id=1001", cases[i].result);
        struct svc_xapi_batch b;
        parse_ok(c, json, &b);
        assert_int_equal(b.n, 1);
        assert_false(b.stmts[0].derived);
        if (b.stmts[0].outcome != cases[i].outcome)
            fail_msg("case %zu (%s %s): outcome %d, want %d", i, cases[i].verb, cases[i].result,
                     b.stmts[0].outcome, cases[i].outcome);
        if (cases[i].outcome == SVC_XAPI_applied) {
            assert_int_equal(b.stmts[0].event.kind, cases[i].kind);
            assert_float_equal(b.stmts[0].event.score, cases[i].score, 1e-6);
            assert_int_equal(b.stmts[0].event.at, 1767225600);       /* stored, no timestamp */
        }
        svc_xapi_batch_free(&b);
    }
    /* unknown activity, a group: read, and ignored; an mbox actor: to be
     * looked up by its mailbox */
    struct svc_xapi_batch b;
    parse_ok(c, "[{\"actor\":{\"account\":{\"homePage\":\"h\",\"name\":\"nh-001\"}},"
                "\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/passed\"},"
                "\"object\":{\"id\":\"https://elsewhere.example.com/a?b=c&d#e+f:g@h\"}},"
                "{\"actor\":{\"mbox\":\"mailto:zhang@example.com\"},"
                "\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/passed\"},"
                "\"object\":{\"id\":\"https://lms.example.com/course/view.php?id=1001\"}},"
                "{\"actor\":{\"objectType\":\"Group\",\"member\":[]},"
                "\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/passed\"},"
                "\"object\":{\"id\":\"https://lms.example.com/course/view.php?id=1001\"}}]", &b);
    assert_int_equal(b.stmts[0].outcome, SVC_XAPI_ignored_activity);
    assert_int_equal(b.stmts[1].outcome, SVC_XAPI_applied);
    assert_string_equal(b.stmts[1].learner, "");
    assert_int_equal(strlen(b.stmts[1].mailbox), 40);
    assert_int_equal(b.stmts[2].outcome, SVC_XAPI_ignored_learner);
    svc_xapi_batch_free(&b);
    /* the grouping activity, given as one object rather than an array */
    parse_ok(c, "{\"actor\":{\"account\":{\"homePage\":\"h\",\"name\":\"nh-001\"}},"
                "\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/answered\"},"
                "\"object\":{\"id\":\"q1\"},\"context\":{\"contextActivities\":{\"grouping\":"
                "{\"id\":\"https://lms.example.com/course/view.php?id=1001\"}}}}", &b);
    assert_int_equal(b.stmts[0].outcome, SVC_XAPI_ignored_verb);    /* answered: not a verb we use */
    svc_xapi_batch_free(&b);
    svc_catalog_unref(c);
}

/* One malformed statement refuses the batch, naming it and its field. */
static void test_xapi_refusals(void **state)
{
    (void)state;
    struct svc_catalog *c = sp_demo_catalog();
#define OK_ACTOR "\"actor\":{\"account\":{\"homePage\":\"h\",\"name\":\"nh-001\"}}"
#define OK_VERB "\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/passed\"}"
#define OK_OBJECT "\"object\":{\"id\":\"x\"}"
#define GOOD "{" OK_ACTOR "," OK_VERB "," OK_OBJECT "}"
    parse_bad(c, "[" GOOD ",{" OK_VERB "," OK_OBJECT "}]", "statements[1].actor: missing");
    parse_bad(c, "{" OK_ACTOR "," OK_OBJECT "}", "statements[0].verb.id: missing");
    parse_bad(c, "{" OK_ACTOR "," OK_VERB "}", "statements[0].object.id: missing");
    parse_bad(c, "{\"id\":\"nope\"," OK_ACTOR "," OK_VERB "," OK_OBJECT "}", "statements[0].id: not a UUID");
    parse_bad(c, "{" OK_ACTOR "," OK_VERB "," OK_OBJECT ",\"result\":{\"score\":{\"scaled\":1.5}}}",
              "statements[0].result.score.scaled: 1.5 is outside [-1, 1]");
    parse_bad(c, "{" OK_ACTOR "," OK_VERB "," OK_OBJECT ",\"result\":{\"score\":{\"raw\":30,\"min\":0,\"max\":20}}}",
              "statements[0].result.score.raw: 30 is outside [min, max]");
    parse_bad(c, "{" OK_ACTOR "," OK_VERB "," OK_OBJECT ",\"result\":{\"duration\":\"14 minutes\"}}",
              "statements[0].result.duration");
    parse_bad(c, "{" OK_ACTOR "," OK_VERB "," OK_OBJECT ",\"timestamp\":\"yesterday\"}",
              "statements[0].timestamp: 'yesterday' is not an ISO 8601 time");
    parse_bad(c, "{\"actor\":{\"name\":\"no identifier\"}," OK_VERB "," OK_OBJECT "}",
              "statements[0].actor: no identifier");
    parse_bad(c, "not json", "not JSON");
    parse_bad(c, "[]", "0 statements");
    parse_bad(c, "[" GOOD "," GOOD "]", "appears twice in the batch");     /* the same derived id */
    char big[8192] = "[";
    for (int i = 0; i < 51; i++)
        strcat(strcat(big, i ? "," : ""), "{\"actor\":{\"mbox\":\"mailto:a@b\"}," OK_VERB ",\"object\":{\"id\":\"x\"}}");
    strcat(big, "]");
    parse_bad(c, big, "lower the sender's batch size");
    char err[256];
    struct svc_xapi_batch b;
    assert_int_equal(svc_xapi_parse(c, &conf, "[" GOOD "]", strlen("[" GOOD "]"), true, NOW, &b, err,
                                    sizeof err), -1);
    assert_non_null(strstr(err, "one statement"));
    svc_catalog_unref(c);
}

/* With an allow-list of account home pages, other accounts are not learners. */
static void test_xapi_home_pages(void **state)
{
    (void)state;
    struct svc_catalog *c = sp_demo_catalog();
    const struct svc_xapi_conf only = { .max_statements = 50, .home_pages = "https://lms.example.com/,https://b.example.com" };
    const char *homes[] = { "https://lms.example.com", "https://lms.example.com/", "https://b.example.com",
                            "https://evil.example.com", "https://lms.example.com.evil" };
    const enum svc_xapi_outcome want[] = { SVC_XAPI_applied, SVC_XAPI_applied, SVC_XAPI_applied,
                                           SVC_XAPI_ignored_learner, SVC_XAPI_ignored_learner };
    for (size_t i = 0; i < sizeof homes / sizeof *homes; i++) {
        char json[512], err[256];
        snprintf(json, sizeof json,
                 "{\"actor\":{\"account\":{\"homePage\":\"%s\",\"name\":\"nh-001\"}},"
                 "\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/launched\"},"
                 "\"object\":{\"id\":\"https://lms.example.com/course/view.php?id=1001\"}}", homes[i]);
        struct svc_xapi_batch b;
        assert_int_equal(svc_xapi_parse(c, &only, json, strlen(json), false, NOW, &b, err, sizeof err), 0);
        if (b.stmts[0].outcome != want[i])
            fail_msg("%s: outcome %d, want %d", homes[i], b.stmts[0].outcome, want[i]);
        svc_xapi_batch_free(&b);
    }
    svc_catalog_unref(c);
}

static void test_xapi_voiding_and_index(void **state)
{
    (void)state;
    struct svc_catalog *c = sp_demo_catalog();
    struct svc_xapi_batch b;
    parse_ok(c, "{\"actor\":{\"mbox\":\"mailto:lrs@example.com\"},"
                "\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/voided\"},"
                "\"object\":{\"objectType\":\"StatementRef\",\"id\":\"A0000000-0000-4000-8000-0000000000A1\"}}", &b);
    assert_int_equal(b.stmts[0].outcome, SVC_XAPI_voided);
    assert_string_equal(b.stmts[0].voids, "a0000000-0000-4000-8000-0000000000a1");
    assert_true(b.stmts[0].derived);
    svc_xapi_batch_free(&b);
    parse_bad(c, "{\"actor\":{\"mbox\":\"mailto:a@b.c\"},\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/voided\"},"
                 "\"object\":{\"id\":\"https://lms.example.com/course/view.php?id=1001\"}}",
              "statements[0].object: a voiding statement's object is a StatementRef");
    parse_bad(c, "{\"actor\":{\"mbox\":\"mailto:a@b.c\"},\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/voided\"},"
                 "\"object\":{\"objectType\":\"StatementRef\",\"id\":\"not-a-uuid\"}}",
              "StatementRef");

    /* mailboxes: an mbox becomes its mbox_sha1sum (SHA-1 of the whole IRI) */
    char mb[41];
    assert_true(svc_xapi_mailbox("mailto:li.si@example.com", mb));
    char want[41];
    assert_true(svc_xapi_mailbox("3B0AE2CAB1E4B5B21F2B9AB9F9A3D4A3D3C2E6B1", want));
    assert_string_equal(want, "3b0ae2cab1e4b5b21f2b9ab9f9a3d4a3d3c2e6b1");
    assert_true(svc_xapi_mailbox("mailto:a@b", mb));
    assert_string_equal(mb, "8b85283850d380c13ca6cc121e14aa4a89606599" /* printf %s mailto:a@b | sha1sum */);
    const char *bad_mail[] = { "li.si@example.com", "mailto:", "mailto:@x", "mailto:x@", "abc",
                               "3b0ae2cab1e4b5b21f2b9ab9f9a3d4a3d3c2e6bz" };
    for (size_t i = 0; i < sizeof bad_mail / sizeof *bad_mail; i++)
        if (svc_xapi_mailbox(bad_mail[i], mb))
            fail_msg("'%s' read as a mailbox", bad_mail[i]);
    parse_ok(c, "{\"actor\":{\"mbox\":\"mailto:a@b\"},\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/launched\"},"
                "\"object\":{\"id\":\"https://lms.example.com/course/view.php?id=1001\"}}", &b);
    assert_int_equal(b.stmts[0].outcome, SVC_XAPI_applied);     /* once looked up */
    assert_string_equal(b.stmts[0].learner, "");
    assert_string_equal(b.stmts[0].mailbox, "8b85283850d380c13ca6cc121e14aa4a89606599");
    svc_xapi_batch_free(&b);
    parse_bad(c, "{\"actor\":{\"mbox_sha1sum\":\"mailto:a@b\"},\"verb\":{\"id\":\"http://adlnet.gov/expapi/verbs/launched\"},"
                 "\"object\":{\"id\":\"x\"}}", "statements[0].actor.mbox_sha1sum: not 40 hex digits");

    /* index entries: written and read back; the first form; refusals */
    struct svc_xapi_index ix = { .state = 'A', .digest = "0123456789abcdef0123456789abcdef01234567",
                                 .learner = "nh-001" }, back;
    char v[SVC_XAPI_INDEX_MAX];
    svc_xapi_index_format(&ix, v);
    assert_string_equal(v, "A0123456789abcdef0123456789abcdef01234567 nh-001");
    assert_int_equal(svc_xapi_index_parse(v, strlen(v), &back), 0);
    assert_int_equal(back.state, 'A');
    assert_string_equal(back.digest, ix.digest);
    assert_string_equal(back.learner, "nh-001");
    struct svc_xapi_index unseen = { .state = 'V' };
    svc_xapi_index_format(&unseen, v);
    assert_int_equal(svc_xapi_index_parse(v, strlen(v), &back), 0);
    assert_int_equal(back.state, 'V');
    assert_string_equal(back.digest, "");
    assert_string_equal(back.learner, "");
    assert_int_equal(svc_xapi_index_parse(ix.digest, 40, &back), 0);   /* the first form */
    assert_int_equal(back.state, 'A');
    assert_string_equal(back.digest, ix.digest);
    assert_string_equal(back.learner, "");
    assert_int_equal(svc_xapi_index_parse("X0123456789abcdef0123456789abcdef01234567 a", 43, &back), -1);
    assert_int_equal(svc_xapi_index_parse("A01234", 6, &back), -1);
    assert_int_equal(svc_xapi_index_parse("A0123456789abcdef0123456789abcdef0123456g a", 43, &back), -1);
    assert_int_equal(svc_xapi_index_parse("A0123456789abcdef0123456789abcdef01234567 a\0b", 45, &back), -1);
    assert_int_equal(svc_xapi_index_parse("0123456789abcdef0123456789abcdef0123\0\0\0\0", 40, &back), -1);
    svc_catalog_unref(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xapi_times_durations_uuids),
        cmocka_unit_test(test_xapi_moodle_batch),
        cmocka_unit_test(test_xapi_senders_verbs_and_outcomes),
        cmocka_unit_test(test_xapi_refusals),
        cmocka_unit_test(test_xapi_home_pages),
        cmocka_unit_test(test_xapi_voiding_and_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
