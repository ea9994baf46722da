/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>

#include "common.h"
#include "svc_catalog.h"

const struct rs_catalog *fuzz_demo_catalog(const char *who)
{
    return fuzz_demo_snapshot(who)->cat;
}

const struct svc_catalog *fuzz_demo_snapshot(const char *who)
{
    static struct svc_catalog *snap;
    if (snap == NULL) {
        static char err[65536];
        snap = svc_catalog_load("deploy/demo/catalog.json", err, sizeof err);
        if (snap == NULL) {
            fprintf(stderr, "%s: %s (run from the repository root)\n", who, err);
            abort();
        }
    }
    return snap;
}
