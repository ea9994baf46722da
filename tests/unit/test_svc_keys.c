/* SPDX-License-Identifier: MIT
 * The key schema: a learner's keys share the hash tag {ID} (one cluster
 * slot), the others keep theirs; the SCAN pattern of learner records and
 * the id read back from a key; the schema before, for migrate-keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "svc_keys.h"

static void key_is(const char *prefix, enum svc_key kind, const char *id, const char *want)
{
    char buf[512];
    int n = svc_keys_make(buf, sizeof buf, prefix, kind, id);
    assert_int_equal(n, (int)strlen(want));
    assert_string_equal(buf, want);
}

static void test_schema(void **state)
{
    (void)state;
    key_is("sp:", SVC_KEY_LEARNER, "u1", "sp:{u1}:l");
    key_is("sp:", SVC_KEY_SEEN, "u1", "sp:{u1}:seen");
    key_is("sp:", SVC_KEY_EVENTS, "u1", "sp:{u1}:ev");
    key_is("sp:", SVC_KEY_STREAMS, "u1", "sp:{u1}:streams");
    key_is("sp:", SVC_KEY_CATALOG, "current", "sp:{catalog}:current");
    key_is("sp:", SVC_KEY_CATALOG, "", "sp:{catalog}:");                  /* the prefix of versions */
    key_is("sp:", SVC_KEY_STATEMENT, "s-1", "sp:xs:s-1");
    key_is("sp:", SVC_KEY_TEAM, "lease", "sp:{team}:lease");
    key_is("", SVC_KEY_LEARNER, "a:b@c", "{a:b@c}:l");
    char small[8];
    assert_int_equal(svc_keys_make(small, sizeof small, "sp:", SVC_KEY_LEARNER, "u1"), -1);   /* 9 bytes */
    char old[64];
    assert_int_equal(svc_keys_make_v1(old, sizeof old, "sp:", SVC_KEY_SEEN, "u1"), 10);
    assert_string_equal(old, "sp:seen:u1");
}

static void test_learner_pattern_and_id(void **state)
{
    (void)state;
    char pat[64], id[SVC_MAX_ID + 1];
    assert_int_equal(svc_keys_learner_pattern(pat, sizeof pat, "sp:"), 8);
    assert_string_equal(pat, "sp:{*}:l");
    assert_true(svc_keys_learner_pattern(pat, sizeof pat, "a*b[?]\\:") > 0);
    assert_string_equal(pat, "a\\*b\\[\\?\\]\\\\:{*}:l");
    assert_int_equal(svc_keys_learner_pattern(pat, 8, "sp:"), -1);
    /* every valid id comes back from its learner key */
    const char alphabet[] = "abcXYZ019._:@-";
    uint64_t seed = 1;
    for (int round = 0; round < 2000; round++) {
        char want[SVC_MAX_ID + 1], key[512];
        size_t n = 1 + (size_t)(round % SVC_MAX_ID);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            want[i] = alphabet[(seed >> 33) % (sizeof alphabet - 1)];
        }
        want[n] = '\0';
        int len = svc_keys_make(key, sizeof key, "sp:", SVC_KEY_LEARNER, want);
        assert_true(len > 0);
        assert_true(svc_keys_learner_of(key, (size_t)len, "sp:", id));
        assert_string_equal(id, want);
    }
    /* not learner records */
    const char *nots[] = { "sp:{u1}:seen", "sp:{u1}:ev", "sp:l:u1", "xx:{u1}:l", "sp:{}:l", "sp:{u 1}:l",
                           "sp:{u1}l", "sp:", "sp:team:lease" };
    for (size_t i = 0; i < sizeof nots / sizeof *nots; i++)
        if (svc_keys_learner_of(nots[i], strlen(nots[i]), "sp:", id))
            fail_msg("'%s' read as learner '%s'", nots[i], id);
    char longkey[512];
    memset(longkey, 'a', sizeof longkey);
    memcpy(longkey, "sp:{", 4);
    size_t at = 4 + SVC_MAX_ID + 1;
    memcpy(longkey + at, "}:l", 3);
    assert_false(svc_keys_learner_of(longkey, at + 3, "sp:", id));        /* an id too long */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema),
        cmocka_unit_test(test_learner_pattern_and_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
