/* SPDX-License-Identifier: MIT
 * Ops: GET /healthz (the process answers), /readyz (Redis reachable and a
 * catalog loaded), /metrics (Prometheus text, every worker summed). */
#include <stdlib.h>

#include "svc_catalog.h"
#include "svc_http.h"
#include "svc_push.h"
#include "svc_res.h"
#include "svc_stats.h"
#include "svc_store.h"

void svc_res_healthz(struct svc_req *r)
{
    svc_reply_raw(r, 200, "text/plain", "ok\n", 3);
}

void svc_res_readyz(struct svc_req *r)
{
    if (!svc_store_ready(r->h->store))
        svc_reply_error(r, SVC_ERR_UNAVAILABLE, "learner store (Redis) not reachable");
    else if (r->cat == NULL)
        svc_reply_error(r, SVC_ERR_UNAVAILABLE, "no catalog loaded yet");
    else
        svc_reply_raw(r, 200, "text/plain", "ready\n", 6);
}

void svc_res_metrics(struct svc_req *r)
{
    struct svc_http *h = r->h;
    struct svc_store_stats st;
    struct svc_push_stats ps = {0};
    struct svc_stats *all = malloc(sizeof *all);
    if (all == NULL) {
        svc_reply_error(r, SVC_ERR_INTERNAL, "out of memory");
        return;
    }
    *all = h->stats;
    svc_store_get_stats(h->store, &st);
    if (h->conf.push)
        svc_push_get_stats(h->conf.push, &ps);
    if (h->conf.hub)                /* the other workers' latest copies */
        svc_stats_hub_sum(h->conf.hub, h->conf.worker, all, &st, &ps);
    size_t len = 0;
    const struct rs_catalog *cat = r->cat ? r->cat->cat : NULL;
    char *text = svc_stats_render(all, &st, h->conf.push ? &ps : NULL, cat ? rs_catalog_version(cat) : "",
                                  cat ? rs_catalog_n_courses(cat) : 0, cat ? rs_catalog_n_tags(cat) : 0,
                                  h->in_flight, &len);
    free(all);
    if (text == NULL) {
        svc_reply_error(r, SVC_ERR_INTERNAL, "out of memory");
        return;
    }
    svc_reply_raw(r, 200, "text/plain; version=0.0.4", text, len);
    free(text);
}
