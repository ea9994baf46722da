/* SPDX-License-Identifier: MIT
 * The team snapshot's builder and keeper: one thread per daemon, off the
 * request loops, with a blocking Redis connection of its own.
 *
 * Every tick it renews or takes the lease (P team:lease, expiring): the
 * daemon holding it builds a snapshot when the stored one is older than the
 * interval or of another catalog — every learner read with SCAN and MGET,
 * pipelined, never KEYS — and stores it (P team:snapshot, P team:built_at)
 * if it still holds the lease; then team demand the same way (a second
 * read of every learner: P team:demand, P team:demand_at), so that the
 * snapshot never waits for the paths demand costs. Every daemon loads
 * each when the stored one is newer than the one it serves. A builder that dies stops renewing:
 * the lease expires and another daemon takes over; one that stops (SIGTERM)
 * releases it at once. */
#ifndef SVC_TEAM_BUILDER_H
#define SVC_TEAM_BUILDER_H

#include <stdbool.h>
#include <stdint.h>

struct svc_catalog;
struct svc_team;
struct svc_team_builder;

struct svc_team_builder_conf {
    const char *host;           /* a single Redis ... */
    int port;
    const char *seeds;          /* ... or, with cluster, nodes to read the slot map from (HOST:PORT,...) */
    bool cluster;
    const char *prefix;
    int timeout_ms;             /* per command */
    int interval_s;             /* a snapshot is rebuilt when older than this */
    const char *id;             /* this daemon's name in the lease */
};

/* Start the thread; it waits for a catalog (set_catalog). NULL on failure. */
struct svc_team_builder *svc_team_builder_start(const struct svc_team_builder_conf *conf);
/* Stop and join it; NULL is a no-op. */
void svc_team_builder_stop(struct svc_team_builder *b);

/* Any thread: the catalog learners are read with from now on (a reference
 * is taken). */
void svc_team_builder_set_catalog(struct svc_team_builder *b, struct svc_catalog *c);
/* Any thread: the snapshot being served (a reference: unref it), or NULL
 * before the first. */
struct svc_team *svc_team_builder_current(struct svc_team_builder *b);
/* Any thread: the team demand being served, likewise. */
struct svc_team *svc_team_builder_demand(struct svc_team_builder *b);

/* Counters for /metrics. */
struct svc_team_builder_stats {
    uint64_t built;             /* snapshots this daemon built and stored */
    uint64_t loaded;            /* snapshots it loaded (its own included) */
    uint64_t demand_built;      /* the same for team demand */
    uint64_t demand_loaded;
    uint64_t failed;            /* builds or loads that failed, of either */
    bool lease_held;
    double last_build_s;        /* the last snapshot built here, seconds */
    double last_demand_s;       /* the last demand built here, seconds ... */
    double last_lessons_s;      /* ... of which its paths */
    size_t last_demand_computed;  /* learners whose lessons it computed ... */
    size_t last_demand_kept;    /* ... and kept from the demand before (unchanged) */
};
void svc_team_builder_get_stats(struct svc_team_builder *b, struct svc_team_builder_stats *out);

#endif
