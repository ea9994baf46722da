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
 *
 * Ownership: every command submitted with a callback is on the `live` list
 * until its callback has run (or its owner cancelled it); destroy runs the
 * remaining callbacks with UNAVAILABLE while the store still exists but
 * accepts no new command.
 *
 * hiredis 0.14 has neither command timeouts nor reconnects. Each command
 * carries a deadline timer; when it fires the caller gets SVC_STORE_TIMEOUT
 * at once, the command stays allocated until hiredis hands its reply back,
 * and the connection — which is not answering — is dropped and reopened with
 * backoff. A reply after the deadline is then discarded. The script is
 * loaded on every (re)connect; NOSCRIPT falls back to EVAL.
 */
#include <event2/event.h>
#include <event2/event_struct.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <hiredis/adapters/libevent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "svc_keys.h"
#include "svc_learner.h"
#include "svc_log.h"
#include "svc_store.h"

#define BACKOFF_MIN_MS 50
#define BACKOFF_MAX_MS 2000
#define MAX_KEY 512
#define MAX_SUBS 4

static const char WRITE_LUA[] =
    "if ARGV[3] ~= '' and redis.call('ZSCORE', KEYS[2], ARGV[3]) then return 'DUP' end\n"
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

enum cmd_kind { CMD_GET, CMD_WRITE, CMD_DELETE, CMD_LOAD, CMD_PUBLISH, CMD_CATALOG_PUT, CMD_MGET,
                CMD_SET, CMD_HISTORY };

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
    "redis.call('PUBLISH', KEYS[3], ARGV[1])\n"
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

struct cmd {
    struct svc_store *st;
    struct cmd *prev, *next;    /* in st->live until answered */
    enum cmd_kind kind;
    svc_store_cb *cb;           /* NULL for internal commands */
    void *arg;
    struct event timer;         /* the deadline */
    bool answered;              /* the callback has run (deadline passed) */
    struct timespec sent;       /* for the round-trip histogram */
    int argc;                   /* kept for a NOSCRIPT retry as EVAL */
    char **argv;
    size_t *argvlen;
    bool retried;
};

/* One Redis connection: the command link, or the subscriber (push). */
struct link {
    struct svc_store *st;
    redisAsyncContext *ac;      /* NULL while down */
    bool connected;             /* connect callback said OK */
    bool subscriber;            /* SUBSCRIBE mode: no commands, messages only */
    struct event *retry;        /* reconnect timer */
    int backoff_ms;
};

struct svc_store {
    struct event_base *base;
    struct link main;           /* commands */
    struct link sub;            /* pub/sub messages, when subscribed */
    bool closing;
    char *host;
    int port;
    char *prefix;
    int timeout_ms;
    int keep_s;
    long stream_maxlen;
    char sha[41];               /* the loaded script's sha, "" until then */
    struct {
        char *channel;          /* prefixed */
        svc_store_message_cb *cb;
        void *arg;
    } subs[MAX_SUBS];           /* subscriptions, restored on every reconnect */
    size_t n_subs;
    struct svc_store_stats stats;
    struct cmd *live;           /* submitted, not yet answered */
};

static void connect_now(struct link *l);

/* ---------------------------------------------------------------- connection */

static void schedule_reconnect(struct link *l)
{
    if (l->st->closing)
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

static void drop(struct link *l, const char *why)
{
    if (l->ac == NULL)
        return;
    svc_log(SVC_LOG_WARN, "msg=redis_drop reason=%s", why);
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
    if (!l->subscriber)
        l->st->sha[0] = '\0';
    if (!l->st->closing) {
        svc_log(SVC_LOG_WARN, "msg=redis_disconnected link=%s", l->subscriber ? "sub" : "main");
        schedule_reconnect(l);
    }
}

static void on_script_loaded(void *arg, const struct svc_store_reply *r)
{
    struct svc_store *st = arg;
    if (r->status == SVC_STORE_OK && r->len == 40) {
        memcpy(st->sha, r->data, 40);
        st->sha[40] = '\0';
    } else if (!st->closing) {
        svc_log(SVC_LOG_WARN, "msg=redis_script_load_failed status=%d", r->status);
    }
}

static void load_script(struct svc_store *st);

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
        svc_log(SVC_LOG_WARN, "msg=redis_connect_failed err=\"%s\" retry_ms=%d", ac->errstr,
                l->backoff_ms);
        l->ac = NULL;           /* hiredis frees it after this callback */
        schedule_reconnect(l);
        return;
    }
    l->connected = true;
    l->backoff_ms = BACKOFF_MIN_MS;
    svc_log(SVC_LOG_INFO, "msg=redis_connected link=%s host=%s port=%d",
            l->subscriber ? "sub" : "main", st->host, st->port);
    if (!l->subscriber)
        load_script(st);
    else
        for (size_t i = 0; i < st->n_subs; i++)
            redisAsyncCommand(l->ac, on_sub_message, st, "SUBSCRIBE %s", st->subs[i].channel);
}

static void connect_now(struct link *l)
{
    struct svc_store *st = l->st;
    if (l->ac || st->closing)
        return;
    st->stats.reconnects++;
    redisAsyncContext *ac = redisAsyncConnect(st->host, st->port);
    if (ac == NULL || ac->err) {
        svc_log(SVC_LOG_WARN, "msg=redis_connect_failed err=\"%s\"", ac ? ac->errstr : "oom");
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

static int link_init(struct svc_store *st, struct link *l, bool subscriber)
{
    l->st = st;
    l->subscriber = subscriber;
    l->backoff_ms = BACKOFF_MIN_MS;
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

/* Off the live list, no deadline: the command will not call back (again). */
static void settle(struct cmd *c)
{
    struct svc_store *st = c->st;
    if (c->answered)
        return;
    c->answered = true;
    if (event_initialized(&c->timer))
        evtimer_del(&c->timer);
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

static void on_reply(redisAsyncContext *ac, void *r, void *priv)
{
    struct cmd *c = priv;
    struct svc_store *st = c->st;
    redisReply *reply = r;
    (void)ac;
    if (c->answered) {          /* its deadline passed: the caller has moved on */
        free_cmd(c);
        return;
    }
    if (reply == NULL) {
        finish(c, SVC_STORE_UNAVAILABLE, NULL, 0);
        free_cmd(c);
        return;
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    svc_hist_add(&st->stats.latency, (double)(now.tv_sec - c->sent.tv_sec) +
                                         (double)(now.tv_nsec - c->sent.tv_nsec) / 1e9);
    if (reply->type == REDIS_REPLY_ERROR) {
        if (c->kind == CMD_WRITE && !c->retried && strncmp(reply->str, "NOSCRIPT", 8) == 0) {
            /* The script cache was flushed: send the script itself. */
            st->stats.noscript++;
            c->retried = true;
            free(c->argv[0]);
            free(c->argv[1]);
            c->argv[0] = strdup("EVAL");
            c->argv[1] = strdup(WRITE_LUA);
            c->argvlen[0] = 4;
            c->argvlen[1] = sizeof WRITE_LUA - 1;
            if (c->argv[0] && c->argv[1] && st->main.ac &&
                redisAsyncCommandArgv(st->main.ac, on_reply, c, c->argc, (const char **)c->argv,
                                      c->argvlen) == REDIS_OK)
                return;
        }
        st->stats.errors++;
        svc_log(SVC_LOG_WARN, "msg=redis_error err=\"%.200s\"", reply->str);
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
            finish_reply(c, &w);
        } else {
            finish(c, SVC_STORE_ERROR, NULL, 0);
        }
        break;
    case CMD_DELETE:
        finish(c, reply->type == REDIS_REPLY_INTEGER && reply->integer > 0 ? SVC_STORE_OK
                                                                            : SVC_STORE_NOTFOUND,
               NULL, 0);
        break;
    case CMD_LOAD:
        finish(c, reply->type == REDIS_REPLY_STRING ? SVC_STORE_OK : SVC_STORE_ERROR,
               reply->str, reply->len);
        break;
    case CMD_PUBLISH:
    case CMD_CATALOG_PUT:
    case CMD_SET:
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
    finish(c, SVC_STORE_TIMEOUT, NULL, 0);
    /* Redis is not answering within the deadline: reconnect rather than let
     * commands pile up. hiredis hands the command back (NULL) and frees it. */
    drop(&st->main, "timeout");
}

static int submit(struct svc_store *st, struct cmd *c)
{
    if (!st->main.connected || st->main.ac == NULL)
        return -1;
    evtimer_assign(&c->timer, st->base, on_deadline, c);
    if (redisAsyncCommandArgv(st->main.ac, on_reply, c, c->argc, (const char **)c->argv,
                              c->argvlen) != REDIS_OK)
        return -1;
    struct timeval tv = { st->timeout_ms / 1000, (st->timeout_ms % 1000) * 1000 };
    evtimer_add(&c->timer, &tv);
    clock_gettime(CLOCK_MONOTONIC, &c->sent);
    st->stats.commands++;
    st->stats.pending++;
    c->next = st->live;
    if (st->live)
        st->live->prev = c;
    st->live = c;
    return 0;
}

/* A command with copied arguments; NULL without a connection (the caller
 * answers 503 at once) or on ENOMEM. */
static struct cmd *new_cmd(struct svc_store *st, enum cmd_kind kind, svc_store_cb *cb, void *arg,
                           int argc)
{
    if (!svc_store_ready(st))
        return NULL;
    struct cmd *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->st = st;
    c->kind = kind;
    c->cb = cb;
    c->arg = arg;
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

static bool set_key(struct svc_store *st, struct cmd *c, int i, enum svc_key kind, const char *id)
{
    char key[MAX_KEY];
    int n = svc_keys_make(key, sizeof key, st->prefix, kind, id);
    return n > 0 && set_arg(c, i, key, (size_t)n);
}

static bool set_channel(struct svc_store *st, struct cmd *c, int i, const char *name)
{
    char ch[MAX_KEY];
    int n = svc_keys_channel(ch, sizeof ch, st->prefix, name);
    return n > 0 && set_arg(c, i, ch, (size_t)n);
}

static int go(struct svc_store *st, struct cmd *c, bool ok)
{
    if (!ok || submit(st, c) != 0) {
        free_cmd(c);
        return -1;
    }
    return 0;
}

/* Load the write script; until its sha is known, writes send it whole. */
static void load_script(struct svc_store *st)
{
    struct cmd *c = new_cmd(st, CMD_LOAD, on_script_loaded, st, 3);
    if (c)
        go(st, c, set_str(c, 0, "SCRIPT") && set_str(c, 1, "LOAD") && set_str(c, 2, WRITE_LUA));
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
    struct cmd *c = new_cmd(st, CMD_WRITE, cb, arg, 15);
    if (c == NULL)
        return -1;
    char now[32], keep[32], maxlen[32];
    snprintf(now, sizeof now, "%lld", (long long)w->now);
    snprintf(keep, sizeof keep, "%d", st->keep_s);
    snprintf(maxlen, sizeof maxlen, "%ld", st->stream_maxlen);
    const char *eid = w->event_id ? w->event_id : "";
    bool have_sha = st->sha[0] != '\0';
    c->retried = !have_sha;
    bool ok = set_str(c, 0, have_sha ? "EVALSHA" : "EVAL") &&
              set_str(c, 1, have_sha ? st->sha : WRITE_LUA) && set_str(c, 2, "4") &&
              set_key(st, c, 3, SVC_KEY_LEARNER, w->id) && set_key(st, c, 4, SVC_KEY_SEEN, w->id) &&
              set_key(st, c, 5, SVC_KEY_EVENTS, w->id) && set_key(st, c, 6, SVC_KEY_STREAMS, w->id) &&
              set_arg(c, 7, w->expect, w->expect_len) &&
              set_arg(c, 8, w->value, w->value_len) && set_str(c, 9, eid) &&
              set_str(c, 10, now) && set_str(c, 11, keep) &&
              set_arg(c, 12, w->event ? w->event : "", w->event ? w->event_len : 0) &&
              set_str(c, 13, maxlen) && set_str(c, 14, w->put ? "put" : "");
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

/* ---------------------------------------------------------------- lifecycle */

struct svc_store *svc_store_create(struct event_base *base, const struct svc_store_conf *conf)
{
    struct svc_store *st = calloc(1, sizeof *st);
    if (st == NULL)
        return NULL;
    st->base = base;
    st->host = strdup(conf->host);
    st->port = conf->port;
    st->prefix = strdup(conf->prefix);
    st->timeout_ms = conf->timeout_ms > 0 ? conf->timeout_ms : 1000;
    st->keep_s = conf->keep_event_ids_s > 0 ? conf->keep_event_ids_s : 8 * 86400;
    st->stream_maxlen = conf->stream_maxlen > 0 ? conf->stream_maxlen : 10000;
    if (!st->host || !st->prefix || link_init(st, &st->main, false) ||
        link_init(st, &st->sub, true)) {
        svc_store_destroy(st);
        return NULL;
    }
    connect_now(&st->main);
    return st;
}

void svc_store_destroy(struct svc_store *st)
{
    if (st == NULL)
        return;
    st->closing = true;
    link_deinit(&st->main);
    link_deinit(&st->sub);
    for (size_t i = 0; i < st->n_subs; i++)
        free(st->subs[i].channel);
    free(st->host);
    free(st->prefix);
    free(st);
}

bool svc_store_ready(const struct svc_store *st)
{
    return !st->closing && st->main.connected && st->main.ac != NULL;
}

void svc_store_cancel(struct svc_store *st, void *owner)
{
    for (struct cmd *c = st->live, *after; c; c = after) {
        after = c->next;
        if (c->arg == owner)
            settle(c);          /* hiredis still holds it and frees it with its reply */
    }
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
    return go(st, c, set_str(c, 0, "EVAL") && set_str(c, 1, CATALOG_PUT_LUA) && set_str(c, 2, "3") &&
                         set_key(st, c, 3, SVC_KEY_CATALOG, version) &&
                         set_key(st, c, 4, SVC_KEY_CATALOG, "current") &&
                         set_channel(st, c, 5, "catalog:") && set_str(c, 6, version) &&
                         set_arg(c, 7, data, len));
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
}
