/* SPDX-License-Identifier: MIT
 * HTTP routes of skillpathd.
 *
 * DESIGN
 * Each request gets a `struct req` that lives until it has been answered (or
 * its client has gone) and no store command of it is outstanding. Handlers
 * either answer at once or submit one store command and return; the store
 * calls back exactly once and the handler continues from there. If the
 * client hangs up meanwhile, the connection's close callback clears r->ev,
 * and the callbacks then only release what they hold: the request object,
 * which libevent frees with the connection, is never touched again.
 * Every answer goes through reply() (which picks the status line, encoding
 * and log line) or reply_error(); validators answer 4xx themselves and
 * return -1, so handlers just return.
 */
#include <ctype.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/skillpath.pb-c.h"
#include "svc_auth.h"
#include "svc_catalog.h"
#include "svc_codec.h"
#include "svc_http.h"
#include "svc_log.h"
#include "svc_model.h"
#include "svc_push.h"
#include "svc_recommend.h"
#include "svc_stats.h"
#include "svc_store.h"

#define MAX_ID 128
#define NEXT_DEFAULT 3
#define NEXT_MAX 20
#define ERRLEN 512

struct svc_http {
    struct event_base *base;
    struct evhttp *http;
    struct svc_store *store;
    struct svc_catalog *cat;            /* current snapshot (one reference) */
    struct svc_http_conf conf;
    struct rs_model model;
    uint64_t next_id;
    size_t in_flight;
    void (*on_idle)(void *);
    void *idle_arg;
    struct svc_stats stats;
    struct svc_recommend_scratch scratch; /* this loop's path scratch */
    bool fetching;                      /* a catalog read from Redis is outstanding */
    bool refetch;                       /* another announcement came meanwhile */
    struct event *fetch_retry;          /* until a first catalog is loaded */
    struct event *publish;              /* copies counters to the hub */
};

enum route {
    R_NONE = SVC_ROUTE_none, R_HEALTHZ = SVC_ROUTE_healthz, R_READYZ = SVC_ROUTE_readyz,
    R_METRICS = SVC_ROUTE_metrics, R_CATALOG = SVC_ROUTE_catalog, R_COURSE = SVC_ROUTE_course,
    R_RECOMMEND = SVC_ROUTE_recommend, R_LEARNER = SVC_ROUTE_learner, R_NEXT = SVC_ROUTE_next,
    R_STREAM = SVC_ROUTE_stream, R_EVENTS = SVC_ROUTE_events,
};

struct req {
    struct svc_http *h;
    struct evhttp_request *ev;          /* NULL once answered or the client is gone */
    struct evhttp_connection *evcon;
    uint64_t id;
    enum route route;
    enum evhttp_cmd_type method;
    enum svc_enc in, out;
    struct timespec start;
    struct svc_catalog *cat;            /* the snapshot this request runs on */
    char learner_id[MAX_ID + 1];
    bool pending;                       /* a store command is outstanding */
    struct event *hangup;               /* while waiting: the client's FIN (EV_CLOSED) */
    ProtobufCMessage *body;             /* the decoded request body */
    int retries;
    uint32_t n;                         /* /next: lessons wanted */
    struct rs_learner next;             /* PUT and events: the state being written */
    struct svc_catalog *new_cat;        /* PUT /v1/catalog: validated, being stored */
    bool created;                       /* PUT: there was no learner before */
    /* POST /v1/events */
    size_t ev_index;
    Skillpath__V1__EventResult *results;
    Skillpath__V1__EventResult **result_ptrs;
    size_t n_results;
};

/* ---------------------------------------------------------------- lifecycle */

/* Stop watching for the client's hang-up. */
static void unwatch(struct req *r)
{
    if (r->hangup)
        event_free(r->hangup);
    r->hangup = NULL;
}

static void req_free(struct req *r)
{
    struct svc_http *h = r->h;
    unwatch(r);
    if (r->body)
        protobuf_c_message_free_unpacked(r->body, NULL);
    for (size_t i = 0; i < r->n_results; i++)
        if (r->results[i].reason != protobuf_c_empty_string)
            free(r->results[i].reason);
    free(r->results);
    free(r->result_ptrs);
    rs_learner_deinit(&r->next);
    svc_catalog_unref(r->new_cat);
    svc_catalog_unref(r->cat);
    free(r);
    h->in_flight--;
    if (h->in_flight == 0 && h->on_idle)
        h->on_idle(h->idle_arg);
}

/* Free the request once it is answered (or abandoned) and nothing is pending. */
static void req_settle(struct req *r)
{
    if (r->ev == NULL && !r->pending)
        req_free(r);
}

static void on_client_gone(struct evhttp_connection *evcon, void *arg)
{
    struct req *r = arg;
    (void)evcon;
    svc_log(SVC_LOG_INFO, "msg=client_gone id=%llu", (unsigned long long)r->id);
    r->h->stats.clients_gone++;
    unwatch(r);
    /* libevent detaches a request still owed a reply from the connection it
     * frees; the request is then ours to free (see svc_push.c too). */
    if (r->ev && evhttp_request_get_connection(r->ev) == NULL)
        evhttp_request_free(r->ev);
    r->ev = NULL;
    r->evcon = NULL;
    req_settle(r);
}

static double ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* ---------------------------------------------------------------- replies */

static const char *reason_phrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 503: return "Service Unavailable";
    default: return "Internal Server Error";
    }
}

static void send_raw(struct req *r, int status, const char *ctype, const void *body, size_t len)
{
    if (r->ev == NULL)
        return;
    struct evkeyvalq *hdr = evhttp_request_get_output_headers(r->ev);
    if (ctype)
        evhttp_add_header(hdr, "Content-Type", ctype);
    if (status == 503)
        evhttp_add_header(hdr, "Retry-After", "1");
    struct evbuffer *buf = evbuffer_new();
    if (buf && len)
        evbuffer_add(buf, body, len);
    if (r->evcon)
        evhttp_connection_set_closecb(r->evcon, NULL, NULL);
    unwatch(r);
    evhttp_send_reply(r->ev, status, reason_phrase(status), buf);
    if (buf)
        evbuffer_free(buf);
    double ms = ms_since(&r->start);
    svc_log(SVC_LOG_INFO, "msg=request worker=%zu id=%llu method=%s route=%s status=%d dur_ms=%.3f",
            r->h->conf.worker, (unsigned long long)r->id,
            r->method == EVHTTP_REQ_GET ? "GET" : r->method == EVHTTP_REQ_POST ? "POST"
            : r->method == EVHTTP_REQ_PUT ? "PUT" : r->method == EVHTTP_REQ_DELETE ? "DELETE"
            : "OTHER", svc_route_name((enum svc_route)r->route), status, ms);
    svc_stats_request(&r->h->stats, (enum svc_route)r->route, status, ms / 1e3);
    r->ev = NULL;
    r->evcon = NULL;
}

/* Answer with a message in the negotiated encoding. */
static void reply(struct req *r, int status, const ProtobufCMessage *m)
{
    size_t len = 0;
    void *body = m ? svc_codec_encode(r->out, m, &len) : NULL;
    if (m && body == NULL) {
        send_raw(r, 500, "text/plain", "out of memory\n", 14);
        return;
    }
    send_raw(r, status, m ? svc_codec_content_type(r->out) : NULL, body, len);
    free(body);
}

static void reply_error(struct req *r, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void reply_error(struct req *r, int status, const char *code, const char *fmt, ...)
{
    char msg[ERRLEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    Skillpath__V1__Error e;
    skillpath__v1__error__init(&e);
    e.code = (char *)code;
    e.message = msg;
    if (status >= 500)
        svc_log(SVC_LOG_WARN, "msg=error id=%llu status=%d code=%s", (unsigned long long)r->id,
                status, code);
    reply(r, status, &e.base);
}

static void reply_store_failure(struct req *r, int status)
{
    reply_error(r, 503, "unavailable", "learner store unavailable (%s); retry shortly",
                status == SVC_STORE_TIMEOUT ? "timed out" : "not connected");
}

/* evhttp reads nothing while a request waits for its answer (libevent 2.1
 * disables EV_READ), so a client that hangs up would go unnoticed until the
 * reply is written. While the request waits on Redis, watch its socket for
 * the peer's FIN (EV_CLOSED, epoll's EPOLLRDHUP) and release the connection
 * then: the close callback marks the request gone, the store's answer later
 * finds nobody to answer, and the client is counted gone. */
static void on_hangup(evutil_socket_t fd, short what, void *arg)
{
    struct req *r = arg;
    (void)fd;
    (void)what;
    if (r->evcon)
        evhttp_connection_free(r->evcon);       /* calls on_client_gone */
}

static void watch_hangup(struct req *r)
{
    struct bufferevent *bev = evhttp_connection_get_bufferevent(r->evcon);
    evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;
    if (fd < 0)
        return;
    r->hangup = event_new(r->h->base, fd, EV_CLOSED, on_hangup, r);
    if (r->hangup && event_add(r->hangup, NULL) != 0)
        unwatch(r);
}

/* After a store submit: the request now waits for its callback, or, with no
 * connection to submit on, it is answered 503 at once. */
static void await_store(struct req *r, int submit_rc)
{
    if (submit_rc != 0)
        reply_store_failure(r, SVC_STORE_UNAVAILABLE);
    else
        r->pending = true;
    if (submit_rc == 0 && r->hangup == NULL && r->evcon)
        watch_hangup(r);
}

/* The start of every store callback: false (and the request released) when
 * its client has gone, so the callback stops there. */
static bool resume(struct req *r)
{
    r->pending = false;
    if (r->ev != NULL)
        return true;
    req_settle(r);
    return false;
}

/* ---------------------------------------------------------------- input */

static int valid_id(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!(isalnum((unsigned char)s[n]) || strchr("._:@-", s[n])))
            return 0;
    return n > 0 && n <= MAX_ID;
}

/* Decode the body as `desc`; on failure answer 4xx and return NULL. */
static ProtobufCMessage *read_body(struct req *r, const ProtobufCMessageDescriptor *desc)
{
    struct evbuffer *in = evhttp_request_get_input_buffer(r->ev);
    size_t len = evbuffer_get_length(in);
    size_t limit = desc == &skillpath__v1__catalog__descriptor ? r->h->conf.max_catalog
                                                                : r->h->conf.max_body;
    if (len > limit) {
        reply_error(r, 413, "payload_too_large", "body of %zu bytes exceeds the limit of %zu",
                    len, limit);
        return NULL;
    }
    const void *data = len ? (const void *)evbuffer_pullup(in, -1) : (const void *)"";
    char err[ERRLEN];
    ProtobufCMessage *m = svc_codec_decode(r->in, desc, data, len, err, sizeof err);
    if (m == NULL)
        reply_error(r, 400, "invalid_argument", "%s", err);
    return m;
}

static int64_t now_s(void)
{
    return (int64_t)time(NULL);
}

/* ---------------------------------------------------------------- simple routes */

static void handle_catalog(struct req *r)
{
    const struct rs_catalog *cat = r->cat->cat;
    Skillpath__V1__CatalogInfo info;
    skillpath__v1__catalog_info__init(&info);
    info.version = (char *)rs_catalog_version(cat);
    info.tags = (uint32_t)rs_catalog_n_tags(cat);
    info.courses = (uint32_t)rs_catalog_n_courses(cat);
    info.targets = (uint32_t)rs_catalog_n_targets(cat);
    size_t nm = rs_catalog_n_modules(cat);
    char **mods = calloc(nm + 1, sizeof *mods);
    if (mods == NULL) {
        reply_error(r, 500, "internal", "out of memory");
        return;
    }
    for (size_t m = 0; m < nm; m++)
        mods[m] = (char *)rs_catalog_module_name(cat, m);
    info.modules = mods;
    info.n_modules = nm;
    reply(r, 200, &info.base);
    free(mods);
}

static void handle_metrics(struct req *r)
{
    struct svc_store_stats st;
    struct svc_push_stats ps = {0};
    struct svc_stats *all = malloc(sizeof *all);
    if (all == NULL) {
        reply_error(r, 500, "internal", "out of memory");
        return;
    }
    *all = r->h->stats;
    svc_store_get_stats(r->h->store, &st);
    if (r->h->conf.push)
        svc_push_get_stats(r->h->conf.push, &ps);
    if (r->h->conf.hub)             /* the other workers' latest copies */
        svc_stats_hub_sum(r->h->conf.hub, r->h->conf.worker, all, &st, &ps);
    size_t len = 0;
    const struct rs_catalog *cat = r->cat ? r->cat->cat : NULL;
    char *text = svc_stats_render(all, &st, r->h->conf.push ? &ps : NULL,
                                  cat ? rs_catalog_version(cat) : "",
                                  cat ? rs_catalog_n_courses(cat) : 0,
                                  cat ? rs_catalog_n_tags(cat) : 0, r->h->in_flight, &len);
    free(all);
    if (text == NULL) {
        reply_error(r, 500, "internal", "out of memory");
        return;
    }
    send_raw(r, 200, "text/plain; version=0.0.4", text, len);
    free(text);
}

static void handle_course(struct req *r, const char *id)
{
    size_t j;
    if (rs_catalog_find_course(r->cat->cat, id, &j) != 0) {
        reply_error(r, 404, "not_found", "no course '%s'", id);
        return;
    }
    reply(r, 200, &r->cat->pb->courses[j]->base);
}

/* The pipeline's inputs on this loop for request `r`. */
static struct svc_recommend_ctx reco_ctx(struct req *r)
{
    struct svc_recommend_ctx x = {
        .cat = r->cat->cat, .model = &r->h->model,
        .ws = svc_recommend_scratch_for(&r->h->scratch, r->cat), .now = now_s(),
    };
    return x;
}

/* Answer a refusal of the recommend pipeline. */
static void reply_recommend_failure(struct req *r, enum svc_recommend_status st, const char *err)
{
    if (st == SVC_RECOMMEND_NOMEM)
        reply_error(r, 500, "internal", "out of memory");
    else
        reply_error(r, 400, "invalid_argument", "%s", err);
}

static void answer_recommend(struct req *r, const struct rs_learner *l, const char *learner_id)
{
    const Skillpath__V1__RecommendRequest *req = (const Skillpath__V1__RecommendRequest *)r->body;
    struct svc_recommend_ctx x = reco_ctx(r);
    Skillpath__V1__RecommendResponse *resp;
    char err[ERRLEN];
    enum svc_recommend_status st = svc_recommend_run(&x, req, l, learner_id, &resp, err, sizeof err);
    if (st != SVC_RECOMMEND_OK) {
        reply_recommend_failure(r, st, err);
        return;
    }
    reply(r, 200, &resp->base);
    svc_model_path_free(resp);
}

static void answer_next(struct req *r, const struct rs_learner *l)
{
    struct svc_recommend_ctx x = reco_ctx(r);
    struct svc_lessons ls;
    char err[ERRLEN];
    enum svc_recommend_status st = svc_recommend_next(&x, l, r->learner_id, r->n, &ls, err, sizeof err);
    if (st != SVC_RECOMMEND_OK)
        reply_recommend_failure(r, st, err);
    else
        reply(r, 200, &ls.msg.base);
    svc_recommend_lessons_deinit(&ls);
}

/* Open the learner's stream: the request becomes push's (it answers it). */
static void answer_stream(struct req *r, const struct rs_learner *l)
{
    struct svc_recommend_ctx x = reco_ctx(r);
    struct svc_lessons ls;
    char err[ERRLEN];
    enum svc_recommend_status st =
        svc_recommend_next(&x, l, r->learner_id, r->h->conf.push_lessons, &ls, err, sizeof err);
    if (st != SVC_RECOMMEND_OK) {
        reply_recommend_failure(r, st, err);
    } else if (svc_push_attach(r->h->conf.push, r->ev, r->learner_id, &ls.msg) != 0) {
        reply_error(r, 500, "internal", "out of memory");
    } else {
        svc_log(SVC_LOG_INFO, "msg=stream_opened id=%llu", (unsigned long long)r->id);
        svc_stats_request(&r->h->stats, SVC_ROUTE_stream, 200, ms_since(&r->start) / 1e3);
        r->ev = NULL;           /* push owns it now, and its close callback */
        r->evcon = NULL;
    }
    svc_recommend_lessons_deinit(&ls);
}

/* After a learner changed: its new next lessons, to every daemon's streams.
 * A side effect: it never answers the request, whatever happens here; a
 * failure is logged and counted, and the caller's reply stays the write's. */
static void publish(struct req *r, const struct rs_learner *l, const char *id)
{
    if (r->h->conf.push == NULL)
        return;
    struct svc_recommend_ctx x = reco_ctx(r);
    struct svc_lessons ls;
    char err[ERRLEN];
    enum svc_recommend_status st =
        svc_recommend_next(&x, l, id, r->h->conf.push_lessons, &ls, err, sizeof err);
    if (st == SVC_RECOMMEND_OK) {
        svc_push_publish(r->h->conf.push, &ls.msg);
    } else {
        svc_push_count_failure(r->h->conf.push);
        svc_log(SVC_LOG_WARN, "msg=push_skipped id=%llu reason=\"%s\"", (unsigned long long)r->id,
                st == SVC_RECOMMEND_NOMEM ? "out of memory" : err);
    }
    svc_recommend_lessons_deinit(&ls);
}

static void answer_view(struct req *r, int status, const struct rs_learner *l)
{
    const struct rs_catalog *cat = r->cat->cat;
    size_t D = l->dim;
    Skillpath__V1__LearnerView view;
    skillpath__v1__learner_view__init(&view);
    Skillpath__V1__Learner *pb = svc_model_learner_to_pb(cat, l, r->learner_id);
    float *eff = malloc(D * sizeof *eff + 1);
    int64_t *due = malloc(D * sizeof *due + 1);
    if (!pb || !eff || !due) {
        reply_error(r, 500, "internal", "out of memory");
        goto out;
    }
    view.now = now_s();
    rs_learner_effective(&r->h->model, l, view.now, eff);
    const float *t = l->target >= 0 ? rs_catalog_target_level(cat, (size_t)l->target) : NULL;
    for (size_t k = 0; k < D; k++)
        due[k] = t ? rs_learner_review_due(&r->h->model, l->capability[k], l->practiced_at[k], t[k])
                   : 0;
    view.learner = pb;
    view.effective = eff;
    view.n_effective = D;
    view.review_due = due;
    view.n_review_due = D;
    reply(r, status, &view.base);
out:
    if (pb)
        protobuf_c_message_free_unpacked(&pb->base, NULL);
    free(eff);
    free(due);
}

/* ---------------------------------------------------------------- learner reads */

static void on_learner_read(void *arg, const struct svc_store_reply *rep)
{
    int status = rep->status;
    const char *data = rep->data;
    size_t len = rep->len;
    struct req *r = arg;
    if (!resume(r))
        return;
    if (status == SVC_STORE_NOTFOUND) {
        reply_error(r, 404, "not_found", "no learner '%s'", r->learner_id);
    } else if (status != SVC_STORE_OK) {
        reply_store_failure(r, status);
    } else {
        struct rs_learner l;
        if (svc_model_decode_stored(r->cat->cat, data, len, &l) != 0) {
            reply_error(r, 500, "internal", "stored learner '%s' is unreadable", r->learner_id);
        } else {
            if (r->route == R_RECOMMEND)
                answer_recommend(r, &l, r->learner_id);
            else if (r->route == R_NEXT)
                answer_next(r, &l);
            else if (r->route == R_STREAM)
                answer_stream(r, &l);
            else
                answer_view(r, 200, &l);
            rs_learner_deinit(&l);
        }
    }
    req_settle(r);
}

static void read_learner(struct req *r)
{
    await_store(r, svc_store_get(r->h->store, r->learner_id, on_learner_read, r));
}

static void handle_recommend(struct req *r)
{
    Skillpath__V1__RecommendRequest *req =
        (Skillpath__V1__RecommendRequest *)read_body(r, &skillpath__v1__recommend_request__descriptor);
    if (req == NULL)
        return;
    r->body = &req->base;
    if (req->learner) {
        struct rs_learner l;
        char err[ERRLEN];
        if (svc_model_learner_from_pb(r->cat->cat, req->learner, true, &l, err, sizeof err) != 0) {
            reply_error(r, 400, "invalid_argument", "learner.%s", err);
            return;
        }
        answer_recommend(r, &l, req->learner_id[0] ? req->learner_id : req->learner->id);
        rs_learner_deinit(&l);
        return;
    }
    if (!valid_id(req->learner_id)) {
        reply_error(r, 400, "invalid_argument",
                    "learnerId: give a learner id (1-%d of [A-Za-z0-9._:@-]) or an inline learner",
                    MAX_ID);
        return;
    }
    snprintf(r->learner_id, sizeof r->learner_id, "%s", req->learner_id);
    read_learner(r);
}

/* ---------------------------------------------------------------- learner writes */

/* PUT: read the current learner (for its version and what the body leaves
 * out), write the new one conditionally, and on a conflict start again. */
static void put_read(struct req *r);

static void on_put_written(void *arg, const struct svc_store_reply *rep)
{
    int status = rep->status;
    struct req *r = arg;
    if (!resume(r))
        return;
    if (status == SVC_STORE_CONFLICT && r->retries++ < r->h->conf.max_retries) {
        r->h->stats.version_conflicts++;
        put_read(r);                /* someone wrote in between: read again */
        return;
    }
    if (status == SVC_STORE_CONFLICT)
        reply_error(r, 503, "unavailable", "learner '%s' is changing too fast; retry", r->learner_id);
    else if (status != SVC_STORE_OK)
        reply_store_failure(r, status);
    else {
        if (rep->watched)
            publish(r, &r->next, r->learner_id);
        answer_view(r, r->created ? 201 : 200, &r->next);
    }
    req_settle(r);
}

static void on_put_read(void *arg, const struct svc_store_reply *rep)
{
    int status = rep->status;
    const char *data = rep->data;
    size_t len = rep->len;
    struct req *r = arg;
    if (!resume(r))
        return;
    if (status != SVC_STORE_OK && status != SVC_STORE_NOTFOUND) {
        reply_store_failure(r, status);
        req_settle(r);
        return;
    }
    const Skillpath__V1__Learner *body = (const Skillpath__V1__Learner *)r->body;
    const struct svc_catalog *c = r->cat;
    struct rs_learner cur = { .target = -1 }, in = { .target = -1 };
    char err[ERRLEN];
    const char *expect = NULL;
    size_t expect_len = 0;
    r->created = status == SVC_STORE_NOTFOUND;
    if (!r->created) {
        if (svc_model_decode_stored(c->cat, data, len, &cur) != 0) {
            reply_error(r, 500, "internal", "stored learner '%s' is unreadable", r->learner_id);
            goto out;
        }
        expect = data;
        expect_len = svc_model_stored_token(data, len);
    }
    if (svc_model_learner_from_pb(c->cat, body, true, &in, err, sizeof err) != 0) {
        reply_error(r, 400, "invalid_argument", "%s", err);
        goto out;
    }
    rs_learner_deinit(&r->next);
    if (rs_learner_init(&r->next, in.dim) != 0 || rs_learner_copy(&r->next, &in) != 0) {
        reply_error(r, 500, "internal", "out of memory");
        goto out;
    }
    /* What the body leaves out: capability from the current learner, or for
     * a new one from its tier's profile; attempts from the current learner. */
    if (body->n_capability == 0) {
        if (!r->created) {
            memcpy(r->next.capability, cur.capability, in.dim * sizeof(float));
            memcpy(r->next.practiced_at, cur.practiced_at, in.dim * sizeof(int64_t));
        } else if (c->profile[in.tier]) {
            memcpy(r->next.capability, c->profile[in.tier], in.dim * sizeof(float));
        }
    }
    if (body->n_attempts == 0 && !r->created) {
        for (size_t i = 0; i < cur.n_attempts; i++)
            if (rs_learner_set_attempt(&r->next, &cur.attempts[i]) != 0) {
                reply_error(r, 500, "internal", "out of memory");
                goto out;
            }
    }
    r->next.version = r->created ? 1 : cur.version + 1;
    size_t vlen = 0;
    char *value = svc_model_encode_stored(c->cat, &r->next, &vlen);
    if (value == NULL) {
        reply_error(r, 500, "internal", "out of memory");
        goto out;
    }
    struct svc_store_write w = {
        .id = r->learner_id, .expect = expect, .expect_len = expect_len,
        .value = value, .value_len = vlen, .now = now_s(),
    };
    await_store(r, svc_store_write(r->h->store, &w, on_put_written, r));
    free(value);
out:
    rs_learner_deinit(&cur);
    rs_learner_deinit(&in);
    req_settle(r);
}

static void put_read(struct req *r)
{
    await_store(r, svc_store_get(r->h->store, r->learner_id, on_put_read, r));
}

static void handle_put(struct req *r)
{
    Skillpath__V1__Learner *body =
        (Skillpath__V1__Learner *)read_body(r, &skillpath__v1__learner__descriptor);
    if (body == NULL)
        return;
    r->body = &body->base;
    if (body->id[0] && strcmp(body->id, r->learner_id) != 0) {
        reply_error(r, 400, "invalid_argument", "id: '%s' is not the learner in the path ('%s')",
                    body->id, r->learner_id);
        return;
    }
    if (body->tier < SKILLPATH__V1__TIER__NEW_HIRE || body->tier > SKILLPATH__V1__TIER__MANAGER) {
        reply_error(r, 400, "invalid_argument", "tier: NEW_HIRE, CORE_STAFF or MANAGER is required");
        return;
    }
    if (body->version != 0) {
        reply_error(r, 400, "invalid_argument", "version: set by the service, not the caller");
        return;
    }
    /* Validate the body now, so a bad one changes nothing and costs no read. */
    struct rs_learner check;
    char err[ERRLEN];
    if (svc_model_learner_from_pb(r->cat->cat, body, true, &check, err, sizeof err) != 0) {
        reply_error(r, 400, "invalid_argument", "%s", err);
        return;
    }
    rs_learner_deinit(&check);
    put_read(r);
}

static void on_deleted(void *arg, const struct svc_store_reply *rep)
{
    int status = rep->status;
    const char *data = rep->data;
    size_t len = rep->len;
    struct req *r = arg;
    (void)data;
    (void)len;
    if (!resume(r))
        return;
    if (status == SVC_STORE_OK)
        reply(r, 204, NULL);
    else if (status == SVC_STORE_NOTFOUND)
        reply_error(r, 404, "not_found", "no learner '%s'", r->learner_id);
    else
        reply_store_failure(r, status);
    req_settle(r);
}

static void handle_delete(struct req *r)
{
    await_store(r, svc_store_delete(r->h->store, r->learner_id, on_deleted, r));
}

/* ---------------------------------------------------------------- events */

/* Events of a batch are applied one after another: read the learner, apply
 * the event in the core, write conditionally (the script drops duplicates),
 * and on a version conflict read again and recompute. A store failure
 * answers 503 for the batch: what was applied stays applied, and a retry of
 * the same batch finds those events duplicate. */
static void event_step(struct req *r);

static void event_done(struct req *r, Skillpath__V1__EventStatus st, const char *why,
                       uint64_t version)
{
    Skillpath__V1__EventResult *res = &r->results[r->ev_index];
    res->status = st;
    if (st == SKILLPATH__V1__EVENT_STATUS__APPLIED)
        r->h->stats.events_applied++;
    else if (st == SKILLPATH__V1__EVENT_STATUS__DUPLICATE)
        r->h->stats.events_duplicate++;
    else
        r->h->stats.events_rejected++;
    res->version = version;
    if (why && res->reason == protobuf_c_empty_string) {
        char *copy = strdup(why);
        if (copy)
            res->reason = copy;
    }
    r->ev_index++;
    r->retries = 0;
}

static void on_event_written(void *arg, const struct svc_store_reply *rep)
{
    int status = rep->status;
    struct req *r = arg;
    if (!resume(r))
        return;
    if (status == SVC_STORE_OK) {
        const Skillpath__V1__EventBatch *batch = (const Skillpath__V1__EventBatch *)r->body;
        if (rep->watched)
            publish(r, &r->next, batch->events[r->ev_index]->learner_id);
        event_done(r, SKILLPATH__V1__EVENT_STATUS__APPLIED, NULL, r->next.version);
    } else if (status == SVC_STORE_DUP) {
        event_done(r, SKILLPATH__V1__EVENT_STATUS__DUPLICATE, NULL, 0);
    } else if (status == SVC_STORE_CONFLICT && r->retries < r->h->conf.max_retries) {
        r->retries++;               /* the same event again, on a fresh read */
        r->h->stats.version_conflicts++;
    } else if (status == SVC_STORE_CONFLICT) {
        reply_error(r, 503, "unavailable", "learner changing too fast; retry the batch");
        req_settle(r);
        return;
    } else {
        reply_store_failure(r, status);
        req_settle(r);
        return;
    }
    event_step(r);
    req_settle(r);
}

static void on_event_read(void *arg, const struct svc_store_reply *rep)
{
    int status = rep->status;
    const char *data = rep->data;
    size_t len = rep->len;
    struct req *r = arg;
    if (!resume(r))
        return;
    const Skillpath__V1__EventBatch *batch = (const Skillpath__V1__EventBatch *)r->body;
    const Skillpath__V1__Event *pe = batch->events[r->ev_index];
    if (status == SVC_STORE_NOTFOUND) {
        event_done(r, SKILLPATH__V1__EVENT_STATUS__REJECTED, "learnerId: unknown learner", 0);
        event_step(r);
        req_settle(r);
        return;
    }
    if (status != SVC_STORE_OK) {
        reply_store_failure(r, status);
        req_settle(r);
        return;
    }
    char err[ERRLEN] = "";
    struct rs_learner cur = { .target = -1 };
    struct rs_event e;
    bool submitted = false;
    if (svc_model_decode_stored(r->cat->cat, data, len, &cur) != 0) {
        event_done(r, SKILLPATH__V1__EVENT_STATUS__REJECTED, "stored learner unreadable", 0);
    } else if (svc_model_event_from_pb(r->cat->cat, pe, &e, err, sizeof err) != 0) {
        event_done(r, SKILLPATH__V1__EVENT_STATUS__REJECTED, err, 0);
    } else {
        rs_learner_deinit(&r->next);
        int rc = rs_learner_init(&r->next, cur.dim);
        if (rc == 0)
            rc = rs_learner_apply(r->cat->cat, &r->h->model, &cur, &e, &r->next, err, sizeof err);
        if (rc == RS_ENOMEM) {
            /* Not the event's fault: the batch fails (500) and a retry finds
             * what was applied before it DUPLICATE. */
            reply_error(r, 500, "internal", "out of memory");
            submitted = true;
        } else if (rc != 0) {
            event_done(r, SKILLPATH__V1__EVENT_STATUS__REJECTED, err, 0);
        } else {
            size_t vlen = 0, elen = protobuf_c_message_get_packed_size(&pe->base);
            char *value = svc_model_encode_stored(r->cat->cat, &r->next, &vlen);
            uint8_t *event = malloc(elen + 1);
            if (value && event) {
                protobuf_c_message_pack(&pe->base, event);
                struct svc_store_write w = {
                    .id = pe->learner_id, .expect = data, .expect_len = svc_model_stored_token(data, len),
                    .value = value, .value_len = vlen, .event_id = pe->event_id,
                    .event = (const char *)event, .event_len = elen, .now = now_s(),
                };
                await_store(r, svc_store_write(r->h->store, &w, on_event_written, r));
            } else {
                reply_error(r, 500, "internal", "out of memory");
            }
            free(value);
            free(event);
            submitted = true;
        }
    }
    rs_learner_deinit(&cur);
    if (!submitted)
        event_step(r);
    req_settle(r);
}

/* Validate and submit the next event; answer when none is left. */
static void event_step(struct req *r)
{
    const Skillpath__V1__EventBatch *batch = (const Skillpath__V1__EventBatch *)r->body;
    char err[ERRLEN];
    while (r->ev_index < batch->n_events && r->ev != NULL) {
        const Skillpath__V1__Event *pe = batch->events[r->ev_index];
        struct rs_event e;
        if (!pe->event_id[0] || strlen(pe->event_id) > MAX_ID) {
            event_done(r, SKILLPATH__V1__EVENT_STATUS__REJECTED,
                       "eventId: required, at most 128 bytes", 0);
            continue;
        }
        if (!valid_id(pe->learner_id)) {
            event_done(r, SKILLPATH__V1__EVENT_STATUS__REJECTED,
                       "learnerId: missing or not a valid id", 0);
            continue;
        }
        if (svc_model_event_from_pb(r->cat->cat, pe, &e, err, sizeof err) != 0) {
            event_done(r, SKILLPATH__V1__EVENT_STATUS__REJECTED, err, 0);
            continue;
        }
        await_store(r, svc_store_get(r->h->store, pe->learner_id, on_event_read, r));
        return;
    }
    if (r->ev == NULL)
        return;
    Skillpath__V1__EventResults out;
    skillpath__v1__event_results__init(&out);
    out.results = r->result_ptrs;
    out.n_results = batch->n_events;
    reply(r, 200, &out.base);
}

static void handle_events(struct req *r)
{
    Skillpath__V1__EventBatch *batch =
        (Skillpath__V1__EventBatch *)read_body(r, &skillpath__v1__event_batch__descriptor);
    if (batch == NULL)
        return;
    r->body = &batch->base;
    if (batch->n_events == 0 || batch->n_events > r->h->conf.max_batch) {
        reply_error(r, 400, "invalid_argument", "events: between 1 and %zu events per batch",
                    r->h->conf.max_batch);
        return;
    }
    r->results = calloc(batch->n_events, sizeof *r->results);
    r->result_ptrs = calloc(batch->n_events, sizeof *r->result_ptrs);
    if (!r->results || !r->result_ptrs) {
        reply_error(r, 500, "internal", "out of memory");
        return;
    }
    r->n_results = batch->n_events;
    for (size_t i = 0; i < batch->n_events; i++) {
        skillpath__v1__event_result__init(&r->results[i]);
        r->results[i].event_id = batch->events[i]->event_id;
        r->result_ptrs[i] = &r->results[i];
    }
    event_step(r);
}

/* ---------------------------------------------------------------- catalog */

/* Serve `c` from now on; requests in flight finish on the one they hold. */
void svc_http_set_catalog(struct svc_http *h, struct svc_catalog *c)
{
    struct svc_catalog *old = h->cat;
    h->cat = svc_catalog_ref(c);
    svc_catalog_unref(old);
    svc_log(SVC_LOG_INFO, "msg=catalog_serving version=%s courses=%zu",
            rs_catalog_version(c->cat), rs_catalog_n_courses(c->cat));
}

static void on_catalog_stored(void *arg, const struct svc_store_reply *rep)
{
    int status = rep->status;
    const char *data = rep->data;
    size_t len = rep->len;
    struct req *r = arg;
    (void)data;
    (void)len;
    if (status == SVC_STORE_OK)             /* switch even if the client has gone */
        svc_http_set_catalog(r->h, r->new_cat);
    if (!resume(r))
        return;
    if (status != SVC_STORE_OK)
        reply_store_failure(r, status);
    else {
        svc_catalog_unref(r->cat);
        r->cat = svc_catalog_ref(r->new_cat);
        handle_catalog(r);
    }
    req_settle(r);
}

/* PUT /v1/catalog: validate (every error listed), store under its version,
 * make it current and tell every daemon; then serve it. */
static void handle_put_catalog(struct req *r)
{
    Skillpath__V1__Catalog *pb =
        (Skillpath__V1__Catalog *)read_body(r, &skillpath__v1__catalog__descriptor);
    if (pb == NULL)
        return;
    if (!valid_id(pb->version)) {
        protobuf_c_message_free_unpacked(&pb->base, NULL);
        reply_error(r, 400, "invalid_argument", "version: required, 1-%d of [A-Za-z0-9._:@-]", MAX_ID);
        return;
    }
    size_t len = protobuf_c_message_get_packed_size(&pb->base);
    uint8_t *bytes = malloc(len + 1);
    char *err = malloc(65536);
    char version[MAX_ID + 1];
    snprintf(version, sizeof version, "%s", pb->version);
    if (bytes == NULL || err == NULL) {
        protobuf_c_message_free_unpacked(&pb->base, NULL);
        reply_error(r, 500, "internal", "out of memory");
        goto out;
    }
    protobuf_c_message_pack(&pb->base, bytes);
    r->new_cat = svc_catalog_create(pb, err, 65536);    /* takes pb */
    if (r->new_cat == NULL) {
        for (char *p = err; *p; p++)
            if (*p == '\n')
                *p = ';';
        reply_error(r, 400, "invalid_argument", "catalog refused: %.*s", 400, err);
        goto out;
    }
    await_store(r, svc_store_catalog_put(r->h->store, version, bytes, len, on_catalog_stored, r));
out:
    free(bytes);
    free(err);
}

static void fetch_catalog(struct svc_http *h);

static void on_catalog_fetched(void *arg, const struct svc_store_reply *rep)
{
    int status = rep->status;
    const char *data = rep->data;
    size_t len = rep->len;
    struct svc_http *h = arg;
    h->fetching = false;
    if (status == SVC_STORE_OK) {
        char err[4096];
        Skillpath__V1__Catalog *pb = (Skillpath__V1__Catalog *)protobuf_c_message_unpack(
            &skillpath__v1__catalog__descriptor, NULL, len, (const uint8_t *)data);
        struct svc_catalog *c = pb ? svc_catalog_create(pb, err, sizeof err) : NULL;
        if (c) {
            if (h->cat == NULL || strcmp(rs_catalog_version(c->cat), rs_catalog_version(h->cat->cat)))
                svc_http_set_catalog(h, c);
            svc_catalog_unref(c);
        } else {
            svc_log(SVC_LOG_ERROR, "msg=catalog_in_redis_invalid");
        }
    } else if (status == SVC_STORE_NOTFOUND && h->cat == NULL) {
        svc_log(SVC_LOG_WARN, "msg=no_catalog_in_redis note=\"PUT /v1/catalog or start with --catalog\"");
    }
    if (h->refetch) {
        h->refetch = false;
        fetch_catalog(h);
    } else if (h->cat == NULL) {
        struct timeval tv = { 0, 500 * 1000 };
        evtimer_add(h->fetch_retry, &tv);
    }
}

static void fetch_catalog(struct svc_http *h)
{
    if (h->fetching) {
        h->refetch = true;
        return;
    }
    if (svc_store_catalog_get(h->store, on_catalog_fetched, h) == 0) {
        h->fetching = true;
    } else if (h->cat == NULL) {
        struct timeval tv = { 0, 500 * 1000 };
        evtimer_add(h->fetch_retry, &tv);
    }
}

static void on_publish_stats(evutil_socket_t fd, short what, void *arg)
{
    struct svc_http *h = arg;
    struct svc_store_stats st;
    struct svc_push_stats ps;
    (void)fd;
    (void)what;
    svc_store_get_stats(h->store, &st);
    if (h->conf.push)
        svc_push_get_stats(h->conf.push, &ps);
    svc_stats_hub_publish(h->conf.hub, h->conf.worker, &h->stats, &st, h->conf.push ? &ps : NULL);
}

static void on_fetch_retry(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    fetch_catalog(arg);
}

/* Another daemon (or this one) made a catalog current: load it unless it
 * is the one served. */
static void on_catalog_announced(void *arg, const char *data, size_t len)
{
    struct svc_http *h = arg;
    if (h->cat && strlen(rs_catalog_version(h->cat->cat)) == len &&
        memcmp(rs_catalog_version(h->cat->cat), data, len) == 0)
        return;
    fetch_catalog(h);
}

/* ---------------------------------------------------------------- routing */

static void method_not_allowed(struct req *r, const char *allow)
{
    evhttp_add_header(evhttp_request_get_output_headers(r->ev), "Allow", allow);
    reply_error(r, 405, "method_not_allowed", "allowed: %s", allow);
}

/* The route's scope, or answer 401/403 and return -1. */
static int require(struct req *r, enum svc_scope scope)
{
    if (r->h->conf.auth == NULL)
        return 0;
    char msg[160];
    const char *hdr = evhttp_find_header(evhttp_request_get_input_headers(r->ev), "Authorization");
    int status = svc_auth_check(r->h->conf.auth, hdr, scope, msg, sizeof msg);
    if (status == 0)
        return 0;
    if (status == 401)
        evhttp_add_header(evhttp_request_get_output_headers(r->ev), "WWW-Authenticate",
                          "Bearer realm=\"skillpath\"");
    reply_error(r, status, status == 401 ? "unauthenticated" : "permission_denied", "%s", msg);
    return -1;
}

/* Parse "n" from the query: 1..NEXT_MAX, default NEXT_DEFAULT. */
static int parse_n(struct req *r, const char *query)
{
    r->n = NEXT_DEFAULT;
    if (query == NULL)
        return 0;
    struct evkeyvalq q;
    if (evhttp_parse_query_str(query, &q) != 0) {
        reply_error(r, 400, "invalid_argument", "malformed query string");
        return -1;
    }
    const char *v = evhttp_find_header(&q, "n");
    int rc = 0;
    if (v) {
        char *end;
        long n = strtol(v, &end, 10);
        if (*v == '\0' || *end != '\0' || n < 1 || n > NEXT_MAX) {
            reply_error(r, 400, "invalid_argument", "n: a whole number from 1 to %d", NEXT_MAX);
            rc = -1;
        } else {
            r->n = (uint32_t)n;
        }
    }
    evhttp_clear_headers(&q);
    return rc;
}

static void route_learner(struct req *r, const char *rest, const char *query)
{
    enum evhttp_cmd_type m = r->method;
    const char *slash = strchr(rest, '/');
    size_t n = slash ? (size_t)(slash - rest) : strlen(rest);
    if (n == 0 || n > MAX_ID || (slash && strcmp(slash, "/next") != 0 &&
                                 strcmp(slash, "/stream") != 0)) {
        reply_error(r, 404, "not_found", "no route /v1/learners/%.200s", rest);
        return;
    }
    memcpy(r->learner_id, rest, n);
    r->learner_id[n] = '\0';
    if (!valid_id(r->learner_id)) {
        reply_error(r, 400, "invalid_argument", "learner id: 1-%d characters of [A-Za-z0-9._:@-]",
                    MAX_ID);
        return;
    }
    if (slash && strcmp(slash, "/stream") == 0) {
        r->route = R_STREAM;
        if (m != EVHTTP_REQ_GET)
            method_not_allowed(r, "GET");
        else if (r->h->conf.push == NULL)
            reply_error(r, 404, "not_found", "streams are off on this daemon");
        else if (require(r, SVC_SCOPE_APP) == 0)
            read_learner(r);    /* Last-Event-ID or not: the current lessons at once */
        return;
    }
    if (slash) {
        r->route = R_NEXT;
        if (m != EVHTTP_REQ_GET)
            method_not_allowed(r, "GET");
        else if (require(r, SVC_SCOPE_APP) == 0 && parse_n(r, query) == 0)
            read_learner(r);
        return;
    }
    r->route = R_LEARNER;
    if (m == EVHTTP_REQ_GET) {
        if (require(r, SVC_SCOPE_APP) == 0)
            read_learner(r);
    } else if (m == EVHTTP_REQ_PUT) {
        if (require(r, SVC_SCOPE_ADMIN) == 0)
            handle_put(r);
    } else if (m == EVHTTP_REQ_DELETE) {
        if (require(r, SVC_SCOPE_ADMIN) == 0)
            handle_delete(r);
    } else {
        method_not_allowed(r, "GET, PUT, DELETE");
    }
}

static void dispatch(struct req *r, const char *path, const char *query)
{
    enum evhttp_cmd_type m = r->method;
    if (strcmp(path, "/v1/catalog") == 0) {
        r->route = R_CATALOG;
        if (m == EVHTTP_REQ_PUT) {
            if (require(r, SVC_SCOPE_ADMIN) == 0)
                handle_put_catalog(r);
        } else if (m != EVHTTP_REQ_GET) {
            method_not_allowed(r, "GET, PUT");
        } else if (require(r, SVC_SCOPE_APP) == 0) {
            if (r->cat)
                handle_catalog(r);
            else
                reply_error(r, 503, "unavailable", "no catalog loaded yet");
        }
        return;
    }
    if (r->cat == NULL && strncmp(path, "/v1/", 4) == 0) {
        reply_error(r, 503, "unavailable", "no catalog loaded yet");
        return;
    }
    if (strncmp(path, "/v1/learners/", 13) == 0) {
        route_learner(r, path + 13, query);
        return;
    }
    static const struct {
        const char *path;
        enum route route;
        enum evhttp_cmd_type method;
    } fixed[] = {
        { "/healthz", R_HEALTHZ, EVHTTP_REQ_GET },
        { "/readyz", R_READYZ, EVHTTP_REQ_GET },
        { "/metrics", R_METRICS, EVHTTP_REQ_GET },
        { "/v1/recommend", R_RECOMMEND, EVHTTP_REQ_POST },
        { "/v1/events", R_EVENTS, EVHTTP_REQ_POST },
    };
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) {
        if (strcmp(path, fixed[i].path) != 0)
            continue;
        r->route = fixed[i].route;
        if (m != fixed[i].method) {
            method_not_allowed(r, fixed[i].method == EVHTTP_REQ_GET ? "GET" : "POST");
            return;
        }
        switch (r->route) {
        case R_HEALTHZ:
            send_raw(r, 200, "text/plain", "ok\n", 3);
            return;
        case R_READYZ:
            if (!svc_store_ready(r->h->store))
                reply_error(r, 503, "unavailable", "learner store (Redis) not reachable");
            else if (r->cat == NULL)
                reply_error(r, 503, "unavailable", "no catalog loaded yet");
            else
                send_raw(r, 200, "text/plain", "ready\n", 6);
            return;
        case R_METRICS:
            handle_metrics(r);
            return;
        case R_RECOMMEND:
            if (require(r, SVC_SCOPE_APP) == 0)
                handle_recommend(r);
            return;
        default:
            if (require(r, SVC_SCOPE_INGEST) == 0)
                handle_events(r);
            return;
        }
    }
    if (strncmp(path, "/v1/courses/", 12) == 0 && valid_id(path + 12)) {
        r->route = R_COURSE;
        if (m != EVHTTP_REQ_GET)
            method_not_allowed(r, "GET");
        else if (require(r, SVC_SCOPE_APP) == 0)
            handle_course(r, path + 12);
        return;
    }
    reply_error(r, 404, "not_found", "no route %.200s", path);
}

static void on_request(struct evhttp_request *ev, void *arg)
{
    struct svc_http *h = arg;
    struct req *r = calloc(1, sizeof *r);
    if (r == NULL) {
        evhttp_send_error(ev, 500, "out of memory");
        return;
    }
    h->in_flight++;
    r->h = h;
    r->ev = ev;
    r->id = ++h->next_id;
    r->method = evhttp_request_get_command(ev);
    r->next.target = -1;
    clock_gettime(CLOCK_MONOTONIC, &r->start);
    r->cat = h->cat ? svc_catalog_ref(h->cat) : NULL;
    r->evcon = evhttp_request_get_connection(ev);
    if (r->evcon)
        evhttp_connection_set_closecb(r->evcon, on_client_gone, r);

    struct evkeyvalq *in = evhttp_request_get_input_headers(ev);
    const char *ctype = evhttp_find_header(in, "Content-Type");
    bool has_body = r->method == EVHTTP_REQ_POST || r->method == EVHTTP_REQ_PUT;
    r->in = has_body ? svc_codec_from_content_type(ctype) : SVC_ENC_JSON;
    r->out = svc_codec_from_accept(evhttp_find_header(in, "Accept"),
                                   r->in == SVC_ENC_UNSUPPORTED ? SVC_ENC_JSON : r->in);
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(ev);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    if (r->in == SVC_ENC_UNSUPPORTED)
        reply_error(r, 415, "unsupported_media_type",
                    "Content-Type '%.100s': send application/json or application/x-protobuf", ctype);
    else if (path == NULL)
        reply_error(r, 400, "invalid_argument", "malformed request URI");
    else
        dispatch(r, path, evhttp_uri_get_query(uri));
    req_settle(r);
}

/* ---------------------------------------------------------------- lifecycle */

struct svc_http *svc_http_create(struct event_base *base, struct evhttp *http,
                                 struct svc_store *store, struct svc_catalog *cat,
                                 const struct svc_http_conf *conf)
{
    struct svc_http *h = calloc(1, sizeof *h);
    if (h == NULL)
        return NULL;
    h->base = base;
    h->http = http;
    h->store = store;
    h->cat = cat ? svc_catalog_ref(cat) : NULL;
    h->conf = *conf;
    rs_model_default(&h->model);
    h->fetch_retry = evtimer_new(base, on_fetch_retry, h);
    if (h->fetch_retry == NULL || svc_store_subscribe(store, "catalog:", on_catalog_announced, h)) {
        svc_http_destroy(h);
        return NULL;
    }
    if (h->cat == NULL)
        fetch_catalog(h);
    if (conf->hub) {
        h->publish = event_new(base, -1, EV_PERSIST, on_publish_stats, h);
        struct timeval tv = { 0, 100 * 1000 };
        if (h->publish == NULL || event_add(h->publish, &tv) != 0) {
            svc_http_destroy(h);
            return NULL;
        }
    }
    evhttp_set_gencb(http, on_request, h);
    evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
                                         EVHTTP_REQ_DELETE);
    /* evhttp refuses bodies above this with its own 413; ours, in the
     * request's encoding, answers everything between max_body and it. */
    size_t cap = conf->max_body * 4 + 4096;
    evhttp_set_max_body_size(http, (ev_ssize_t)(cap > conf->max_catalog ? cap : conf->max_catalog + 4096));
    return h;
}

void svc_http_destroy(struct svc_http *h)
{
    if (h == NULL)
        return;
    if (h->in_flight)
        svc_log(SVC_LOG_WARN, "msg=destroyed_in_flight n=%zu", h->in_flight);
    if (h->fetch_retry)
        event_free(h->fetch_retry);
    if (h->publish)
        event_free(h->publish);
    svc_recommend_scratch_deinit(&h->scratch);
    svc_catalog_unref(h->cat);
    free(h);
}

size_t svc_http_in_flight(const struct svc_http *h)
{
    return h->in_flight;
}

void svc_http_on_idle(struct svc_http *h, void (*cb)(void *), void *arg)
{
    h->on_idle = cb;
    h->idle_arg = arg;
    if (h->in_flight == 0 && cb)
        cb(arg);
}
