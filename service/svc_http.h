/* SPDX-License-Identifier: MIT
 * The HTTP API on libevent's evhttp: routing, bodies in protobuf or JSON,
 * errors as Error messages, and the route handlers over the store. One
 * instance per event loop; everything here runs on that loop's thread. */
#ifndef SVC_HTTP_H
#define SVC_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct evhttp;
struct svc_store;
struct svc_catalog;
struct svc_http;

struct svc_auth;
struct svc_push;
struct svc_stats_hub;

struct svc_http_conf {
    const struct svc_auth *auth;    /* NULL: no API keys checked */
    struct svc_push *push;          /* NULL: no streams, nothing published */
    unsigned push_lessons;          /* lessons per pushed update */
    struct svc_stats_hub *hub;      /* NULL: one loop; else counters are shared through it */
    size_t worker;                  /* this loop's slot in the hub */
    size_t max_body;            /* larger bodies get 413 */
    size_t max_catalog;         /* ... except PUT /v1/catalog's, up to this */
    size_t max_batch;           /* events per POST /v1/events */
    int max_retries;            /* recomputes on a version conflict */
};

/* Serve on `http` (borrowed) with `store` (borrowed) and catalog `cat` (a
 * reference is taken; NULL: load the current one from Redis, answering 503
 * until then). Follows catalogs announced by other daemons. NULL on ENOMEM. */
struct svc_http *svc_http_create(struct event_base *base, struct evhttp *http,
                                 struct svc_store *store, struct svc_catalog *cat,
                                 const struct svc_http_conf *conf);
/* Free. Destroy the store first: its callbacks settle every request still
 * waiting on Redis and the catalog fetch, so nothing is in flight here and
 * the store is not touched. NULL is a no-op. */
void svc_http_destroy(struct svc_http *h);

/* Serve catalog `c` from now on (a reference is taken); requests in
 * flight finish on the one they hold. */
void svc_http_set_catalog(struct svc_http *h, struct svc_catalog *c);

/* Requests in flight (received, not yet answered or abandoned). */
size_t svc_http_in_flight(const struct svc_http *h);

/* Call `cb(arg)` once no request is in flight (at once if none is). */
void svc_http_on_idle(struct svc_http *h, void (*cb)(void *), void *arg);

#endif
