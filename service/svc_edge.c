/* SPDX-License-Identifier: MIT
 * The edge (svc_edge.h).
 *
 * DESIGN
 * evhttp offers no hook between accepting a connection and dispatching a
 * complete request, and its timeouts are inactivity timeouts: a client that
 * sends one byte every few seconds never trips them (slowloris). So every
 * connection's socket bufferevent is made here (evhttp_set_bevcb), with a
 * callback on its input buffer that sees each read's bytes before evhttp
 * parses them. A guard per connection follows its phase:
 *
 *   HEAD --blank line--> BODY --dispatched--> BUSY --answered--> IDLE
 *   header deadline      body deadline        (none)     (next byte: HEAD)
 *   BUSY --became a stream--> STREAM (no deadline)
 *
 * HEAD starts at a request's first byte. There the callback counts the
 * request line's bytes and the header lines and their bytes — it looks at
 * nothing but line ends — and past a limit it takes the bytes away before
 * evhttp sees them, answers 414 or 431 itself on the socket, shuts it for
 * writing and drains what the client still sends for a moment (a lingering
 * close, so the client reads the answer rather than a reset) before closing
 * it. In every other phase bytes pass untouched. A deadline that passes
 * shuts the socket; evhttp sees the end of file and frees the connection.
 * Quiet connections — never a byte, or idle between requests — are closed
 * by evhttp's own inactivity timeout (idle_timeout_ms; streams read nothing
 * and are exempt).
 *
 * libevent tells nobody when it frees a bufferevent, so a guard never
 * touches its bufferevent from a timer unless the socket it saw is still
 * the same one: the socket's cookie (SO_COOKIE), read right after accept
 * (in the same loop pass, before any I/O on it can run), must still be the
 * cookie of that descriptor. While the cookie matches,
 * the connection and its bufferevent are alive (the descriptor closes only
 * when libevent destroys it). A guard whose socket is gone is dropped then,
 * by a sweep every few seconds, or when a new connection's bufferevent
 * lands at the same address.
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "svc_edge.h"
#include "svc_log.h"
#include "svc_stats.h"

#ifndef SO_COOKIE
#define SO_COOKIE 57
#endif

#define BUCKETS 4096
#define LINGER_MS 2000          /* after a refusal: how long to drain the client's rest */
#define SWEEP_MS 2000           /* how often guards of closed sockets are dropped */

enum phase { P_NEW, P_HEAD, P_BODY, P_BUSY, P_IDLE, P_STREAM, P_CLOSING };

struct guard {
    struct svc_edge *e;
    struct bufferevent *bev;    /* the connection's; touched only while alive (above) */
    evutil_socket_t fd;         /* -1 until its first byte */
    uint64_t cookie;            /* the socket's, from then on */
    struct event *timer;        /* the phase's deadline */
    enum phase phase;
    bool refuse;                /* over max_connections: answer 503 at the first byte */
    bool first_line;            /* still in the request line */
    size_t line_len;            /* bytes of the current line so far, without CR LF */
    size_t head_bytes;          /* header bytes of this request so far */
    size_t lines;               /* header lines so far */
    struct guard *hnext;        /* in its hash bucket, by bev */
};

struct svc_edge {
    struct event_base *base;
    struct svc_edge_conf conf;
    struct svc_stats *stats;
    struct event *sweep;
    struct guard *bucket[BUCKETS];
    size_t open;                /* guards: connections not yet known closed */
};

static void on_input(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg);

/* ---------------------------------------------------------------- guards */

static size_t slot(const struct bufferevent *bev)
{
    uintptr_t p = (uintptr_t)bev;
    return (size_t)((p >> 4) ^ (p >> 16)) % BUCKETS;
}

static uint64_t cookie_of(evutil_socket_t fd)
{
    uint64_t c = 0;
    socklen_t len = sizeof c;
    if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_COOKIE, &c, &len) != 0)
        return 0;
    return c;
}

/* Is the guard's connection still the one it saw? Only then may g->bev be
 * touched outside its own callbacks. */
static bool alive(const struct guard *g)
{
    return g->fd >= 0 && g->cookie != 0 && cookie_of(g->fd) == g->cookie;
}

/* Drop a guard; `detach`: the connection is alive, stop watching its input. */
static void drop(struct guard *g, bool detach)
{
    struct svc_edge *e = g->e;
    struct guard **pp = &e->bucket[slot(g->bev)];
    while (*pp && *pp != g)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = g->hnext;
    if (detach)
        evbuffer_remove_cb(bufferevent_get_input(g->bev), on_input, g);
    event_free(g->timer);
    e->open--;
    e->stats->conns_open--;
    free(g);
}

static struct guard *lookup(struct svc_edge *e, struct evhttp_connection *evcon)
{
    struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
    if (bev == NULL)
        return NULL;
    for (struct guard *g = e->bucket[slot(bev)]; g; g = g->hnext)
        if (g->bev == bev)
            return g;
    return NULL;
}

/* Enter `phase`, with its deadline (ms <= 0: none). */
static void enter(struct guard *g, enum phase phase, int ms)
{
    g->phase = phase;
    evtimer_del(g->timer);
    if (ms > 0) {
        struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
        evtimer_add(g->timer, &tv);
    }
}

static void start_request(struct guard *g)
{
    g->first_line = true;
    g->line_len = g->head_bytes = g->lines = 0;
    enter(g, P_HEAD, g->e->conf.header_timeout_ms);
}

/* Answer with a canned error and close after a lingering drain. */
static void refuse(struct guard *g, struct evbuffer *in, int status, const char *phrase,
                   const char *code, const char *msg)
{
    char reply[640], body[400];
    int blen = snprintf(body, sizeof body, "{\"code\":\"%s\",\"message\":\"%s\"}", code, msg);
    int n = snprintf(reply, sizeof reply,
                     "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                     "Connection: close\r\n%s\r\n%s",
                     status, phrase, blen, status == 503 ? "Retry-After: 1\r\n" : "", body);
    evbuffer_drain(in, evbuffer_get_length(in));        /* evhttp never sees it */
    /* Nothing else is queued on the socket before a request's answer, so
     * this small reply goes out at once or not at all. */
    ssize_t sent = send(g->fd, reply, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
    (void)sent;
    shutdown(g->fd, SHUT_WR);
    svc_log(SVC_LOG_INFO, "msg=connection_refused status=%d reason=%s", status, code);
    enter(g, P_CLOSING, LINGER_MS);
}

/* ---------------------------------------------------------------- input */

/* Scan `n` new bytes of a request's head; false after a refusal. */
static bool scan(struct guard *g, struct evbuffer *in, const unsigned char *p, size_t n)
{
    const struct svc_edge_conf *c = &g->e->conf;
    struct svc_stats *s = g->e->stats;
    for (size_t i = 0; i < n && g->phase == P_HEAD; i++) {
        unsigned char ch = p[i];
        if (ch == '\n') {
            if (g->first_line) {
                if (g->line_len > 0)
                    g->first_line = false;      /* (empty lines before a request are skipped) */
            } else if (g->line_len == 0) {
                enter(g, P_BODY, c->body_timeout_ms);   /* the blank line: headers done */
            } else if (++g->lines > c->max_header_lines) {
                s->heads_too_large++;
                refuse(g, in, 431, "Request Header Fields Too Large", "request_header_fields_too_large",
                       "too many header lines");
                return false;
            }
            g->line_len = 0;
        } else if (ch != '\r') {
            g->line_len++;
            if (g->first_line && g->line_len > c->max_uri_bytes) {
                s->uris_too_long++;
                refuse(g, in, 414, "URI Too Long", "uri_too_long", "request line too long");
                return false;
            }
            if (!g->first_line && ++g->head_bytes > c->max_header_bytes) {
                s->heads_too_large++;
                refuse(g, in, 431, "Request Header Fields Too Large", "request_header_fields_too_large",
                       "headers too large");
                return false;
            }
        }
    }
    return true;
}

/* The connection's input buffer changed: a read added bytes (scan them),
 * or evhttp consumed some (nothing to do). */
static void on_input(struct evbuffer *in, const struct evbuffer_cb_info *info, void *arg)
{
    struct guard *g = arg;
    if (info->n_added == 0)
        return;
    if (g->fd < 0) {                            /* (normally learnt right after accept) */
        g->fd = bufferevent_getfd(g->bev);
        g->cookie = cookie_of(g->fd);
    }
    if (g->refuse) {                            /* over the cap: its first request gets 503 */
        g->refuse = false;
        g->e->stats->conns_refused++;
        refuse(g, in, 503, "Service Unavailable", "unavailable", "too many connections; retry");
        return;
    }
    if (g->phase == P_CLOSING) {                /* lingering: drop it */
        evbuffer_drain(in, evbuffer_get_length(in));
        return;
    }
    if (g->phase == P_STREAM || g->phase == P_BODY)
        return;
    if (g->phase != P_HEAD)
        start_request(g);                       /* a request's first bytes */
    size_t len = evbuffer_get_length(in);
    size_t from = len >= info->n_added ? len - info->n_added : 0;
    struct evbuffer_ptr pos;
    if (evbuffer_ptr_set(in, &pos, from, EVBUFFER_PTR_SET) != 0)
        return;
    while (g->phase == P_HEAD && pos.pos < (ev_ssize_t)len) {
        struct evbuffer_iovec v[4];
        int nv = evbuffer_peek(in, (ev_ssize_t)len - pos.pos, &pos, v, 4);
        if (nv <= 0)
            break;
        size_t done = 0;
        for (int k = 0; k < nv && k < 4 && g->phase == P_HEAD; k++) {
            if (!scan(g, in, v[k].iov_base, v[k].iov_len))
                return;                         /* refused: the buffer is emptied */
            done += v[k].iov_len;
        }
        if (evbuffer_ptr_set(in, &pos, done, EVBUFFER_PTR_ADD) != 0)
            break;
    }
}

/* ---------------------------------------------------------------- timers */

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
    struct guard *g = arg;
    struct svc_stats *s = g->e->stats;
    (void)fd;
    (void)what;
    if (g->phase == P_NEW && g->fd < 0) {       /* just accepted: evhttp has set its socket */
        g->fd = bufferevent_getfd(g->bev);
        g->cookie = cookie_of(g->fd);
        return;
    }
    if (!alive(g)) {                            /* it closed meanwhile */
        drop(g, false);
        return;
    }
    if (g->phase == P_HEAD) {
        s->header_timeouts++;
        svc_log(SVC_LOG_INFO, "msg=connection_closed reason=header_timeout");
    } else if (g->phase == P_BODY) {
        s->body_timeouts++;
        svc_log(SVC_LOG_INFO, "msg=connection_closed reason=body_timeout");
    }
    /* evhttp sees the end of file and frees the connection */
    shutdown(g->fd, SHUT_RDWR);
    drop(g, true);
}

/* Drop the guards of sockets that closed (those not waiting on a deadline:
 * busy, idle, streaming). */
static void on_sweep(evutil_socket_t fd, short what, void *arg)
{
    struct svc_edge *e = arg;
    (void)fd;
    (void)what;
    for (size_t b = 0; b < BUCKETS; b++)
        for (struct guard *g = e->bucket[b], *after; g; g = after) {
            after = g->hnext;
            if (g->fd >= 0 && !alive(g))
                drop(g, false);
        }
}

/* ---------------------------------------------------------------- connections */

/* evhttp_set_bevcb: the bufferevent of every new connection. */
static struct bufferevent *make_bev(struct event_base *base, void *arg)
{
    struct svc_edge *e = arg;
    struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    struct guard *g = bev ? calloc(1, sizeof *g) : NULL;
    if (g)
        g->timer = evtimer_new(base, on_deadline, g);
    if (g == NULL || g->timer == NULL ||
        evbuffer_add_cb(bufferevent_get_input(bev), on_input, g) == NULL) {
        if (g && g->timer)
            event_free(g->timer);
        free(g);
        return bev;                             /* unguarded, but served */
    }
    size_t b = slot(bev);
    for (struct guard *old = e->bucket[b], *after; old; old = after) {
        after = old->hnext;
        if (old->bev == bev)                    /* a closed connection's, at the same address */
            drop(old, false);
    }
    g->e = e;
    g->bev = bev;
    g->fd = -1;
    g->phase = P_NEW;
    g->hnext = e->bucket[b];
    e->bucket[b] = g;
    e->stats->conns_accepted++;
    if (e->open + 1 > e->conf.max_connections) {
        on_sweep(-1, 0, e);                     /* count only the living */
        g->refuse = e->open + 1 > e->conf.max_connections;
    }
    e->open++;
    e->stats->conns_open++;
    /* evhttp sets the socket when this returns; learn it in this very loop
     * pass (an activated event runs before the loop polls again) */
    event_active(g->timer, EV_TIMEOUT, 0);
    return bev;
}

struct svc_edge *svc_edge_create(struct event_base *base, struct evhttp *http,
                                 const struct svc_edge_conf *conf, struct svc_stats *stats)
{
    struct svc_edge *e = calloc(1, sizeof *e);
    if (e == NULL)
        return NULL;
    e->base = base;
    e->conf = *conf;
    e->stats = stats;
    e->sweep = event_new(base, -1, EV_PERSIST, on_sweep, e);
    struct timeval every = { SWEEP_MS / 1000, (SWEEP_MS % 1000) * 1000 };
    if (e->sweep == NULL || event_add(e->sweep, &every) != 0) {
        svc_edge_destroy(e);
        return NULL;
    }
    evhttp_set_bevcb(http, make_bev, e);
    /* Quiet connections: evhttp's inactivity timeout closes them. */
    struct timeval idle = { conf->idle_timeout_ms / 1000, (conf->idle_timeout_ms % 1000) * 1000 };
    evhttp_set_timeout_tv(http, &idle);
    /* evhttp's own cap, a backstop above ours (it answers 413 itself) */
    evhttp_set_max_headers_size(http, (ev_ssize_t)(conf->max_uri_bytes + conf->max_header_bytes +
                                                   2 * conf->max_header_lines + 4096));
    return e;
}

void svc_edge_destroy(struct svc_edge *e)
{
    if (e == NULL)
        return;
    /* Detach from the connections still alive; evhttp frees them later. */
    for (size_t b = 0; b < BUCKETS; b++)
        for (struct guard *g = e->bucket[b], *after; g; g = after) {
            after = g->hnext;
            drop(g, alive(g));
        }
    if (e->sweep)
        event_free(e->sweep);
    free(e);
}

void svc_edge_busy(struct svc_edge *e, struct evhttp_connection *evcon)
{
    struct guard *g = e ? lookup(e, evcon) : NULL;
    if (g && g->phase != P_CLOSING)
        enter(g, P_BUSY, 0);
}

void svc_edge_idle(struct svc_edge *e, struct evhttp_connection *evcon)
{
    struct guard *g = e ? lookup(e, evcon) : NULL;
    if (g && g->phase == P_BUSY)
        enter(g, P_IDLE, 0);
}

void svc_edge_stream(struct svc_edge *e, struct evhttp_connection *evcon)
{
    struct guard *g = e ? lookup(e, evcon) : NULL;
    if (g && g->phase != P_CLOSING)
        enter(g, P_STREAM, 0);
}
