/* SPDX-License-Identifier: MIT
 * Learner state in Redis over hiredis' async API on the libevent loop.
 *
 * DESIGN
 * Data layout (prefix P, learner id I):
 *   P{I}:l       string: the learner's stored form, opaque here; it starts
 *                with its version token (svc_stored.c: the compact form, and
 *                the first form still read)
 *   P{I}:seen    zset: applied event ids, scored by apply time; trimmed past
 *                the retention (8 days by default)
 *   P{I}:ev      stream: the learner's history, for rebuilds and audit,
 *                capped at ~stream_maxlen: each applied event ("event":
 *                the Event protobuf), each PUT ("put": the Learner body,
 *                "state": the value it wrote), each voiding ("void": the
 *                statement id, "entry": the event entry it removed,
 *                "state": the value it wrote)
 *   P xs:S       string: xAPI statement S's index entry (svc_xapi.h),
 *                kept as long as event ids are
 *   P xa:H       string: the learner whose xAPI mailbox has SHA-1 H
 *   P{I}:streams string: open push streams of I across daemons (expires)
 *   P{catalog}:V, P{catalog}:current: stored catalogs and the current version
 * Reads are one GET. Every write is one EVALSHA of WRITE_LUA, which checks
 * the event id, compares the version token, writes, records the id and
 * appends to the stream atomically: exactly once per event id, and a
 * concurrent writer is detected (CONFLICT) so the caller recomputes from a
 * fresh read. The write answers whether I has open streams (`watched`).
 * Every script touches the keys of one hash tag: one slot.
 *
 * Nodes. One command link per Redis node. A single Redis is the one node,
 * serving every slot. On a cluster (conf.cluster) the nodes are the
 * primaries of the slot map, read with CLUSTER SLOTS from any node (the
 * seeds first), and each command goes to the primary of its first key's
 * slot (a command without a key, PUBLISH, to any node: the cluster bus
 * carries it to every subscriber). A reply asks more of the client:
 *   MOVED     the slot is served elsewhere: note it, refresh the map, resend;
 *   ASK       this once at the named node, after ASKING (a slot migrating);
 *   TRYAGAIN  some of a script's keys moved, some not yet: resend after a
 *             pause (10 ms, doubling to 200 ms);
 *   CLUSTERDOWN, or the node's connection lost: refresh the map and resend
 *             after a pause, once the slot has a connected primary.
 * All within the command's deadline: only a deadline that runs out reaches
 * the caller (SVC_STORE_TIMEOUT -> 503). Resending is safe: the write
 * script is exactly-once per event id and conditional on the version
 * (a write that did land comes back DUP, or CONFLICT and is recomputed).
 * With wait_replicas, a write (or a duplicate) is followed by WAIT on the same
 * connection before it is answered (start_wait). Such writes go on a
 * node's writer links (WAIT_LINKS, the least busy): a WAIT holds its
 * connection, and the reads must not queue behind it. MGET and MSET span slots (statement ids, mailboxes): on a cluster they
 * become one GET or SET per key, gathered into one answer. The map is also
 * refreshed every MAP_REFRESH_S, and on any disconnect of a primary; nodes
 * that left it are dropped and not reconnected.
 *
 * Ownership: every command submitted with a callback is on the `live` list
 * until its callback has run (or its owner cancelled it); destroy runs the
 * remaining callbacks with UNAVAILABLE while the store still exists but
 * accepts no new command. A command is either in hiredis' hands (in
 * flight: hiredis gives it back, with a reply or NULL, and only then is it
 * freed) or parked on its wait timer (freed by whoever settles it).
 *
 * hiredis 0.14 has neither command timeouts nor reconnects. Each command
 * carries a deadline timer; when it fires the caller gets SVC_STORE_TIMEOUT
 * at once, the command stays allocated until hiredis hands its reply back,
 * and the connection it was sent on — which is not answering — is dropped
 * and reopened with backoff. A reply after the deadline is then discarded.
 * The write goes as EVALSHA of the script's SHA-1 (computed here, the same
 * on every node); a node without the script answers NOSCRIPT, and the write
 * is sent once more as EVAL, which also caches it there.
 */
#include <event2/event.h>
#include <event2/event_struct.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <hiredis/adapters/libevent.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "svc_cluster.h"
#include "svc_keys.h"
#include "svc_learner.h"
#include "svc_log.h"
#include "svc_store.h"

#define BACKOFF_MIN_MS 50
#define BACKOFF_MAX_MS 2000
#define WAIT_MIN_MS 10           /* a parked command's first pause ... */
#define WAIT_MAX_MS 200          /* ... doubling to this */
#define MAX_REDIRECTS 16         /* MOVED/ASK for one command: more is a loop */
#define MAP_MIN_GAP_MS 100       /* refreshes of the slot map at most this often */
#define MAP_REFRESH_S 10         /* and at least this often */
#define MAX_KEY 512
#define MAX_SUBS 4
#define MAX_SEEDS 16
#define WAIT_LINKS 4             /* links a node for writes that WAIT: see send_cmd */

static const char WRITE_LUA[] =
    "if ARGV[3] ~= '' then\n"
    "  local seen = redis.call('ZSCORE', KEYS[2], ARGV[3])\n"
    "  if seen then\n"
    "    if ARGV[9] == 'wait' then\n"
    "      redis.call('ZADD', KEYS[2], 'XX', string.format('%.3f',\n"
    "                 math.max(tonumber(ARGV[4]), tonumber(seen) + 0.001)), ARGV[3])\n"
    "    end\n"
    "    return 'DUP'\n"
    "  end\n"
    "end\n"
    "local cur = redis.call('GET', KEYS[1])\n"
    "if cur then\n"
    "  if ARGV[1] == '' or string.sub(cur, 1, #ARGV[1]) ~= ARGV[1] then return 'CONFLICT' end\n"
    "elseif ARGV[1] ~= '' then return 'CONFLICT' end\n"
    "redis.call('SET', KEYS[1], ARGV[2])\n"
    "if ARGV[3] ~= '' then\n"
    "  local now = tonumber(ARGV[4])\n"
    "  redis.call('ZADD', KEYS[2], now, ARGV[3])\n"
    "  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[5]))\n"
    "  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[7], '*', 'event', ARGV[6])\n"
    "elseif ARGV[8] == 'put' then\n"
    "  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[7], '*', 'put', ARGV[6], 'state', ARGV[2])\n"
    "end\n"
    "local watched = tonumber(redis.call('GET', KEYS[4]) or '0')\n"
    "if watched > 0 then return 'OK+' end\n"
    "return 'OK'\n";

enum cmd_kind { CMD_GET, CMD_WRITE, CMD_DELETE, CMD_PUBLISH, CMD_CATALOG_PUT, CMD_MGET, CMD_SET,
                CMD_HISTORY, CMD_SLOTS, CMD_WAIT };

/* A learner's value and its whole stream, read at one instant. */
static const char HISTORY_LUA[] =
    "return {redis.call('GET', KEYS[1]), redis.call('XRANGE', KEYS[2], '-', '+')}\n";

/* Undo one event: the rebuilt value written if nobody wrote since it was
 * read, the event's entry removed from the stream and a "void" entry
 * appended (with the entry it removed and the state it wrote: a later
 * rebuild's base); atomically, on the learner's keys alone (one slot). The
 * statement's index entry is marked voided after it (svc_ops.c): were that
 * lost, a resent voiding finds the event gone from the stream and marks it
 * then. */
static const char VOID_LUA[] =
    "local cur = redis.call('GET', KEYS[1])\n"
    "if not cur or string.sub(cur, 1, #ARGV[1]) ~= ARGV[1] then return 'CONFLICT' end\n"
    "redis.call('SET', KEYS[1], ARGV[2])\n"
    "redis.call('XDEL', KEYS[2], ARGV[3])\n"
    "redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', 'void', ARGV[5], 'entry', ARGV[3],\n"
    "           'state', ARGV[2])\n"
    "local watched = tonumber(redis.call('GET', KEYS[3]) or '0')\n"
    "if watched > 0 then return 'OK+' end\n"
    "return 'OK'\n";

/* A catalog: stored under its version, made current, announced; atomically. */
static const char CATALOG_PUT_LUA[] =
    "redis.call('SET', KEYS[1], ARGV[2])\n"
    "redis.call('SET', KEYS[2], ARGV[1])\n"
    "redis.call('PUBLISH', ARGV[3], ARGV[1])\n"
    "return 'OK'\n";

/* Open streams of a learner, across daemons: a counter that expires unless
 * its streams' heartbeats keep refreshing it (a crashed daemon's streams
 * fade out by themselves). */
static const char WATCH_LUA[] =
    "local n = redis.call('INCRBY', KEYS[1], ARGV[1])\n"
    "if n <= 0 then redis.call('DEL', KEYS[1]) else redis.call('EXPIRE', KEYS[1], ARGV[2]) end\n"
    "return 'OK'\n";

/* The current catalog, or nil. */
static const char CATALOG_GET_LUA[] =
    "local v = redis.call('GET', KEYS[1])\n"
    "if not v then return false end\n"
    "return redis.call('GET', ARGV[1] .. v)\n";

struct link;

struct cmd {
    struct svc_store *st;
    struct cmd *prev, *next;    /* in st->live until answered */
    enum cmd_kind kind;
    svc_store_cb *cb;           /* NULL for internal commands */
    void *arg;
    struct event timer;         /* the deadline */
    struct event wait;          /* parked: the pause before it is sent again */
    bool answered;              /* the callback has run (deadline passed) */
    bool in_flight;             /* hiredis holds it: it comes back through on_reply */
    bool parked;                /* on its wait timer */
    struct timespec sent;       /* for the round-trip histogram */
    int argc;                   /* kept for resending */
    char **argv;
    size_t *argvlen;
    bool retried;               /* sent as EVAL already: no NOSCRIPT retry */
    int slot;                   /* its first key's slot; -1: no key (any node) */
    struct link *on;            /* the link it was last sent on */
    struct link *ask;           /* ASK: the next send goes here, after ASKING */
    struct link *pin;           /* CLUSTER SLOTS: this node only */
    bool via_ask;               /* the last send was an ASK */
    int redirects;
    int wait_ms;
    struct timespec deadline;   /* when its timer fires */
    struct svc_store_reply held;    /* a write's answer, held while WAIT runs */
};

/* One Redis connection: a node's command link, or the subscriber (push). */
struct link {
    struct svc_store *st;
    redisAsyncContext *ac;      /* NULL while down */
    bool connected;             /* connect callback said OK */
    bool subscriber;            /* SUBSCRIBE mode: no commands, messages only */
    bool retired;               /* a node no longer in the slot map: not reconnected */
    struct event *retry;        /* reconnect timer */
    int backoff_ms;
    char host[256];
    int port;
    size_t slots;               /* slots the map gives it */
    struct link *writers;       /* a node's WAIT_LINKS links for writes that WAIT (wait_replicas) */
    unsigned in_flight;         /* commands sent on it, not answered yet */
};

/* An MGET or MSET across slots, as one command per key. */
struct gather;
struct part {
    struct gather *g;
    size_t i;
};
struct gather {
    struct svc_store *st;
    struct gather *next;        /* in st->gathers */
    svc_store_cb *cb;           /* NULL once its owner cancelled */
    void *arg;
    int status;                 /* the first failure, else OK */
    size_t n, left;
    char **values;
    size_t *lens;
    struct part *parts;
};

struct svc_store {
    struct event_base *base;
    bool cluster;
    struct link **nodes;        /* command links; a single Redis: nodes[0] */
    size_t n_nodes;
    uint16_t owner[SVC_CLUSTER_SLOTS];  /* slot -> index into nodes (cluster) */
    size_t covered;             /* slots with a primary in the map */
    struct { char host[256]; int port; } seeds[MAX_SEEDS];
    size_t n_seeds;
    struct event *refresh;      /* the next map refresh */
    bool refresh_due;           /* ... is scheduled soon (not the periodic one) */
    bool slots_asked;           /* a CLUSTER SLOTS is out */
    struct timespec last_refresh;
    size_t refresh_turn;        /* which node to ask next */
    size_t sub_turn;            /* which node the subscriber tries next */
    struct link sub;            /* pub/sub messages, when subscribed */
    bool told_cluster;          /* a single Redis answered like a cluster node: said so */
    bool closing;
    char *prefix;
    int timeout_ms;
    int keep_s;
    long stream_maxlen;
    int wait_replicas;          /* WAIT for this many replicas after a write */
    char sha[41];               /* WRITE_LUA's SHA-1, hex */
    struct {
        char *channel;          /* prefixed */
        svc_store_message_cb *cb;
        void *arg;
    } subs[MAX_SUBS];           /* subscriptions, restored on every reconnect */
    size_t n_subs;
    struct svc_store_stats stats;
    struct cmd *live;           /* submitted, not yet answered */
    struct gather *gathers;     /* outstanding */
};

static void connect_now(struct link *l);
static void want_refresh(struct svc_store *st);
static int send_cmd(struct cmd *c);
static void free_cmd(struct cmd *c);

/* ---------------------------------------------------------------- connection */

static void schedule_reconnect(struct link *l)
{
    if (l->st->closing || l->retired)
        return;
    struct timeval tv = { l->backoff_ms / 1000, (l->backoff_ms % 1000) * 1000 };
    evtimer_add(l->retry, &tv);
    l->backoff_ms = l->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : l->backoff_ms * 2;
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    connect_now(arg);
}

static const char *link_name(const struct link *l)
{
    return l->subscriber ? "sub" : "main";
}

static void drop(struct link *l, const char *why)
{
    if (l->ac == NULL)
        return;
    svc_log(SVC_LOG_WARN, "msg=redis_drop reason=%s host=%s port=%d", why, l->host, l->port);
    redisAsyncContext *ac = l->ac;
    /* Pending callbacks run with NULL replies inside; on_disconnect clears l->ac. */
    redisAsyncFree(ac);
    if (l->ac == ac) {          /* it was never connected: no disconnect callback */
        l->ac = NULL;
        l->connected = false;
        schedule_reconnect(l);
    }
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
    struct link *l = ac->data;
    (void)status;
    l->ac = NULL;
    l->connected = false;
    if (!l->st->closing && !l->retired) {
        svc_log(SVC_LOG_WARN, "msg=redis_disconnected link=%s host=%s port=%d", link_name(l),
                l->host, l->port);
        schedule_reconnect(l);
        if (!l->subscriber)
            want_refresh(l->st);        /* a primary gone: has a replica taken over? */
    }
}

/* Every message on the subscribed channel: ["message", channel, payload]. */
static void on_sub_message(redisAsyncContext *ac, void *r, void *priv)
{
    struct svc_store *st = priv;
    redisReply *reply = r;
    (void)ac;
    if (reply == NULL || reply->type != REDIS_REPLY_ARRAY || reply->elements != 3)
        return;
    redisReply *kind = reply->element[0], *chan = reply->element[1], *payload = reply->element[2];
    if (kind->type != REDIS_REPLY_STRING || strcmp(kind->str, "message") != 0 ||
        chan->type != REDIS_REPLY_STRING || payload->type != REDIS_REPLY_STRING)
        return;
    st->stats.messages++;
    for (size_t i = 0; i < st->n_subs && !st->closing; i++)
        if (st->subs[i].cb && strcmp(chan->str, st->subs[i].channel) == 0)
            st->subs[i].cb(st->subs[i].arg, payload->str, payload->len);
}

static void on_connect(const redisAsyncContext *ac, int status)
{
    struct link *l = ac->data;
    struct svc_store *st = l->st;
    if (status != REDIS_OK) {
        svc_log(SVC_LOG_WARN, "msg=redis_connect_failed link=%s host=%s port=%d err=\"%s\" retry_ms=%d",
                link_name(l), l->host, l->port, ac->errstr, l->backoff_ms);
        l->ac = NULL;           /* hiredis frees it after this callback */
        schedule_reconnect(l);
        if (!l->subscriber)
            want_refresh(st);
        return;
    }
    l->connected = true;
    l->backoff_ms = BACKOFF_MIN_MS;
    svc_log(SVC_LOG_INFO, "msg=redis_connected link=%s host=%s port=%d", link_name(l), l->host,
            l->port);
    if (l->subscriber)
        for (size_t i = 0; i < st->n_subs; i++)
            redisAsyncCommand(l->ac, on_sub_message, st, "SUBSCRIBE %s", st->subs[i].channel);
    else if (st->cluster && st->covered == 0)
        want_refresh(st);               /* the first node up: read the map */
}

/* The subscriber's node on a cluster: the next one in turn that is still
 * in the map (any node hears every PUBLISH over the cluster bus). */
static void pick_sub_node(struct svc_store *st)
{
    for (size_t k = 0; k < st->n_nodes; k++) {
        const struct link *n = st->nodes[st->sub_turn++ % st->n_nodes];
        if (!n->retired) {
            snprintf(st->sub.host, sizeof st->sub.host, "%s", n->host);
            st->sub.port = n->port;
            return;
        }
    }
}

static void connect_now(struct link *l)
{
    struct svc_store *st = l->st;
    if (l->ac || st->closing || l->retired)
        return;
    if (l->subscriber && st->cluster)
        pick_sub_node(st);
    st->stats.reconnects++;
    redisAsyncContext *ac = redisAsyncConnect(l->host, l->port);
    if (ac == NULL || ac->err) {
        svc_log(SVC_LOG_WARN, "msg=redis_connect_failed host=%s port=%d err=\"%s\"", l->host,
                l->port, ac ? ac->errstr : "oom");
        if (ac)
            redisAsyncFree(ac);
        schedule_reconnect(l);
        return;
    }
    ac->data = l;
    l->ac = ac;
    redisLibeventAttach(ac, st->base);
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
}

static int link_init(struct svc_store *st, struct link *l, bool subscriber, const char *host, int port)
{
    l->st = st;
    l->subscriber = subscriber;
    l->backoff_ms = BACKOFF_MIN_MS;
    snprintf(l->host, sizeof l->host, "%s", host);
    l->port = port;
    l->retry = evtimer_new(st->base, on_retry, l);
    return l->retry ? 0 : -1;
}

static void link_deinit(struct link *l)
{
    if (l->ac)
        redisAsyncFree(l->ac);
    l->ac = NULL;
    if (l->retry)
        event_free(l->retry);
    l->retry = NULL;
}

/* The command link of node host:port, made (and connecting) when new, and
 * brought back when retired; NULL on ENOMEM. */
static struct link *node_link(struct svc_store *st, const char *host, int port)
{
    for (size_t i = 0; i < st->n_nodes; i++) {
        struct link *l = st->nodes[i];
        if (l->port == port && strcmp(l->host, host) == 0) {
            if (l->retired) {
                for (size_t w = 0; w <= (l->writers ? WAIT_LINKS : 0); w++) {
                    struct link *x = w == 0 ? l : &l->writers[w - 1];
                    x->retired = false;
                    x->backoff_ms = BACKOFF_MIN_MS;
                    connect_now(x);
                }
            }
            return l;
        }
    }
    if (st->n_nodes >= SVC_CLUSTER_NO_NODE)
        return NULL;
    struct link **grown = realloc(st->nodes, (st->n_nodes + 1) * sizeof *grown);
    if (grown == NULL)
        return NULL;
    st->nodes = grown;
    struct link *l = calloc(1, sizeof *l);
    if (l == NULL || link_init(st, l, false, host, port) != 0) {
        if (l && l->retry)
            event_free(l->retry);
        free(l);
        return NULL;
    }
    st->nodes[st->n_nodes++] = l;
    connect_now(l);
    if (st->wait_replicas > 0 && (l->writers = calloc(WAIT_LINKS, sizeof *l->writers)) != NULL)
        for (size_t w = 0; w < WAIT_LINKS; w++)
            if (link_init(st, &l->writers[w], false, host, port) == 0)
                connect_now(&l->writers[w]);
    return l;
}

static uint16_t node_index(const struct svc_store *st, const struct link *l)
{
    for (size_t i = 0; i < st->n_nodes; i++)
        if (st->nodes[i] == l)
            return (uint16_t)i;
    return SVC_CLUSTER_NO_NODE;
}

/* ---------------------------------------------------------------- slot map */

static void set_owner(struct svc_store *st, size_t slot, uint16_t node)
{
    uint16_t was = st->owner[slot];
    if (was == node)
        return;
    if (was == SVC_CLUSTER_NO_NODE)
        st->covered++;
    else
        st->nodes[was]->slots--;
    if (node == SVC_CLUSTER_NO_NODE)
        st->covered--;
    else
        st->nodes[node]->slots++;
    st->owner[slot] = node;
}

/* A CLUSTER SLOTS reply from `asked`: the new map; primaries that left it
 * are dropped and no longer reconnected. A malformed reply changes nothing. */
static void apply_map(struct svc_store *st, const redisReply *r, const struct link *asked)
{
    struct svc_cluster_map *m = malloc(sizeof *m);
    if (m == NULL)
        return;
    memset(m, 0, sizeof *m);
    svc_cluster_map_free(m);            /* every slot unserved */
    char err[128];
    if (svc_cluster_map_read(m, r, asked->host, err, sizeof err) != 0) {
        svc_log(SVC_LOG_WARN, "msg=redis_cluster_map_unread err=\"%s\"", err);
        svc_cluster_map_free(m);
        free(m);
        return;
    }
    uint16_t *idx = calloc(m->n_nodes + 1, sizeof *idx);
    if (idx == NULL) {
        svc_cluster_map_free(m);
        free(m);
        return;
    }
    for (size_t k = 0; k < m->n_nodes; k++) {
        struct link *l = node_link(st, m->nodes[k].host, m->nodes[k].port);
        idx[k] = l ? node_index(st, l) : SVC_CLUSTER_NO_NODE;
    }
    for (size_t s = 0; s < SVC_CLUSTER_SLOTS; s++)
        set_owner(st, s, m->owner[s] == SVC_CLUSTER_NO_NODE ? SVC_CLUSTER_NO_NODE : idx[m->owner[s]]);
    free(idx);
    for (size_t i = 0; i < st->n_nodes; i++) {
        struct link *l = st->nodes[i];
        if (l->slots == 0 && !l->retired) {
            svc_log(SVC_LOG_INFO, "msg=redis_node_left_map host=%s port=%d", l->host, l->port);
            for (size_t w = 0; w <= (l->writers ? WAIT_LINKS : 0); w++) {
                struct link *x = w == 0 ? l : &l->writers[w - 1];
                x->retired = true;
                if (x->retry)
                    evtimer_del(x->retry);
                drop(x, "not a primary in the slot map");
            }
        }
    }
    st->stats.map_refreshes++;
    svc_log(SVC_LOG_DEBUG, "msg=redis_cluster_map primaries=%zu covered=%zu", m->n_nodes, st->covered);
    svc_cluster_map_free(m);
    free(m);
}

static void on_refresh(evutil_socket_t fd, short what, void *arg);

static void schedule_refresh(struct svc_store *st, int ms)
{
    struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
    evtimer_add(st->refresh, &tv);
}

/* Ask for the slot map soon: at most every MAP_MIN_GAP_MS. */
static void want_refresh(struct svc_store *st)
{
    if (!st->cluster || st->closing || st->refresh_due)
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long since = (now.tv_sec - st->last_refresh.tv_sec) * 1000 +
                 (now.tv_nsec - st->last_refresh.tv_nsec) / 1000000;
    st->refresh_due = true;
    schedule_refresh(st, since >= MAP_MIN_GAP_MS ? 0 : (int)(MAP_MIN_GAP_MS - since));
}

static struct cmd *new_cmd_any(struct svc_store *st, enum cmd_kind kind, svc_store_cb *cb, void *arg,
                               int argc);
static bool set_str(struct cmd *c, int i, const char *s);
static int start(struct svc_store *st, struct cmd *c);

/* Send CLUSTER SLOTS to the next connected node in turn; with none, (re)connect
 * the seeds and try again shortly. */
static void on_refresh(evutil_socket_t fd, short what, void *arg)
{
    struct svc_store *st = arg;
    (void)fd;
    (void)what;
    st->refresh_due = false;
    schedule_refresh(st, MAP_REFRESH_S * 1000);     /* the periodic one, unless sooner */
    if (st->slots_asked || st->closing)
        return;
    clock_gettime(CLOCK_MONOTONIC, &st->last_refresh);
    struct link *to = NULL;
    for (size_t k = 0; k < st->n_nodes && to == NULL; k++) {
        struct link *l = st->nodes[st->refresh_turn++ % st->n_nodes];
        if (l->connected && l->ac && !l->retired)
            to = l;
    }
    if (to == NULL) {
        for (size_t i = 0; i < st->n_seeds; i++)
            node_link(st, st->seeds[i].host, st->seeds[i].port);
        st->refresh_due = true;
        schedule_refresh(st, MAP_MIN_GAP_MS * 5);
        return;
    }
    struct cmd *c = new_cmd_any(st, CMD_SLOTS, NULL, NULL, 2);
    if (c == NULL)
        return;
    c->pin = to;
    if (!set_str(c, 0, "CLUSTER") || !set_str(c, 1, "SLOTS") || start(st, c) != 0) {
        free_cmd(c);
        return;
    }
    st->slots_asked = true;
}

/* ---------------------------------------------------------------- commands */

static void free_cmd(struct cmd *c)
{
    if (c->argv) {
        for (int i = 0; i < c->argc; i++)
            free(c->argv[i]);
        free(c->argv);
        free(c->argvlen);
    }
    free(c);
}

/* Off the live list, no deadline: the command will not call back (again).
 * A parked command is then its settler's to free. */
static void settle(struct cmd *c)
{
    struct svc_store *st = c->st;
    if (c->answered)
        return;
    c->answered = true;
    if (event_initialized(&c->timer))
        evtimer_del(&c->timer);
    if (c->parked) {
        evtimer_del(&c->wait);
        c->parked = false;
    }
    if (c->prev)
        c->prev->next = c->next;
    else if (st->live == c)
        st->live = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
    st->stats.pending--;
}

static void finish_reply(struct cmd *c, const struct svc_store_reply *reply)
{
    if (c->answered)
        return;
    settle(c);
    if (c->cb)
        c->cb(c->arg, reply);
}

static void finish(struct cmd *c, int status, const char *data, size_t len)
{
    struct svc_store_reply reply = { .status = status, .data = data, .len = len };
    finish_reply(c, &reply);
}
/* An MGET's values, borrowed from the reply for the callback. */
static void mget_reply(struct cmd *c, const redisReply *reply)
{
    size_t n = reply->elements;
    const char **values = calloc(n + 1, sizeof *values);
    size_t *lens = calloc(n + 1, sizeof *lens);
    if (values == NULL || lens == NULL) {
        free(values);
        free(lens);
        finish(c, SVC_STORE_ERROR, NULL, 0);
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (reply->element[i]->type == REDIS_REPLY_STRING) {
            values[i] = reply->element[i]->str;
            lens[i] = reply->element[i]->len;
        }
    struct svc_store_reply r = { .status = SVC_STORE_OK, .values = values, .lens = lens,
                                 .n_values = n };
    finish_reply(c, &r);
    free(values);
    free(lens);
}

/* The history's value and entries, borrowed from the reply. */
static void history_reply(struct cmd *c, const redisReply *reply)
{
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
        reply->element[1]->type != REDIS_REPLY_ARRAY) {
        finish(c, SVC_STORE_ERROR, NULL, 0);
        return;
    }
    const redisReply *value = reply->element[0], *stream = reply->element[1];
    if (value->type != REDIS_REPLY_STRING) {
        finish(c, SVC_STORE_NOTFOUND, NULL, 0);
        return;
    }
    size_t n = stream->elements;
    struct svc_history_entry *h = calloc(n + 1, sizeof *h);
    if (h == NULL) {
        finish(c, SVC_STORE_ERROR, NULL, 0);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const redisReply *e = stream->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
            e->element[0]->type != REDIS_REPLY_STRING || e->element[1]->type != REDIS_REPLY_ARRAY)
            continue;
        h[i].id = e->element[0]->str;
        const redisReply *f = e->element[1];
        for (size_t k = 0; k + 1 < f->elements; k += 2) {
            const redisReply *name = f->element[k], *v = f->element[k + 1];
            if (name->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
                continue;
            if (k == 0) {
                h[i].kind = name->str;
                h[i].data = v->str;
                h[i].len = v->len;
            } else if (strcmp(name->str, "state") == 0) {
                h[i].state = v->str;
                h[i].state_len = v->len;
            } else if (strcmp(name->str, "entry") == 0) {
                h[i].voided = v->str;
            }
        }
    }
    struct svc_store_reply r = { .status = SVC_STORE_OK, .data = value->str, .len = value->len,
                                 .entries = h, .n_entries = n };
    finish_reply(c, &r);
    free(h);
}

/* The node a command goes to: a single Redis's, else its slot's primary
 * (any connected node for a command without a key); NULL when unknown. */
static struct link *route(struct svc_store *st, const struct cmd *c)
{
    if (c->pin)
        return c->pin;
    if (c->ask)
        return c->ask;
    if (!st->cluster)
        return st->nodes[0];
    if (c->slot >= 0) {
        uint16_t o = st->owner[c->slot];
        return o == SVC_CLUSTER_NO_NODE ? NULL : st->nodes[o];
    }
    for (size_t i = 0; i < st->n_nodes; i++)
        if (st->nodes[i]->connected && !st->nodes[i]->retired)
            return st->nodes[i];
    return NULL;
}

static void on_reply(redisAsyncContext *ac, void *r, void *priv);

/* Hand the command to its node's connection: 0, or -1 when that node is
 * not connected (or unknown). */
static int send_cmd(struct cmd *c)
{
    struct svc_store *st = c->st;
    struct link *l = route(st, c);
    bool asking = c->ask != NULL && c->pin == NULL;
    c->ask = NULL;
    /* A write that will WAIT goes on one of its node's writer links, the
     * least busy connected one: a WAIT holds its connection until the
     * replicas confirm (Redis answers a connection's commands in order), so
     * the reads behind it go on the node's own link, and up to WAIT_LINKS
     * writes wait at once. Until a writer is up, the node's link serves. */
    if (l && l->writers && c->pin == NULL && (c->kind == CMD_WRITE || c->kind == CMD_DELETE)) {
        struct link *best = NULL;
        for (size_t w = 0; w < WAIT_LINKS; w++) {
            struct link *x = &l->writers[w];
            if (x->connected && x->ac && !x->retired && (best == NULL || x->in_flight < best->in_flight))
                best = x;
        }
        if (best)
            l = best;
    }
    if (l == NULL || !l->connected || l->ac == NULL || l->retired)
        return -1;
    if (asking && redisAsyncCommand(l->ac, NULL, NULL, "ASKING") != REDIS_OK)
        return -1;
    if (redisAsyncCommandArgv(l->ac, on_reply, c, c->argc, (const char **)c->argv, c->argvlen) !=
        REDIS_OK)
        return -1;
    c->on = l;
    c->via_ask = asking;
    c->in_flight = true;
    l->in_flight++;
    clock_gettime(CLOCK_MONOTONIC, &c->sent);
    st->stats.commands++;
    return 0;
}

/* Send again after a pause (10 ms, doubling to 200 ms): a key mid-migration,
 * a cluster without a primary for the slot yet, a node reconnecting. The
 * deadline still runs. */
static void park(struct cmd *c)
{
    c->wait_ms = c->wait_ms == 0 ? WAIT_MIN_MS : c->wait_ms * 2 > WAIT_MAX_MS ? WAIT_MAX_MS : c->wait_ms * 2;
    c->parked = true;
    struct timeval tv = { c->wait_ms / 1000, (c->wait_ms % 1000) * 1000 };
    evtimer_add(&c->wait, &tv);
}

static void on_wait(evutil_socket_t fd, short what, void *arg)
{
    struct cmd *c = arg;
    (void)fd;
    (void)what;
    c->parked = false;
    if (send_cmd(c) != 0) {
        want_refresh(c->st);
        park(c);
    }
}

static void resend(struct cmd *c)
{
    if (send_cmd(c) != 0) {
        want_refresh(c->st);
        park(c);
    }
}

/* A cluster's redirection or transient refusal, followed: true when the
 * command goes on (resent or parked), false when the error is the caller's. */
static bool follow(struct cmd *c, const char *err)
{
    struct svc_store *st = c->st;
    struct svc_cluster_target to;
    switch (svc_cluster_redirect(err, c->on->host, &to)) {
    case SVC_CLUSTER_MOVED:
    case SVC_CLUSTER_ASK: {
        bool moved = strncmp(err, "MOVED", 5) == 0;
        if (++c->redirects > MAX_REDIRECTS)
            return false;
        struct link *l = node_link(st, to.host, to.port);
        if (moved) {
            st->stats.moved++;
            if (l)
                set_owner(st, to.slot, node_index(st, l));
            want_refresh(st);           /* a slot moved: others probably too */
        } else {
            st->stats.ask++;
            c->ask = l;
        }
        resend(c);
        return true;
    }
    case SVC_CLUSTER_TRYAGAIN:
        st->stats.tryagain++;
        park(c);
        return true;
    case SVC_CLUSTER_DOWN:
        st->stats.clusterdown++;
        want_refresh(st);
        park(c);
        return true;
    case SVC_CLUSTER_NOT_REDIRECT:
        break;
    }
    return false;
}

/* After a write, on the connection that made it: WAIT until wait_replicas
 * replicas have everything this connection wrote, within what is left of
 * the deadline; `held` is answered then (a duplicate too: its script
 * refreshed the id's retention, a write, so the WAIT covers the first
 * write of the event, whoever made it). false when it cannot be sent. */
static bool start_wait(struct cmd *c, const struct svc_store_reply *held)
{
    struct svc_store *st = c->st;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long left = (long)(c->deadline.tv_sec - now.tv_sec) * 1000 +
                (c->deadline.tv_nsec - now.tv_nsec) / 1000000;
    char n[16], ms[32];
    snprintf(n, sizeof n, "%d", st->wait_replicas);
    /* answered before the deadline fires (so a short count is told as
     * such); never 0, which would wait for ever */
    left = left * 3 / 4;
    snprintf(ms, sizeof ms, "%ld", left < 1 ? 1 : left);
    for (int i = 0; i < c->argc; i++)
        free(c->argv[i]);
    free(c->argv);
    free(c->argvlen);
    c->argc = 3;
    c->argv = calloc(3, sizeof *c->argv);
    c->argvlen = calloc(3, sizeof *c->argvlen);
    if (!c->argv || !c->argvlen)
        return false;
    c->kind = CMD_WAIT;
    c->held = (struct svc_store_reply){ .status = held->status, .watched = held->watched };
    c->pin = c->on;
    c->ask = NULL;
    return set_str(c, 0, "WAIT") && set_str(c, 1, n) && set_str(c, 2, ms) && send_cmd(c) == 0;
}

static void on_reply(redisAsyncContext *ac, void *r, void *priv)
{
    struct cmd *c = priv;
    struct svc_store *st = c->st;
    redisReply *reply = r;
    (void)ac;
    c->in_flight = false;
    c->on->in_flight--;
    if (c->kind == CMD_SLOTS) {
        st->slots_asked = false;
        if (reply && reply->type != REDIS_REPLY_ERROR && !st->closing)
            apply_map(st, reply, c->on);
        else if (reply && !st->closing)
            svc_log(SVC_LOG_WARN, "msg=redis_cluster_slots_failed host=%s port=%d err=\"%.200s\"",
                    c->on->host, c->on->port, reply->str);
    }
    if (c->answered) {          /* its deadline passed: the caller has moved on */
        free_cmd(c);
        return;
    }
    if (reply == NULL) {
        if (st->cluster && !st->closing && c->kind != CMD_SLOTS && c->kind != CMD_WAIT) {
            /* (WAIT is never resent: on another connection it would wait for nothing) */
            want_refresh(st);   /* the node is gone: who serves its slots now? */
            park(c);
            return;
        }
        finish(c, SVC_STORE_UNAVAILABLE, NULL, 0);
        free_cmd(c);
        return;
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    svc_hist_add(&st->stats.latency, (double)(now.tv_sec - c->sent.tv_sec) +
                                         (double)(now.tv_nsec - c->sent.tv_nsec) / 1e9);
    if (reply->type == REDIS_REPLY_ERROR) {
        if (st->cluster && c->kind != CMD_SLOTS && c->kind != CMD_WAIT && follow(c, reply->str))
            return;
        if (c->kind == CMD_WRITE && !c->retried && strncmp(reply->str, "NOSCRIPT", 8) == 0) {
            /* This node does not have the script: send the script itself. */
            st->stats.noscript++;
            c->retried = true;
            free(c->argv[0]);
            free(c->argv[1]);
            c->argv[0] = strdup("EVAL");
            c->argv[1] = strdup(WRITE_LUA);
            c->argvlen[0] = 4;
            c->argvlen[1] = sizeof WRITE_LUA - 1;
            if (c->argv[0] && c->argv[1]) {
                if (c->via_ask)
                    c->ask = c->on;     /* still migrating: ASKING again */
                resend(c);
                return;
            }
        }
        st->stats.errors++;
        svc_log(SVC_LOG_WARN, "msg=redis_error err=\"%.200s\"", reply->str);
        if (!st->cluster && !st->told_cluster &&
            svc_cluster_redirect(reply->str, c->on->host, &(struct svc_cluster_target){ 0 }) !=
                SVC_CLUSTER_NOT_REDIRECT) {
            st->told_cluster = true;    /* once: every command to another slot fails so */
            svc_log(SVC_LOG_ERROR, "msg=redis_is_a_cluster hint=\"this Redis is a cluster node: set redis-cluster yes\"");
        }
        finish(c, SVC_STORE_ERROR, NULL, 0);
        free_cmd(c);
        return;
    }
    switch (c->kind) {
    case CMD_GET:
        if (reply->type == REDIS_REPLY_NIL)
            finish(c, SVC_STORE_NOTFOUND, NULL, 0);
        else if (reply->type == REDIS_REPLY_STRING)
            finish(c, SVC_STORE_OK, reply->str, reply->len);
        else
            finish(c, SVC_STORE_ERROR, NULL, 0);
        break;
    case CMD_WRITE:
        if (reply->type == REDIS_REPLY_STATUS || reply->type == REDIS_REPLY_STRING) {
            /* The script's words: OK, OK+ (watched), DUP, CONFLICT. */
            struct svc_store_reply w = { .watched = strcmp(reply->str, "OK+") == 0 };
            w.status = strcmp(reply->str, "OK") == 0 || w.watched ? SVC_STORE_OK
                     : strcmp(reply->str, "DUP") == 0 ? SVC_STORE_DUP
                     : strcmp(reply->str, "CONFLICT") == 0 ? SVC_STORE_CONFLICT : SVC_STORE_ERROR;
            if (st->wait_replicas > 0 && (w.status == SVC_STORE_OK || w.status == SVC_STORE_DUP)) {
                if (start_wait(c, &w))
                    return;
                finish(c, SVC_STORE_UNAVAILABLE, NULL, 0);
                break;
            }
            finish_reply(c, &w);
        } else {
            finish(c, SVC_STORE_ERROR, NULL, 0);
        }
        break;
    case CMD_DELETE: {
        struct svc_store_reply d = { .status = reply->type == REDIS_REPLY_INTEGER && reply->integer > 0
                                                   ? SVC_STORE_OK : SVC_STORE_NOTFOUND };
        if (st->wait_replicas > 0 && d.status == SVC_STORE_OK) {
            if (start_wait(c, &d))
                return;
            d.status = SVC_STORE_UNAVAILABLE;
        }
        finish_reply(c, &d);
        break;
    }
    case CMD_WAIT:
        if (reply->type == REDIS_REPLY_INTEGER && reply->integer >= st->wait_replicas) {
            finish_reply(c, &c->held);
        } else {
            st->stats.wait_short++;
            svc_log(SVC_LOG_WARN, "msg=redis_wait_short replicas=%lld wanted=%d host=%s port=%d",
                    reply->type == REDIS_REPLY_INTEGER ? reply->integer : -1LL, st->wait_replicas,
                    c->on->host, c->on->port);
            finish(c, SVC_STORE_UNAVAILABLE, NULL, 0);
        }
        break;
    case CMD_PUBLISH:
    case CMD_CATALOG_PUT:
    case CMD_SET:
    case CMD_SLOTS:
        finish(c, SVC_STORE_OK, NULL, 0);
        break;
    case CMD_MGET:
        if (reply->type != REDIS_REPLY_ARRAY) {
            finish(c, SVC_STORE_ERROR, NULL, 0);
            break;
        }
        mget_reply(c, reply);
        break;
    case CMD_HISTORY:
        history_reply(c, reply);
        break;
    }
    free_cmd(c);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
    struct cmd *c = arg;
    struct svc_store *st = c->st;
    (void)fd;
    (void)what;
    st->stats.timeouts++;
    svc_log(SVC_LOG_WARN, "msg=redis_timeout timeout_ms=%d", st->timeout_ms);
    bool flying = c->in_flight;
    struct link *on = c->on;
    if (c->kind == CMD_SLOTS)
        st->slots_asked = false;
    if (c->kind == CMD_WAIT)
        st->stats.wait_short++;         /* the replicas did not confirm in time either */
    finish(c, SVC_STORE_TIMEOUT, NULL, 0);
    if (!flying) {              /* parked: nobody else holds it */
        free_cmd(c);
        return;
    }
    /* Its node is not answering within the deadline: reconnect rather than
     * let commands pile up. hiredis hands the command back (NULL) and frees it. */
    drop(on, "timeout");
}

/* Send a new command, start its deadline: 0, or -1 when its node is not
 * connected (nothing sent; the caller frees it). */
static int start(struct svc_store *st, struct cmd *c)
{
    evtimer_assign(&c->timer, st->base, on_deadline, c);
    evtimer_assign(&c->wait, st->base, on_wait, c);
    if (send_cmd(c) != 0)
        return -1;
    struct timeval tv = { st->timeout_ms / 1000, (st->timeout_ms % 1000) * 1000 };
    evtimer_add(&c->timer, &tv);
    clock_gettime(CLOCK_MONOTONIC, &c->deadline);
    c->deadline.tv_sec += st->timeout_ms / 1000;
    c->deadline.tv_nsec += (long)(st->timeout_ms % 1000) * 1000000;
    if (c->deadline.tv_nsec >= 1000000000) {
        c->deadline.tv_sec++;
        c->deadline.tv_nsec -= 1000000000;
    }
    st->stats.pending++;
    c->next = st->live;
    if (st->live)
        st->live->prev = c;
    st->live = c;
    return 0;
}

/* Commands can be routed: a single Redis connected, or a slot map read. */
static bool usable(const struct svc_store *st)
{
    if (st->closing)
        return false;
    if (st->cluster)
        return st->covered > 0;
    return st->nodes[0]->connected && st->nodes[0]->ac != NULL;
}

static struct cmd *new_cmd_any(struct svc_store *st, enum cmd_kind kind, svc_store_cb *cb, void *arg,
                               int argc)
{
    struct cmd *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->st = st;
    c->kind = kind;
    c->cb = cb;
    c->arg = arg;
    c->slot = -1;
    c->argc = argc;
    c->argv = calloc((size_t)argc, sizeof *c->argv);
    c->argvlen = calloc((size_t)argc, sizeof *c->argvlen);
    if (!c->argv || !c->argvlen) {
        free(c->argv);
        free(c->argvlen);
        free(c);
        return NULL;
    }
    return c;
}

/* A command with copied arguments; NULL when nothing can be routed now (the
 * caller answers 503 at once) or on ENOMEM. */
static struct cmd *new_cmd(struct svc_store *st, enum cmd_kind kind, svc_store_cb *cb, void *arg,
                           int argc)
{
    return usable(st) ? new_cmd_any(st, kind, cb, arg, argc) : NULL;
}

static bool set_arg(struct cmd *c, int i, const void *data, size_t len)
{
    c->argv[i] = malloc(len + 1);
    if (c->argv[i] == NULL)
        return false;
    if (len > 0)                /* data may be NULL when empty */
        memcpy(c->argv[i], data, len);
    c->argv[i][len] = '\0';
    c->argvlen[i] = len;
    return true;
}

static bool set_str(struct cmd *c, int i, const char *s)
{
    return set_arg(c, i, s, strlen(s));
}

/* A key argument; the first one decides the command's slot. */
static bool set_key(struct svc_store *st, struct cmd *c, int i, enum svc_key kind, const char *id)
{
    char key[MAX_KEY];
    int n = svc_keys_make(key, sizeof key, st->prefix, kind, id);
    if (n <= 0)
        return false;
    if (c->slot < 0)
        c->slot = svc_cluster_slot(key, (size_t)n);
    return set_arg(c, i, key, (size_t)n);
}

static bool set_channel(struct svc_store *st, struct cmd *c, int i, const char *name)
{
    char ch[MAX_KEY];
    int n = svc_keys_channel(ch, sizeof ch, st->prefix, name);
    return n > 0 && set_arg(c, i, ch, (size_t)n);
}

static int go(struct svc_store *st, struct cmd *c, bool ok)
{
    if (!ok || start(st, c) != 0) {
        free_cmd(c);
        return -1;
    }
    return 0;
}

int svc_store_get(struct svc_store *st, const char *id, svc_store_cb *cb, void *arg)
{
    struct cmd *c = new_cmd(st, CMD_GET, cb, arg, 2);
    if (c == NULL)
        return -1;
    return go(st, c, set_str(c, 0, "GET") && set_key(st, c, 1, SVC_KEY_LEARNER, id));
}

int svc_store_write(struct svc_store *st, const struct svc_store_write *w, svc_store_cb *cb,
                    void *arg)
{
    struct cmd *c = new_cmd(st, CMD_WRITE, cb, arg, 16);
    if (c == NULL)
        return -1;
    char now[32], keep[32], maxlen[32];
    snprintf(now, sizeof now, "%lld", (long long)w->now);
    snprintf(keep, sizeof keep, "%d", st->keep_s);
    snprintf(maxlen, sizeof maxlen, "%ld", st->stream_maxlen);
    const char *eid = w->event_id ? w->event_id : "";
    bool ok = set_str(c, 0, "EVALSHA") && set_str(c, 1, st->sha) && set_str(c, 2, "4") &&
              set_key(st, c, 3, SVC_KEY_LEARNER, w->id) && set_key(st, c, 4, SVC_KEY_SEEN, w->id) &&
              set_key(st, c, 5, SVC_KEY_EVENTS, w->id) && set_key(st, c, 6, SVC_KEY_STREAMS, w->id) &&
              set_arg(c, 7, w->expect, w->expect_len) &&
              set_arg(c, 8, w->value, w->value_len) && set_str(c, 9, eid) &&
              set_str(c, 10, now) && set_str(c, 11, keep) &&
              set_arg(c, 12, w->event ? w->event : "", w->event ? w->event_len : 0) &&
              set_str(c, 13, maxlen) && set_str(c, 14, w->put ? "put" : "") &&
              set_str(c, 15, st->wait_replicas > 0 ? "wait" : "");
    return go(st, c, ok);
}

int svc_store_delete(struct svc_store *st, const char *id, svc_store_cb *cb, void *arg)
{
    struct cmd *c = new_cmd(st, CMD_DELETE, cb, arg, 4);
    if (c == NULL)
        return -1;
    /* One DEL of the three keys; it counts what it removed, so a learner
     * with no key at all is reported as not found. */
    return go(st, c, set_str(c, 0, "DEL") && set_key(st, c, 1, SVC_KEY_LEARNER, id) &&
                         set_key(st, c, 2, SVC_KEY_SEEN, id) && set_key(st, c, 3, SVC_KEY_EVENTS, id));
}

/* ---------------------------------------------------------------- gathers */

static void gather_free(struct gather *g)
{
    for (size_t i = 0; i < g->n; i++)
        free(g->values[i]);
    free(g->values);
    free(g->lens);
    free(g->parts);
    free(g);
}

static void on_part(void *arg, const struct svc_store_reply *r)
{
    struct part *p = arg;
    struct gather *g = p->g;
    if (r->status == SVC_STORE_OK && r->data) {
        g->values[p->i] = malloc(r->len + 1);
        if (g->values[p->i]) {
            memcpy(g->values[p->i], r->data, r->len);
            g->values[p->i][r->len] = '\0';
            g->lens[p->i] = r->len;
        } else if (g->status == SVC_STORE_OK) {
            g->status = SVC_STORE_ERROR;
        }
    } else if (r->status < 0 && g->status == SVC_STORE_OK) {
        g->status = r->status;
    }
    if (--g->left > 0)
        return;
    struct svc_store *st = g->st;
    for (struct gather **at = &st->gathers; *at; at = &(*at)->next)
        if (*at == g) {
            *at = g->next;
            break;
        }
    if (g->cb) {
        struct svc_store_reply out = { .status = g->status };
        if (g->status == SVC_STORE_OK) {
            out.values = (const char *const *)g->values;
            out.lens = g->lens;
            out.n_values = g->n;
        }
        g->cb(g->arg, &out);
    }
    gather_free(g);
}

/* One GET (value NULL) or SET per key, answered together: what MGET and
 * MSET become on a cluster, where the keys live in different slots. -1
 * when some key's node is not connected now (nothing sent). */
static int gather(struct svc_store *st, enum svc_key kind, const char *const *ids, size_t n,
                  const char *value, svc_store_cb *cb, void *arg)
{
    if (!usable(st) || n == 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char key[MAX_KEY];
        int len = svc_keys_make(key, sizeof key, st->prefix, kind, ids[i]);
        if (len <= 0)
            return -1;
        uint16_t o = st->owner[svc_cluster_slot(key, (size_t)len)];
        if (o == SVC_CLUSTER_NO_NODE || !st->nodes[o]->connected)
            return -1;
    }
    struct gather *g = calloc(1, sizeof *g);
    if (g == NULL)
        return -1;
    g->st = st;
    g->cb = cb;
    g->arg = arg;
    g->n = n;
    g->values = calloc(n, sizeof *g->values);
    g->lens = calloc(n, sizeof *g->lens);
    g->parts = calloc(n, sizeof *g->parts);
    if (!g->values || !g->lens || !g->parts) {
        gather_free(g);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        g->parts[i] = (struct part){ g, i };
        struct cmd *c = new_cmd_any(st, value ? CMD_SET : CMD_GET, on_part, &g->parts[i], value ? 3 : 2);
        bool ok = c && set_str(c, 0, value ? "SET" : "GET") && set_key(st, c, 1, kind, ids[i]) &&
                  (value == NULL || set_str(c, 2, value));
        if (c && ok && start(st, c) == 0) {
            g->left++;
            continue;
        }
        if (c)
            free_cmd(c);
        g->status = SVC_STORE_UNAVAILABLE;
    }
    if (g->left == 0) {
        gather_free(g);
        return -1;
    }
    g->next = st->gathers;
    st->gathers = g;
    return 0;
}

/* ---------------------------------------------------------------- lifecycle */

/* "HOST:PORT[,HOST:PORT...]" into the seeds; -1 when malformed. */
static int read_seeds(struct svc_store *st, const char *list)
{
    const char *p = list;
    while (*p) {
        size_t len = strcspn(p, ",");
        const char *colon = memchr(p, ':', len);
        for (const char *q = colon ? colon + 1 : p; colon && q < p + len; q++)
            if (*q == ':')
                colon = q;              /* the last colon */
        if (colon == NULL || colon == p || (size_t)(colon - p) >= sizeof st->seeds[0].host ||
            st->n_seeds == MAX_SEEDS)
            return -1;
        int port = atoi(colon + 1);
        if (port < 1 || port > 65535)
            return -1;
        snprintf(st->seeds[st->n_seeds].host, sizeof st->seeds[0].host, "%.*s", (int)(colon - p), p);
        st->seeds[st->n_seeds++].port = port;
        p += len;
        if (*p == ',')
            p++;
    }
    return st->n_seeds > 0 ? 0 : -1;
}

struct svc_store *svc_store_create(struct event_base *base, const struct svc_store_conf *conf)
{
    struct svc_store *st = calloc(1, sizeof *st);
    if (st == NULL)
        return NULL;
    st->base = base;
    st->cluster = conf->cluster;
    st->prefix = strdup(conf->prefix);
    st->timeout_ms = conf->timeout_ms > 0 ? conf->timeout_ms : 1000;
    st->keep_s = conf->keep_event_ids_s > 0 ? conf->keep_event_ids_s : 8 * 86400;
    st->stream_maxlen = conf->stream_maxlen > 0 ? conf->stream_maxlen : 10000;
    st->wait_replicas = conf->wait_replicas > 0 ? conf->wait_replicas : 0;
    for (size_t s = 0; s < SVC_CLUSTER_SLOTS; s++)
        st->owner[s] = SVC_CLUSTER_NO_NODE;
    unsigned char d[SHA_DIGEST_LENGTH];
    SHA1((const unsigned char *)WRITE_LUA, sizeof WRITE_LUA - 1, d);
    for (int i = 0; i < SHA_DIGEST_LENGTH; i++)
        snprintf(st->sha + 2 * i, 3, "%02x", d[i]);
    if (conf->seeds && conf->seeds[0]) {
        if (read_seeds(st, conf->seeds) != 0) {
            svc_log(SVC_LOG_ERROR, "msg=redis_seeds_invalid seeds=\"%s\"", conf->seeds);
            svc_store_destroy(st);
            return NULL;
        }
    } else {
        snprintf(st->seeds[0].host, sizeof st->seeds[0].host, "%s", conf->host);
        st->seeds[0].port = conf->port;
        st->n_seeds = 1;
    }
    st->refresh = evtimer_new(base, on_refresh, st);
    if (!st->prefix || !st->refresh ||
        link_init(st, &st->sub, true, st->seeds[0].host, st->seeds[0].port) != 0) {
        svc_store_destroy(st);
        return NULL;
    }
    /* A single Redis: the first seed, serving every slot. A cluster: every
     * seed, until the map names the primaries. */
    for (size_t i = 0; i < (st->cluster ? st->n_seeds : 1); i++)
        if (node_link(st, st->seeds[i].host, st->seeds[i].port) == NULL) {
            svc_store_destroy(st);
            return NULL;
        }
    if (st->cluster)
        want_refresh(st);
    return st;
}

void svc_store_destroy(struct svc_store *st)
{
    if (st == NULL)
        return;
    st->closing = true;
    /* Parked commands first (hiredis does not hold them); a callback may
     * settle others, so look again from the start after each. */
    for (;;) {
        struct cmd *c = st->live;
        while (c && !c->parked)
            c = c->next;
        if (c == NULL)
            break;
        finish(c, SVC_STORE_UNAVAILABLE, NULL, 0);
        free_cmd(c);
    }
    for (size_t i = 0; i < st->n_nodes; i++) {   /* in-flight commands answer UNAVAILABLE */
        link_deinit(st->nodes[i]);
        for (size_t w = 0; st->nodes[i]->writers && w < WAIT_LINKS; w++)
            link_deinit(&st->nodes[i]->writers[w]);
    }
    for (size_t i = 0; i < st->n_nodes; i++) {
        free(st->nodes[i]->writers);
        free(st->nodes[i]);
    }
    free(st->nodes);
    link_deinit(&st->sub);
    if (st->refresh)
        event_free(st->refresh);
    for (size_t i = 0; i < st->n_subs; i++)
        free(st->subs[i].channel);
    free(st->prefix);
    free(st);
}

bool svc_store_ready(const struct svc_store *st)
{
    if (!usable(st))
        return false;
    if (!st->cluster)
        return true;
    if (st->covered < SVC_CLUSTER_SLOTS)
        return false;
    for (size_t i = 0; i < st->n_nodes; i++)
        if (st->nodes[i]->slots > 0 && !(st->nodes[i]->connected && st->nodes[i]->ac))
            return false;
    return true;
}

void svc_store_cancel(struct svc_store *st, void *owner)
{
    for (struct cmd *c = st->live, *after; c; c = after) {
        after = c->next;
        if (c->arg != owner)
            continue;
        bool parked = c->parked;
        settle(c);              /* in flight: hiredis still holds it and frees it with its reply */
        if (parked)
            free_cmd(c);
    }
    for (struct gather *g = st->gathers; g; g = g->next)
        if (g->arg == owner)
            g->cb = NULL;       /* its parts finish; nobody is told */
    for (size_t i = 0; i < st->n_subs; i++)
        if (st->subs[i].arg == owner)
            st->subs[i].cb = NULL;      /* the channel stays subscribed, unheard */
}

int svc_store_catalog_put(struct svc_store *st, const char *version, const void *data, size_t len,
                          svc_store_cb *cb, void *arg)
{
    struct cmd *c = new_cmd(st, CMD_CATALOG_PUT, cb, arg, 8);
    if (c == NULL)
        return -1;
    /* the channel is an argument, not a key: it is in another slot */
    return go(st, c, set_str(c, 0, "EVAL") && set_str(c, 1, CATALOG_PUT_LUA) && set_str(c, 2, "2") &&
                         set_key(st, c, 3, SVC_KEY_CATALOG, version) &&
                         set_key(st, c, 4, SVC_KEY_CATALOG, "current") && set_str(c, 5, version) &&
                         set_arg(c, 6, data, len) && set_channel(st, c, 7, "catalog:"));
}
int svc_store_catalog_get(struct svc_store *st, svc_store_cb *cb, void *arg)
{
    struct cmd *c = new_cmd(st, CMD_GET, cb, arg, 5);
    if (c == NULL)
        return -1;
    /* ARGV[1]: the key of catalog V is ARGV[1] .. V */
    return go(st, c, set_str(c, 0, "EVAL") && set_str(c, 1, CATALOG_GET_LUA) && set_str(c, 2, "1") &&
                         set_key(st, c, 3, SVC_KEY_CATALOG, "current") &&
                         set_key(st, c, 4, SVC_KEY_CATALOG, ""));
}

int svc_store_watch(struct svc_store *st, const char *id, int delta, int ttl_s)
{
    struct cmd *c = new_cmd(st, CMD_PUBLISH, NULL, NULL, 6);
    if (c == NULL)
        return -1;
    char d[16], ttl[16];
    snprintf(d, sizeof d, "%d", delta);
    snprintf(ttl, sizeof ttl, "%d", ttl_s);
    return go(st, c, set_str(c, 0, "EVAL") && set_str(c, 1, WATCH_LUA) && set_str(c, 2, "1") &&
                         set_key(st, c, 3, SVC_KEY_STREAMS, id) && set_str(c, 4, d) && set_str(c, 5, ttl));
}

int svc_store_lookup(struct svc_store *st, enum svc_key kind, const char *const *ids, size_t n,
                     svc_store_cb *cb, void *arg)
{
    if (st->cluster && n > 1)
        return gather(st, kind, ids, n, NULL, cb, arg);
    struct cmd *c = new_cmd(st, CMD_MGET, cb, arg, (int)n + 1);
    if (c == NULL)
        return -1;
    bool ok = set_str(c, 0, "MGET");
    for (size_t i = 0; i < n && ok; i++)
        ok = set_key(st, c, (int)i + 1, kind, ids[i]);
    return go(st, c, ok);
}

int svc_store_statements_get(struct svc_store *st, const char *const *ids, size_t n,
                             svc_store_cb *cb, void *arg)
{
    return svc_store_lookup(st, SVC_KEY_STATEMENT, ids, n, cb, arg);
}

int svc_store_assign(struct svc_store *st, enum svc_key kind, const char *const *ids, size_t n,
                     const char *value, svc_store_cb *cb, void *arg)
{
    if (st->cluster && n > 1)
        return gather(st, kind, ids, n, value, cb, arg);
    struct cmd *c = new_cmd(st, CMD_SET, cb, arg, 2 * (int)n + 1);
    if (c == NULL)
        return -1;
    bool ok = set_str(c, 0, "MSET");
    for (size_t i = 0; i < n && ok; i++)
        ok = set_key(st, c, 2 * (int)i + 1, kind, ids[i]) && set_str(c, 2 * (int)i + 2, value);
    return go(st, c, ok);
}
int svc_store_statement_put(struct svc_store *st, const char *id, const char *value, bool replace)
{
    struct cmd *c = new_cmd(st, CMD_SET, NULL, NULL, replace ? 5 : 6);
    if (c == NULL)
        return -1;
    char keep[32];
    snprintf(keep, sizeof keep, "%d", st->keep_s);
    return go(st, c, set_str(c, 0, "SET") && set_key(st, c, 1, SVC_KEY_STATEMENT, id) &&
                         set_str(c, 2, value) && set_str(c, 3, "EX") && set_str(c, 4, keep) &&
                         (replace || set_str(c, 5, "NX")));
}

int svc_store_history(struct svc_store *st, const char *id, svc_store_cb *cb, void *arg)
{
    struct cmd *c = new_cmd(st, CMD_HISTORY, cb, arg, 5);
    if (c == NULL)
        return -1;
    return go(st, c, set_str(c, 0, "EVAL") && set_str(c, 1, HISTORY_LUA) && set_str(c, 2, "2") &&
                         set_key(st, c, 3, SVC_KEY_LEARNER, id) && set_key(st, c, 4, SVC_KEY_EVENTS, id));
}

int svc_store_void(struct svc_store *st, const struct svc_store_void *v, svc_store_cb *cb, void *arg)
{
    struct cmd *c = new_cmd(st, CMD_WRITE, cb, arg, 11);
    if (c == NULL)
        return -1;
    c->retried = true;          /* sent whole: no NOSCRIPT retry */
    char maxlen[32];
    snprintf(maxlen, sizeof maxlen, "%ld", st->stream_maxlen);
    return go(st, c, set_str(c, 0, "EVAL") && set_str(c, 1, VOID_LUA) && set_str(c, 2, "3") &&
                         set_key(st, c, 3, SVC_KEY_LEARNER, v->id) &&
                         set_key(st, c, 4, SVC_KEY_EVENTS, v->id) &&
                         set_key(st, c, 5, SVC_KEY_STREAMS, v->id) &&
                         set_arg(c, 6, v->expect, v->expect_len) &&
                         set_arg(c, 7, v->value, v->value_len) && set_str(c, 8, v->entry) &&
                         set_str(c, 9, maxlen) && set_str(c, 10, v->statement));
}

int svc_store_publish(struct svc_store *st, const char *channel, const void *data, size_t len)
{
    struct cmd *c = new_cmd(st, CMD_PUBLISH, NULL, NULL, 3);
    if (c == NULL)
        return -1;
    return go(st, c, set_str(c, 0, "PUBLISH") && set_channel(st, c, 1, channel) &&
                         set_arg(c, 2, data, len));
}

int svc_store_subscribe(struct svc_store *st, const char *channel, svc_store_message_cb *cb,
                        void *arg)
{
    if (st->n_subs == MAX_SUBS)
        return -1;
    char ch[MAX_KEY];
    if (svc_keys_channel(ch, sizeof ch, st->prefix, channel) < 0)
        return -1;
    char *copy = strdup(ch);
    if (copy == NULL)
        return -1;
    st->subs[st->n_subs].channel = copy;
    st->subs[st->n_subs].cb = cb;
    st->subs[st->n_subs].arg = arg;
    st->n_subs++;
    if (st->sub.connected)          /* already up: subscribe now; else on connect */
        redisAsyncCommand(st->sub.ac, on_sub_message, st, "SUBSCRIBE %s", copy);
    else
        connect_now(&st->sub);
    return 0;
}

void svc_store_get_stats(const struct svc_store *st, struct svc_store_stats *out)
{
    *out = st->stats;
    out->nodes_connected = 0;
    for (size_t i = 0; i < st->n_nodes; i++)
        out->nodes_connected += st->nodes[i]->connected && !st->nodes[i]->retired;
    out->slots_unserved = 0;
    if (st->cluster)
        for (size_t s = 0; s < SVC_CLUSTER_SLOTS; s++) {
            uint16_t o = st->owner[s];
            out->slots_unserved += o == SVC_CLUSTER_NO_NODE || !st->nodes[o]->connected;
        }
}
