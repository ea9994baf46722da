/* SPDX-License-Identifier: MIT
 * Catalog snapshots: load, validate, reference-count. */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc_catalog.h"
#include "svc_search.h"
#include "svc_codec.h"
#include "svc_json.h"
#include "svc_model.h"

#define MAX_CATALOG (256u << 20)

static int by_activity(const void *a, const void *b)
{
    return strcmp(((const struct svc_activity *)a)->id, ((const struct svc_activity *)b)->id);
}

/* Every course's activity ids, sorted for lookup; one id in two courses is
 * an error (a statement must count toward one course). */
static int index_activities(struct svc_catalog *c, char *err, size_t errlen)
{
    const Skillpath__V1__Catalog *pb = c->pb;
    size_t n = 0;
    for (size_t j = 0; j < pb->n_courses; j++)
        n += pb->courses[j]->n_activity_ids;
    c->activities = calloc(n + 1, sizeof *c->activities);
    if (c->activities == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t j = 0; j < pb->n_courses; j++)
        for (size_t i = 0; i < pb->courses[j]->n_activity_ids; i++) {
            const char *id = pb->courses[j]->activity_ids[i];
            if (id[0] == '\0') {
                snprintf(err, errlen, "course '%s': activityIds[%zu] is empty", pb->courses[j]->id, i);
                return -1;
            }
            c->activities[c->n_activities++] = (struct svc_activity){ id, (uint32_t)j };
        }
    qsort(c->activities, c->n_activities, sizeof *c->activities, by_activity);
    for (size_t i = 1; i < c->n_activities; i++)
        if (strcmp(c->activities[i - 1].id, c->activities[i].id) == 0) {
            snprintf(err, errlen, "activity id '%.200s' belongs to courses '%s' and '%s'",
                     c->activities[i].id, pb->courses[c->activities[i - 1].course]->id,
                     pb->courses[c->activities[i].course]->id);
            return -1;
        }
    return 0;
}

long svc_catalog_find_activity(const struct svc_catalog *c, const char *id)
{
    struct svc_activity key = { id, 0 };
    const struct svc_activity *hit =
        bsearch(&key, c->activities, c->n_activities, sizeof key, by_activity);
    return hit ? (long)hit->course : -1;
}

struct svc_catalog *svc_catalog_create(Skillpath__V1__Catalog *pb, char *err, size_t errlen)
{
    struct svc_catalog *c = calloc(1, sizeof *c);
    size_t nerr = 0;
    if (c == NULL) {
        snprintf(err, errlen, "out of memory");
        protobuf_c_message_free_unpacked(&pb->base, NULL);
        return NULL;
    }
    c->refs = 1;
    c->pb = pb;
    c->cat = svc_model_catalog(pb, err, errlen, &nerr);
    if (c->cat == NULL)
        goto fail;
    size_t D = rs_catalog_n_tags(c->cat);
    for (size_t i = 0; i < pb->n_profiles; i++) {
        const Skillpath__V1__TierProfile *p = pb->profiles[i];
        if (p->tier < 1 || p->tier > 3) {
            snprintf(err, errlen, "profiles[%zu]: tier must be NEW_HIRE, CORE_STAFF or MANAGER", i);
            goto fail;
        }
        if (p->n_capability != D) {
            snprintf(err, errlen, "profiles[%zu]: capability has %zu values, expected %zu (one per tag)",
                     i, p->n_capability, D);
            goto fail;
        }
        for (size_t k = 0; k < D; k++)
            if (!(p->capability[k] >= 0 && p->capability[k] <= 1)) {
                snprintf(err, errlen, "profiles[%zu]: capability[%zu] is not a number in [0,1]", i, k);
                goto fail;
            }
        if (c->profile[p->tier]) {
            snprintf(err, errlen, "profiles[%zu]: a second profile for the same tier", i);
            goto fail;
        }
        c->profile[p->tier] = p->capability;
    }
    if (svc_model_settings_from_pb(pb->model, &c->model, err, errlen) != 0)
        goto fail;
    if (index_activities(c, err, errlen) != 0)
        goto fail;
    for (size_t i = 0; i < pb->n_modules; i++) {
        const char *id = pb->modules[i]->id;
        if (id[0] == '\0') {
            snprintf(err, errlen, "modules[%zu].id: required", i);
            goto fail;
        }
        for (size_t k = 0; k < i; k++)
            if (strcmp(pb->modules[k]->id, id) == 0) {
                snprintf(err, errlen, "modules[%zu].id: '%s' appears twice", i, id);
                goto fail;
            }
    }
    if ((c->search = svc_search_build(pb, c->cat)) == NULL) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    return c;
fail:
    c->refs = 0;
    rs_catalog_destroy(c->cat);
    protobuf_c_message_free_unpacked(&c->pb->base, NULL);
    free(c->activities);
    free(c);
    return NULL;
}

Skillpath__V1__Catalog *svc_catalog_read(const char *path, char *err, size_t errlen)
{
    char why[512];
    size_t len;
    char *buf = svc_codec_read_file(path, MAX_CATALOG, &len, why, sizeof why);
    if (buf == NULL) {
        snprintf(err, errlen, "%s: %s", path, why);
        return NULL;
    }
    Skillpath__V1__Catalog *pb = (Skillpath__V1__Catalog *)svc_json_decode(
        &skillpath__v1__catalog__descriptor, buf, len, why, sizeof why);
    free(buf);
    if (pb == NULL)
        snprintf(err, errlen, "%s: %s", path, why);
    return pb;
}

struct svc_catalog *svc_catalog_load(const char *path, char *err, size_t errlen)
{
    Skillpath__V1__Catalog *pb = svc_catalog_read(path, err, errlen);
    return pb ? svc_catalog_create(pb, err, errlen) : NULL;
}

struct svc_catalog *svc_catalog_ref(struct svc_catalog *c)
{
    atomic_fetch_add_explicit(&c->refs, 1, memory_order_relaxed);
    return c;
}

void svc_catalog_unref(struct svc_catalog *c)
{
    if (c == NULL || atomic_fetch_sub_explicit(&c->refs, 1, memory_order_acq_rel) > 1)
        return;
    svc_search_free(c->search);
    rs_catalog_destroy(c->cat);
    protobuf_c_message_free_unpacked(&c->pb->base, NULL);
    free(c->activities);
    free(c);
}
