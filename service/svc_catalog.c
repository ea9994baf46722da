/* SPDX-License-Identifier: MIT
 * Catalog snapshots: load, validate, reference-count. */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc_catalog.h"
#include "svc_codec.h"
#include "svc_json.h"
#include "svc_model.h"

#define MAX_CATALOG (256u << 20)

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
    return c;
fail:
    c->refs = 0;
    rs_catalog_destroy(c->cat);
    protobuf_c_message_free_unpacked(&c->pb->base, NULL);
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
    rs_catalog_destroy(c->cat);
    protobuf_c_message_free_unpacked(&c->pb->base, NULL);
    free(c);
}
