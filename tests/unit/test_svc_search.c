/* SPDX-License-Identifier: MIT
 * Course search (svc_search.c): on a hand-made catalog with known answers —
 * Chinese without word boundaries, Latin words case-insensitive, ranking
 * title > tag > module then tier and depth, filters, pages — and on the
 * demo catalog against a brute-force scan: every substring of every title
 * finds exactly the titles that contain it. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "svc_catalog.h"
#include "svc_json.h"
#include "search_ref.h"
#include "svc_search.h"
#include "svc_support.h"

/* Tags: seo (SEO优化), video (短视频运营), law (广告法); modules with names. */
static const char catalog_json[] =
    "{\"version\":\"t1\","
    "\"tags\":[{\"id\":\"seo\",\"name\":\"SEO优化\",\"module\":\"traffic\",\"weight\":1},"
    "{\"id\":\"video\",\"name\":\"短视频运营\",\"module\":\"content\",\"weight\":1},"
    "{\"id\":\"law\",\"name\":\"广告法\",\"module\":\"compliance\",\"weight\":1}],"
    "\"modules\":[{\"id\":\"traffic\",\"name\":\"流量运营\",\"nameEn\":\"Traffic operations\"},"
    "{\"id\":\"compliance\",\"name\":\"法律合规\",\"nameEn\":\"Law and compliance\"}],"
    "\"courses\":["
    /* 0 */ "{\"id\":\"c0\",\"title\":\"短视频脚本进阶\",\"module\":\"content\",\"tier\":\"CORE_STAFF\",\"durationMin\":15,\"coverage\":[0,1,0],\"prerequisites\":[\"c1\"]},"
    /* 1 */ "{\"id\":\"c1\",\"title\":\"短视频脚本基础\",\"module\":\"content\",\"tier\":\"NEW_HIRE\",\"durationMin\":15,\"coverage\":[0,1,0]},"
    /* 2 */ "{\"id\":\"c2\",\"title\":\"短期视频回顾\",\"module\":\"content\",\"tier\":\"NEW_HIRE\",\"durationMin\":15,\"coverage\":[0,0,1]},"
    /* 3 */ "{\"id\":\"c3\",\"title\":\"Data  Analysis for SEO\",\"module\":\"traffic\",\"tier\":\"NEW_HIRE\",\"durationMin\":15,\"coverage\":[1,0,0]},"
    /* 4 */ "{\"id\":\"c4\",\"title\":\"搜索引擎基础\",\"module\":\"traffic\",\"tier\":\"NEW_HIRE\",\"durationMin\":15,\"coverage\":[1,0,0]},"
    /* 5 */ "{\"id\":\"c5\",\"title\":\"合规红线\",\"module\":\"compliance\",\"tier\":\"MANAGER\",\"durationMin\":15,\"coverage\":[0,0,1]},"
    /* 6 */ "{\"id\":\"c6\",\"title\":\"短视频合规\",\"module\":\"compliance\",\"tier\":\"NEW_HIRE\",\"durationMin\":15,\"coverage\":[0,0,1],\"prerequisites\":[\"c2\"]}"
    "],\"targets\":[{\"id\":\"t\",\"name\":\"t\",\"level\":[1,1,1]}]}";

static struct svc_catalog *made(void)
{
    return sp_catalog_from_json(catalog_json);
}

/* The page as "c1:T c0:T c6:M ..." (T title, G tag, M module, L listed). */
static char *page(const struct svc_catalog *c, const char *q, long module, int tier, size_t offset,
                  size_t limit, size_t *total)
{
    static char out[1024];
    struct svc_search_hit hits[64];
    size_t n;
    struct svc_search_query sq = { .q = q, .module = module, .tier = tier, .offset = offset, .limit = limit };
    assert_int_equal(svc_search_run(c->search, &sq, hits, &n, total), 0);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(out);
        snprintf(out + len, sizeof out - len, "%s%s:%c", i ? " " : "",
                 rs_catalog_course_id(c->cat, hits[i].course), "LTGM"[hits[i].matched]);
    }
    return out;
}

static void test_search_known_answers(void **state)
{
    (void)state;
    struct svc_catalog *c = made();
    size_t total;
    /* a CJK phrase: the titles that hold all of it, not its characters apart
     * (c2 has 短 and 视频 but not 短视频); then the tag 短视频运营's courses */
    assert_string_equal(page(c, "短视频", -1, 0, 0, 20, &total), "c1:T c6:T c0:T");
    assert_int_equal(total, 3);
    assert_string_equal(page(c, "脚本", -1, 0, 0, 20, &total), "c1:T c0:T");
    assert_string_equal(page(c, "短", -1, 0, 0, 20, &total), "c1:T c2:T c6:T c0:T");     /* one character */
    /* Latin: case-insensitive, a word's beginning, whitespace runs as one */
    assert_string_equal(page(c, "seo", -1, 0, 0, 20, &total), "c3:T c4:G");
    assert_string_equal(page(c, "data analysis", -1, 0, 0, 20, &total), "c3:T");
    assert_string_equal(page(c, "  ANALY ", -1, 0, 0, 20, &total), "c3:T");
    assert_string_equal(page(c, "nothing", -1, 0, 0, 20, &total), "");
    assert_int_equal(total, 0);
    /* title > tag > module: 合规 is in two titles and a module's name */
    assert_string_equal(page(c, "合规", -1, 0, 0, 20, &total), "c6:T c5:T");
    assert_string_equal(page(c, "法", -1, 0, 0, 20, &total), "c2:G c6:G c5:G");      /* tag 广告法 */
    assert_string_equal(page(c, "law and", -1, 0, 0, 20, &total), "c6:M c5:M");      /* module, English */
    assert_string_equal(page(c, "流量", -1, 0, 0, 20, &total), "c3:M c4:M");
    /* filters narrow; pages split the same order */
    long compliance = svc_search_module(c->search, "compliance");
    assert_true(compliance >= 0);
    assert_int_equal(svc_search_module(c->search, "nope"), -1);
    assert_string_equal(page(c, "短视频", compliance, 0, 0, 20, &total), "c6:T");
    assert_string_equal(page(c, "短视频", -1, RS_TIER_CORE_STAFF, 0, 20, &total), "c0:T");
    assert_string_equal(page(c, "短视频", -1, 0, 1, 1, &total), "c6:T");
    assert_int_equal(total, 3);
    /* no query: every course by tier, depth, catalog order */
    assert_string_equal(page(c, "", -1, 0, 0, 20, &total), "c1:L c2:L c3:L c4:L c6:L c0:L c5:L");
    assert_string_equal(page(c, NULL, -1, RS_TIER_NEW_HIRE, 2, 2, &total), "c3:L c4:L");
    assert_int_equal(total, 5);
    assert_int_equal(svc_search_depth(c->search, 0), 1);
    assert_int_equal(svc_search_depth(c->search, 6), 1);
    assert_int_equal(svc_search_depth(c->search, 5), 0);
    svc_catalog_unref(c);
}

static size_t utf8_len(unsigned char c)
{
    return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
}

/* Every substring of 1-4 characters of every demo title that starts at a
 * character of its own (not inside a Latin word): the title hits are
 * exactly the titles that hold it (contain it, a Latin query at a word's
 * beginning). */
static void test_search_matches_brute_force(void **state)
{
    (void)state;
    struct svc_catalog *c = sp_demo_catalog();
    size_t N = rs_catalog_n_courses(c->cat), checked = 0;
    static char titles[200][256];
    for (size_t j = 0; j < N; j++)
    {
        char *t = ref_normalise(rs_catalog_course_title(c->cat, j));
        snprintf(titles[j], sizeof titles[j], "%s", t);
        free(t);
    }
    struct svc_search_hit *hits = calloc(N, sizeof *hits);
    for (size_t j = 0; j < N; j++) {
        const char *t = titles[j];
        for (size_t a = 0; t[a]; a += utf8_len((unsigned char)t[a])) {
            unsigned char ca = (unsigned char)t[a];
            bool in_word = ref_word_char(t[a]) && a > 0 && ref_word_char(t[a - 1]);
            if (in_word || ca == ' ')
                continue;
            size_t b = a;
            for (int chars = 1; chars <= 4 && t[b]; chars++) {
                b += utf8_len((unsigned char)t[b]);
                char q[64];
                memcpy(q, t + a, b - a);
                q[b - a] = '\0';
                if (q[b - a - 1] == ' ')
                    continue;
                size_t n, total;
                struct svc_search_query sq = { .q = q, .module = -1, .limit = N };
                assert_int_equal(svc_search_run(c->search, &sq, hits, &n, &total), 0);
                size_t want = 0, got = 0;
                for (size_t k = 0; k < N; k++)
                    want += ref_holds(titles[k], q);
                for (size_t i = 0; i < n; i++)
                    if (hits[i].matched == SVC_MATCH_TITLE) {
                        got++;
                        if (!ref_holds(titles[hits[i].course], q))
                            fail_msg("'%s': %s does not hold it", q, titles[hits[i].course]);
                    }
                if (got != want)
                    fail_msg("'%s': %zu title hits, %zu titles hold it", q, got, want);
                checked++;
            }
        }
    }
    assert_true(checked > 1000);
    free(hits);
    svc_catalog_unref(c);
}

static void test_catalog_modules_checked(void **state)
{
    (void)state;
    const char *cases[][2] = {
        { "\"modules\":[{\"id\":\"\"}]", "modules[0].id: required" },
        { "\"modules\":[{\"id\":\"a\"},{\"id\":\"a\"}]", "modules[1].id: 'a' appears twice" },
    };
    for (size_t i = 0; i < 2; i++) {
        char json[4096], err[512];
        snprintf(json, sizeof json,
                 "{\"version\":\"v\",\"tags\":[{\"id\":\"x\",\"name\":\"x\",\"module\":\"a\",\"weight\":1}],"
                 "\"courses\":[{\"id\":\"c\",\"title\":\"c\",\"module\":\"a\",\"tier\":\"NEW_HIRE\","
                 "\"durationMin\":15,\"coverage\":[1]}],\"targets\":[{\"id\":\"t\",\"name\":\"t\",\"level\":[1]}],%s}",
                 cases[i][0]);
        Skillpath__V1__Catalog *pb = (Skillpath__V1__Catalog *)svc_json_decode(
            &skillpath__v1__catalog__descriptor, json, strlen(json), err, sizeof err);
        assert_non_null(pb);
        assert_null(svc_catalog_create(pb, err, sizeof err));
        if (strstr(err, cases[i][1]) == NULL)
            fail_msg("'%s' does not say '%s'", err, cases[i][1]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_search_known_answers),
        cmocka_unit_test(test_search_matches_brute_force),
        cmocka_unit_test(test_catalog_modules_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
