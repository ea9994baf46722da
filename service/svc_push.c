/* SPDX-License-Identifier: MIT
 * SSE streams and their fan-out.
 *
 * DESIGN
 * Streams are kept in a hash table by learner id. An update arrives as a
 * NextLessons protobuf on the "push" channel (from any daemon, this one
 * included) and is written to each stream of that learner as
 *     id: <version>\nevent: next\ndata: <NextLessons JSON>\n\n
 * Before each write the client's queued output is checked: one that stopped
 * reading is dropped (and counted) as soon as it holds more than max_buffer,
 * so it never holds up the others; its socket send buffer is kept small so
 * the kernel does not hide it for long. */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "svc_json.h"
#include "svc_log.h"
#include "svc_push.h"
#include "svc_store.h"

#define BUCKETS 1024
#define SNDBUF (32 * 1024)
#define CHANNEL "push"
#define WATCH_TTL_S 60          /* a stream's mark outlives its daemon by this much */

struct stream {
    struct svc_push *p;
    struct evhttp_request *req;
    struct evhttp_connection *evcon;
    struct stream *prev, *next;     /* in its bucket */
    char id[];                      /* learner id */
};

struct svc_push {
    struct event_base *base;
    struct svc_store *store;
    struct svc_push_conf conf;
    struct stream *bucket[BUCKETS];
    struct event *heartbeat;
    struct svc_push_stats stats;
};

static unsigned hash(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h % BUCKETS;
}

static void unlink_stream(struct stream *s)
{
    struct svc_push *p = s->p;
    if (s->prev)
        s->prev->next = s->next;
    else
        p->bucket[hash(s->id)] = s->next;
    if (s->next)
        s->next->prev = s->prev;
    p->stats.open--;
}

static void on_stream_closed(struct evhttp_connection *evcon, void *arg)
{
    struct stream *s = arg;
    (void)evcon;
    svc_log(SVC_LOG_INFO, "msg=stream_closed");
    svc_store_watch(s->p->store, s->id, -1, WATCH_TTL_S);
    /* A client that hung up: libevent detached the request it still owed us
     * a reply for (its connection is NULL now) and frees only the
     * connection, so the request is ours to free. When we dropped the
     * connection ourselves, the request is still attached and goes with it. */
    if (evhttp_request_get_connection(s->req) == NULL)
        evhttp_request_free(s->req);
    unlink_stream(s);
    free(s);
}

/* Write one SSE frame, or drop a client that is not reading. */
static void write_frame(struct stream *s, const char *frame, size_t len)
{
    struct bufferevent *bev = evhttp_connection_get_bufferevent(s->evcon);
    size_t queued = bev ? evbuffer_get_length(bufferevent_get_output(bev)) : 0;
    if (queued + len > s->p->conf.max_buffer) {
        s->p->stats.dropped++;
        svc_log(SVC_LOG_WARN, "msg=stream_dropped queued=%zu", queued);
        /* Frees the request and calls on_stream_closed, which frees s. */
        evhttp_connection_free(s->evcon);
        return;
    }
    struct evbuffer *b = evbuffer_new();
    if (b == NULL)
        return;
    evbuffer_add(b, frame, len);
    evhttp_send_reply_chunk(s->req, b);
    evbuffer_free(b);
    s->p->stats.delivered++;
}

/* The frame for a NextLessons message; malloc'ed. */
static char *frame_of(const Skillpath__V1__NextLessons *next, size_t *len)
{
    size_t jlen = 0;
    char *json = svc_json_encode(&next->base, SVC_JSON_COMPACT, &jlen);
    if (json == NULL)
        return NULL;
    size_t cap = jlen + 64;
    char *f = malloc(cap);
    if (f)
        *len = (size_t)snprintf(f, cap, "id: %llu\nevent: next\ndata: %s\n\n",
                                (unsigned long long)next->version, json);
    free(json);
    return f;
}

static void on_message(void *arg, const char *data, size_t len)
{
    struct svc_push *p = arg;
    Skillpath__V1__NextLessons *next = (Skillpath__V1__NextLessons *)protobuf_c_message_unpack(
        &skillpath__v1__next_lessons__descriptor, NULL, len, (const uint8_t *)data);
    if (next == NULL)
        return;
    size_t flen = 0;
    char *frame = NULL;
    struct stream *s = p->bucket[hash(next->learner_id)];
    while (s) {
        struct stream *after = s->next;     /* s may be freed by a drop */
        if (strcmp(s->id, next->learner_id) == 0) {
            if (frame == NULL && (frame = frame_of(next, &flen)) == NULL)
                break;
            write_frame(s, frame, flen);
        }
        s = after;
    }
    free(frame);
    protobuf_c_message_free_unpacked(&next->base, NULL);
}

static void on_heartbeat(evutil_socket_t fd, short what, void *arg)
{
    struct svc_push *p = arg;
    (void)fd;
    (void)what;
    for (size_t b = 0; b < BUCKETS; b++)
        for (struct stream *s = p->bucket[b], *after; s; s = after) {
            after = s->next;
            svc_store_watch(p->store, s->id, 0, WATCH_TTL_S);   /* still here */
            write_frame(s, ": ping\n\n", 8);
        }
}

int svc_push_attach(struct svc_push *p, struct evhttp_request *req, const char *id,
                    const Skillpath__V1__NextLessons *first)
{
    size_t n = strlen(id), flen = 0;
    char *frame = frame_of(first, &flen);
    struct stream *s = frame ? malloc(sizeof *s + n + 1) : NULL;
    if (s == NULL) {
        free(frame);
        return -1;
    }
    memcpy(s->id, id, n + 1);
    s->p = p;
    s->req = req;
    s->evcon = evhttp_request_get_connection(req);
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Content-Type", "text/event-stream");
    evhttp_add_header(h, "Cache-Control", "no-cache");
    evhttp_add_header(h, "X-Accel-Buffering", "no");
    struct bufferevent *bev = evhttp_connection_get_bufferevent(s->evcon);
    if (bev) {
        int size = SNDBUF;
        setsockopt(bufferevent_getfd(bev), SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    }
    evhttp_connection_set_closecb(s->evcon, on_stream_closed, s);
    unsigned b = hash(id);
    s->prev = NULL;
    s->next = p->bucket[b];
    if (s->next)
        s->next->prev = s;
    p->bucket[b] = s;
    p->stats.open++;
    p->stats.opened++;
    svc_store_watch(p->store, id, +1, WATCH_TTL_S);
    evhttp_send_reply_start(req, 200, "OK");
    write_frame(s, frame, flen);
    free(frame);
    return 0;
}

void svc_push_publish(struct svc_push *p, const Skillpath__V1__NextLessons *next)
{
    size_t len = protobuf_c_message_get_packed_size(&next->base);
    uint8_t *buf = malloc(len + 1);
    if (buf == NULL) {
        p->stats.failed++;
        return;
    }
    protobuf_c_message_pack(&next->base, buf);
    if (svc_store_publish(p->store, CHANNEL, buf, len) == 0)
        p->stats.published++;
    else
        p->stats.failed++;
    free(buf);
}

void svc_push_count_failure(struct svc_push *p)
{
    p->stats.failed++;
}

void svc_push_close_all(struct svc_push *p)
{
    for (size_t b = 0; b < BUCKETS; b++) {
        while (p->bucket[b]) {
            struct stream *s = p->bucket[b];
            evhttp_connection_set_closecb(s->evcon, NULL, NULL);
            svc_store_watch(p->store, s->id, -1, WATCH_TTL_S);
            unlink_stream(s);
            evhttp_send_reply_end(s->req);
            free(s);
        }
    }
}

struct svc_push *svc_push_create(struct event_base *base, struct svc_store *store,
                                 const struct svc_push_conf *conf)
{
    struct svc_push *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->base = base;
    p->store = store;
    p->conf = *conf;
    p->heartbeat = event_new(base, -1, EV_PERSIST, on_heartbeat, p);
    if (p->heartbeat == NULL || svc_store_subscribe(store, CHANNEL, on_message, p) != 0) {
        svc_push_destroy(p);
        return NULL;
    }
    struct timeval tv = { conf->heartbeat_ms / 1000, (conf->heartbeat_ms % 1000) * 1000 };
    event_add(p->heartbeat, &tv);
    return p;
}

void svc_push_destroy(struct svc_push *p)
{
    if (p == NULL)
        return;
    svc_push_close_all(p);
    svc_store_cancel(p->store, p);      /* no more messages for p */
    if (p->heartbeat)
        event_free(p->heartbeat);
    free(p);
}

void svc_push_get_stats(const struct svc_push *p, struct svc_push_stats *out)
{
    *out = p->stats;
}
