/* SPDX-License-Identifier: MIT
 * Operations: what a request does to learner state, with no HTTP in sight.
 * Resources (svc_res_*.c) parse a request, call one operation and render its
 * completion; an operation reads and writes through the store, runs the
 * core, publishes, and reports a typed outcome — it can never answer a
 * request, so no side effect (push, metrics) can replace an answer.
 *
 * Contract of every svc_op_*: the callback runs exactly once, with SVC_ERR_OK
 * and the result, or an error kind and a message naming the problem (both
 * borrowed for the callback's duration). It may run before the call returns
 * (no connection: UNAVAILABLE at once), else later on the loop thread.
 * Arguments are borrowed and must live until the callback has run. Loop
 * thread only: a struct svc_ops belongs to one worker loop. */
#ifndef SVC_OPS_H
#define SVC_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/skillpath.pb-c.h"
#include "recsys.h"
#include "svc_err.h"
#include "svc_keys.h"
#include "svc_recommend.h"


struct svc_catalog;
struct svc_push;
struct svc_stats;
struct svc_store;

/* What the operations of one loop share. */
struct svc_ops {
    struct svc_store *store;                /* borrowed */
    struct svc_push *push;                  /* borrowed; NULL: nothing is published */
    unsigned push_lessons;                  /* lessons per published update */
    int max_retries;                        /* recomputes after version conflicts */
    struct svc_stats *stats;                /* borrowed: events and conflicts are counted here */
    struct svc_recommend_scratch scratch;   /* this loop's path scratch */
};

/* Caller's storage; the pointers are borrowed. */
void svc_ops_init(struct svc_ops *o, struct svc_store *store, struct svc_push *push,
                  unsigned push_lessons, int max_retries, struct svc_stats *stats);
void svc_ops_deinit(struct svc_ops *o);

/* The recommend pipeline's inputs on this loop for catalog `c` at `now`. */
struct svc_recommend_ctx svc_ops_recommend_ctx(struct svc_ops *o, struct svc_catalog *c, int64_t now);


/* Read learner `id`: `l` is the decoded learner (NOT_FOUND when there is
 * none). */
typedef void svc_op_learner_cb(void *arg, enum svc_err err, const char *msg,
                               const struct rs_learner *l);
void svc_op_read(struct svc_ops *o, struct svc_catalog *cat, const char *id, svc_op_learner_cb *cb,
                 void *arg);

/* Create or replace learner `id` from `body` (a validated Learner: what it
 * leaves out — capability, attempts — is kept from the stored learner, or
 * for a new one taken from its tier's profile): read, merge, write if
 * nobody wrote meanwhile, else again, up to max_retries (then UNAVAILABLE).
 * `written` is the learner as stored; `created` when there was none. The
 * new lessons go to the learner's streams, if any (a side effect). */
typedef void svc_op_put_cb(void *arg, enum svc_err err, const char *msg,
                           const struct rs_learner *written, bool created);
void svc_op_put(struct svc_ops *o, struct svc_catalog *cat, const char *id,
                const Skillpath__V1__Learner *body, int64_t now, svc_op_put_cb *cb, void *arg);

/* Create learner `id` from `body` only if there is none: as svc_op_put,
 * but an existing learner is left as it is (`written` NULL, `created`
 * false). */
void svc_op_create(struct svc_ops *o, struct svc_catalog *cat, const char *id,
                   const Skillpath__V1__Learner *body, int64_t now, svc_op_put_cb *cb, void *arg);

/* Delete learner `id` and its history (NOT_FOUND when there was none). */
typedef void svc_op_done_cb(void *arg, enum svc_err err, const char *msg);
void svc_op_delete(struct svc_ops *o, const char *id, svc_op_done_cb *cb, void *arg);

/* Apply a batch of events in order, each exactly once (see svc_ops.c for
 * the machine). `results` holds one result per event: APPLIED with the new
 * version, DUPLICATE, or REJECTED with its reason. A store failure or
 * conflicts past max_retries fail the batch (UNAVAILABLE): what was applied
 * stays applied, and a retry finds it DUPLICATE. When *abandoned becomes
 * true (the client left), no further event is started; the callback still
 * runs. */
typedef void svc_op_events_cb(void *arg, enum svc_err err, const char *msg,
                              const Skillpath__V1__EventResults *results);
void svc_op_events(struct svc_ops *o, struct svc_catalog *cat, const Skillpath__V1__EventBatch *batch,
                   int64_t now, const bool *abandoned, svc_op_events_cb *cb, void *arg);

/* Undo xAPI statement `statement` (its index entry P xs:ID names its
 * learner): rebuild the learner from its history without that event
 * (svc_learner_rebuild), write it if nobody wrote meanwhile (else again, up
 * to max_retries), remove the event from the stream and mark the statement
 * voided, so it stays voided when sent again — also when it was never
 * applied (it may come later). `outcome` says what was found. */
enum svc_void_outcome {
    SVC_VOID_UNDONE,            /* the learner was rebuilt without it */
    SVC_VOID_NOT_APPLIED,       /* never applied (or no longer remembered): marked */
    SVC_VOID_ALREADY,           /* voided before */
    SVC_VOID_NOT_IN_HISTORY,    /* applied, but the kept history cannot undo it: marked */
};
typedef void svc_op_void_cb(void *arg, enum svc_err err, const char *msg,
                            enum svc_void_outcome outcome);
void svc_op_void(struct svc_ops *o, struct svc_catalog *cat, const char *statement, int64_t now,
                 svc_op_void_cb *cb, void *arg);

/* Store catalog `c` (its protobuf `bytes`, copied) as current in Redis and
 * announce it to every daemon; the callback gets `c` back (the operation
 * holds a reference meanwhile). */
typedef void svc_op_catalog_cb(void *arg, enum svc_err err, const char *msg, struct svc_catalog *c);
void svc_op_catalog_put(struct svc_ops *o, struct svc_catalog *c, const void *bytes, size_t len,
                        svc_op_catalog_cb *cb, void *arg);

/* Publish learner `l`'s next lessons to every daemon's streams. A side
 * effect: a failure is logged and counted (skillpath_push_failed_total),
 * never reported. */
void svc_ops_publish(struct svc_ops *o, struct svc_catalog *cat, const struct rs_learner *l,
                     const char *id, int64_t now);

#endif
