/* SPDX-License-Identifier: MIT
 * Helpers of the service-layer unit tests (svc_support.h). */
#include "support.h"
#include <string.h>

#include "svc_catalog.h"
#include "svc_json.h"
#include "svc_support.h"

struct svc_catalog *sp_demo_catalog(void)
{
    char err[4096];
    struct svc_catalog *c = svc_catalog_load("deploy/demo/catalog.json", err, sizeof err);
    if (c == NULL)
        fail_msg("demo catalog: %s", err);
    return c;
}

struct svc_catalog *sp_catalog_from_json(const char *json)
{
    char err[512];
    Skillpath__V1__Catalog *pb = (Skillpath__V1__Catalog *)svc_json_decode(
        &skillpath__v1__catalog__descriptor, json, strlen(json), err, sizeof err);
    if (pb == NULL)
        fail_msg("decode: %s", err);
    struct svc_catalog *c = svc_catalog_create(pb, err, sizeof err);
    if (c == NULL)
        fail_msg("catalog: %s", err);
    return c;
}
