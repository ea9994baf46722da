/* SPDX-License-Identifier: MIT
 * Ops: GET /healthz (the process answers), /readyz (Redis reachable — on a
 * cluster, a primary for every slot — and a catalog loaded), /metrics (Prometheus text, every worker summed, then
 * the process's team snapshot figures). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "svc_catalog.h"
#include "svc_http.h"
#include "svc_push.h"
#include "svc_res.h"
#include "svc_stats.h"
#include "svc_store.h"
#include "svc_team.h"
#include "svc_team_builder.h"

void svc_res_healthz(struct svc_req *r)
{
    svc_reply_raw(r, 200, "text/plain", "ok\n", 3);
}

void svc_res_readyz(struct svc_req *r)
{
    if (!svc_store_ready(r->h->store))
        svc_reply_error(r, SVC_ERR_UNAVAILABLE,
                        "learner store (Redis) not reachable"
                        " (on a cluster: a slot without a reachable primary)");
    else if (r->cat == NULL)
        svc_reply_error(r, SVC_ERR_UNAVAILABLE, "no catalog loaded yet");
    else
        svc_reply_raw(r, 200, "text/plain", "ready\n", 6);
}

/* The team snapshot's builder is the process's, not a worker's: its
 * figures go after the summed ones. Takes `text` (len bytes); NULL on
 * ENOMEM (then `text` is still the caller's). */
static char *team_metrics(struct svc_http *h, char *text, size_t *len)
{
    if (h->conf.team == NULL)
        return text;
    struct svc_team_builder_stats ts;
    svc_team_builder_get_stats(h->conf.team, &ts);
    struct svc_team *t = svc_team_builder_current(h->conf.team);
    long long age = t ? (long long)time(NULL) - (long long)t->pb->built_at : -1;
    size_t learners = t ? t->L : 0;
    svc_team_unref(t);
    struct svc_team *d = svc_team_builder_demand(h->conf.team);
    long long demand_age = d ? (long long)time(NULL) - (long long)d->pb->built_at : -1;
    svc_team_unref(d);
    char more[4096];
    int n = snprintf(more, sizeof more,
        "# HELP skillpath_team_snapshots_built_total Team snapshots this daemon built and stored\n"
        "# TYPE skillpath_team_snapshots_built_total counter\nskillpath_team_snapshots_built_total %llu\n"
        "# HELP skillpath_team_snapshots_loaded_total Team snapshots this daemon began to serve\n"
        "# TYPE skillpath_team_snapshots_loaded_total counter\nskillpath_team_snapshots_loaded_total %llu\n"
        "# HELP skillpath_team_snapshot_failures_total Team snapshot builds or loads that failed\n"
        "# TYPE skillpath_team_snapshot_failures_total counter\nskillpath_team_snapshot_failures_total %llu\n"
        "# HELP skillpath_team_lease_held 1 while this daemon builds the team snapshot\n"
        "# TYPE skillpath_team_lease_held gauge\nskillpath_team_lease_held %d\n"
        "# HELP skillpath_team_snapshot_age_seconds Age of the snapshot served (-1: none yet)\n"
        "# TYPE skillpath_team_snapshot_age_seconds gauge\nskillpath_team_snapshot_age_seconds %lld\n"
        "# HELP skillpath_team_snapshot_learners Learners in the snapshot served\n"
        "# TYPE skillpath_team_snapshot_learners gauge\nskillpath_team_snapshot_learners %zu\n"
        "# HELP skillpath_team_build_seconds The last snapshot built here\n"
        "# TYPE skillpath_team_build_seconds gauge\nskillpath_team_build_seconds %.3f\n"
        "# HELP skillpath_team_demand_built_total Team demand this daemon built and stored\n"
        "# TYPE skillpath_team_demand_built_total counter\nskillpath_team_demand_built_total %llu\n"
        "# HELP skillpath_team_demand_loaded_total Team demand this daemon began to serve\n"
        "# TYPE skillpath_team_demand_loaded_total counter\nskillpath_team_demand_loaded_total %llu\n"
        "# HELP skillpath_team_demand_age_seconds Age of the team demand served (-1: none yet)\n"
        "# TYPE skillpath_team_demand_age_seconds gauge\nskillpath_team_demand_age_seconds %lld\n"
        "# HELP skillpath_team_demand_build_seconds The last team demand built here\n"
        "# TYPE skillpath_team_demand_build_seconds gauge\nskillpath_team_demand_build_seconds %.3f\n"
        "# HELP skillpath_team_build_lessons_seconds Of the last demand built here, the paths\n"
        "# TYPE skillpath_team_build_lessons_seconds gauge\nskillpath_team_build_lessons_seconds %.3f\n"
        "# HELP skillpath_team_demand_computed Learners whose lessons the last demand here computed\n"
        "# TYPE skillpath_team_demand_computed gauge\nskillpath_team_demand_computed %zu\n"
        "# HELP skillpath_team_demand_kept Learners whose lessons it kept (unchanged since)\n"
        "# TYPE skillpath_team_demand_kept gauge\nskillpath_team_demand_kept %zu\n",
        (unsigned long long)ts.built, (unsigned long long)ts.loaded, (unsigned long long)ts.failed,
        ts.lease_held ? 1 : 0, age, learners, ts.last_build_s, (unsigned long long)ts.demand_built,
        (unsigned long long)ts.demand_loaded, demand_age, ts.last_demand_s, ts.last_lessons_s,
        ts.last_demand_computed, ts.last_demand_kept);
    if (n < 0 || (size_t)n >= sizeof more)
        return text;                    /* cannot happen: the figures are short */
    char *full = realloc(text, *len + (size_t)n + 1);
    if (full == NULL)
        return NULL;
    memcpy(full + *len, more, (size_t)n + 1);
    *len += (size_t)n;
    return full;
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
    char *full = text ? team_metrics(h, text, &len) : NULL;
    free(full ? NULL : text);
    if (full == NULL) {
        svc_reply_error(r, SVC_ERR_INTERNAL, "out of memory");
        return;
    }
    svc_reply_raw(r, 200, "text/plain; version=0.0.4", full, len);
    free(full);
}
