/* SPDX-License-Identifier: MIT
 * The edge: what a connection may cost before a request reaches the routes.
 * Every connection's input is watched as it is read (nothing is parsed but
 * line ends) for, per connection: a header deadline (from a request's first
 * byte to the end of its headers), a body deadline (from there until the
 * request is dispatched), limits on the request line (414) and on the
 * headers (431, bytes and lines), and a cap on open connections (503
 * beyond it). Quiet connections (no request yet, or idle between
 * keep-alive requests) are closed after idle_timeout_ms; streams are
 * exempt. Counted in the loop's svc_stats. Loop thread only. */
#ifndef SVC_EDGE_H
#define SVC_EDGE_H

#include <stddef.h>

struct event_base;
struct evhttp;
struct evhttp_connection;
struct svc_stats;
struct svc_edge;

struct svc_edge_conf {
    int header_timeout_ms;      /* a request's line and headers, from its first byte */
    int body_timeout_ms;        /* its body, from the end of its headers to dispatch */
    int idle_timeout_ms;        /* a keep-alive connection between requests */
    size_t max_connections;     /* open at once on this loop; beyond, 503 */
    size_t max_uri_bytes;       /* the request line */
    size_t max_header_bytes;    /* the header lines together (without the request line) */
    size_t max_header_lines;
};

/* Guard every connection `http` (on `base`) accepts from now on; counters
 * go to `stats` (borrowed). NULL on ENOMEM. */
struct svc_edge *svc_edge_create(struct event_base *base, struct evhttp *http,
                                 const struct svc_edge_conf *conf, struct svc_stats *stats);
/* Before evhttp_free(); connections still open lose their guard. NULL is a no-op. */
void svc_edge_destroy(struct svc_edge *e);

/* The transport's part, for the connection of a request: it was dispatched
 * (no deadline while the daemon works on it); its answer is sent (the
 * connection now waits for the next request, under the idle timeout); it
 * became a stream (no timeout at all). Unknown connections are ignored. */
void svc_edge_busy(struct svc_edge *e, struct evhttp_connection *evcon);
void svc_edge_idle(struct svc_edge *e, struct evhttp_connection *evcon);
void svc_edge_stream(struct svc_edge *e, struct evhttp_connection *evcon);

#endif
