/* SPDX-License-Identifier: MIT
 * The transport of skillpathd (svc_http.h).
 *
 * DESIGN
 * A request's way through: on_request() makes a struct svc_req, negotiates
 * the encodings and dispatch() walks it down the route table: the path
 * picks the route (404 if none), the method the entry (405 with Allow if the
 * path exists for others), then the {id} is checked, the key's scope
 * (401/403), that a catalog is loaded (503), the body's type (415), size
 * (413) and content (400, decoded as the route's message) — each refusal
 * answered here, in one place, before a handler runs. The handler
 * (svc_res_*.c) answers at once or starts one operation (svc_ops.c) and
 * answers from its completion.
 *
 * A request lives until it has been answered (or its client has gone) and
 * no operation of it is outstanding. If the client hangs up meanwhile, the
 * connection's close callback clears r->ev, and the completion then only
 * releases what it holds: the evhttp request, which libevent frees with the
 * connection, is never touched again. Every answer goes through send_raw():
 * one log line, one count; every error through svc_reply_error(), whose
 * kind picks status and code from the one table, svc_err.h.
 */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "proto/skillpath.pb-c.h"
#include "svc_auth.h"
#include "svc_catalog.h"
#include "svc_http.h"
#include "svc_log.h"
#include "svc_push.h"
#include "svc_res.h"
#include "svc_store.h"

#define ERRLEN 512

/* ---------------------------------------------------------------- routes */

enum route_flag {
    NEEDS_CATALOG = 1 << 0,     /* 503 until a catalog is loaded */
    BIG_BODY = 1 << 1,          /* the body may be up to max_catalog, not max_body */
    RAW_BODY = 1 << 2,          /* the body is the handler's to read (r->raw), not a message */
};

struct svc_route_def {
    int method;                                 /* enum evhttp_cmd_type */
    const char *pattern;                        /* segments; "{id}" takes one, checked */
    unsigned scope;                             /* enum svc_scope; 0: open to all */
    const ProtobufCMessageDescriptor *body;     /* the request body's message, or NULL */
    enum svc_route stat;                        /* its name in logs and metrics */
    unsigned flags;
    void (*handler)(struct svc_req *r);
};

#define GET EVHTTP_REQ_GET
#define PUT EVHTTP_REQ_PUT
#define POST EVHTTP_REQ_POST
#define DELETE EVHTTP_REQ_DELETE
#define APP SVC_SCOPE_APP
#define INGEST SVC_SCOPE_INGEST
#define ADMIN SVC_SCOPE_ADMIN
#define CAT NEEDS_CATALOG
#define RAW RAW_BODY

static const struct svc_route_def routes[] = {
    { GET, "/healthz", 0, NULL, SVC_ROUTE_healthz, 0, svc_res_healthz },
    { GET, "/readyz", 0, NULL, SVC_ROUTE_readyz, 0, svc_res_readyz },
    { GET, "/metrics", 0, NULL, SVC_ROUTE_metrics, 0, svc_res_metrics },
    { GET, "/v1/catalog", APP, NULL, SVC_ROUTE_catalog, CAT, svc_res_catalog_get },
    { PUT, "/v1/catalog", ADMIN, &skillpath__v1__catalog__descriptor, SVC_ROUTE_catalog, BIG_BODY,
      svc_res_catalog_put },
    { GET, "/v1/courses", APP, NULL, SVC_ROUTE_courses, CAT, svc_res_courses_search },
    { GET, "/v1/team/summary", APP, NULL, SVC_ROUTE_team, CAT, svc_res_team_summary },
    { GET, "/v1/team/learners", APP, NULL, SVC_ROUTE_team, CAT, svc_res_team_learners },
    { GET, "/v1/team/demand", APP, NULL, SVC_ROUTE_team, CAT, svc_res_team_demand },
    { GET, "/v1/courses/{id}", APP, NULL, SVC_ROUTE_course, CAT, svc_res_course_get },
    { POST, "/v1/recommend", APP, &skillpath__v1__recommend_request__descriptor, SVC_ROUTE_recommend,
      CAT, svc_res_recommend },
    { GET, "/v1/learners/{id}", APP, NULL, SVC_ROUTE_learner, CAT, svc_res_learner_get },
    { PUT, "/v1/learners/{id}", ADMIN, &skillpath__v1__learner__descriptor, SVC_ROUTE_learner, CAT,
      svc_res_learner_put },
    { DELETE, "/v1/learners/{id}", ADMIN, NULL, SVC_ROUTE_learner, CAT, svc_res_learner_delete },
    { GET, "/v1/learners/{id}/next", APP, NULL, SVC_ROUTE_next, CAT, svc_res_next },
    { GET, "/v1/learners/{id}/stream", APP, NULL, SVC_ROUTE_stream, CAT, svc_res_stream },
    { POST, "/v1/events", INGEST, &skillpath__v1__event_batch__descriptor, SVC_ROUTE_events, CAT,
      svc_res_events },
    /* the web UI's static files (svc_res_ui.c) */
    { GET, "/ui", 0, NULL, SVC_ROUTE_ui, 0, svc_res_ui_redirect },
    { GET, "/ui/", 0, NULL, SVC_ROUTE_ui, 0, svc_res_ui_index },
    { GET, "/ui/{id}", 0, NULL, SVC_ROUTE_ui, 0, svc_res_ui_file },
    { GET, "/ui/vendor/{id}", 0, NULL, SVC_ROUTE_ui, 0, svc_res_ui_vendor },
    /* the xAPI family: every answer under /xapi speaks xAPI (svc_res_xapi.c) */
    { GET, "/xapi/about", 0, NULL, SVC_ROUTE_xapi_about, 0, svc_res_xapi_about },
    { POST, "/xapi/statements", INGEST, NULL, SVC_ROUTE_xapi_statements, CAT | RAW,
      svc_res_xapi_statements },
    { PUT, "/xapi/statements", INGEST, NULL, SVC_ROUTE_xapi_statements, CAT | RAW,
      svc_res_xapi_statements },
};
#define N_ROUTES (sizeof routes / sizeof *routes)

#undef GET
#undef PUT
#undef POST
#undef DELETE
#undef APP
#undef INGEST
#undef ADMIN
#undef CAT
#undef RAW

static const char *method_name(int m)
{
    switch (m) {
    case EVHTTP_REQ_GET: return "GET";
    case EVHTTP_REQ_POST: return "POST";
    case EVHTTP_REQ_PUT: return "PUT";
    case EVHTTP_REQ_DELETE: return "DELETE";
    default: return "OTHER";
    }
}

/* Does `path` fit `pattern`? Its {id} segment goes to `param` (truncated
 * past SVC_MAX_ID + 1 bytes, so an over-long one fails the id check). */
static bool match(const char *pattern, const char *path, char *param)
{
    while (*pattern && *path) {
        if (strncmp(pattern, "{id}", 4) == 0) {
            size_t n = strcspn(path, "/");
            if (n == 0)
                return false;
            size_t keep = n < SVC_MAX_ID + 1 ? n : SVC_MAX_ID + 1;
            memcpy(param, path, keep);
            param[keep] = '\0';
            pattern += 4;
            path += n;
        } else if (*pattern++ != *path++) {
            return false;
        }
    }
    return *pattern == '\0' && *path == '\0';
}

/* ---------------------------------------------------------------- errors */

static const struct {
    int status;
    const char *code;
} err_table[SVC_ERR_COUNT] = {
#define SVC_ERR_ROW(kind, status, code) { status, code },
    SVC_ERRS(SVC_ERR_ROW)
#undef SVC_ERR_ROW
};

static const char *reason_phrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    default: return "Internal Server Error";
    }
}

/* ---------------------------------------------------------------- lifecycle */

static void unwatch(struct svc_req *r)
{
    if (r->hangup)
        event_free(r->hangup);
    r->hangup = NULL;
}

static void req_free(struct svc_req *r)
{
    struct svc_http *h = r->h;
    unwatch(r);
    if (r->body)
        protobuf_c_message_free_unpacked(r->body, NULL);
    svc_catalog_unref(r->cat);
    free(r);
    h->in_flight--;
    if (h->in_flight == 0 && h->on_idle)
        h->on_idle(h->idle_arg);
}

/* Release the request once it is answered (or abandoned), nothing is
 * outstanding and its handler has returned. */
void svc_req_settle(struct svc_req *r)
{
    if (r->ev == NULL && !r->waiting && !r->dispatching)
        req_free(r);
}

static void on_client_gone(struct evhttp_connection *evcon, void *arg)
{
    struct svc_req *r = arg;
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
    r->gone = true;
    svc_req_settle(r);
}

/* evhttp reads nothing while a request waits for its answer (libevent 2.1
 * disables EV_READ), so a client that hangs up would go unnoticed until the
 * reply is written. While an operation is outstanding, watch the socket for
 * the peer's FIN (EV_CLOSED, epoll's EPOLLRDHUP) and release the connection
 * then: on_client_gone marks the request gone, the operation stops early
 * where it can, and its completion finds nobody to answer. */
static void on_hangup(evutil_socket_t fd, short what, void *arg)
{
    struct svc_req *r = arg;
    (void)fd;
    (void)what;
    if (r->evcon)
        evhttp_connection_free(r->evcon);       /* calls on_client_gone */
}

void svc_req_wait(struct svc_req *r)
{
    r->waiting = true;
    if (r->hangup || r->evcon == NULL)
        return;
    struct bufferevent *bev = evhttp_connection_get_bufferevent(r->evcon);
    evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;
    if (fd < 0)
        return;
    r->hangup = event_new(r->h->base, fd, EV_CLOSED, on_hangup, r);
    if (r->hangup && event_add(r->hangup, NULL) != 0)
        unwatch(r);
}

bool svc_req_resume(struct svc_req *r)
{
    r->waiting = false;
    if (r->ev != NULL)
        return true;
    svc_req_settle(r);
    return false;
}

bool svc_req_complete(struct svc_req *r, enum svc_err err, const char *msg)
{
    if (!svc_req_resume(r))
        return false;
    if (err == SVC_ERR_OK)
        return true;
    svc_reply_error(r, err, "%s", msg);
    svc_req_settle(r);
    return false;
}

static double ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* The one log line and count of an answered request. */
static void account(struct svc_req *r, int status)
{
    enum svc_route stat = r->route ? r->route->stat : SVC_ROUTE_none;
    double ms = ms_since(&r->start);
    svc_log(SVC_LOG_INFO, "msg=request worker=%zu id=%llu method=%s route=%s status=%d dur_ms=%.3f",
            r->h->conf.worker, (unsigned long long)r->id, method_name(r->method),
            svc_route_name(stat), status, ms);
    svc_stats_request(&r->h->stats, stat, status, ms / 1e3);
}

void svc_req_hand_over(struct svc_req *r, int status)
{
    unwatch(r);
    svc_edge_stream(r->h->edge, r->evcon);
    account(r, status);
    r->ev = NULL;
    r->evcon = NULL;
}

/* ---------------------------------------------------------------- replies */

bool svc_query_long(const struct evkeyvalq *q, const char *name, long lo, long hi, long *out)
{
    const char *v = evhttp_find_header(q, name);
    if (v == NULL)
        return true;
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (*v == '\0' || *end != '\0' || errno || x < lo || x > hi)
        return false;
    *out = x;
    return true;
}

void svc_reply_raw(struct svc_req *r, int status, const char *ctype, const void *body, size_t len)
{
    if (r->ev == NULL)
        return;
    struct evkeyvalq *hdr = evhttp_request_get_output_headers(r->ev);
    if (ctype)
        evhttp_add_header(hdr, "Content-Type", ctype);
    if (r->xapi)
        evhttp_add_header(hdr, "X-Experience-API-Version", r->xapi_version ? r->xapi_version : "1.0.3");
    struct evbuffer *buf = evbuffer_new();
    if (buf && len)
        evbuffer_add(buf, body, len);
    if (r->evcon)
        evhttp_connection_set_closecb(r->evcon, NULL, NULL);
    unwatch(r);
    evhttp_send_reply(r->ev, status, reason_phrase(status), buf);
    if (buf)
        evbuffer_free(buf);
    svc_edge_idle(r->h->edge, r->evcon);        /* it waits for the next request now */
    account(r, status);
    r->ev = NULL;
    r->evcon = NULL;
}

void svc_reply(struct svc_req *r, int status, const ProtobufCMessage *m)
{
    size_t len = 0;
    void *body = m ? svc_codec_encode(r->out, m, &len) : NULL;
    if (m && body == NULL) {
        svc_reply_raw(r, 500, "text/plain", "out of memory\n", 14);
        return;
    }
    svc_reply_raw(r, status, m ? svc_codec_content_type(r->out) : NULL, body, len);
    free(body);
}

void svc_reply_error(struct svc_req *r, enum svc_err kind, const char *fmt, ...)
{
    if (r->ev == NULL)
        return;
    if (kind <= SVC_ERR_OK || kind >= SVC_ERR_COUNT)
        kind = SVC_ERR_INTERNAL;
    char msg[ERRLEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    struct evkeyvalq *hdr = evhttp_request_get_output_headers(r->ev);
    if (kind == SVC_ERR_UNAVAILABLE)
        evhttp_add_header(hdr, "Retry-After", "1");
    else if (kind == SVC_ERR_UNAUTHENTICATED)
        evhttp_add_header(hdr, "WWW-Authenticate",
                          r->xapi ? "Basic realm=\"skillpath\"" : "Bearer realm=\"skillpath\"");
    int status = err_table[kind].status;
    if (status >= 500)
        svc_log(SVC_LOG_WARN, "msg=error id=%llu status=%d code=%s", (unsigned long long)r->id,
                status, err_table[kind].code);
    if (r->xapi)
        r->out = SVC_ENC_JSON;          /* an LRS's error: JSON whatever was asked for */
    Skillpath__V1__Error e;
    skillpath__v1__error__init(&e);
    e.code = (char *)err_table[kind].code;
    e.message = msg;
    svc_reply(r, status, &e.base);
}

/* ---------------------------------------------------------------- dispatch */

/* The route's checks, in order; each refusal is answered here. */
static void dispatch(struct svc_req *r, const char *path)
{
    const struct svc_route_def *hit = NULL, *any = NULL;
    r->xapi = strncmp(path, "/xapi/", 6) == 0 || strcmp(path, "/xapi") == 0;
    if (r->xapi) {                      /* answered in 2.0.0 to whoever speaks it */
        const char *v = evhttp_find_header(evhttp_request_get_input_headers(r->ev),
                                           "X-Experience-API-Version");
        if (v && (strcmp(v, "2.0.0") == 0 || strcmp(v, "2.0") == 0))
            r->xapi_version = "2.0.0";
    }
    char allow[64] = "";
    for (size_t i = 0; i < N_ROUTES; i++) {
        const struct svc_route_def *rt = &routes[i];
        if (!match(rt->pattern, path, r->param))
            continue;
        any = any ? any : rt;
        if (rt->method == r->method)
            hit = rt;
        const char *m = method_name(rt->method);
        if (strstr(allow, m) == NULL)
            snprintf(allow + strlen(allow), sizeof allow - strlen(allow), "%s%s", allow[0] ? ", " : "", m);
    }
    if (any == NULL) {
        svc_reply_error(r, SVC_ERR_NOT_FOUND, "no route %.200s", path);
        return;
    }
    r->route = hit ? hit : any;
    if (hit == NULL) {
        evhttp_add_header(evhttp_request_get_output_headers(r->ev), "Allow", allow);
        svc_reply_error(r, SVC_ERR_METHOD, "allowed: %s", allow);
        return;
    }
    if (strstr(hit->pattern, "{id}") && !svc_keys_valid_id(r->param)) {
        svc_reply_error(r, SVC_ERR_INVALID, "id in the path: 1-%d characters of [A-Za-z0-9._:@-]",
                        SVC_MAX_ID);
        return;
    }
    if (hit->scope && r->h->conf.auth) {
        const char *key = evhttp_find_header(evhttp_request_get_input_headers(r->ev), "Authorization");
        char msg[160];
        enum svc_auth_outcome a = svc_auth_check(r->h->conf.auth, key, hit->scope, msg, sizeof msg);
        if (a != SVC_AUTH_OK) {
            svc_reply_error(r, a == SVC_AUTH_NO_SCOPE ? SVC_ERR_FORBIDDEN : SVC_ERR_UNAUTHENTICATED,
                            "%s", msg);
            return;
        }
    }
    if ((hit->flags & NEEDS_CATALOG) && r->cat == NULL) {
        svc_reply_error(r, SVC_ERR_UNAVAILABLE, "no catalog loaded yet");
        return;
    }
    if (hit->flags & RAW_BODY) {
        struct evbuffer *in = evhttp_request_get_input_buffer(r->ev);
        size_t len = evbuffer_get_length(in);
        if (len > r->h->conf.max_body) {
            svc_reply_error(r, SVC_ERR_TOO_LARGE, "body of %zu bytes exceeds the limit of %zu", len,
                            r->h->conf.max_body);
            return;
        }
        r->raw = len ? (const char *)evbuffer_pullup(in, -1) : "";
        r->raw_len = len;
    } else if (hit->body) {
        const char *ctype = evhttp_find_header(evhttp_request_get_input_headers(r->ev), "Content-Type");
        if (r->in == SVC_ENC_UNSUPPORTED) {
            svc_reply_error(r, SVC_ERR_MEDIA_TYPE,
                            "Content-Type '%.100s': send application/json or application/x-protobuf",
                            ctype);
            return;
        }
        struct evbuffer *in = evhttp_request_get_input_buffer(r->ev);
        size_t len = evbuffer_get_length(in);
        size_t limit = (hit->flags & BIG_BODY) ? r->h->conf.max_catalog : r->h->conf.max_body;
        if (len > limit) {
            svc_reply_error(r, SVC_ERR_TOO_LARGE, "body of %zu bytes exceeds the limit of %zu", len,
                            limit);
            return;
        }
        const void *data = len ? (const void *)evbuffer_pullup(in, -1) : (const void *)"";
        char err[ERRLEN];
        r->body = svc_codec_decode(r->in, hit->body, data, len, err, sizeof err);
        if (r->body == NULL) {
            svc_reply_error(r, SVC_ERR_INVALID, "%s", err);
            return;
        }
    }
    hit->handler(r);
}

/* More than one Content-Length, not all the same. */
static bool conflicting_lengths(const struct evkeyvalq *headers)
{
    const char *first = NULL;
    for (const struct evkeyval *kv = headers->tqh_first; kv; kv = kv->next.tqe_next) {
        if (evutil_ascii_strcasecmp(kv->key, "Content-Length") != 0)
            continue;
        if (first == NULL)
            first = kv->value;
        else if (strcmp(first, kv->value) != 0)
            return true;
    }
    return false;
}

static void on_request(struct evhttp_request *ev, void *arg)
{
    struct svc_http *h = arg;
    struct svc_req *r = calloc(1, sizeof *r);
    if (r == NULL) {
        evhttp_send_error(ev, 500, "out of memory");
        return;
    }
    h->in_flight++;
    r->h = h;
    r->ev = ev;
    r->id = ++h->next_id;
    r->method = (int)evhttp_request_get_command(ev);
    clock_gettime(CLOCK_MONOTONIC, &r->start);
    r->cat = h->cat ? svc_catalog_ref(h->cat) : NULL;
    r->evcon = evhttp_request_get_connection(ev);
    if (r->evcon)
        evhttp_connection_set_closecb(r->evcon, on_client_gone, r);
    svc_edge_busy(h->edge, r->evcon);           /* no deadline while we work on it */

    struct evkeyvalq *in = evhttp_request_get_input_headers(ev);
    bool has_body = r->method == EVHTTP_REQ_POST || r->method == EVHTTP_REQ_PUT;
    r->in = has_body ? svc_codec_from_content_type(evhttp_find_header(in, "Content-Type")) : SVC_ENC_JSON;
    r->out = svc_codec_from_accept(evhttp_find_header(in, "Accept"),
                                   r->in == SVC_ENC_UNSUPPORTED ? SVC_ENC_JSON : r->in);
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(ev);
    const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
    r->dispatching = true;
    if (path == NULL) {
        svc_reply_error(r, SVC_ERR_INVALID, "malformed request URI");
    } else if (conflicting_lengths(in)) {
        /* RFC 9112 6.3: a message with differing Content-Lengths is
         * unrecoverable framing; refuse it and close the connection. */
        evhttp_add_header(evhttp_request_get_output_headers(ev), "Connection", "close");
        svc_reply_error(r, SVC_ERR_INVALID, "Content-Length: given more than once, with different values");
    } else {
        r->query = evhttp_uri_get_query(uri);
        dispatch(r, path);
    }
    r->dispatching = false;
    svc_req_settle(r);
}

/* ---------------------------------------------------------------- catalog */

void svc_http_set_catalog(struct svc_http *h, struct svc_catalog *c)
{
    if (c == h->cat)
        return;
    struct svc_catalog *old = h->cat;
    h->cat = svc_catalog_ref(c);
    svc_catalog_unref(old);
    svc_log(SVC_LOG_INFO, "msg=catalog_serving version=%s courses=%zu",
            rs_catalog_version(c->cat), rs_catalog_n_courses(c->cat));
}

/* ---------------------------------------------------------------- create */

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
    svc_ops_init(&h->ops, store, conf->push, conf->push_lessons, conf->max_retries, &h->stats);
    h->edge = svc_edge_create(base, http, &conf->edge, &h->stats);
    if (h->edge == NULL) {
        svc_http_destroy(h);
        return NULL;
    }
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
    if (h->publish)
        event_free(h->publish);
    svc_edge_destroy(h->edge);
    svc_ops_deinit(&h->ops);
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
