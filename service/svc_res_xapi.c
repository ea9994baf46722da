/* SPDX-License-Identifier: MIT
 * xAPI: skillpath as a write-only Learning Record Store endpoint, so an LMS
 * (Moodle's logstore_xapi, Open edX's event routing, Learning Locker's
 * forwarding) sends its learning records by configuration alone.
 *   GET  /xapi/about                    the versions spoken
 *   POST /xapi/statements               one statement or an array: 200 with their ids
 *   PUT  /xapi/statements?statementId=  one statement: 204
 * The statements (svc_xapi.c) become events of one batch (svc_op_events):
 * the statement id is the event id, so a replay is DUPLICATE and changes
 * nothing. Each applied statement's content digest is kept under its id
 * (P xs:ID): first the batch's ids are looked up (one MGET), and an id sent
 * again with other content refuses the batch with 409, before anything is
 * applied. A voiding statement undoes the statement it names, after the
 * batch's others were applied: its learner is rebuilt from the event
 * stream without it (svc_op_void), and the statement stays voided when
 * sent again. What cannot be used (an unknown learner or activity, a verb that
 * teaches nothing) is answered as accepted — an LMS sends its whole
 * firehose, and a 4xx would make it retry — and counted by outcome. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sys/queue.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "svc_catalog.h"
#include "svc_http.h"
#include "svc_log.h"
#include "svc_res.h"
#include "svc_store.h"
#include "svc_xapi.h"

void svc_res_xapi_about(struct svc_req *r)
{
    static const char about[] = "{\"version\":[\"1.0.3\",\"2.0.0\"]}";
    svc_reply_raw(r, 200, "application/json", about, sizeof about - 1);
}

/* A statement batch on its way through the event operation. */
struct xapi_call {
    struct svc_req *r;
    bool put;
    struct svc_xapi_batch stmts;
    Skillpath__V1__EventBatch batch;
    Skillpath__V1__Event *events;       /* the statements that teach, in order */
    Skillpath__V1__Event **ptrs;
    size_t *stmt_of;                    /* events[i] is stmts.stmts[stmt_of[i]] */
    size_t next_void;                   /* the voiding statements before it are done */
    size_t next_create;                 /* xapi-create-learners: the learners before it exist */
    Skillpath__V1__Learner new_learner; /* what a created learner is */
};

static void call_free(struct xapi_call *c)
{
    svc_xapi_batch_free(&c->stmts);
    free(c->events);
    free(c->ptrs);
    free(c->stmt_of);
    free(c);
}

/* Count every statement's outcome and answer: the ids in order (POST), or
 * 204 (PUT). */
static void answer(struct xapi_call *c)
{
    struct svc_req *r = c->r;
    for (size_t i = 0; i < c->stmts.n; i++) {
        const struct svc_xapi_stmt *s = &c->stmts.stmts[i];
        r->h->stats.xapi[s->outcome]++;
        svc_log(SVC_LOG_DEBUG, "msg=xapi_statement id=%s outcome=%d", s->id, (int)s->outcome);
    }
    if (c->put) {
        svc_reply_raw(r, 204, NULL, NULL, 0);
        return;
    }
    size_t cap = c->stmts.n * (SVC_XAPI_UUID_LEN + 3) + 3, len = 0;
    char *body = malloc(cap);
    if (body == NULL) {
        svc_reply_error(r, SVC_ERR_INTERNAL, "out of memory");
        return;
    }
    body[len++] = '[';
    for (size_t i = 0; i < c->stmts.n; i++)
        len += (size_t)snprintf(body + len, cap - len, "%s\"%s\"", i ? "," : "", c->stmts.stmts[i].id);
    body[len++] = ']';
    svc_reply_raw(r, 200, "application/json", body, len);
    free(body);
}

/* Remember what statement s was used for (a side effect: a failure is
 * counted by the store, the answer stays). */
static void remember(struct svc_req *r, const struct svc_xapi_stmt *s, const char *learner)
{
    struct svc_xapi_index ix = { .state = 'A' };
    char v[SVC_XAPI_INDEX_MAX];
    memcpy(ix.digest, s->digest, sizeof ix.digest);
    snprintf(ix.learner, sizeof ix.learner, "%s", learner);
    svc_xapi_index_format(&ix, v);
    svc_store_statement_put(r->h->store, s->id, v, false);
}

static void run_voids(struct xapi_call *c);

static void on_void(void *arg, enum svc_err err, const char *msg, enum svc_void_outcome outcome)
{
    struct xapi_call *c = arg;
    struct svc_req *r = c->r;
    if (!svc_req_complete(r, err, msg)) {
        call_free(c);
        return;
    }
    struct svc_xapi_stmt *s = &c->stmts.stmts[c->next_void++];
    svc_log(SVC_LOG_DEBUG, "msg=xapi_voided id=%s voids=%s outcome=%d", s->id, s->voids, (int)outcome);
    remember(r, s, "");     /* sent again, it is a duplicate */
    run_voids(c);
    svc_req_settle(r);
}

/* Undo what the batch's voiding statements name, one after the other,
 * after its other statements were applied (one may void a statement of the
 * same batch); then answer. */
static void run_voids(struct xapi_call *c)
{
    struct svc_req *r = c->r;
    while (c->next_void < c->stmts.n) {
        struct svc_xapi_stmt *s = &c->stmts.stmts[c->next_void];
        if (s->outcome == SVC_XAPI_voided && s->voids[0]) {
            svc_req_wait(r);
            svc_op_void(&r->h->ops, r->cat, s->voids, (int64_t)time(NULL), on_void, c);
            return;
        }
        c->next_void++;
    }
    answer(c);
    call_free(c);
}

static void on_events(void *arg, enum svc_err err, const char *msg,
                      const Skillpath__V1__EventResults *results)
{
    struct xapi_call *c = arg;
    struct svc_req *r = c->r;
    if (!svc_req_complete(r, err, msg)) {
        call_free(c);
        return;
    }
    for (size_t i = 0; i < results->n_results && i < c->batch.n_events; i++) {
        struct svc_xapi_stmt *s = &c->stmts.stmts[c->stmt_of[i]];
        const Skillpath__V1__EventResult *res = results->results[i];
        switch (res->status) {
        case SKILLPATH__V1__EVENT_STATUS__APPLIED:
        case SKILLPATH__V1__EVENT_STATUS__DUPLICATE:
            s->outcome = res->status == SKILLPATH__V1__EVENT_STATUS__APPLIED ? SVC_XAPI_applied
                                                                             : SVC_XAPI_duplicate;
            remember(r, s, s->learner);     /* for the 409 check, and voiding */
            break;
        default:
            /* an unknown learner is the LMS's business, not an error */
            s->outcome = strstr(res->reason, "unknown learner") ? SVC_XAPI_ignored_learner
                                                                : SVC_XAPI_rejected;
            if (s->outcome == SVC_XAPI_rejected)
                svc_log(SVC_LOG_INFO, "msg=xapi_rejected id=%s reason=\"%s\"", s->id, res->reason);
        }
    }
    run_voids(c);
    svc_req_settle(r);
}

/* X-Experience-API-Version: absent (Learning Locker sends none), 1.0.x or
 * 2.0.0 (the transport answers 2.0.0 to a 2.0.0 sender). */
static bool check_version(struct svc_req *r, const char *v)
{
    if (v == NULL || strcmp(v, "2.0.0") == 0 || strcmp(v, "2.0") == 0 || strcmp(v, "1.0") == 0 ||
        strncmp(v, "1.0.", 4) == 0)
        return true;
    svc_reply_error(r, SVC_ERR_INVALID, "X-Experience-API-Version '%.40s': 1.0.x or 2.0.0 are spoken", v);
    return false;
}

static bool check_type(struct svc_req *r, const char *ctype)
{
    if (ctype && strncasecmp(ctype, "application/json", 16) == 0 &&
        (ctype[16] == '\0' || ctype[16] == ';' || ctype[16] == ' '))
        return true;
    if (ctype && strncasecmp(ctype, "multipart/mixed", 15) == 0)
        svc_reply_error(r, SVC_ERR_MEDIA_TYPE,
                        "attachments (multipart/mixed) are not accepted: switch statement "
                        "attachments off in the sender");
    else
        svc_reply_error(r, SVC_ERR_MEDIA_TYPE, "Content-Type '%.100s': send application/json",
                        ctype ? ctype : "");
    return false;
}

/* PUT's ?statementId=UUID, lowercased into id. */
static bool statement_id_param(struct svc_req *r, char *id)
{
    struct evkeyvalq q;
    TAILQ_INIT(&q);
    bool ok = r->query && evhttp_parse_query_str(r->query, &q) == 0;
    const char *v = ok ? evhttp_find_header(&q, "statementId") : NULL;
    ok = v && svc_xapi_uuid(v, id);
    evhttp_clear_headers(&q);
    if (!ok)
        svc_reply_error(r, SVC_ERR_INVALID, "statementId: a UUID is required in the query");
    return ok;
}

/* Apply the statements that teach and are new; answer when done. */
static void apply(struct xapi_call *c)
{
    struct svc_req *r = c->r;
    size_t n = c->stmts.n;
    c->events = calloc(n, sizeof *c->events);
    c->ptrs = calloc(n, sizeof *c->ptrs);
    c->stmt_of = calloc(n, sizeof *c->stmt_of);
    if (!c->events || !c->ptrs || !c->stmt_of) {
        svc_reply_error(r, SVC_ERR_INTERNAL, "out of memory");
        call_free(c);
        return;
    }
    skillpath__v1__event_batch__init(&c->batch);
    for (size_t i = 0; i < n; i++) {
        struct svc_xapi_stmt *s = &c->stmts.stmts[i];
        if (s->outcome != SVC_XAPI_applied)
            continue;
        Skillpath__V1__Event *e = &c->events[c->batch.n_events];
        skillpath__v1__event__init(e);
        e->event_id = s->id;
        e->learner_id = s->learner;
        e->course_id = (char *)rs_catalog_course_id(r->cat->cat, s->event.course);
        e->kind = (Skillpath__V1__EventKind)s->event.kind;
        e->score = s->event.has_score ? s->event.score : 0;
        e->at = s->event.at;
        e->duration_s = s->duration_s;
        c->stmt_of[c->batch.n_events] = i;
        c->ptrs[c->batch.n_events++] = e;
    }
    c->batch.events = c->ptrs;
    if (c->batch.n_events == 0) {       /* nothing to apply */
        run_voids(c);
        return;
    }
    svc_req_wait(r);
    svc_op_events(&r->h->ops, r->cat, &c->batch, (int64_t)time(NULL), &r->gone, on_events, c);
}

static void create_next(struct xapi_call *c);

static void on_created(void *arg, enum svc_err err, const char *msg, const struct rs_learner *written,
                       bool created)
{
    struct xapi_call *c = arg;
    struct svc_req *r = c->r;
    const char *id = c->stmts.stmts[c->next_create].learner;
    (void)written;
    if (err == SVC_ERR_INVALID)         /* the configured tier/target do not fit the catalog */
        svc_log(SVC_LOG_WARN, "msg=xapi_learner_not_created id=%s reason=\"%s\"", id, msg);
    if (!svc_req_complete(r, err == SVC_ERR_INVALID ? SVC_ERR_OK : err, msg)) {
        call_free(c);
        return;
    }
    if (created) {
        r->h->stats.xapi_learners_created++;
        svc_log(SVC_LOG_INFO, "msg=xapi_learner_created id=%s", id);
    }
    c->next_create++;
    create_next(c);
    svc_req_settle(r);
}

/* xapi-create-learners: each account of the batch's statements that has
 * no learner becomes one, one after the other; then the batch is applied. */
static void create_next(struct xapi_call *c)
{
    struct svc_req *r = c->r;
    for (; c->next_create < c->stmts.n; c->next_create++) {
        const struct svc_xapi_stmt *s = &c->stmts.stmts[c->next_create];
        if (s->outcome != SVC_XAPI_applied || s->learner[0] == '\0')
            continue;
        bool seen = false;
        for (size_t k = 0; k < c->next_create && !seen; k++)
            seen = c->stmts.stmts[k].outcome == SVC_XAPI_applied &&
                   strcmp(c->stmts.stmts[k].learner, s->learner) == 0;
        if (seen)
            continue;
        svc_req_wait(r);
        svc_op_create(&r->h->ops, r->cat, s->learner, &c->new_learner, (int64_t)time(NULL),
                      on_created, c);
        return;
    }
    apply(c);
}

/* After the lookups: create what is missing (xapi-create-learners), apply. */
static void proceed(struct xapi_call *c)
{
    if (c->r->h->conf.xapi.create_learners)
        create_next(c);
    else
        apply(c);
}

static bool by_mailbox(const struct svc_xapi_stmt *s)
{
    return s->outcome == SVC_XAPI_applied && s->learner[0] == '\0' && s->mailbox[0];
}

/* The learners of actors named by a mailbox came back (P xa:H, filled by
 * PUT /v1/learners/{id} with xapiIds): unknown ones are ignored_learner. */
static void on_mailboxes(void *arg, const struct svc_store_reply *reply)
{
    struct xapi_call *c = arg;
    struct svc_req *r = c->r;
    enum svc_err err = reply->status == SVC_STORE_OK ? SVC_ERR_OK : SVC_ERR_UNAVAILABLE;
    if (!svc_req_complete(r, err, "learner lookup unavailable")) {
        call_free(c);
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < c->stmts.n; i++) {
        struct svc_xapi_stmt *s = &c->stmts.stmts[i];
        if (!by_mailbox(s))
            continue;
        const char *v = k < reply->n_values ? reply->values[k] : NULL;
        size_t len = v ? reply->lens[k] : 0;
        k++;
        if (v && len < sizeof s->learner) {
            memcpy(s->learner, v, len);
            s->learner[len] = '\0';
        }
        if (!svc_keys_valid_id(s->learner))
            s->outcome = SVC_XAPI_ignored_learner;
    }
    proceed(c);
    svc_req_settle(r);
}

/* Look the mailbox-named actors up (one MGET), then go on. */
static void lookup_mailboxes(struct xapi_call *c)
{
    struct svc_req *r = c->r;
    const char **ids = calloc(c->stmts.n + 1, sizeof *ids);
    size_t n = 0;
    if (ids == NULL) {
        svc_reply_error(r, SVC_ERR_INTERNAL, "out of memory");
        call_free(c);
        return;
    }
    for (size_t i = 0; i < c->stmts.n; i++)
        if (by_mailbox(&c->stmts.stmts[i]))
            ids[n++] = c->stmts.stmts[i].mailbox;
    if (n == 0) {
        free(ids);
        proceed(c);
        return;
    }
    svc_req_wait(r);
    int rc = svc_store_lookup(r->h->store, SVC_KEY_ALIAS, ids, n, on_mailboxes, c);
    free(ids);
    if (rc != 0) {
        svc_req_resume(r);
        svc_reply_error(r, SVC_ERR_UNAVAILABLE, "learner lookup unavailable (not connected)");
        call_free(c);
    }
}

/* The batch's ids looked up: one applied before with other content refuses
 * the batch (409); one applied with the same content is a duplicate. */
static void on_index(void *arg, const struct svc_store_reply *reply)
{
    struct xapi_call *c = arg;
    struct svc_req *r = c->r;
    enum svc_err err = reply->status == SVC_STORE_OK ? SVC_ERR_OK : SVC_ERR_UNAVAILABLE;
    if (!svc_req_complete(r, err, "statement store unavailable")) {
        call_free(c);
        return;
    }
    for (size_t i = 0; i < c->stmts.n && i < reply->n_values; i++) {
        struct svc_xapi_stmt *s = &c->stmts.stmts[i];
        struct svc_xapi_index ix;
        if (reply->values[i] == NULL ||
            svc_xapi_index_parse(reply->values[i], reply->lens[i], &ix) != 0)
            continue;
        if (ix.digest[0] && strcmp(ix.digest, s->digest) != 0) {
            r->h->stats.xapi[SVC_XAPI_rejected] += c->stmts.n;
            svc_reply_error(r, SVC_ERR_CONFLICT,
                            "statements[%zu]: id %s was sent before with other content", i, s->id);
            call_free(c);
            svc_req_settle(r);
            return;
        }
        /* applied before, the same: nothing to do; voided: it stays voided */
        s->outcome = ix.state == 'V' ? SVC_XAPI_voided : SVC_XAPI_duplicate;
        s->voids[0] = '\0';
    }
    lookup_mailboxes(c);
    svc_req_settle(r);
}

void svc_res_xapi_statements(struct svc_req *r)
{
    struct evkeyvalq *in = evhttp_request_get_input_headers(r->ev);
    if (!check_version(r, evhttp_find_header(in, "X-Experience-API-Version")) ||
        !check_type(r, evhttp_find_header(in, "Content-Type")))
        return;
    bool put = r->method == EVHTTP_REQ_PUT;
    char param[SVC_XAPI_UUID_LEN + 1];
    if (put && !statement_id_param(r, param))
        return;
    struct xapi_call *c = calloc(1, sizeof *c);
    if (c == NULL) {
        svc_reply_error(r, SVC_ERR_INTERNAL, "out of memory");
        return;
    }
    c->r = r;
    c->put = put;
    const struct svc_xapi_ingest *xc = &r->h->conf.xapi;
    const struct svc_xapi_conf conf = { .max_statements = r->h->conf.max_batch,
                                        .fail_score = xc->fail_score, .home_pages = xc->home_pages };
    skillpath__v1__learner__init(&c->new_learner);
    c->new_learner.tier = (Skillpath__V1__Tier)xc->new_tier;
    c->new_learner.target_id = (char *)(xc->new_target ? xc->new_target : "");
    char err[512];
    if (svc_xapi_parse(r->cat, &conf, r->raw, r->raw_len, put, (int64_t)time(NULL), &c->stmts, err,
                       sizeof err) != 0) {
        r->h->stats.xapi[SVC_XAPI_rejected]++;
        svc_reply_error(r, SVC_ERR_INVALID, "%s", err);
        call_free(c);
        return;
    }
    if (put) {
        struct svc_xapi_stmt *s = &c->stmts.stmts[0];
        if (!s->derived && strcmp(s->id, param) != 0) {
            svc_reply_error(r, SVC_ERR_INVALID, "id %s differs from statementId %s", s->id, param);
            call_free(c);
            return;
        }
        memcpy(s->id, param, sizeof param);
    }
    const char **ids = calloc(c->stmts.n, sizeof *ids);
    if (ids == NULL) {
        svc_reply_error(r, SVC_ERR_INTERNAL, "out of memory");
        call_free(c);
        return;
    }
    for (size_t i = 0; i < c->stmts.n; i++)
        ids[i] = c->stmts.stmts[i].id;
    svc_req_wait(r);
    int rc = svc_store_statements_get(r->h->store, ids, c->stmts.n, on_index, c);
    free(ids);
    if (rc != 0) {
        svc_req_resume(r);
        svc_reply_error(r, SVC_ERR_UNAVAILABLE, "statement store unavailable (not connected)");
        call_free(c);
    }
}
