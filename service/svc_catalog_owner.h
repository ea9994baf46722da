/* SPDX-License-Identifier: MIT
 * The process's one catalog owner. It knows every way a catalog arrives —
 * the file (at start and on SIGHUP), Redis (at start without a file, and
 * whenever any daemon announces a new current version), and this daemon's
 * own PUT /v1/catalog — validates each new catalog once, and hands the one
 * snapshot to whoever serves (the workers, through their mailboxes).
 * It runs on the main thread's loop, with a store of its own; only
 * svc_catalog_owner_offer() may be called from other threads. */
#ifndef SVC_CATALOG_OWNER_H
#define SVC_CATALOG_OWNER_H

#include <stddef.h>

struct event_base;
struct svc_catalog;
struct svc_store;
struct svc_catalog_owner;

/* Called on the main thread each time a new snapshot becomes current
 * (borrowed: take a reference to keep it). */
typedef void svc_catalog_serve_fn(void *arg, struct svc_catalog *c);

/* Own catalogs on `base` with `store` (borrowed; destroy it before the
 * owner: its callbacks may still run into the owner), starting from
 * `initial` (a reference is taken; NULL: fetch the current one from Redis,
 * retrying until there is one). `path`: the catalog file, "" for none.
 * NULL on ENOMEM. */
struct svc_catalog_owner *svc_catalog_owner_create(struct event_base *base, struct svc_store *store,
                                                   const char *path, struct svc_catalog *initial,
                                                   svc_catalog_serve_fn *serve, void *arg);
void svc_catalog_owner_destroy(struct svc_catalog_owner *o);

/* SIGHUP: read the file again. 0 once it is served; -1 with every problem
 * (one a line) in err, and the current catalog keeps serving; -2 when
 * there is no file (catalogs come from Redis). */
int svc_catalog_owner_reload(struct svc_catalog_owner *o, char *err, size_t errlen);

/* Any thread: a catalog this process validated and is about to store as
 * current (PUT /v1/catalog). When its announcement comes back from Redis
 * it is served as it is, not fetched and validated again. */
void svc_catalog_owner_offer(struct svc_catalog_owner *o, struct svc_catalog *c);

#endif
