/* SPDX-License-Identifier: MIT
 * PUT merges and history rebuilds (svc_learner.h).
 *
 * A rebuild starts from the state a PUT wrote, never from nothing: a
 * learner is created by a PUT (its stream's first entry), and each PUT
 * entry carries the stored form it wrote, so the latest one before the
 * undone event is the base and the replay is as short as the history
 * since. When the stream cap trimmed every PUT before the event, there is
 * no base and nothing is changed (the caller says so).
 */
#include <stdio.h>
#include <string.h>

#include "svc_catalog.h"
#include "svc_learner.h"
#include "svc_model.h"
#include "svc_stored.h"

int svc_learner_merge(const struct svc_catalog *c, const struct rs_learner *cur,
                      const Skillpath__V1__Learner *body, struct rs_learner *out, char *err,
                      size_t errlen)
{
    struct rs_learner in = { .target = -1 };
    memset(out, 0, sizeof *out);
    out->target = -1;
    if (svc_model_learner_from_pb(c->cat, body, true, &in, err, errlen) != 0)
        return RS_EINVAL;
    int rc = RS_ENOMEM;
    if (rs_learner_init(out, in.dim) != 0 || rs_learner_copy(out, &in) != 0)
        goto fail;
    if (body->n_capability == 0) {
        if (cur) {
            memcpy(out->capability, cur->capability, in.dim * sizeof(float));
            memcpy(out->practiced_at, cur->practiced_at, in.dim * sizeof(int64_t));
            memcpy(out->evidence, cur->evidence, in.dim * sizeof(float));
        } else if (c->profile[in.tier]) {
            memcpy(out->capability, c->profile[in.tier], in.dim * sizeof(float));
        }
    }
    if (body->n_attempts == 0 && cur) {
        if (out->anchor < 0) {      /* the history goes on: so does its thread */
            out->anchor = cur->anchor;
            out->anchor_at = cur->anchor_at;
        }
        for (size_t i = 0; i < cur->n_attempts; i++)
            if (rs_learner_set_attempt(out, &cur->attempts[i]) != 0)
                goto fail;
    }
    rs_learner_deinit(&in);
    return 0;
fail:
    snprintf(err, errlen, "out of memory");
    rs_learner_deinit(&in);
    rs_learner_deinit(out);
    out->target = -1;
    return rc;
}

static bool is_kind(const struct svc_history_entry *e, const char *kind)
{
    return e->kind && strcmp(e->kind, kind) == 0;
}

/* Entry e's event id, when it is an event ("" if unreadable). */
static bool event_is(const struct svc_history_entry *e, const char *event_id)
{
    if (!is_kind(e, "event"))
        return false;
    Skillpath__V1__Event *pe =
        skillpath__v1__event__unpack(NULL, e->len, (const uint8_t *)e->data);
    bool same = pe && strcmp(pe->event_id, event_id) == 0;
    if (pe)
        skillpath__v1__event__free_unpacked(pe, NULL);
    return same;
}

/* Replay entry e onto *cur (which it replaces). 0, or -1 when e is
 * unreadable or memory runs out; an event the catalog refuses is skipped. */
static int replay(const struct svc_catalog *c, const struct svc_history_entry *e,
                  struct rs_learner *cur, char *err, size_t errlen)
{
    struct rs_learner next = { .target = -1 };
    int rc = 0;
    if (is_kind(e, "event")) {
        Skillpath__V1__Event *pe =
            skillpath__v1__event__unpack(NULL, e->len, (const uint8_t *)e->data);
        struct rs_event ev;
        char why[256];
        if (pe == NULL) {
            snprintf(err, errlen, "history entry %s: unreadable event", e->id);
            return -1;
        }
        if (svc_model_event_from_pb(c->cat, pe, &ev, why, sizeof why) == 0) {
            rc = rs_learner_init(&next, cur->dim);
            if (rc == 0)
                rc = rs_learner_apply(c->cat, &c->model, cur, &ev, &next, why, sizeof why);
            if (rc == RS_ENOMEM) {
                snprintf(err, errlen, "out of memory");
                rc = -1;
            } else if (rc != 0) {
                rs_learner_deinit(&next);   /* refused today: skipped */
                rc = 0;
            } else {
                rs_learner_deinit(cur);
                *cur = next;
            }
        }
        skillpath__v1__event__free_unpacked(pe, NULL);
        return rc;
    }
    if (is_kind(e, "put")) {
        Skillpath__V1__Learner *body =
            skillpath__v1__learner__unpack(NULL, e->len, (const uint8_t *)e->data);
        if (body == NULL) {
            snprintf(err, errlen, "history entry %s: unreadable learner", e->id);
            return -1;
        }
        char why[256];
        rc = svc_learner_merge(c, cur, body, &next, why, sizeof why);
        skillpath__v1__learner__free_unpacked(body, NULL);
        if (rc == RS_ENOMEM) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        if (rc == 0) {              /* one the catalog now refuses: skipped */
            rs_learner_deinit(cur);
            *cur = next;
        }
        return 0;
    }
    return 0;                       /* another kind: an audit record */
}

/* A stream id "ms-seq" as a comparable pair; (0, 0) if unreadable. */
struct sid {
    unsigned long long ms, seq;
};

static struct sid sid_of(const char *s)
{
    struct sid id = { 0, 0 };
    if (s == NULL || sscanf(s, "%llu-%llu", &id.ms, &id.seq) != 2)
        id.ms = id.seq = 0;
    return id;
}

static bool sid_before(struct sid a, struct sid b)
{
    return a.ms < b.ms || (a.ms == b.ms && a.seq < b.seq);
}

/* Entry i's state holds the effect of an event a later voiding removed. */
static bool stale(const struct svc_history_entry *h, size_t n, size_t i)
{
    struct sid at = sid_of(h[i].id);
    for (size_t j = i + 1; j < n; j++)
        if (is_kind(&h[j], "void") && h[j].voided && sid_before(sid_of(h[j].voided), at))
            return true;
    return false;
}

enum svc_rebuild_status svc_learner_rebuild(const struct svc_catalog *c,
                                            const struct svc_history_entry *h, size_t n,
                                            const char *event_id, struct rs_learner *out,
                                            size_t *entry, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->target = -1;
    size_t v = n;
    for (size_t i = n; i-- > 0;)
        if (event_is(&h[i], event_id)) {
            v = i;
            break;
        }
    if (v == n) {
        snprintf(err, errlen, "event %s is not in the learner's kept history", event_id);
        return SVC_REBUILD_NOT_IN_HISTORY;
    }
    *entry = v;
    size_t base = v;
    for (size_t i = v; i-- > 0;)
        if ((is_kind(&h[i], "put") || is_kind(&h[i], "void")) && h[i].state &&
            !stale(h, n, i)) {
            base = i;
            break;
        }
    if (base == v) {
        snprintf(err, errlen, "the kept history of event %s starts after the learner's last "
                 "write before it", event_id);
        return SVC_REBUILD_NO_BASE;
    }
    if (svc_stored_decode(c->cat, h[base].state, h[base].state_len, out) != 0) {
        snprintf(err, errlen, "history entry %s: unreadable state", h[base].id);
        goto fail;
    }
    for (size_t i = base + 1; i < n; i++) {
        if (i == v)
            continue;
        if (replay(c, &h[i], out, err, errlen) != 0)
            goto fail;
        svc_stored_round(out);  /* each step as it was stored then */
    }
    return SVC_REBUILD_OK;
fail:
    rs_learner_deinit(out);
    out->target = -1;
    return SVC_REBUILD_ERROR;
}
