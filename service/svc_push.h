/* SPDX-License-Identifier: MIT
 * Push: Server-Sent Events streams of a learner's next lessons. A daemon
 * that changes a learner publishes the new lessons on Redis pub/sub; every
 * daemon forwards what it receives to its own streams for that learner, so
 * a stream survives the daemon that computed the update. Loop thread only. */
#ifndef SVC_PUSH_H
#define SVC_PUSH_H

#include <stddef.h>
#include <stdint.h>

#include "proto/skillpath.pb-c.h"
#include "svc_stats.h"

struct event_base;
struct evhttp_request;
struct svc_store;
struct svc_push;

struct svc_push_conf {
    int heartbeat_ms;           /* a comment line this often keeps proxies from closing */
    size_t max_buffer;          /* bytes queued for one client before it is dropped */
};


/* Subscribe (through the store) and start the heartbeat. NULL on ENOMEM. */
struct svc_push *svc_push_create(struct event_base *base, struct svc_store *store,
                                 const struct svc_push_conf *conf);
/* End every stream, unsubscribe and free; the store must still exist.
 * NULL is a no-op. */
void svc_push_destroy(struct svc_push *p);

/* Take `req` over as the stream of learner `id`: answer 200 with
 * text/event-stream and send `first` at once. 0, or -1 (out of memory; the
 * request is then still the caller's to answer). */
int svc_push_attach(struct svc_push *p, struct evhttp_request *req, const char *id,
                    const Skillpath__V1__NextLessons *first);

/* Tell every daemon a learner's next lessons changed. */
void svc_push_publish(struct svc_push *p, const Skillpath__V1__NextLessons *next);

/* Count an update that could not be computed or published. */
void svc_push_count_failure(struct svc_push *p);

/* End every stream cleanly (shutdown). */
void svc_push_close_all(struct svc_push *p);

void svc_push_get_stats(const struct svc_push *p, struct svc_push_stats *out);

#endif
