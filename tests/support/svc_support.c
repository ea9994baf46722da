/* SPDX-License-Identifier: MIT
 * Helpers of the service-layer unit tests (svc_support.h). */
#include "support.h"
#include "svc_catalog.h"
#include "svc_support.h"

struct svc_catalog *sp_demo_catalog(void)
{
    char err[4096];
    struct svc_catalog *c = svc_catalog_load("deploy/demo/catalog.json", err, sizeof err);
    if (c == NULL)
        fail_msg("demo catalog: %s", err);
    return c;
}
