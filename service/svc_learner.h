/* SPDX-License-Identifier: MIT
 * A learner's state transitions that are not one event: the merge a PUT
 * makes, and the rebuild from the learner's history that undoes one event
 * (an xAPI voiding). Pure functions of their inputs — no I/O — so the
 * operations (svc_ops.c) and the tests share them. */
#ifndef SVC_LEARNER_H
#define SVC_LEARNER_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/skillpath.pb-c.h"
#include "recsys.h"

struct svc_catalog;

/* The learner a PUT of `body` (a Learner, validated here) makes of `cur`
 * (NULL: none yet): what the body leaves out — capability, attempts — is
 * kept from `cur`, or for a new learner taken from its tier's profile.
 * `out` is initialised here (deinit it on success); its version is left to
 * the caller. 0, RS_EINVAL with err naming the field, or RS_ENOMEM. */
int svc_learner_merge(const struct svc_catalog *c, const struct rs_learner *cur,
                      const Skillpath__V1__Learner *body, struct rs_learner *out, char *err,
                      size_t errlen);

/* One entry of a learner's history (the P{I}:ev stream), oldest first: an
 * applied event (kind "event", data an Event), a PUT (kind "put", data the
 * Learner body, state the stored form it wrote), or a voiding (kind "void",
 * data the statement id, voided the stream id of the event entry it
 * removed, state the stored form it wrote). Other kinds are skipped. */
struct svc_history_entry {
    const char *id;             /* the stream entry id, "ms-seq" */
    const char *kind;
    const char *data;
    size_t len;
    const char *state;          /* NULL: none */
    size_t state_len;
    const char *voided;         /* NULL: none */
};

enum svc_rebuild_status {
    SVC_REBUILD_OK = 0,
    SVC_REBUILD_NOT_IN_HISTORY = 1, /* no applied event `event_id` is kept */
    SVC_REBUILD_NO_BASE = 2,        /* no PUT before it is kept (trimmed) */
    SVC_REBUILD_ERROR = -1,         /* unreadable entry, or out of memory */
};

/* The learner as if event `event_id` had never been applied: from the state
 * the last PUT or voiding before it wrote (one written after an event that
 * a later voiding removed is not used: it holds that event's effect),
 * every later entry replayed in order — events
 * applied (one the catalog now refuses is skipped, as it would be refused
 * today), PUT bodies merged — except that event. `out` is initialised here
 * (deinit it on success) and its version is left to the caller; *entry is
 * the index of the event's entry. */
enum svc_rebuild_status svc_learner_rebuild(const struct svc_catalog *c,
                                            const struct svc_history_entry *h, size_t n,
                                            const char *event_id, struct rs_learner *out,
                                            size_t *entry, char *err, size_t errlen);

#endif
