/* SPDX-License-Identifier: MIT
 * The catalog snapshot the daemon serves: the core catalog, the wire catalog
 * it came from (for GET /v1/courses/{id}) and the tier profiles. Immutable
 * once built, so every worker thread shares it; reference-counted
 * atomically: a request holds its snapshot until it replies, so a reload
 * never pulls one from under it. */
#ifndef SVC_CATALOG_H
#define SVC_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "proto/skillpath.pb-c.h"
#include "recsys.h"

struct svc_catalog {
    _Atomic int refs;                   /* owners, on any thread; freed at zero */
    struct rs_catalog *cat;             /* the core catalog */
    Skillpath__V1__Catalog *pb;         /* the wire catalog, same course order */
    const float *profile[4];            /* by tier: a new learner's capability, or NULL */
    struct rs_model model;              /* the catalog's model settings, defaults filled in */
    struct svc_activity *activities;    /* every course's activity ids, sorted by id */
    size_t n_activities;
    struct svc_search *search;          /* course search (svc_search.h) */
};

/* An LMS activity id and the course it belongs to. */
struct svc_search;

struct svc_activity {
    const char *id;                     /* borrowed from the catalog's protobuf */
    uint32_t course;
};

/* The course an xAPI activity id belongs to, or -1. */
long svc_catalog_find_activity(const struct svc_catalog *c, const char *id);

/* Load and validate a catalog file (JSON). NULL with every problem, one per
 * line, in err. */
struct svc_catalog *svc_catalog_load(const char *path, char *err, size_t errlen);

/* Read and decode a catalog file (JSON) without validating it; NULL with
 * "PATH: problem" in err. Free with protobuf_c_message_free_unpacked. */
Skillpath__V1__Catalog *svc_catalog_read(const char *path, char *err, size_t errlen);

/* Build from a decoded Catalog, taking ownership of pb (freed on failure). */
struct svc_catalog *svc_catalog_create(Skillpath__V1__Catalog *pb, char *err, size_t errlen);

struct svc_catalog *svc_catalog_ref(struct svc_catalog *c);
void svc_catalog_unref(struct svc_catalog *c);     /* NULL is a no-op */

#endif
