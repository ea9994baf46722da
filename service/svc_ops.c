/* SPDX-License-Identifier: MIT
 * Operations on learner state (svc_ops.h).
 *
 * DESIGN
 * Each operation is a small object, allocated when it starts and freed by
 * itself right after it has called its completion, that lives across store
 * round trips. The multi-step ones are explicit state machines driven from
 * one function (memcached's drive_machine): a store callback only records
 * the reply and calls drive(), which decides what comes next. So the flow
 * of a PUT (read -> merge -> conditional write -> on conflict read again)
 * and of an event batch (for each event: validate -> read -> apply ->
 * conditional write -> on conflict read again) reads top to bottom in one
 * switch. Publishing is called from inside, after a write the store says a
 * stream watches, and returns nothing: it cannot touch the completion.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc_catalog.h"
#include "svc_learner.h"
#include "svc_log.h"
#include "svc_model.h"
#include "svc_stored.h"
#include "svc_ops.h"
#include "svc_push.h"
#include "svc_stats.h"
#include "svc_store.h"
#include "svc_xapi.h"

#define MSGLEN 512

static const char *store_failure(int status)
{
    return status == SVC_STORE_TIMEOUT ? "learner store unavailable (timed out); retry shortly"
                                       : "learner store unavailable (not connected); retry shortly";
}

static void msgf(char *msg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void msgf(char *msg, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, MSGLEN, fmt, ap);
    va_end(ap);
}

/* A learner command's store status as an outcome, with its message. */
static enum svc_err learner_outcome(int status, const char *id, char *msg)
{
    msg[0] = '\0';
    if (status == SVC_STORE_OK)
        return SVC_ERR_OK;
    if (status == SVC_STORE_NOTFOUND) {
        msgf(msg, "no learner '%s'", id);
        return SVC_ERR_NOT_FOUND;
    }
    msgf(msg, "%s", store_failure(status));
    return SVC_ERR_UNAVAILABLE;
}

void svc_ops_init(struct svc_ops *o, struct svc_store *store, struct svc_push *push,
                  unsigned push_lessons, int max_retries, struct svc_stats *stats)
{
    memset(o, 0, sizeof *o);
    o->store = store;
    o->push = push;
    o->push_lessons = push_lessons;
    o->max_retries = max_retries;
    o->stats = stats;
}

void svc_ops_deinit(struct svc_ops *o)
{
    svc_recommend_scratch_deinit(&o->scratch);
}

struct svc_recommend_ctx svc_ops_recommend_ctx(struct svc_ops *o, struct svc_catalog *c, int64_t now)
{
    struct svc_recommend_ctx x = {
        .cat = c->cat, .model = &c->model, .ws = svc_recommend_scratch_for(&o->scratch, c), .now = now,
    };
    return x;
}

void svc_ops_publish(struct svc_ops *o, struct svc_catalog *cat, const struct rs_learner *l,
                     const char *id, int64_t now)
{
    if (o->push == NULL)
        return;
    struct svc_recommend_ctx x = svc_ops_recommend_ctx(o, cat, now);
    struct svc_lessons ls;
    char err[MSGLEN];
    enum svc_recommend_status st = svc_recommend_next(&x, l, id, o->push_lessons, &ls, err, sizeof err);
    if (st == SVC_RECOMMEND_OK) {
        svc_push_publish(o->push, &ls.msg);
    } else {
        svc_push_count_failure(o->push);
        svc_log(SVC_LOG_WARN, "msg=push_skipped reason=\"%s\"",
                st == SVC_RECOMMEND_NOMEM ? "out of memory" : err);
    }
    svc_recommend_lessons_deinit(&ls);
}

/* ---------------------------------------------------------------- read */

struct op_read {
    struct svc_catalog *cat;            /* a reference */
    svc_op_learner_cb *cb;
    void *arg;
    char id[SVC_MAX_ID + 1];
};

static void on_read(void *arg, const struct svc_store_reply *rep)
{
    struct op_read *op = arg;
    char msg[MSGLEN];
    struct rs_learner l = { .target = -1 };
    enum svc_err err = learner_outcome(rep->status, op->id, msg);
    if (err == SVC_ERR_OK && svc_stored_decode(op->cat->cat, rep->data, rep->len, &l) != 0) {
        err = SVC_ERR_INTERNAL;
        msgf(msg, "stored learner '%s' is unreadable", op->id);
    }
    op->cb(op->arg, err, msg, err == SVC_ERR_OK ? &l : NULL);
    rs_learner_deinit(&l);
    svc_catalog_unref(op->cat);
    free(op);
}

void svc_op_read(struct svc_ops *o, struct svc_catalog *cat, const char *id, svc_op_learner_cb *cb,
                 void *arg)
{
    struct op_read *op = calloc(1, sizeof *op);
    if (op == NULL) {
        cb(arg, SVC_ERR_INTERNAL, "out of memory", NULL);
        return;
    }
    op->cat = svc_catalog_ref(cat);
    op->cb = cb;
    op->arg = arg;
    snprintf(op->id, sizeof op->id, "%s", id);
    if (svc_store_get(o->store, id, on_read, op) != 0) {
        svc_catalog_unref(op->cat);
        free(op);
        cb(arg, SVC_ERR_UNAVAILABLE, store_failure(SVC_STORE_UNAVAILABLE), NULL);
    }
}

/* ---------------------------------------------------------------- put */

enum put_state { PUT_ALIAS, PUT_ALIASED, PUT_READ, PUT_MERGE, PUT_WRITTEN, PUT_DONE };

#define MAX_MAILBOXES 16            /* xAPI mailboxes per learner */

struct op_put {
    struct svc_ops *o;
    struct svc_catalog *cat;            /* a reference */
    const Skillpath__V1__Learner *body;
    int64_t now;
    svc_op_put_cb *cb;
    void *arg;
    enum put_state state;
    const struct svc_store_reply *reply;    /* the reply drive() handles now */
    int retries;
    bool created;
    bool only_create;                   /* an existing learner is left alone */
    char mailboxes[MAX_MAILBOXES][41];  /* the body's xapiIds, as mbox_sha1sums */
    size_t n_mailboxes;
    struct rs_learner next;             /* the learner being written */
    enum svc_err err;
    char msg[MSGLEN];
    char id[SVC_MAX_ID + 1];
};

static void put_drive(struct op_put *op);

static void on_put_reply(void *arg, const struct svc_store_reply *rep)
{
    struct op_put *op = arg;
    op->reply = rep;
    put_drive(op);
}

static void put_fail(struct op_put *op, enum svc_err err, const char *msg)
{
    op->err = err;
    msgf(op->msg, "%s", msg);
    op->state = PUT_DONE;
}

/* The new learner from the body and the stored one (NULL: none); submits
 * the conditional write, or fails. */
static void put_merge(struct op_put *op, const char *data, size_t len)
{
    const struct svc_catalog *c = op->cat;
    struct rs_learner cur = { .target = -1 };
    char err[MSGLEN];
    const char *expect = NULL;
    size_t expect_len = 0;
    op->created = data == NULL;
    if (!op->created) {
        if (svc_stored_decode(c->cat, data, len, &cur) != 0) {
            put_fail(op, SVC_ERR_INTERNAL, "stored learner is unreadable");
            goto out;
        }
        expect = data;
        expect_len = svc_stored_token(data, len);
    }
    rs_learner_deinit(&op->next);
    int rc = svc_learner_merge(c, op->created ? NULL : &cur, op->body, &op->next, err, sizeof err);
    if (rc != 0) {
        put_fail(op, rc == RS_ENOMEM ? SVC_ERR_INTERNAL : SVC_ERR_INVALID, err);
        goto out;
    }
    op->next.version = op->created ? 1 : cur.version + 1;
    size_t vlen = 0;
    char *value = svc_stored_encode(c->cat, &op->next, &vlen);
    if (value == NULL) {
        put_fail(op, SVC_ERR_INTERNAL, "out of memory");
        goto out;
    }
    /* The body goes to the stream with the value: the base of a rebuild,
     * and what a replay merges again. */
    size_t blen = protobuf_c_message_get_packed_size(&op->body->base);
    uint8_t *body = malloc(blen + 1);
    if (body == NULL) {
        free(value);
        put_fail(op, SVC_ERR_INTERNAL, "out of memory");
        goto out;
    }
    protobuf_c_message_pack(&op->body->base, body);
    struct svc_store_write w = {
        .id = op->id, .expect = expect, .expect_len = expect_len,
        .value = value, .value_len = vlen, .event = (const char *)body, .event_len = blen,
        .put = true, .now = op->now,
    };
    op->state = PUT_WRITTEN;
    if (svc_store_write(op->o->store, &w, on_put_reply, op) != 0)
        put_fail(op, SVC_ERR_UNAVAILABLE, store_failure(SVC_STORE_UNAVAILABLE));
    free(value);
    free(body);
out:
    rs_learner_deinit(&cur);
}

/* The PUT machine. Returns when it waits on the store, or after it freed op. */
static void put_drive(struct op_put *op)
{
    for (;;) {
        const struct svc_store_reply *rep = op->reply;
        op->reply = NULL;
        switch (op->state) {
        case PUT_ALIAS: {           /* the xAPI mailboxes first: a learner that
                                     * is written is found by them */
            const char *ids[MAX_MAILBOXES];
            for (size_t i = 0; i < op->n_mailboxes; i++)
                ids[i] = op->mailboxes[i];
            op->state = PUT_ALIASED;
            if (svc_store_assign(op->o->store, SVC_KEY_ALIAS, ids, op->n_mailboxes, op->id,
                                 on_put_reply, op) != 0) {
                put_fail(op, SVC_ERR_UNAVAILABLE, store_failure(SVC_STORE_UNAVAILABLE));
                break;
            }
            return;
        }
        case PUT_ALIASED:
            if (rep->status != SVC_STORE_OK)
                put_fail(op, SVC_ERR_UNAVAILABLE, store_failure(rep->status));
            else
                op->state = PUT_READ;
            break;
        case PUT_READ:              /* read the current learner */
            op->state = PUT_MERGE;
            if (svc_store_get(op->o->store, op->id, on_put_reply, op) != 0) {
                put_fail(op, SVC_ERR_UNAVAILABLE, store_failure(SVC_STORE_UNAVAILABLE));
                break;
            }
            return;
        case PUT_MERGE:             /* it came back: merge and write */
            if (rep->status == SVC_STORE_OK && op->only_create) {
                op->err = SVC_ERR_OK;               /* there is one: nothing to do */
                op->state = PUT_DONE;
                op->created = false;
                break;
            }
            if (rep->status == SVC_STORE_OK)
                put_merge(op, rep->data, rep->len);
            else if (rep->status == SVC_STORE_NOTFOUND)
                put_merge(op, NULL, 0);
            else
                put_fail(op, SVC_ERR_UNAVAILABLE, store_failure(rep->status));
            if (op->state == PUT_WRITTEN)
                return;             /* waiting for the write */
            break;
        case PUT_WRITTEN:           /* the write's answer */
            if (rep->status == SVC_STORE_CONFLICT && op->retries++ < op->o->max_retries) {
                op->o->stats->version_conflicts++;
                op->state = PUT_READ;               /* someone wrote meanwhile: again */
            } else if (rep->status == SVC_STORE_CONFLICT) {
                op->err = SVC_ERR_UNAVAILABLE;
                msgf(op->msg, "learner '%s' is changing too fast; retry", op->id);
                op->state = PUT_DONE;
            } else if (rep->status != SVC_STORE_OK) {
                put_fail(op, SVC_ERR_UNAVAILABLE, store_failure(rep->status));
            } else {
                if (rep->watched)
                    svc_ops_publish(op->o, op->cat, &op->next, op->id, op->now);
                op->err = SVC_ERR_OK;
                op->state = PUT_DONE;
            }
            break;
        case PUT_DONE:
            op->cb(op->arg, op->err, op->msg,
                   op->err == SVC_ERR_OK && (op->created || !op->only_create) ? &op->next : NULL,
                   op->created);
            rs_learner_deinit(&op->next);
            svc_catalog_unref(op->cat);
            free(op);
            return;
        }
    }
}

static void put_start(struct svc_ops *o, struct svc_catalog *cat, const char *id,
                      const Skillpath__V1__Learner *body, int64_t now, bool only_create,
                      svc_op_put_cb *cb, void *arg)
{
    struct op_put *op = calloc(1, sizeof *op);
    if (op == NULL) {
        cb(arg, SVC_ERR_INTERNAL, "out of memory", NULL, false);
        return;
    }
    op->o = o;
    op->cat = svc_catalog_ref(cat);
    op->body = body;
    op->now = now;
    op->cb = cb;
    op->arg = arg;
    op->next.target = -1;
    op->only_create = only_create;
    snprintf(op->id, sizeof op->id, "%s", id);
    op->state = body->n_xapi_ids ? PUT_ALIAS : PUT_READ;
    for (size_t i = 0; i < body->n_xapi_ids; i++) {
        if (i == MAX_MAILBOXES || !svc_xapi_mailbox(body->xapi_ids[i], op->mailboxes[i])) {
            if (i == MAX_MAILBOXES)
                msgf(op->msg, "xapiIds: at most %d", MAX_MAILBOXES);
            else
                msgf(op->msg, "xapiIds[%zu]: a mailto: IRI or an mbox_sha1sum (40 hex digits)", i);
            op->err = SVC_ERR_INVALID;
            op->state = PUT_DONE;
            break;
        }
        op->n_mailboxes++;
    }
    put_drive(op);
}

void svc_op_put(struct svc_ops *o, struct svc_catalog *cat, const char *id,
                const Skillpath__V1__Learner *body, int64_t now, svc_op_put_cb *cb, void *arg)
{
    put_start(o, cat, id, body, now, false, cb, arg);
}

void svc_op_create(struct svc_ops *o, struct svc_catalog *cat, const char *id,
                   const Skillpath__V1__Learner *body, int64_t now, svc_op_put_cb *cb, void *arg)
{
    put_start(o, cat, id, body, now, true, cb, arg);
}

/* ---------------------------------------------------------------- delete */

struct op_done {
    svc_op_done_cb *cb;
    void *arg;
    char id[SVC_MAX_ID + 1];
};

static void on_deleted(void *arg, const struct svc_store_reply *rep)
{
    struct op_done *op = arg;
    char msg[MSGLEN];
    enum svc_err err = learner_outcome(rep->status, op->id, msg);
    op->cb(op->arg, err, msg);
    free(op);
}

void svc_op_delete(struct svc_ops *o, const char *id, svc_op_done_cb *cb, void *arg)
{
    struct op_done *op = calloc(1, sizeof *op);
    if (op == NULL) {
        cb(arg, SVC_ERR_INTERNAL, "out of memory");
        return;
    }
    op->cb = cb;
    op->arg = arg;
    snprintf(op->id, sizeof op->id, "%s", id);
    if (svc_store_delete(o->store, id, on_deleted, op) != 0) {
        free(op);
        cb(arg, SVC_ERR_UNAVAILABLE, store_failure(SVC_STORE_UNAVAILABLE));
    }
}

/* ---------------------------------------------------------------- catalog */

struct op_catalog {
    svc_op_catalog_cb *cb;
    void *arg;
    struct svc_catalog *cat;            /* a reference */
};

static void on_catalog_stored(void *arg, const struct svc_store_reply *rep)
{
    struct op_catalog *op = arg;
    op->cb(op->arg, rep->status == SVC_STORE_OK ? SVC_ERR_OK : SVC_ERR_UNAVAILABLE,
           rep->status == SVC_STORE_OK ? "" : store_failure(rep->status), op->cat);
    svc_catalog_unref(op->cat);
    free(op);
}

void svc_op_catalog_put(struct svc_ops *o, struct svc_catalog *c, const void *bytes, size_t len,
                        svc_op_catalog_cb *cb, void *arg)
{
    struct op_catalog *op = calloc(1, sizeof *op);
    if (op == NULL) {
        cb(arg, SVC_ERR_INTERNAL, "out of memory", c);
        return;
    }
    op->cb = cb;
    op->arg = arg;
    op->cat = svc_catalog_ref(c);
    if (svc_store_catalog_put(o->store, rs_catalog_version(c->cat), bytes, len, on_catalog_stored,
                              op) != 0) {
        svc_catalog_unref(op->cat);
        free(op);
        cb(arg, SVC_ERR_UNAVAILABLE, store_failure(SVC_STORE_UNAVAILABLE), c);
    }
}

/* ---------------------------------------------------------------- events */

/* One event at a time, in batch order:
 *
 *   EV_NEXT --valid--> EV_READ --get--> EV_APPLY --write--> EV_WRITTEN
 *      ^  \--invalid: REJECTED, next        \--unknown learner,     |
 *      |                                       bad event: REJECTED   |
 *      +------- APPLIED or DUPLICATE: next <-------------------------+
 *                          CONFLICT: EV_READ again (max_retries) ----+
 *   EV_NEXT with none left, or the client gone -> EV_DONE; a store failure
 *   anywhere -> EV_DONE failed (503 for the batch).
 */
enum ev_state { EV_NEXT, EV_READ, EV_APPLY, EV_WRITTEN, EV_DONE };

struct op_events {
    struct svc_ops *o;
    struct svc_catalog *cat;            /* a reference */
    const Skillpath__V1__EventBatch *batch;
    int64_t now;
    const bool *abandoned;
    svc_op_events_cb *cb;
    void *arg;
    enum ev_state state;
    const struct svc_store_reply *reply;    /* the reply drive() handles now */
    size_t i;                           /* the event at hand */
    int retries;                        /* for it */
    struct rs_learner next;             /* its learner as being written */
    Skillpath__V1__EventResult *results;
    Skillpath__V1__EventResult **ptrs;
    enum svc_err err;
    char msg[MSGLEN];
};

static void ev_drive(struct op_events *op);

static void on_event_reply(void *arg, const struct svc_store_reply *rep)
{
    struct op_events *op = arg;
    op->reply = rep;
    ev_drive(op);
}

/* Record event i's result and move on to the next event. */
static void ev_result(struct op_events *op, Skillpath__V1__EventStatus st, const char *why,
                      uint64_t version)
{
    Skillpath__V1__EventResult *res = &op->results[op->i];
    struct svc_stats *s = op->o->stats;
    res->status = st;
    res->version = version;
    if (st == SKILLPATH__V1__EVENT_STATUS__APPLIED)
        s->events_applied++;
    else if (st == SKILLPATH__V1__EVENT_STATUS__DUPLICATE)
        s->events_duplicate++;
    else
        s->events_rejected++;
    if (why && res->reason == protobuf_c_empty_string) {
        char *copy = strdup(why);
        if (copy)
            res->reason = copy;
    }
    op->i++;
    op->retries = 0;
    op->state = EV_NEXT;
}

static void ev_fail(struct op_events *op, enum svc_err err, const char *msg)
{
    op->err = err;
    msgf(op->msg, "%s", msg);
    op->state = EV_DONE;
}

/* Validate event i: a reason to reject it, or NULL. */
static const char *ev_check(struct op_events *op, const Skillpath__V1__Event *pe, char *err,
                            size_t errlen)
{
    struct rs_event e;
    if (!pe->event_id[0] || strlen(pe->event_id) > SVC_MAX_ID)
        return "eventId: required, at most 128 bytes";
    if (!svc_keys_valid_id(pe->learner_id))
        return "learnerId: missing or not a valid id";
    if (svc_model_event_from_pb(op->cat->cat, pe, &e, err, errlen) != 0)
        return err;
    return NULL;
}

/* Event i's learner came back as `data`: apply the event in the core and
 * submit the conditional write (state EV_WRITTEN), or record why not. */
static void ev_apply(struct op_events *op, const char *data, size_t len)
{
    const Skillpath__V1__Event *pe = op->batch->events[op->i];
    const struct rs_catalog *cat = op->cat->cat;
    char err[MSGLEN] = "";
    struct rs_learner cur = { .target = -1 };
    struct rs_event e;
    if (svc_stored_decode(cat, data, len, &cur) != 0) {
        ev_result(op, SKILLPATH__V1__EVENT_STATUS__REJECTED, "stored learner unreadable", 0);
        goto out;
    }
    if (svc_model_event_from_pb(cat, pe, &e, err, sizeof err) != 0) {
        ev_result(op, SKILLPATH__V1__EVENT_STATUS__REJECTED, err, 0);
        goto out;
    }
    rs_learner_deinit(&op->next);
    int rc = rs_learner_init(&op->next, cur.dim);
    if (rc == 0)
        rc = rs_learner_apply(cat, &op->cat->model, &cur, &e, &op->next, err, sizeof err);
    if (rc == RS_ENOMEM) {
        /* Not the event's fault: fail the batch; a retry finds what was
         * applied before it DUPLICATE. */
        ev_fail(op, SVC_ERR_INTERNAL, "out of memory");
        goto out;
    }
    if (rc != 0) {
        ev_result(op, SKILLPATH__V1__EVENT_STATUS__REJECTED, err, 0);
        goto out;
    }
    size_t vlen = 0, elen = protobuf_c_message_get_packed_size(&pe->base);
    char *value = svc_stored_encode(cat, &op->next, &vlen);
    uint8_t *event = malloc(elen + 1);
    if (value == NULL || event == NULL) {
        ev_fail(op, SVC_ERR_INTERNAL, "out of memory");
    } else {
        protobuf_c_message_pack(&pe->base, event);
        struct svc_store_write w = {
            .id = pe->learner_id, .expect = data, .expect_len = svc_stored_token(data, len),
            .value = value, .value_len = vlen, .event_id = pe->event_id,
            .event = (const char *)event, .event_len = elen, .now = op->now,
        };
        op->state = EV_WRITTEN;
        if (svc_store_write(op->o->store, &w, on_event_reply, op) != 0)
            ev_fail(op, SVC_ERR_UNAVAILABLE, store_failure(SVC_STORE_UNAVAILABLE));
    }
    free(value);
    free(event);
out:
    rs_learner_deinit(&cur);
}

/* The event machine (the diagram above). Returns when it waits on the
 * store, or after it completed and freed op. */
static void ev_drive(struct op_events *op)
{
    char err[MSGLEN];
    for (;;) {
        const struct svc_store_reply *rep = op->reply;
        op->reply = NULL;
        switch (op->state) {
        case EV_NEXT: {
            if (op->i == op->batch->n_events || *op->abandoned) {
                op->state = EV_DONE;
                break;
            }
            const char *why = ev_check(op, op->batch->events[op->i], err, sizeof err);
            if (why)
                ev_result(op, SKILLPATH__V1__EVENT_STATUS__REJECTED, why, 0);
            else
                op->state = EV_READ;
            break;
        }
        case EV_READ:
            op->state = EV_APPLY;
            if (svc_store_get(op->o->store, op->batch->events[op->i]->learner_id, on_event_reply,
                              op) != 0) {
                ev_fail(op, SVC_ERR_UNAVAILABLE, store_failure(SVC_STORE_UNAVAILABLE));
                break;
            }
            return;
        case EV_APPLY:
            if (rep->status == SVC_STORE_NOTFOUND)
                ev_result(op, SKILLPATH__V1__EVENT_STATUS__REJECTED, "learnerId: unknown learner", 0);
            else if (rep->status != SVC_STORE_OK)
                ev_fail(op, SVC_ERR_UNAVAILABLE, store_failure(rep->status));
            else
                ev_apply(op, rep->data, rep->len);
            if (op->state == EV_WRITTEN)
                return;             /* waiting for the write */
            break;
        case EV_WRITTEN:
            if (rep->status == SVC_STORE_OK) {
                if (rep->watched)
                    svc_ops_publish(op->o, op->cat, &op->next, op->batch->events[op->i]->learner_id,
                                    op->now);
                ev_result(op, SKILLPATH__V1__EVENT_STATUS__APPLIED, NULL, op->next.version);
            } else if (rep->status == SVC_STORE_DUP) {
                ev_result(op, SKILLPATH__V1__EVENT_STATUS__DUPLICATE, NULL, 0);
            } else if (rep->status == SVC_STORE_CONFLICT && op->retries < op->o->max_retries) {
                op->retries++;      /* the same event again, on a fresh read */
                op->o->stats->version_conflicts++;
                op->state = EV_READ;
            } else if (rep->status == SVC_STORE_CONFLICT) {
                ev_fail(op, SVC_ERR_UNAVAILABLE, "learner changing too fast; retry the batch");
            } else {
                ev_fail(op, SVC_ERR_UNAVAILABLE, store_failure(rep->status));
            }
            break;
        case EV_DONE: {
            /* The batch is the caller's: gone once the callback returns. */
            size_t n = op->batch->n_events;
            Skillpath__V1__EventResults out;
            skillpath__v1__event_results__init(&out);
            out.results = op->ptrs;
            out.n_results = n;
            op->cb(op->arg, op->err, op->msg, op->err == SVC_ERR_OK ? &out : NULL);
            for (size_t k = 0; k < n; k++)
                if (op->results[k].reason != protobuf_c_empty_string)
                    free(op->results[k].reason);
            free(op->results);
            free(op->ptrs);
            rs_learner_deinit(&op->next);
            svc_catalog_unref(op->cat);
            free(op);
            return;
        }
        }
    }
}

void svc_op_events(struct svc_ops *o, struct svc_catalog *cat, const Skillpath__V1__EventBatch *batch,
                   int64_t now, const bool *abandoned, svc_op_events_cb *cb, void *arg)
{
    size_t n = batch->n_events;
    struct op_events *op = calloc(1, sizeof *op);
    Skillpath__V1__EventResult *results = calloc(n + 1, sizeof *results);
    Skillpath__V1__EventResult **ptrs = calloc(n + 1, sizeof *ptrs);
    if (!op || !results || !ptrs) {
        free(op);
        free(results);
        free(ptrs);
        cb(arg, SVC_ERR_INTERNAL, "out of memory", NULL);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        skillpath__v1__event_result__init(&results[i]);
        results[i].event_id = batch->events[i]->event_id;
        ptrs[i] = &results[i];
    }
    op->o = o;
    op->cat = svc_catalog_ref(cat);
    op->batch = batch;
    op->now = now;
    op->abandoned = abandoned;
    op->cb = cb;
    op->arg = arg;
    op->results = results;
    op->ptrs = ptrs;
    op->next.target = -1;
    op->state = EV_NEXT;
    ev_drive(op);
}

/* ---------------------------------------------------------------- void */

/*   VOID_INDEX --GET xs:S--> VOID_READ --history--> VOID_WRITE --void--> done
 *        \ none, voided, no learner: mark, done       CONFLICT: VOID_READ again
 *   A history that cannot undo it (trimmed, unreadable): marked, logged. */
enum void_state { VOID_INDEX, VOID_READ, VOID_WRITE, VOID_WRITTEN, VOID_DONE };

struct op_void {
    struct svc_ops *o;
    struct svc_catalog *cat;            /* a reference */
    int64_t now;
    svc_op_void_cb *cb;
    void *arg;
    enum void_state state;
    const struct svc_store_reply *reply;
    int retries;
    struct svc_xapi_index ix;
    struct rs_learner next;
    enum svc_void_outcome outcome;
    enum svc_err err;
    char msg[MSGLEN];
    char statement[SVC_XAPI_UUID_LEN + 1];
};

static void void_drive(struct op_void *op);

static void on_void_reply(void *arg, const struct svc_store_reply *rep)
{
    struct op_void *op = arg;
    op->reply = rep;
    void_drive(op);
}

static void void_fail(struct op_void *op, int status)
{
    op->err = SVC_ERR_UNAVAILABLE;
    msgf(op->msg, "%s", store_failure(status));
    op->state = VOID_DONE;
}

/* Mark the statement voided (a side effect of the outcome) and finish. */
static void void_mark(struct op_void *op, enum svc_void_outcome outcome)
{
    char v[SVC_XAPI_INDEX_MAX];
    op->ix.state = 'V';
    svc_xapi_index_format(&op->ix, v);
    svc_store_statement_put(op->o->store, op->statement, v, true);
    op->outcome = outcome;
    op->state = VOID_DONE;
}

/* The history came back: rebuild without the statement's event and submit
 * the write (VOID_WRITTEN), or mark and finish. */
static void void_rebuild(struct op_void *op, const struct svc_store_reply *rep)
{
    const struct svc_catalog *c = op->cat;
    struct rs_learner cur = { .target = -1 };
    char err[MSGLEN];
    size_t entry = 0;
    rs_learner_deinit(&op->next);
    enum svc_rebuild_status rs =
        svc_learner_rebuild(c, rep->entries, rep->n_entries, op->statement, &op->next, &entry, err,
                            sizeof err);
    if (rs != SVC_REBUILD_OK || svc_stored_decode(c->cat, rep->data, rep->len, &cur) != 0) {
        svc_log(SVC_LOG_WARN, "msg=void_not_undone statement=%s learner=%s reason=\"%s\"",
                op->statement, op->ix.learner, rs == SVC_REBUILD_OK ? "stored learner unreadable" : err);
        void_mark(op, SVC_VOID_NOT_IN_HISTORY);
        goto out;
    }
    op->next.version = cur.version + 1;
    size_t vlen = 0;
    char *value = svc_stored_encode(c->cat, &op->next, &vlen);
    if (value == NULL) {
        op->err = SVC_ERR_INTERNAL;
        msgf(op->msg, "out of memory");
        op->state = VOID_DONE;
        goto out;
    }
    struct svc_store_void w = {
        .id = op->ix.learner, .expect = rep->data, .expect_len = svc_stored_token(rep->data, rep->len),
        .value = value, .value_len = vlen, .entry = rep->entries[entry].id, .statement = op->statement,
    };
    op->state = VOID_WRITTEN;
    if (svc_store_void(op->o->store, &w, on_void_reply, op) != 0)
        void_fail(op, SVC_STORE_UNAVAILABLE);
    free(value);
out:
    rs_learner_deinit(&cur);
}

static void void_drive(struct op_void *op)
{
    for (;;) {
        const struct svc_store_reply *rep = op->reply;
        op->reply = NULL;
        switch (op->state) {
        case VOID_INDEX: {
            const char *ids[1] = { op->statement };
            op->state = VOID_READ;
            if (svc_store_statements_get(op->o->store, ids, 1, on_void_reply, op) != 0) {
                void_fail(op, SVC_STORE_UNAVAILABLE);
                break;
            }
            return;
        }
        case VOID_READ:             /* the index entry came back */
            if (rep->status != SVC_STORE_OK) {
                void_fail(op, rep->status);
                break;
            }
            if (rep->n_values < 1 || rep->values[0] == NULL ||
                svc_xapi_index_parse(rep->values[0], rep->lens[0], &op->ix) != 0) {
                memset(&op->ix, 0, sizeof op->ix);
                void_mark(op, SVC_VOID_NOT_APPLIED);
            } else if (op->ix.state == 'V') {
                op->outcome = SVC_VOID_ALREADY;
                op->state = VOID_DONE;
            } else if (op->ix.learner[0] == '\0') {
                void_mark(op, SVC_VOID_NOT_APPLIED);
            } else {
                op->state = VOID_WRITE;
                if (svc_store_history(op->o->store, op->ix.learner, on_void_reply, op) != 0) {
                    void_fail(op, SVC_STORE_UNAVAILABLE);
                    break;
                }
                return;
            }
            break;
        case VOID_WRITE:            /* the history came back */
            if (rep->status == SVC_STORE_NOTFOUND)
                void_mark(op, SVC_VOID_NOT_APPLIED);        /* the learner was deleted */
            else if (rep->status != SVC_STORE_OK)
                void_fail(op, rep->status);
            else
                void_rebuild(op, rep);
            if (op->state == VOID_WRITTEN)
                return;
            break;
        case VOID_WRITTEN:
            if (rep->status == SVC_STORE_OK) {
                if (rep->watched)
                    svc_ops_publish(op->o, op->cat, &op->next, op->ix.learner, op->now);
                /* the index entry apart: a learner's keys are one slot, the
                 * statement's another (svc_store.c, VOID_LUA) */
                void_mark(op, SVC_VOID_UNDONE);
            } else if (rep->status == SVC_STORE_CONFLICT && op->retries++ < op->o->max_retries) {
                op->o->stats->version_conflicts++;
                op->state = VOID_WRITE;
                if (svc_store_history(op->o->store, op->ix.learner, on_void_reply, op) != 0) {
                    void_fail(op, SVC_STORE_UNAVAILABLE);
                    break;
                }
                return;
            } else if (rep->status == SVC_STORE_CONFLICT) {
                op->err = SVC_ERR_UNAVAILABLE;
                msgf(op->msg, "learner '%s' is changing too fast; retry", op->ix.learner);
                op->state = VOID_DONE;
            } else {
                void_fail(op, rep->status);
            }
            break;
        case VOID_DONE:
            op->cb(op->arg, op->err, op->msg, op->outcome);
            rs_learner_deinit(&op->next);
            svc_catalog_unref(op->cat);
            free(op);
            return;
        }
    }
}

void svc_op_void(struct svc_ops *o, struct svc_catalog *cat, const char *statement, int64_t now,
                 svc_op_void_cb *cb, void *arg)
{
    struct op_void *op = calloc(1, sizeof *op);
    if (op == NULL) {
        cb(arg, SVC_ERR_INTERNAL, "out of memory", SVC_VOID_NOT_APPLIED);
        return;
    }
    op->o = o;
    op->cat = svc_catalog_ref(cat);
    op->now = now;
    op->cb = cb;
    op->arg = arg;
    op->next.target = -1;
    snprintf(op->statement, sizeof op->statement, "%s", statement);
    op->state = VOID_INDEX;
    void_drive(op);
}
