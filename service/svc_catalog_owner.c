/* SPDX-License-Identifier: MIT
 * The catalog owner (svc_catalog_owner.h).
 *
 * DESIGN
 * One per process, on the main thread, so a new catalog is read, decoded
 * and validated once however many workers serve it (each used to make its
 * own copy). Redis announces every new current version on "P catalog:"
 * (svc_store_catalog_put does it in the same script that stores it); the
 * owner serves the version announced: the snapshot this process offered
 * for it if there is one, else the one it fetches. Fetches never overlap:
 * an announcement during one asks for another after it. Until a first
 * catalog is served, a fetch is retried every 500 ms.
 */
#include <event2/event.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "proto/skillpath.pb-c.h"
#include "svc_catalog.h"
#include "svc_catalog_owner.h"
#include "svc_log.h"
#include "svc_store.h"

#define RETRY_MS 500

struct svc_catalog_owner {
    struct event_base *base;
    struct svc_store *store;
    char *path;                         /* "" : no file */
    svc_catalog_serve_fn *serve;
    void *arg;
    struct svc_catalog *current;        /* served now (a reference); main thread */
    bool fetching;                      /* a read from Redis is outstanding */
    bool refetch;                       /* an announcement came meanwhile */
    struct event *retry;                /* until there is a first catalog */
    pthread_mutex_t mu;                 /* guards offered */
    struct svc_catalog *offered;        /* validated here, being stored (a reference) */
};

static bool is_version(const struct svc_catalog *c, const char *v, size_t len)
{
    const char *cv = rs_catalog_version(c->cat);
    return strlen(cv) == len && memcmp(cv, v, len) == 0;
}

/* Make `c` current (takes a reference) and hand it out. */
static void serve(struct svc_catalog_owner *o, struct svc_catalog *c)
{
    if (c == o->current)
        return;
    svc_catalog_unref(o->current);
    o->current = svc_catalog_ref(c);
    svc_log(SVC_LOG_INFO, "msg=catalog_current version=%s courses=%zu", rs_catalog_version(c->cat),
            rs_catalog_n_courses(c->cat));
    o->serve(o->arg, c);
}

static void fetch(struct svc_catalog_owner *o);

static void on_fetched(void *arg, const struct svc_store_reply *rep)
{
    struct svc_catalog_owner *o = arg;
    o->fetching = false;
    if (rep->status == SVC_STORE_OK) {
        char err[4096];
        Skillpath__V1__Catalog *pb = (Skillpath__V1__Catalog *)protobuf_c_message_unpack(
            &skillpath__v1__catalog__descriptor, NULL, rep->len, (const uint8_t *)rep->data);
        struct svc_catalog *c = pb ? svc_catalog_create(pb, err, sizeof err) : NULL;
        if (c == NULL) {
            svc_log(SVC_LOG_ERROR, "msg=catalog_in_redis_invalid");
        } else {
            const char *v = rs_catalog_version(c->cat);
            if (o->current == NULL || !is_version(o->current, v, strlen(v)))
                serve(o, c);
            svc_catalog_unref(c);
        }
    } else if (rep->status == SVC_STORE_NOTFOUND && o->current == NULL) {
        svc_log(SVC_LOG_WARN, "msg=no_catalog_in_redis note=\"PUT /v1/catalog or start with --catalog\"");
    }
    if (o->refetch) {
        o->refetch = false;
        fetch(o);
    } else if (o->current == NULL) {
        struct timeval tv = { 0, RETRY_MS * 1000 };
        evtimer_add(o->retry, &tv);
    }
}

static void fetch(struct svc_catalog_owner *o)
{
    if (o->fetching) {
        o->refetch = true;
        return;
    }
    if (svc_store_catalog_get(o->store, on_fetched, o) == 0) {
        o->fetching = true;
    } else if (o->current == NULL) {
        struct timeval tv = { 0, RETRY_MS * 1000 };
        evtimer_add(o->retry, &tv);
    }
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    fetch(arg);
}

/* A daemon (maybe this one) made version `data` current. */
static void on_announced(void *arg, const char *data, size_t len)
{
    struct svc_catalog_owner *o = arg;
    if (o->current && is_version(o->current, data, len))
        return;
    pthread_mutex_lock(&o->mu);
    struct svc_catalog *mine = o->offered && is_version(o->offered, data, len) ? o->offered : NULL;
    if (mine)
        o->offered = NULL;
    pthread_mutex_unlock(&o->mu);
    if (mine) {
        serve(o, mine);
        svc_catalog_unref(mine);
    } else {
        fetch(o);
    }
}

struct svc_catalog_owner *svc_catalog_owner_create(struct event_base *base, struct svc_store *store,
                                                   const char *path, struct svc_catalog *initial,
                                                   svc_catalog_serve_fn *serve_fn, void *arg)
{
    struct svc_catalog_owner *o = calloc(1, sizeof *o);
    if (o == NULL)
        return NULL;
    pthread_mutex_init(&o->mu, NULL);
    o->base = base;
    o->store = store;
    o->serve = serve_fn;
    o->arg = arg;
    o->current = initial ? svc_catalog_ref(initial) : NULL;
    o->path = strdup(path ? path : "");
    o->retry = evtimer_new(base, on_retry, o);
    if (o->path == NULL || o->retry == NULL ||
        svc_store_subscribe(store, "catalog:", on_announced, o) != 0) {
        svc_catalog_owner_destroy(o);
        return NULL;
    }
    if (o->current == NULL)
        fetch(o);
    return o;
}

void svc_catalog_owner_destroy(struct svc_catalog_owner *o)
{
    if (o == NULL)
        return;
    if (o->retry)
        event_free(o->retry);
    svc_catalog_unref(o->current);
    svc_catalog_unref(o->offered);
    pthread_mutex_destroy(&o->mu);
    free(o->path);
    free(o);
}

int svc_catalog_owner_reload(struct svc_catalog_owner *o, char *err, size_t errlen)
{
    if (o->path[0] == '\0')
        return -2;
    struct svc_catalog *c = svc_catalog_load(o->path, err, errlen);
    if (c == NULL)
        return -1;
    serve(o, c);
    svc_catalog_unref(c);
    return 0;
}

void svc_catalog_owner_offer(struct svc_catalog_owner *o, struct svc_catalog *c)
{
    struct svc_catalog *ref = svc_catalog_ref(c);
    pthread_mutex_lock(&o->mu);
    struct svc_catalog *old = o->offered;
    o->offered = ref;
    pthread_mutex_unlock(&o->mu);
    svc_catalog_unref(old);
}
