/* SPDX-License-Identifier: MIT
 * What the fuzz targets share. */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include "recsys.h"

/* The demo catalog, loaded on the first call (the targets run from the
 * repository root); aborts, naming `who`, when it cannot be loaded. */
const struct rs_catalog *fuzz_demo_catalog(const char *who);

/* The same, as the daemon's catalog snapshot (activity ids included). */
struct svc_catalog;
const struct svc_catalog *fuzz_demo_snapshot(const char *who);

#endif
