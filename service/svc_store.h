/* SPDX-License-Identifier: MIT
 * Learner state in Redis, for the request loops (the team snapshot's
 * thread has a blocking connection of its own: svc_team_builder.c).
 *
 * Async contract: a submit that returns 0 calls its callback exactly once,
 * later, on the loop thread: with SVC_STORE_OK and the data, a status for a
 * logical outcome, or a negative status when Redis is unavailable, the
 * deadline passed or the store is being destroyed — unless its owner (the
 * callback's `arg`) cancels it first (svc_store_cancel). A submit that
 * returns -1 (no connection now — on a cluster, to the primary of the
 * command's slot — or the store is closing) never calls it:
 * the caller answers 503 at once. Everything here belongs to the thread that
 * runs `base`. */
#ifndef SVC_STORE_H
#define SVC_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "svc_keys.h"
#include "svc_stats.h"

struct event_base;
struct svc_history_entry;
struct svc_store;

enum svc_store_status {
    SVC_STORE_OK = 0,
    SVC_STORE_NOTFOUND = 1,     /* no such learner */
    SVC_STORE_DUP = 2,          /* the event id was applied before */
    SVC_STORE_CONFLICT = 3,     /* the learner changed since it was read: recompute */
    SVC_STORE_UNAVAILABLE = -1, /* no connection, or it dropped */
    SVC_STORE_TIMEOUT = -2,     /* no answer within the deadline */
    SVC_STORE_ERROR = -3,       /* Redis answered with an error */
};

struct svc_store_conf {
    const char *host;           /* a single Redis (when seeds is NULL or "") */
    int port;
    const char *seeds;          /* "HOST:PORT[,HOST:PORT...]": the nodes to start from */
    bool cluster;               /* a Redis Cluster: route by slot (svc_store.c) */
    const char *prefix;         /* key prefix, e.g. "skillpath:" */
    int timeout_ms;             /* per-command deadline */
    int keep_event_ids_s;       /* how long applied event ids are remembered */
    long stream_maxlen;         /* per-learner event stream, approximate cap */
    int wait_replicas;          /* after each write, WAIT for this many replicas (0: none) */
};

/* What a command's callback gets: borrowed for the callback's duration. */
struct svc_store_reply {
    int status;                 /* enum svc_store_status */
    const char *data;           /* a get: the stored value (svc_stored.h); else NULL */
    size_t len;
    bool watched;               /* a write: someone streams this learner (open streams in Redis) */
    const char *const *values;  /* statements_get: one per id, NULL where none ... */
    const size_t *lens;         /* ... and their lengths */
    size_t n_values;
    const struct svc_history_entry *entries;   /* history: the stream, oldest first */
    size_t n_entries;
};
typedef void svc_store_cb(void *arg, const struct svc_store_reply *reply);

/* Create and start connecting (in the background, with backoff). NULL on ENOMEM. */
struct svc_store *svc_store_create(struct event_base *base, const struct svc_store_conf *conf);
/* Drop the connections: every outstanding command's callback runs now, once,
 * with SVC_STORE_UNAVAILABLE (their owners must still be alive: destroy the
 * store before them, or cancel them first); submits made from those
 * callbacks fail. Subscriptions end without a call. NULL is a no-op. */
void svc_store_destroy(struct svc_store *st);
/* Connected to Redis (on a cluster: every slot has a connected primary),
 * and not closing. */
bool svc_store_ready(const struct svc_store *st);

/* Forget `owner`: no callback of an outstanding command whose arg is
 * `owner` will run (the owner releases whatever those callbacks would
 * have), and its subscriptions end. For an owner that goes before the store. */
void svc_store_cancel(struct svc_store *st, void *owner);

/* Read a learner's stored value: one GET. */
int svc_store_get(struct svc_store *st, const char *id, svc_store_cb *cb, void *arg);

/* A conditional write, atomically in one Lua script: if `event_id` is not
 * empty and was applied before -> SVC_STORE_DUP; else if the stored value's
 * version prefix is not `expect` (the token svc_stored_token() finds;
 * expect_len 0 = must not exist) ->
 * SVC_STORE_CONFLICT; else store `value`, and with an event id, remember it
 * and append `event` to the learner's stream -> SVC_STORE_OK, with
 * `watched` set when the learner has open streams anywhere (so only then are
 * new lessons computed and pushed). */
struct svc_store_write {
    const char *id;
    const char *expect;
    size_t expect_len;
    const char *value;
    size_t value_len;
    const char *event_id;       /* "" or NULL for none */
    const char *event;          /* with an event id: the Event; with `put`: the Learner body */
    size_t event_len;
    bool put;                   /* a PUT: its body and `value` go to the stream */
    int64_t now;                /* unix seconds, for the event id's retention */
};
int svc_store_write(struct svc_store *st, const struct svc_store_write *w, svc_store_cb *cb,
                    void *arg);

/* Delete a learner, its remembered event ids and its event stream.
 * SVC_STORE_OK, or SVC_STORE_NOTFOUND when there was no learner. */
int svc_store_delete(struct svc_store *st, const char *id, svc_store_cb *cb, void *arg);

/* Count a learner's open streams (P{ID}:streams) up or down (delta 0: just
 * refresh); the counter lives `ttl_s` past its last refresh. Fire and
 * forget. A write's reply reads it (`watched`). */
int svc_store_watch(struct svc_store *st, const char *id, int delta, int ttl_s);

/* Push: PUBLISH `data` on the prefixed channel, fire and forget (0, or -1
 * with no connection). */
int svc_store_publish(struct svc_store *st, const char *channel, const void *data, size_t len);

/* Receive every message on the prefixed channel through `cb`, on a second
 * connection that reconnects (and subscribes again) by itself, until the
 * store is destroyed or `arg` cancelled. Messages published while it is
 * down are lost: pub/sub does not queue. */
typedef void svc_store_message_cb(void *arg, const char *data, size_t len);
int svc_store_subscribe(struct svc_store *st, const char *channel, svc_store_message_cb *cb,
                        void *arg);

/* The digests stored for xAPI statements ids[0..n) (P xs:ID), one
 * MGET: reply->values[i] is NULL for a statement never applied. */
int svc_store_statements_get(struct svc_store *st, const char *const *ids, size_t n,
                             svc_store_cb *cb, void *arg);
/* Set statement `id`'s index entry to `value` (svc_xapi_index_format),
 * kept as long as applied event ids are; unless `replace`, only when it has
 * none (SET NX). A side effect: no callback; a failure is counted with the
 * store's errors. */
int svc_store_statement_put(struct svc_store *st, const char *id, const char *value, bool replace);

/* The values of keys of `kind` for ids[0..n) (one MGET): reply->values[i]
 * is NULL where there is none. */
int svc_store_lookup(struct svc_store *st, enum svc_key kind, const char *const *ids, size_t n,
                     svc_store_cb *cb, void *arg);
/* Set keys of `kind` for ids[0..n) all to `value` (one MSET, no expiry):
 * SVC_STORE_OK. */
int svc_store_assign(struct svc_store *st, enum svc_key kind, const char *const *ids, size_t n,
                     const char *value, svc_store_cb *cb, void *arg);

/* Learner `id`'s value and whole event stream, read at one instant:
 * SVC_STORE_OK with reply->data and reply->entries, or SVC_STORE_NOTFOUND. */
int svc_store_history(struct svc_store *st, const char *id, svc_store_cb *cb, void *arg);

/* Undo an event, atomically: if the learner's value still starts with
 * `expect`, write `value`, remove stream entry `entry`, append a "void"
 * entry, and set statement `statement`'s index entry to `index` ->
 * SVC_STORE_OK (`watched` as for a write); else SVC_STORE_CONFLICT. */
struct svc_store_void {
    const char *id;             /* the learner */
    const char *expect;
    size_t expect_len;
    const char *value;
    size_t value_len;
    const char *entry;          /* the voided event's stream entry id */
    const char *statement;      /* the voided statement's id (for the "void" entry) */
};
int svc_store_void(struct svc_store *st, const struct svc_store_void *v, svc_store_cb *cb, void *arg);

/* Catalogs in Redis: P{catalog}:VERSION holds the Catalog protobuf,
 * P{catalog}:current the version; a put also PUBLISHes the version on the
 * "catalog:" channel (P catalog:), all in one atomic script. A get answers
 * SVC_STORE_OK with the current catalog, or SVC_STORE_NOTFOUND. */
int svc_store_catalog_put(struct svc_store *st, const char *version, const void *data, size_t len,
                          svc_store_cb *cb, void *arg);
int svc_store_catalog_get(struct svc_store *st, svc_store_cb *cb, void *arg);

/* Counters for /metrics (declared in svc_stats.h). */
void svc_store_get_stats(const struct svc_store *st, struct svc_store_stats *out);

#endif
