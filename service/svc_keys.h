/* SPDX-License-Identifier: MIT
 * The Redis key schema, in one place: the store builds every key with
 * these, and so do the tools that write or read Redis directly (the bench's
 * seeder and its Redis ceiling). With prefix P and learner id I:
 *   P{I}:l       the learner (svc_stored.h)
 *   P{I}:seen    applied event ids
 *   P{I}:ev      the event stream
 *   P{I}:streams open push streams
 * (a learner's keys share the hash tag {I}: on a Redis Cluster they live
 * in one slot, so the write script, which touches them all, runs on one
 * node; so do the catalog's keys, {catalog}, and the team builder's,
 * {team}; the schema before it was P l:I, P seen:I, P catalog:V, ...:
 * `skillpath migrate-keys` renames those)
 *   P{catalog}:V a stored catalog; V "current" holds the current version
 *   P xs:S       xAPI statement S: applied or voided, its digest and learner
 *   P xa:H       the learner whose xAPI mbox has SHA-1 H (hex)
 *   P{team}:X    the team builder's lease, snapshot and demand (X: lease,
 *                snapshot, built_at, demand, demand_at, and their parts) */
#ifndef SVC_KEYS_H
#define SVC_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#define SVC_MAX_ID 128          /* learner, course, event and catalog ids, bytes */

/* A valid id, one that can be part of a key: 1..SVC_MAX_ID of
 * [A-Za-z0-9._:@-]. */
bool svc_keys_valid_id(const char *s);

enum svc_key {
    SVC_KEY_LEARNER,
    SVC_KEY_SEEN,
    SVC_KEY_EVENTS,
    SVC_KEY_STREAMS,
    SVC_KEY_CATALOG,            /* `id` is a catalog version, or "current" */
    SVC_KEY_STATEMENT,          /* `id` is an xAPI statement id */
    SVC_KEY_ALIAS,              /* `id` is an mbox_sha1sum (40 hex digits) */
    SVC_KEY_TEAM,               /* `id`: lease, snapshot, built_at, demand, demand_at (+ :AT:i parts) */
};

/* Write the key of `kind` for `id` under `prefix` into buf (NUL-terminated):
 * its length, or -1 when it does not fit in `cap` bytes. */
int svc_keys_make(char *buf, size_t cap, const char *prefix, enum svc_key kind, const char *id);

/* The pub/sub channel `name` under `prefix` ("push", "catalog:"); as above. */
int svc_keys_channel(char *buf, size_t cap, const char *prefix, const char *name);

/* The SCAN MATCH pattern of every learner record (P{*}:l) under `prefix`,
 * its glob characters escaped; as above. */
int svc_keys_learner_pattern(char *buf, size_t cap, const char *prefix);

/* The learner id in `key` (len bytes) when it is a learner record under
 * `prefix`, copied into id (SVC_MAX_ID + 1 bytes): true, else false. */
bool svc_keys_learner_of(const char *key, size_t len, const char *prefix, char *id);

/* The key schema before hash tags (P l:I, P seen:I, P ev:I, P streams:I,
 * P catalog:V, P team:X), for `skillpath migrate-keys` alone. */
int svc_keys_make_v1(char *buf, size_t cap, const char *prefix, enum svc_key kind, const char *id);

#endif
