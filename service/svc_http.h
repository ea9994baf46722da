/* SPDX-License-Identifier: MIT
 * The transport: one HTTP front per event loop on libevent's evhttp — the
 * request lifecycle, content negotiation, the route table (svc_http.c: its
 * method, path pattern, scope, body message and handler per route, which
 * also yields 404, 405 and Allow), the one table from error kind to HTTP
 * status, and the edge's limits. Resources (svc_res_*.c) are the handlers;
 * they use what this header gives them. Loop thread only. */
#ifndef SVC_HTTP_H
#define SVC_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <protobuf-c/protobuf-c.h>

#include "svc_codec.h"
#include "svc_edge.h"
#include "svc_err.h"
#include "svc_ops.h"
#include "svc_xapi.h"
#include "svc_stats.h"

struct event;
struct event_base;
struct evhttp;
struct evhttp_connection;
struct evhttp_request;
struct svc_auth;
struct svc_catalog;
struct svc_catalog_owner;
struct svc_push;
struct svc_stats_hub;
struct svc_store;
struct svc_team_builder;
struct svc_ui;

struct svc_http_conf {
    const struct svc_auth *auth;    /* NULL: no API keys checked */
    struct svc_push *push;          /* NULL: no streams, nothing published */
    unsigned push_lessons;          /* lessons per pushed update */
    struct svc_stats_hub *hub;      /* NULL: this loop alone; else counters are shared through it */
    size_t worker;                  /* this loop's slot in the hub */
    size_t max_body;                /* larger bodies get 413 */
    size_t max_catalog;             /* ... except PUT /v1/catalog's, up to this */
    size_t max_batch;               /* events per POST /v1/events */
    int max_retries;                /* recomputes on a version conflict */
    struct svc_catalog_owner *catalogs; /* the process's catalog owner (PUT offers to it), or NULL */
    struct svc_xapi_ingest xapi;    /* the xapi-* options */
    struct svc_team_builder *team;  /* the team snapshot's keeper (GET /v1/team/...) */
    const struct svc_ui *ui;        /* the web UI's files, or NULL: not served */
    struct svc_edge_conf edge;      /* deadlines and limits per connection */
};

/* One loop's HTTP front. */
struct svc_http {
    struct event_base *base;
    struct evhttp *http;
    struct svc_store *store;            /* borrowed */
    struct svc_catalog *cat;            /* the current snapshot (a reference), NULL until one */
    struct svc_http_conf conf;
    struct svc_ops ops;                 /* this loop's operations */
    struct svc_stats stats;             /* this loop's counters */
    struct svc_edge *edge;              /* every connection's deadlines and limits */
    uint64_t next_id;                   /* request ids, for the log */
    size_t in_flight;                   /* requests received, not yet released */
    void (*on_idle)(void *);
    void *idle_arg;
    struct event *publish;              /* copies counters to the hub */
};

struct svc_route_def;

/* A request, from its arrival until it is answered (or its client has gone)
 * and no operation of it is outstanding. */
struct svc_req {
    struct svc_http *h;
    struct evhttp_request *ev;          /* NULL once answered, handed over, or the client is gone */
    struct evhttp_connection *evcon;
    const struct svc_route_def *route;  /* NULL: none matched */
    uint64_t id;
    int method;                         /* enum evhttp_cmd_type */
    enum svc_enc in, out;               /* body encoding, reply encoding */
    struct timespec start;
    struct svc_catalog *cat;            /* the snapshot this request runs on (a reference) */
    char param[SVC_MAX_ID + 1];         /* the path's {id}, validated */
    const char *query;                  /* the URI's query string, or NULL */
    ProtobufCMessage *body;             /* decoded as the route's body message */
    const char *raw;                    /* a RAW_BODY route's body, as received ... */
    size_t raw_len;                     /* ... and its length */
    bool xapi;                          /* under /xapi: answers speak xAPI */
    const char *xapi_version;           /* the version answered (static), NULL: 1.0.3 */
    bool waiting;                       /* an operation is outstanding */
    bool gone;                          /* the client hung up (operations may stop early) */
    bool dispatching;                   /* the handler is running: not freed under it */
    struct event *hangup;               /* while waiting: the client's FIN */
};

/* Answer with a message in the negotiated encoding (status 200, 201, or
 * 204 with m NULL). */
void svc_reply(struct svc_req *r, int status, const ProtobufCMessage *m);

struct evkeyvalq;
/* Query parameter `name` (parsed with evhttp_parse_query_str) as a whole
 * number in [lo, hi] into *out; absent: *out unchanged. false when it is
 * malformed or out of range. */
bool svc_query_long(const struct evkeyvalq *q, const char *name, long lo, long hi, long *out);
/* Answer with a plain body of our own (health checks, metrics). */
void svc_reply_raw(struct svc_req *r, int status, const char *ctype, const void *body, size_t len);
/* Answer an error: its kind picks the status and code (svc_err.h), the
 * message says what is wrong, naming the field. */
void svc_reply_error(struct svc_req *r, enum svc_err kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Around an operation: svc_req_wait() before starting it; in its callback
 * svc_req_resume() first — false when the client has gone, and the request
 * is then released: stop there — and svc_req_settle() last. */
void svc_req_wait(struct svc_req *r);
bool svc_req_resume(struct svc_req *r);
void svc_req_settle(struct svc_req *r);

/* The usual start of a completion: true when there is a result to render
 * (then render it and svc_req_settle()); false when all is done already —
 * the client has gone, or `err` has been answered and the request settled:
 * touch it no more. */
bool svc_req_complete(struct svc_req *r, enum svc_err err, const char *msg);

/* The request now belongs to someone else (a stream): the transport
 * forgets it without answering; counted as `status`. */
void svc_req_hand_over(struct svc_req *r, int status);

/* Serve on `http` (borrowed) with `store` (borrowed) and catalog `cat` (a
 * reference is taken; NULL: none yet, /v1/ answers 503 until the catalog
 * owner sends one through svc_http_set_catalog). NULL on ENOMEM. */
struct svc_http *svc_http_create(struct event_base *base, struct evhttp *http,
                                 struct svc_store *store, struct svc_catalog *cat,
                                 const struct svc_http_conf *conf);
/* Free. Destroy the store first: its callbacks settle every request still
 * waiting on Redis, so nothing is in flight here and the store is not
 * touched. NULL is a no-op. */
void svc_http_destroy(struct svc_http *h);

/* Serve catalog `c` from now on (a reference is taken); requests in
 * flight finish on the one they hold. */
void svc_http_set_catalog(struct svc_http *h, struct svc_catalog *c);

/* Requests in flight (received, not yet answered or abandoned). */
size_t svc_http_in_flight(const struct svc_http *h);

/* Call `cb(arg)` once no request is in flight (at once if none is). */
void svc_http_on_idle(struct svc_http *h, void (*cb)(void *), void *arg);

#endif
