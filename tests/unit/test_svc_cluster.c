/* SPDX-License-Identifier: MIT
 * Redis Cluster's client side: CRC16 and hash slots against the
 * specification's own examples, the slot map read from CLUSTER SLOTS
 * replies (built from RESP bytes by hiredis' reader, as from a socket), and
 * the redirections. The same against a real cluster: test_cluster.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <hiredis/hiredis.h>

#include "svc_cluster.h"

static uint16_t slot(const char *key)
{
    return svc_cluster_slot(key, strlen(key));
}

static void test_crc16_and_slots(void **state)
{
    (void)state;
    assert_int_equal(svc_cluster_crc16("123456789", 9), 0x31C3);    /* the spec's check value */
    assert_int_equal(slot("foo"), 12182);                           /* CLUSTER KEYSLOT foo */
    /* hash tags, the spec's examples */
    assert_int_equal(slot("{user1000}.following"), slot("{user1000}.followers"));
    assert_int_equal(slot("{user1000}.following"), slot("user1000"));
    assert_int_equal(slot("foo{}{bar}"), svc_cluster_crc16("foo{}{bar}", 10) & 16383);   /* empty tag: whole key */
    assert_int_equal(slot("foo{{bar}}zap"), slot("{bar"));          /* from the first '{' to the first '}' */
    assert_int_equal(slot("foo{bar}{zap}"), slot("bar"));           /* the first tag only */
    assert_int_equal(slot("foo{bar"), svc_cluster_crc16("foo{bar", 7) & 16383);          /* unclosed */
    /* a learner's keys: one slot */
    assert_int_equal(slot("sp:{u-42}:l"), slot("sp:{u-42}:seen"));
    assert_int_equal(slot("sp:{u-42}:ev"), slot("u-42"));
    /* NUL bytes are bytes */
    assert_int_not_equal(svc_cluster_slot("a\0b", 3), svc_cluster_slot("a", 1));
}

/* A reply parsed from RESP bytes. */
static redisReply *resp(const char *bytes)
{
    redisReader *r = redisReaderCreate();
    assert_int_equal(redisReaderFeed(r, bytes, strlen(bytes)), REDIS_OK);
    void *out = NULL;
    assert_int_equal(redisReaderGetReply(r, &out), REDIS_OK);
    assert_non_null(out);
    redisReaderFree(r);
    return out;
}

static struct svc_cluster_map map;

static void test_map(void **state)
{
    (void)state;
    char err[256];
    svc_cluster_map_free(&map);
    assert_null(svc_cluster_map_node(&map, 0));
    /* three primaries, one with two ranges, replicas listed; one address "" */
    redisReply *r = resp(
        "*4\r\n"
        "*4\r\n:0\r\n:5460\r\n*3\r\n$9\r\n127.0.0.1\r\n:7000\r\n$2\r\nn1\r\n*3\r\n$9\r\n127.0.0.1\r\n:7003\r\n$2\r\nr1\r\n"
        "*3\r\n:5461\r\n:10922\r\n*2\r\n$0\r\n\r\n:7001\r\n"
        "*3\r\n:10923\r\n:16000\r\n*3\r\n$9\r\n127.0.0.1\r\n:7002\r\n$2\r\nn3\r\n"
        "*3\r\n:16001\r\n:16383\r\n*3\r\n$9\r\n127.0.0.1\r\n:7000\r\n$2\r\nn1\r\n");
    assert_int_equal(svc_cluster_map_read(&map, r, "10.0.0.9", err, sizeof err), 0);
    freeReplyObject(r);
    assert_int_equal(map.covered, 16384);
    assert_int_equal(map.n_nodes, 3);
    assert_int_equal(svc_cluster_map_node(&map, 0)->port, 7000);
    assert_string_equal(svc_cluster_map_node(&map, 0)->id, "n1");
    assert_int_equal(svc_cluster_map_node(&map, 5461)->port, 7001);
    assert_string_equal(svc_cluster_map_node(&map, 5461)->host, "10.0.0.9");   /* "" is the node asked */
    assert_int_equal(svc_cluster_map_node(&map, 16000)->port, 7002);
    assert_true(svc_cluster_map_node(&map, 16383) == svc_cluster_map_node(&map, 0));
    /* a gap: slots without a primary */
    r = resp("*1\r\n*3\r\n:0\r\n:99\r\n*2\r\n$9\r\n127.0.0.1\r\n:7000\r\n");
    assert_int_equal(svc_cluster_map_read(&map, r, "h", err, sizeof err), 0);
    freeReplyObject(r);
    assert_int_equal(map.covered, 100);
    assert_null(svc_cluster_map_node(&map, 100));
    /* refusals leave the map empty */
    const char *bad[] = {
        "-ERR This instance has cluster support disabled\r\n",
        "*1\r\n*3\r\n:10\r\n:9\r\n*2\r\n$1\r\nh\r\n:7000\r\n",          /* start after end */
        "*1\r\n*3\r\n:0\r\n:16384\r\n*2\r\n$1\r\nh\r\n:7000\r\n",       /* past the last slot */
        "*1\r\n*3\r\n:0\r\n:1\r\n*2\r\n$1\r\nh\r\n:0\r\n",              /* no port */
        "*1\r\n*2\r\n:0\r\n:1\r\n",                                     /* no node */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        r = resp(bad[i]);
        assert_int_equal(svc_cluster_map_read(&map, r, "h", err, sizeof err), -1);
        freeReplyObject(r);
        assert_int_equal(map.covered, 0);
        assert_null(svc_cluster_map_node(&map, 0));
    }
    svc_cluster_map_free(&map);
}

static void test_redirects(void **state)
{
    (void)state;
    struct svc_cluster_target to;
    assert_int_equal(svc_cluster_redirect("MOVED 3999 127.0.0.1:6381", "x", &to), SVC_CLUSTER_MOVED);
    assert_int_equal(to.slot, 3999);
    assert_string_equal(to.host, "127.0.0.1");
    assert_int_equal(to.port, 6381);
    assert_int_equal(svc_cluster_redirect("ASK 12182 ::1:7002", "x", &to), SVC_CLUSTER_ASK);
    assert_string_equal(to.host, "::1");                                /* IPv6: the last colon */
    assert_int_equal(to.port, 7002);
    assert_int_equal(svc_cluster_redirect("MOVED 1 :6380", "10.0.0.9", &to), SVC_CLUSTER_MOVED);
    assert_string_equal(to.host, "10.0.0.9");                           /* no host: the node asked */
    assert_int_equal(svc_cluster_redirect("TRYAGAIN Multiple keys request during rehashing of slot", "x", &to),
                     SVC_CLUSTER_TRYAGAIN);
    assert_int_equal(svc_cluster_redirect("CLUSTERDOWN The cluster is down", "x", &to), SVC_CLUSTER_DOWN);
    const char *not[] = { "ERR wrong number of arguments", "MOVED", "MOVED x 1.2.3.4:5", "MOVED 16384 h:1",
                          "MOVED 1 h", "MOVED 1 h:0", "MOVED 1 h:70000", "ASK 1 h:x", "NOSCRIPT No matching script" };
    for (size_t i = 0; i < sizeof not / sizeof *not; i++)
        if (svc_cluster_redirect(not[i], "x", &to) != SVC_CLUSTER_NOT_REDIRECT)
            fail_msg("'%s' read as a redirect", not[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc16_and_slots),
        cmocka_unit_test(test_map),
        cmocka_unit_test(test_redirects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
