/* SPDX-License-Identifier: MIT
 * The team snapshot's builder and keeper (svc_team_builder.h).
 *
 * DESIGN
 * A thread of its own with a blocking hiredis connection: a build reads
 * every learner and computes over them for a second or more, which must
 * not stall a request loop, and a plain loop of blocking calls is the
 * simplest correct shape for it (the request loops keep svc_store.c's
 * async client). The thread sleeps on a condition variable between ticks,
 * so stopping it is immediate. It runs at nice 10: the request loops
 * come first.
 *
 * It builds two things in turn, each from its own read of every learner:
 * the snapshot (the matrix: cheap), then team demand (a path per learner:
 * several times dearer), so that the snapshot never waits for demand. Both
 * go through the same code (struct artefact: keys, what is served, what
 * was tried).
 *
 * The lease is a key holding the holder's id with an expiry of three
 * intervals (at least 10 s), renewed every tick (a tick is at most half an
 * interval) by a script that sets it if free and extends it only if ours.
 * The store script writes only while the lease is still ours, so a
 * builder that lost it (paused, partitioned) cannot overwrite a newer
 * snapshot or demand. Reading: SCAN MATCH P{*}:l COUNT 200 (small batches: Redis is
 * one thread, and the request loops' commands wait behind each MGET), and
 * for each batch one MGET sent together with the next SCAN (two commands,
 * one round trip);
 * an id SCAN returns twice (it may, across a rehash) counts once.
 *
 * On a Redis Cluster the lease, the manifests and the parts share the
 * {team} tag: they live on that slot's primary, which b->rc talks to (the
 * slot map is read from the seeds on every reconnect, and a redirection
 * forces one). A build SCANs every primary of the map in turn, a
 * connection of its own each, with a pipelined GET a key instead of the
 * MGET (a batch spans slots); a key that moved during the read is left out
 * of that build. A primary that cannot be reached fails the build: no
 * snapshot of part of the team.
 */
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <time.h>

#include "svc_cluster.h"
#include "svc_hash.h"
#include "svc_catalog.h"
#include "svc_keys.h"
#include "svc_log.h"
#include "svc_stored.h"
#include "svc_team.h"
#include "svc_team_builder.h"

#define SCAN_COUNT "200"              /* keys a batch: Redis answers other clients between */
#define MAX_KEY 512

static const char LEASE_LUA[] =
    "local h = redis.call('GET', KEYS[1])\n"
    "if not h then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end\n"
    "if h == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end\n"
    "return 0\n";

static const char RELEASE_LUA[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end\n"
    "return 0\n";

/* Stored in parts (SET of PART_BYTES each, then this commit): one SET of a
 * 14 MB snapshot held Redis ~100 ms, every client waiting behind it.
 * KEYS: lease, manifest, built_at; ARGV: holder id, manifest, built_at,
 * parts. The commit checks the lease, keeps the new parts (they were
 * written with an expiry, so that a builder dying midway leaves nothing for
 * good), points the manifest at them and unlinks the parts of the build it
 * replaces. */
static const char COMMIT_LUA[] =
    "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end\n"
    "for i = 0, tonumber(ARGV[4]) - 1 do redis.call('PERSIST', KEYS[2] .. ':' .. ARGV[3] .. ':' .. i) end\n"
    "local old = redis.call('GET', KEYS[2])\n"
    "redis.call('SET', KEYS[2], ARGV[2])\n"
    "redis.call('SET', KEYS[3], ARGV[3])\n"
    "if old then\n"
    "  local at, n = string.match(old, '^parts (%d+) (%d+) %d+$')\n"
    "  if at and at ~= ARGV[3] then\n"
    "    for i = 0, tonumber(n) - 1 do redis.call('UNLINK', KEYS[2] .. ':' .. at .. ':' .. i) end\n"
    "  end\n"
    "end\n"
    "return 1\n";

#define PART_BYTES (64u << 10)          /* a SET of this holds Redis well under a millisecond */
#define PART_TTL_S "3600"               /* until committed */

/* What the builder makes, stores and serves: the snapshot, then demand. */
struct artefact {
    enum svc_team_kind kind;
    const char *what;                   /* for logs: "snapshot", "demand" */
    char k_value[MAX_KEY], k_built[MAX_KEY];
    struct svc_team *served;            /* a reference (under mu) */
    int64_t loaded_at;                  /* built_at of the one served */
    char loaded_version[SVC_MAX_ID + 1];  /* and the catalog it was checked against */
    int64_t tried_at;                   /* the last stored one tried ... */
    char tried_version[SVC_MAX_ID + 1]; /* ... against this catalog */
};

enum { SNAPSHOT, DEMAND, N_ARTEFACTS };

struct svc_team_builder {
    pthread_t thread;
    pthread_mutex_t mu;                 /* guards the fields below it, and art[].served */
    pthread_cond_t wake;
    bool stop;
    struct svc_catalog *cat;            /* a reference: what learners are read with */
    struct svc_team_builder_stats stats;
    /* the thread's own */
    char *host, *prefix, *id;
    int port, timeout_ms, interval_s;
    bool cluster;                       /* a Redis Cluster: host:port is the {team} slot's primary */
    char *seeds;                        /* where the slot map is read first */
    struct svc_cluster_map *map;        /* the primaries, for SCAN on each (cluster) */
    bool map_stale;                     /* a redirection or a lost node: read it again */
    redisContext *rc;
    int fd;                             /* rc's socket while connected, -1 else (under mu:
                                         * stop shuts it down to end a blocked call) */
    char k_lease[MAX_KEY], pattern[MAX_KEY];
    struct artefact art[N_ARTEFACTS];
};

/* ---------------------------------------------------------------- shared */

void svc_team_builder_set_catalog(struct svc_team_builder *b, struct svc_catalog *c)
{
    pthread_mutex_lock(&b->mu);
    svc_catalog_unref(b->cat);
    b->cat = svc_catalog_ref(c);
    pthread_cond_signal(&b->wake);
    pthread_mutex_unlock(&b->mu);
}

static struct svc_team *served(struct svc_team_builder *b, int which)
{
    pthread_mutex_lock(&b->mu);
    struct svc_team *t = b->art[which].served ? svc_team_ref(b->art[which].served) : NULL;
    pthread_mutex_unlock(&b->mu);
    return t;
}

struct svc_team *svc_team_builder_current(struct svc_team_builder *b)
{
    return served(b, SNAPSHOT);
}

struct svc_team *svc_team_builder_demand(struct svc_team_builder *b)
{
    return served(b, DEMAND);
}

void svc_team_builder_get_stats(struct svc_team_builder *b, struct svc_team_builder_stats *out)
{
    pthread_mutex_lock(&b->mu);
    *out = b->stats;
    pthread_mutex_unlock(&b->mu);
}

static void serve(struct svc_team_builder *b, struct artefact *a, struct svc_team *t)
{
    pthread_mutex_lock(&b->mu);
    svc_team_unref(a->served);
    a->served = t;
    if (a->kind == SVC_TEAM_SNAPSHOT)
        b->stats.loaded++;
    else
        b->stats.demand_loaded++;
    pthread_mutex_unlock(&b->mu);
}

static void count_failure(struct svc_team_builder *b)
{
    pthread_mutex_lock(&b->mu);
    b->stats.failed++;
    pthread_mutex_unlock(&b->mu);
}

/* ---------------------------------------------------------------- redis */

static void disconnect(struct svc_team_builder *b)
{
    if (b->rc == NULL)
        return;
    pthread_mutex_lock(&b->mu);
    b->fd = -1;
    pthread_mutex_unlock(&b->mu);
    redisFree(b->rc);
    b->rc = NULL;
}

static redisContext *connect_to(const struct svc_team_builder *b, const char *host, int port)
{
    struct timeval tv = { b->timeout_ms / 1000, (b->timeout_ms % 1000) * 1000 };
    redisContext *rc = redisConnectWithTimeout(host, port, tv);
    if (rc == NULL || rc->err) {
        if (rc)
            redisFree(rc);
        return NULL;
    }
    /* a build reads for a while: a command may wait behind a big reply */
    struct timeval cmd = { b->timeout_ms / 1000 + 5, 0 };
    redisSetTimeout(rc, cmd);
    return rc;
}

/* A cluster: read the slot map from the first seed, or known primary,
 * that gives one; aim b->host:port at the primary of the {team} slot. */
static bool read_map(struct svc_team_builder *b)
{
    char addrs[2048];
    size_t at = (size_t)snprintf(addrs, sizeof addrs, "%s", b->seeds);
    for (size_t k = 0; k < b->map->n_nodes && at < sizeof addrs; k++)
        at += (size_t)snprintf(addrs + at, sizeof addrs - at, ",%s:%d", b->map->nodes[k].host,
                               b->map->nodes[k].port);
    struct svc_cluster_map *m = calloc(1, sizeof *m);
    if (m == NULL)
        return false;
    svc_cluster_map_free(m);
    bool ok = false;
    for (char *save = NULL, *addr = strtok_r(addrs, ",", &save); addr && !ok; addr = strtok_r(NULL, ",", &save)) {
        char *colon = strrchr(addr, ':');
        if (colon == NULL)
            continue;
        *colon = '\0';
        redisContext *rc = connect_to(b, addr, atoi(colon + 1));
        redisReply *r = rc ? redisCommand(rc, "CLUSTER SLOTS") : NULL;
        char err[128];
        ok = r && svc_cluster_map_read(m, r, addr, err, sizeof err) == 0 && m->covered > 0;
        freeReplyObject(r);
        if (rc)
            redisFree(rc);
    }
    const struct svc_cluster_node *n = ok ? svc_cluster_map_node(m, svc_cluster_slot(b->k_lease, strlen(b->k_lease))) : NULL;
    char *host = n ? strdup(n->host) : NULL;
    if (host == NULL) {
        svc_cluster_map_free(m);
        free(m);
        return false;
    }
    free(b->host);
    b->host = host;
    b->port = n->port;
    svc_cluster_map_free(b->map);
    free(b->map);
    b->map = m;
    b->map_stale = false;
    return true;
}

static bool connected(struct svc_team_builder *b)
{
    if (b->rc && !b->rc->err && !b->map_stale)
        return true;
    disconnect(b);
    if (b->cluster && !read_map(b))
        return false;
    struct timeval tv = { b->timeout_ms / 1000, (b->timeout_ms % 1000) * 1000 };
    b->rc = redisConnectWithTimeout(b->host, b->port, tv);
    if (b->rc == NULL || b->rc->err) {
        if (b->rc)
            redisFree(b->rc);
        b->rc = NULL;
        return false;
    }
    pthread_mutex_lock(&b->mu);
    b->fd = b->stop ? -1 : b->rc->fd;
    pthread_mutex_unlock(&b->mu);
    /* a build reads for a while: a command may wait behind a big reply */
    struct timeval cmd = { b->timeout_ms / 1000 + 5, 0 };
    redisSetTimeout(b->rc, cmd);
    return true;
}

static redisReply *command(struct svc_team_builder *b, int argc, const char **argv, const size_t *lens)
{
    redisReply *r = redisCommandArgv(b->rc, argc, argv, lens);
    if (r && r->type == REDIS_REPLY_ERROR) {
        svc_log(SVC_LOG_WARN, "msg=team_redis_error err=\"%.200s\"", r->str);
        if (b->cluster && svc_cluster_redirect(r->str, b->host, &(struct svc_cluster_target){ 0 }) !=
                              SVC_CLUSTER_NOT_REDIRECT)
            b->map_stale = true;        /* the {team} slot moved, or the cluster is down */
        freeReplyObject(r);
        return NULL;
    }
    return r;
}

/* The lease's life: three intervals, at least 10 s (a holder on a busy
 * machine may wait seconds for the CPU between two renewals). */
static long lease_ms(const struct svc_team_builder *b)
{
    long ms = 3000L * b->interval_s;
    return ms < 10000 ? 10000 : ms;
}

/* Renew or take the lease: 1 held, 0 someone else's, -1 no answer. */
static int lease(struct svc_team_builder *b)
{
    char ttl[32];
    snprintf(ttl, sizeof ttl, "%ld", lease_ms(b));
    const char *argv[] = { "EVAL", LEASE_LUA, "1", b->k_lease, b->id, ttl };
    redisReply *r = command(b, 6, argv, NULL);
    int held = r && r->type == REDIS_REPLY_INTEGER ? (int)r->integer : -1;
    freeReplyObject(r);
    pthread_mutex_lock(&b->mu);
    b->stats.lease_held = held == 1;
    pthread_mutex_unlock(&b->mu);
    return held;
}

/* The stored snapshot's and demand's build times (0: none); false when
 * Redis did not answer. */
static bool stored_at(struct svc_team_builder *b, int64_t at[N_ARTEFACTS])
{
    const char *argv[] = { "MGET", b->art[SNAPSHOT].k_built, b->art[DEMAND].k_built };
    redisReply *r = command(b, 3, argv, NULL);
    bool ok = r && r->type == REDIS_REPLY_ARRAY && r->elements == N_ARTEFACTS;
    for (size_t i = 0; ok && i < N_ARTEFACTS; i++)
        at[i] = r->element[i]->type == REDIS_REPLY_STRING ? strtoll(r->element[i]->str, NULL, 10) : 0;
    freeReplyObject(r);
    return ok;
}

/* ---------------------------------------------------------------- build */

/* A set of ids seen (SCAN may return one twice). */
struct idset {
    char **slot;
    size_t cap, n;
};

/* 1 added, 0 seen before, -1 ENOMEM. */
static int idset_add(struct idset *s, const char *id)
{
    if (2 * (s->n + 1) > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 4096;
        char **slot = calloc(cap, sizeof *slot);
        if (slot == NULL)
            return -1;
        for (size_t i = 0; i < s->cap; i++)
            if (s->slot[i]) {
                size_t j = svc_hash_str(s->slot[i]) & (cap - 1);
                while (slot[j])
                    j = (j + 1) & (cap - 1);
                slot[j] = s->slot[i];
            }
        free(s->slot);
        s->slot = slot;
        s->cap = cap;
    }
    size_t j = svc_hash_str(id) & (s->cap - 1);
    for (; s->slot[j]; j = (j + 1) & (s->cap - 1))
        if (strcmp(s->slot[j], id) == 0)
            return 0;
    if ((s->slot[j] = strdup(id)) == NULL)
        return -1;
    s->n++;
    return 1;
}

static void idset_free(struct idset *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->slot[i]);
    free(s->slot);
}

/* One SCAN batch's learners into the accumulator. */
static int add_batch(struct svc_team_builder *b, const struct svc_catalog *c, struct svc_team_acc *acc,
                     struct idset *seen, const redisReply *keys, const redisReply *values)
{
    for (size_t i = 0; i < keys->elements && i < values->elements; i++) {
        const redisReply *k = keys->element[i], *v = values->element[i];
        char id[SVC_MAX_ID + 1];
        if (k->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING ||
            !svc_keys_learner_of(k->str, k->len, b->prefix, id))
            continue;                   /* deleted meanwhile */
        int fresh = idset_add(seen, id);
        if (fresh < 0)
            return -1;
        if (fresh == 0)
            continue;
        struct rs_learner l = { .target = -1 };
        if (svc_stored_decode(c->cat, v->str, v->len, &l) != 0) {
            svc_log(SVC_LOG_WARN, "msg=team_learner_unreadable id=%s", id);
            continue;
        }
        uint64_t fp = svc_hash(v->str, v->len);   /* of the stored value: any change shows */
        int rc = svc_team_acc_add(acc, id, &l, fp ? fp : 1);
        rs_learner_deinit(&l);
        if (rc != 0)
            return -1;
    }
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Read every learner; the stored form (malloc'ed) of a snapshot or
 * demand, or NULL. */
/* Every learner key on one node into acc: SCAN batches, each batch's
 * values read together with the next SCAN (one round trip). On a single
 * Redis one MGET a batch; on a cluster node one GET a key (a batch spans
 * slots, which MGET refuses), a key that moved meanwhile (MOVED, ASK)
 * skipped — counted in *skipped: a reshard during a build may leave a
 * learner out of that one snapshot. false on a failure or a stop
 * (*stopping). The lease is renewed on b->rc between batches, when
 * nothing is pipelined on it. */
static bool scan_node(struct svc_team_builder *b, redisContext *rc, const struct svc_catalog *c,
                      struct svc_team_acc *acc, struct idset *seen, double *renewed, bool *stopping,
                      size_t *skipped)
{
    redisReply *scan = NULL;
    const char *argv0[] = { "SCAN", "0", "MATCH", b->pattern, "COUNT", SCAN_COUNT };
    void *first = redisCommandArgv(rc, 6, argv0, NULL);
    bool ok = (scan = first) != NULL;
    while (ok) {
        pthread_mutex_lock(&b->mu);
        *stopping = b->stop;
        pthread_mutex_unlock(&b->mu);
        if (*stopping) {                /* the daemon stops: no snapshot this time */
            ok = false;                 /* (nothing is pipelined here: the link is sound) */
            break;
        }
        /* a long build keeps its lease (nothing is pipelined here) */
        if (now_s() - *renewed > (double)lease_ms(b) / 3000.0) {
            ok = lease(b) == 1;
            *renewed = now_s();
            if (!ok)
                break;
        }
        if (scan->type != REDIS_REPLY_ARRAY || scan->elements != 2 ||
            scan->element[0]->type != REDIS_REPLY_STRING || scan->element[1]->type != REDIS_REPLY_ARRAY) {
            if (scan->type == REDIS_REPLY_ERROR)
                svc_log(SVC_LOG_WARN, "msg=team_redis_error err=\"%.200s\"", scan->str);
            ok = false;
            break;
        }
        const redisReply *keys = scan->element[1];
        size_t n = keys->elements;
        char cursor[64];
        snprintf(cursor, sizeof cursor, "%s", scan->element[0]->str);
        bool more = strcmp(cursor, "0") != 0;
        /* this batch's values and the next batch's keys: one round trip */
        if (n > 0 && !b->cluster) {
            const char **argv = calloc(n + 1, sizeof *argv);
            size_t *lens = calloc(n + 1, sizeof *lens);
            ok = argv && lens;
            if (ok) {
                argv[0] = "MGET";
                lens[0] = 4;
                for (size_t i = 0; i < n; i++) {
                    argv[i + 1] = keys->element[i]->str;
                    lens[i + 1] = keys->element[i]->len;
                }
                ok = redisAppendCommandArgv(rc, (int)n + 1, argv, lens) == REDIS_OK;
            }
            free(argv);
            free(lens);
        }
        for (size_t i = 0; ok && b->cluster && i < n; i++) {
            const char *argv[] = { "GET", keys->element[i]->str };
            size_t lens[] = { 3, keys->element[i]->len };
            ok = redisAppendCommandArgv(rc, 2, argv, lens) == REDIS_OK;
        }
        const char *argvn[] = { "SCAN", cursor, "MATCH", b->pattern, "COUNT", SCAN_COUNT };
        if (ok && more)
            ok = redisAppendCommandArgv(rc, 6, argvn, NULL) == REDIS_OK;
        if (ok && n > 0 && !b->cluster) {
            void *r = NULL;
            ok = redisGetReply(rc, &r) == REDIS_OK && r && ((redisReply *)r)->type == REDIS_REPLY_ARRAY;
            ok = ok && add_batch(b, c, acc, seen, keys, r) == 0;
            freeReplyObject(r);
        } else if (ok && n > 0) {
            /* the GETs' replies, every one read whatever it is */
            redisReply **values = calloc(n, sizeof *values);
            ok = values != NULL;
            for (size_t i = 0; ok && i < n; i++) {
                void *r = NULL;
                ok = redisGetReply(rc, &r) == REDIS_OK && r;
                values[i] = r;
                if (ok && values[i]->type == REDIS_REPLY_ERROR)
                    (*skipped)++;
            }
            redisReply batch = { .type = REDIS_REPLY_ARRAY, .elements = n, .element = values };
            ok = ok && add_batch(b, c, acc, seen, keys, &batch) == 0;
            for (size_t i = 0; values && i < n; i++)
                freeReplyObject(values[i]);
            free(values);
        }
        freeReplyObject(scan);
        scan = NULL;
        if (!ok || !more)
            break;
        void *r = NULL;
        ok = redisGetReply(rc, &r) == REDIS_OK && r;
        scan = r;
    }
    freeReplyObject(scan);
    return ok;
}

/* Read every learner — on a cluster from each primary of the map, a
 * connection of its own each; the stored form (malloc'ed) of a snapshot or
 * demand, or NULL. */
static uint8_t *build(struct svc_team_builder *b, const struct svc_catalog *c, enum svc_team_kind kind,
                      int64_t now, size_t *len, size_t *learners, double *secs, double *lessons_s,
                      size_t *reused, size_t *computed)
{
    double t0 = now_s();
    struct svc_team_acc *acc = svc_team_acc_create(c, kind, now);
    /* demand keeps the lessons of learners unchanged since the demand
     * served, until a full computation is due (SVC_TEAM_DEMAND_FULL_S) */
    struct svc_team *prev = kind == SVC_TEAM_DEMAND ? svc_team_builder_demand(b) : NULL;
    if (prev && now - prev->pb->full_at >= SVC_TEAM_DEMAND_FULL_S) {
        svc_team_unref(prev);
        prev = NULL;
    }
    struct idset seen = { 0 };
    bool ok = acc != NULL && (prev == NULL || svc_team_acc_reuse(acc, prev) == 0);
    double renewed = now_s();
    bool stopping = false;
    size_t skipped = 0;
    if (ok && !b->cluster)
        ok = scan_node(b, b->rc, c, acc, &seen, &renewed, &stopping, &skipped);
    for (size_t k = 0; ok && b->cluster && k < b->map->n_nodes; k++) {
        redisContext *rc = connect_to(b, b->map->nodes[k].host, b->map->nodes[k].port);
        if (rc == NULL) {
            svc_log(SVC_LOG_WARN, "msg=team_node_unreachable host=%s port=%d", b->map->nodes[k].host,
                    b->map->nodes[k].port);
            b->map_stale = true;
            ok = false;
            break;
        }
        pthread_mutex_lock(&b->mu);     /* a stop cuts this node's call short */
        b->fd = b->stop ? -1 : rc->fd;
        pthread_mutex_unlock(&b->mu);
        ok = scan_node(b, rc, c, acc, &seen, &renewed, &stopping, &skipped);
        pthread_mutex_lock(&b->mu);
        b->fd = b->rc && !b->stop ? b->rc->fd : -1;
        pthread_mutex_unlock(&b->mu);
        redisFree(rc);
    }
    if (skipped)
        svc_log(SVC_LOG_INFO, "msg=team_learners_skipped n=%zu reason=\"moved during the read (reshard)\"",
                skipped);
    idset_free(&seen);
    *learners = acc ? svc_team_acc_count(acc) : 0;
    if (!ok) {
        if (!stopping)
            disconnect(b);              /* replies may still be pipelined: start afresh */
        svc_team_acc_free(acc);
        svc_team_unref(prev);
        return NULL;
    }
    *secs = now_s() - t0;
    svc_team_acc_counts(acc, reused, computed);
    Skillpath__V1__TeamSnapshot *s = svc_team_acc_finish(acc, b->id, (uint32_t)(*secs * 1000));
    svc_team_unref(prev);
    if (s == NULL)
        return NULL;
    *lessons_s = s->lessons_ms / 1000.0;
    *len = protobuf_c_message_get_packed_size(&s->base);
    uint8_t *buf = malloc(*len + 1);
    if (buf)
        protobuf_c_message_pack(&s->base, buf);
    svc_team_snapshot_free(s);
    return buf;
}

/* Wrap stored bytes for serving. */
static bool load_bytes(struct svc_team_builder *b, struct artefact *a, const struct svc_catalog *c,
                       const uint8_t *buf, size_t len)
{
    Skillpath__V1__TeamSnapshot *pb = skillpath__v1__team_snapshot__unpack(NULL, len, buf);
    char err[256];
    if (pb == NULL) {
        svc_log(SVC_LOG_WARN, "msg=team_%s_unreadable bytes=%zu", a->what, len);
        return false;
    }
    int64_t at = pb->built_at;
    if (strcmp(pb->catalog_version, rs_catalog_version(c->cat)) != 0) {
        svc_log(SVC_LOG_INFO, "msg=team_%s_not_served reason=\"of catalog %s, serving %s\"", a->what,
                pb->catalog_version, rs_catalog_version(c->cat));
        skillpath__v1__team_snapshot__free_unpacked(pb, NULL);
        return false;
    }
    struct svc_team *t = svc_team_create(pb, c, a->kind, err, sizeof err);
    if (t == NULL) {
        svc_log(SVC_LOG_WARN, "msg=team_%s_not_served reason=\"%s\"", a->what, err);
        return false;
    }
    a->loaded_at = a->tried_at = at;
    snprintf(a->loaded_version, sizeof a->loaded_version, "%s", rs_catalog_version(c->cat));
    snprintf(a->tried_version, sizeof a->tried_version, "%s", rs_catalog_version(c->cat));
    serve(b, a, t);
    return true;
}

/* Serving one of catalog c? */
static bool serving(const struct artefact *a, const struct svc_catalog *c)
{
    return a->loaded_at > 0 && strcmp(a->loaded_version, rs_catalog_version(c->cat)) == 0;
}

enum parts { PARTS_OK, PARTS_GONE, PARTS_BAD, PARTS_LOST };

/* The bytes of a stored build from its manifest ("parts AT N LEN": N parts
 * under MANIFEST:AT:i) into *out (malloc'ed). PARTS_GONE: a newer commit
 * unlinked them meanwhile; PARTS_BAD: no manifest, or parts that disagree
 * with it; PARTS_LOST: Redis did not answer (disconnected). */
static enum parts read_parts(struct svc_team_builder *b, const struct artefact *a, const char *manifest,
                             uint8_t **out, size_t *len)
{
    long long at;
    unsigned long n, total;
    char tail;
    if (sscanf(manifest, "parts %lld %lu %lu%c", &at, &n, &total, &tail) != 3 || total > (1ul << 40) ||
        n != (total ? (total + PART_BYTES - 1) / PART_BYTES : 1))
        return PARTS_BAD;
    uint8_t *buf = malloc(total + 1);
    if (buf == NULL)
        return PARTS_BAD;
    char key[MAX_KEY + 48];
    bool ok = true;
    for (unsigned long i = 0; ok && i < n; i++) {
        snprintf(key, sizeof key, "%s:%lld:%lu", a->k_value, at, i);
        const char *argv[] = { "GET", key };
        ok = redisAppendCommandArgv(b->rc, 2, argv, NULL) == REDIS_OK;
    }
    size_t off = 0;
    enum parts st = PARTS_OK;
    for (unsigned long i = 0; ok && i < n; i++) {       /* every reply read, whatever it is */
        void *r = NULL;
        ok = redisGetReply(b->rc, &r) == REDIS_OK && r != NULL;
        const redisReply *rr = r;
        if (!ok || st != PARTS_OK) {
        } else if (rr->type == REDIS_REPLY_NIL) {
            st = PARTS_GONE;
        } else if (rr->type != REDIS_REPLY_STRING || off + rr->len > total) {
            st = PARTS_BAD;
        } else {
            memcpy(buf + off, rr->str, rr->len);
            off += rr->len;
        }
        freeReplyObject(r);
    }
    if (!ok) {
        disconnect(b);                  /* replies may still be pipelined */
        st = PARTS_LOST;
    } else if (st == PARTS_OK && off != total) {
        st = PARTS_BAD;
    }
    if (st != PARTS_OK) {
        free(buf);
        return st;
    }
    *out = buf;
    *len = total;
    return PARTS_OK;
}

/* The stored one, when newer than the one served (or of another catalog
 * than the one served). */
static void load(struct svc_team_builder *b, struct artefact *a, const struct svc_catalog *c, int64_t at)
{
    const char *version = rs_catalog_version(c->cat);
    if (at <= 0 || (at == a->tried_at && strcmp(a->tried_version, version) == 0))
        return;                         /* nothing new to try */
    const char *argv[] = { "GET", a->k_value };
    redisReply *r = command(b, 2, argv, NULL);
    if (r == NULL || r->type != REDIS_REPLY_STRING) {
        if (r == NULL)
            count_failure(b);
        freeReplyObject(r);
        return;
    }
    uint8_t *buf = NULL;
    size_t len = 0;
    enum parts st = read_parts(b, a, r->str, &buf, &len);
    freeReplyObject(r);
    if (st == PARTS_GONE)
        return;                         /* replaced meanwhile: the next tick reads the new one */
    if (st != PARTS_LOST) {             /* tried: not again until another is stored */
        a->tried_at = at;
        snprintf(a->tried_version, sizeof a->tried_version, "%s", version);
    }
    if (st == PARTS_BAD)
        svc_log(SVC_LOG_WARN, "msg=team_%s_unreadable reason=\"its manifest or parts\"", a->what);
    if (st == PARTS_OK && load_bytes(b, a, c, buf, len))
        svc_log(SVC_LOG_DEBUG, "msg=team_%s_loaded built_at=%lld", a->what, (long long)at);
    else if (st != PARTS_GONE)
        count_failure(b);
    free(buf);
}

/* Store buf as parts, then commit them while the lease is ours: 1 stored,
 * 0 the lease was lost meanwhile (the parts are unlinked), -1 no answer
 * from Redis. */
static int store(struct svc_team_builder *b, const struct artefact *a, const uint8_t *buf, size_t len,
                 const char *built)
{
    size_t n = len / PART_BYTES + (len % PART_BYTES != 0);
    if (n == 0)
        n = 1;                          /* an empty message is one empty part */
    char key[MAX_KEY + 48];
    /* one part a round trip: Redis answers others between two */
    for (size_t i = 0; i < n; i++) {
        size_t at = i * PART_BYTES, part = len - at < PART_BYTES ? len - at : PART_BYTES;
        snprintf(key, sizeof key, "%s:%s:%zu", a->k_value, built, i);
        const char *argv[] = { "SET", key, (const char *)buf + at, "EX", PART_TTL_S };
        size_t lens[] = { 3, strlen(key), part, 2, strlen(PART_TTL_S) };
        redisReply *r = command(b, 5, argv, lens);
        bool ok = r != NULL;
        freeReplyObject(r);
        if (!ok)
            return -1;
    }
    char manifest[96], parts[32];
    snprintf(manifest, sizeof manifest, "parts %s %zu %zu", built, n, len);
    snprintf(parts, sizeof parts, "%zu", n);
    const char *argv[] = { "EVAL", COMMIT_LUA, "3", b->k_lease, a->k_value, a->k_built, b->id, manifest, built,
                           parts };
    redisReply *r = command(b, 10, argv, NULL);
    int rc = r == NULL ? -1 : r->type == REDIS_REPLY_INTEGER && r->integer == 1 ? 1 : 0;
    freeReplyObject(r);
    for (size_t i = 0; rc == 0 && i < n; i++) {         /* not ours to commit: leave nothing */
        snprintf(key, sizeof key, "%s:%s:%zu", a->k_value, built, i);
        const char *del[] = { "UNLINK", key };
        freeReplyObject(command(b, 2, del, NULL));
    }
    return rc;
}

/* Build one, store it while the lease is ours, serve it. */
static void build_and_store(struct svc_team_builder *b, struct artefact *a, const struct svc_catalog *c)
{
    int64_t now = (int64_t)time(NULL);
    size_t len = 0, learners = 0, reused = 0, computed = 0;
    double secs = 0, lessons_s = 0;
    uint8_t *buf = build(b, c, a->kind, now, &len, &learners, &secs, &lessons_s, &reused, &computed);
    char built[32];
    snprintf(built, sizeof built, "%lld", (long long)now);
    int stored = buf ? store(b, a, buf, len, built) : -1;
    if (stored == 1) {
        if (a->kind == SVC_TEAM_DEMAND)
            svc_log(SVC_LOG_INFO, "msg=team_demand_built learners=%zu computed=%zu kept=%zu bytes=%zu "
                    "build_ms=%.0f", learners, computed, reused, len, secs * 1e3);
        else
            svc_log(SVC_LOG_INFO, "msg=team_snapshot_built learners=%zu bytes=%zu build_ms=%.0f", learners, len,
                    secs * 1e3);
        pthread_mutex_lock(&b->mu);
        if (a->kind == SVC_TEAM_SNAPSHOT) {
            b->stats.built++;
            b->stats.last_build_s = secs;
        } else {
            b->stats.demand_built++;
            b->stats.last_demand_s = secs;
            b->stats.last_lessons_s = lessons_s;
            b->stats.last_demand_computed = computed;
            b->stats.last_demand_kept = reused;
        }
        pthread_mutex_unlock(&b->mu);
        if (!load_bytes(b, a, c, buf, len))
            count_failure(b);
    } else {
        if (buf)
            svc_log(SVC_LOG_WARN, "msg=team_%s_not_stored reason=\"%s\"", a->what,
                    stored == 0 ? "the lease was lost meanwhile" : "no answer from Redis");
        else
            svc_log(SVC_LOG_WARN, "msg=team_%s_build_failed learners=%zu", a->what, learners);
        count_failure(b);
        if (buf && stored < 0)          /* the store got no answer: connect again */
            disconnect(b);
    }
    free(buf);
}

/* One tick: lease, load what is stored, build what is due if the lease is
 * ours — the snapshot first (what managers look at), then demand. */
static void tick(struct svc_team_builder *b, const struct svc_catalog *c)
{
    int held = lease(b);
    int64_t at[N_ARTEFACTS];
    if (held < 0 || !stored_at(b, at)) {
        disconnect(b);                  /* no answer: connect again next tick */
        return;
    }
    for (int i = 0; i < N_ARTEFACTS; i++)
        load(b, &b->art[i], c, at[i]);
    for (int i = 0; held == 1 && i < N_ARTEFACTS && b->rc; i++) {
        pthread_mutex_lock(&b->mu);
        bool stopping = b->stop;
        pthread_mutex_unlock(&b->mu);
        int64_t now = (int64_t)time(NULL);
        if (!stopping && (at[i] == 0 || now - at[i] >= b->interval_s || !serving(&b->art[i], c)))
            build_and_store(b, &b->art[i], c);
    }
}

static void *run(void *arg)
{
    struct svc_team_builder *b = arg;
    /* A low CPU priority (nice 10, about a tenth of a busy nice-0 thread's
     * share): the request loops come first, yet a build still moves on a
     * machine kept busy — at nice 19 it starved there (1.5%). */
    setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
    /* a tick every half interval, at most every 5 s and at least every 200 ms */
    long tick_ms = b->interval_s * 500L;
    tick_ms = tick_ms > 5000 ? 5000 : tick_ms < 200 ? 200 : tick_ms;
    pthread_mutex_lock(&b->mu);
    while (!b->stop) {
        struct svc_catalog *c = b->cat ? svc_catalog_ref(b->cat) : NULL;
        pthread_mutex_unlock(&b->mu);
        if (c && connected(b))
            tick(b, c);
        svc_catalog_unref(c);
        pthread_mutex_lock(&b->mu);
        if (b->stop)
            break;
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += tick_ms / 1000;
        until.tv_nsec += (tick_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&b->wake, &b->mu, &until);
    }
    pthread_mutex_unlock(&b->mu);
    if (b->rc && !b->rc->err) {         /* a daemon that stops hands the lease on at once */
        const char *argv[] = { "EVAL", RELEASE_LUA, "1", b->k_lease, b->id };
        freeReplyObject(redisCommandArgv(b->rc, 5, argv, NULL));
    }
    return NULL;
}

/* ---------------------------------------------------------------- lifecycle */

struct svc_team_builder *svc_team_builder_start(const struct svc_team_builder_conf *conf)
{
    struct svc_team_builder *b = calloc(1, sizeof *b);
    if (b == NULL)
        return NULL;
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->wake, NULL);
    b->fd = -1;
    b->art[SNAPSHOT] = (struct artefact){ .kind = SVC_TEAM_SNAPSHOT, .what = "snapshot" };
    b->art[DEMAND] = (struct artefact){ .kind = SVC_TEAM_DEMAND, .what = "demand" };
    b->host = strdup(conf->host);
    b->prefix = strdup(conf->prefix);
    b->id = strdup(conf->id);
    b->port = conf->port;
    b->cluster = conf->cluster;
    b->seeds = strdup(conf->seeds && conf->seeds[0] ? conf->seeds : "");
    b->map = calloc(1, sizeof *b->map);
    if (b->map)
        svc_cluster_map_free(b->map);   /* every slot unserved */
    b->timeout_ms = conf->timeout_ms > 0 ? conf->timeout_ms : 1000;
    b->interval_s = conf->interval_s > 0 ? conf->interval_s : 60;
    int n = svc_keys_learner_pattern(b->pattern, sizeof b->pattern, conf->prefix);
    if (!b->host || !b->prefix || !b->id || !b->seeds || !b->map || n < 0 ||
        svc_keys_make(b->k_lease, MAX_KEY, conf->prefix, SVC_KEY_TEAM, "lease") < 0 ||
        svc_keys_make(b->art[SNAPSHOT].k_value, MAX_KEY, conf->prefix, SVC_KEY_TEAM, "snapshot") < 0 ||
        svc_keys_make(b->art[SNAPSHOT].k_built, MAX_KEY, conf->prefix, SVC_KEY_TEAM, "built_at") < 0 ||
        svc_keys_make(b->art[DEMAND].k_value, MAX_KEY, conf->prefix, SVC_KEY_TEAM, "demand") < 0 ||
        svc_keys_make(b->art[DEMAND].k_built, MAX_KEY, conf->prefix, SVC_KEY_TEAM, "demand_at") < 0 ||
        pthread_create(&b->thread, NULL, run, b) != 0) {
        free(b->host);
        free(b->seeds);
        free(b->map);
        free(b->prefix);
        free(b->id);
        free(b);
        return NULL;
    }
    return b;
}

void svc_team_builder_stop(struct svc_team_builder *b)
{
    if (b == NULL)
        return;
    pthread_mutex_lock(&b->mu);
    b->stop = true;
    pthread_cond_signal(&b->wake);
    pthread_mutex_unlock(&b->mu);
    /* Five seconds for the thread to end its build (it stops between two
     * batches) and hand the lease on, however busy the machine; a call
     * still blocked then (Redis stalled) is cut short. */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 5;
    if (pthread_timedjoin_np(b->thread, NULL, &until) != 0) {
        pthread_mutex_lock(&b->mu);
        if (b->fd >= 0)
            shutdown(b->fd, SHUT_RDWR);
        pthread_mutex_unlock(&b->mu);
        pthread_join(b->thread, NULL);
    }
    if (b->rc)
        redisFree(b->rc);
    for (int i = 0; i < N_ARTEFACTS; i++)
        svc_team_unref(b->art[i].served);
    svc_catalog_unref(b->cat);
    pthread_mutex_destroy(&b->mu);
    pthread_cond_destroy(&b->wake);
    svc_cluster_map_free(b->map);
    free(b->map);
    free(b->seeds);
    free(b->host);
    free(b->prefix);
    free(b->id);
    free(b);
}
