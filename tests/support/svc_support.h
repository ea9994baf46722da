/* SPDX-License-Identifier: MIT
 * Helpers of the service-layer unit tests (linked into test_svc_* only). */
#ifndef SVC_SUPPORT_H
#define SVC_SUPPORT_H

struct svc_catalog;

/* The demo catalog (deploy/demo/catalog.json, from the repository root) as
 * the daemon serves it; the test fails if it does not load. Unref it. */
struct svc_catalog *sp_demo_catalog(void);

/* A catalog from JSON text, validated as the daemon does; the test fails if
 * it is refused. Unref it. */
struct svc_catalog *sp_catalog_from_json(const char *json);

#endif
