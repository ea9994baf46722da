/* SPDX-License-Identifier: MIT
 * Counters and latency histograms of one daemon, rendered for /metrics in
 * the Prometheus text format. Labels carry routes and statuses, never
 * learner ids. Owned by the loop thread. */
#ifndef SVC_STATS_H
#define SVC_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Every metric is declared once, in one of these lists; the struct, the
 * /metrics rendering and the sum over workers are generated from them. */

/* The HTTP layer's (svc_http.c, svc_ops.c, and the edge, svc_edge.c):
 * X(field, metric name, type, help). */
#define SVC_COUNTERS(X)                                                                          \
    X(events_applied, "skillpath_events_applied_total", counter, "Events applied to a learner")  \
    X(events_duplicate, "skillpath_events_duplicate_total", counter, "Events already applied")   \
    X(events_rejected, "skillpath_events_rejected_total", counter, "Events rejected as invalid") \
    X(version_conflicts, "skillpath_version_conflicts_total", counter,                           \
      "Writes retried because the learner changed meanwhile")                                    \
    X(xapi_learners_created, "skillpath_xapi_learners_created_total", counter,                   \
      "Learners created for unknown xAPI accounts (xapi-create-learners)")                       \
    X(clients_gone, "skillpath_clients_gone_total", counter,                                     \
      "Requests whose client hung up first")                                                     \
    X(conns_open, "skillpath_connections_open", gauge, "Client connections open")                \
    X(conns_accepted, "skillpath_connections_accepted_total", counter, "Client connections accepted") \
    X(header_timeouts, "skillpath_connections_header_timeout_total", counter,                    \
      "Connections closed: a request line and headers not in within header-timeout-ms")          \
    X(body_timeouts, "skillpath_connections_body_timeout_total", counter,                        \
      "Connections closed: a request body not in within body-timeout-ms")                        \
    X(heads_too_large, "skillpath_requests_header_too_large_total", counter,                     \
      "Requests refused with 431: headers over max-header-bytes or max-header-lines")            \
    X(uris_too_long, "skillpath_requests_uri_too_long_total", counter,                           \
      "Requests refused with 414: a request line over max-uri-bytes")                            \
    X(conns_refused, "skillpath_connections_refused_total", counter,                             \
      "Connections refused (503) over max-connections")

#define SVC_ROUTES(X)                                                                     \
    X(none) X(healthz) X(readyz) X(metrics) X(catalog) X(course) X(courses) X(team) X(ui) X(recommend) X(learner) \
    X(next) X(stream) X(events) X(xapi_statements) X(xapi_about) X(xapi)

/* What became of each xAPI statement received (svc_res_xapi.c), rendered as
 * skillpath_xapi_statements_total{outcome}. */
#define SVC_XAPI_OUTCOMES(X)                                                              \
    X(applied) X(duplicate) X(ignored_learner) X(ignored_activity) X(ignored_verb)        \
    X(voided) X(rejected)

enum svc_xapi_outcome {
#define SVC_XAPI_ENUM(name) SVC_XAPI_##name,
    SVC_XAPI_OUTCOMES(SVC_XAPI_ENUM)
#undef SVC_XAPI_ENUM
    SVC_XAPI_COUNT
};

enum svc_route {
#define SVC_ROUTE_ENUM(name) SVC_ROUTE_##name,
    SVC_ROUTES(SVC_ROUTE_ENUM)
#undef SVC_ROUTE_ENUM
    SVC_ROUTE_COUNT
};

#define SVC_LAT_BUCKETS 13      /* upper bounds in svc_stats.c, then +Inf */

struct svc_hist {
    uint64_t bucket[SVC_LAT_BUCKETS + 1];
    uint64_t count;
    double sum;                 /* seconds */
};

/* The store's (svc_store.c): X(field, metric name, type, help). Gauges are
 * summed over workers like counters. */
#define SVC_STORE_COUNTERS(X)                                                                    \
    X(commands, "skillpath_redis_commands_total", counter, "Redis commands sent")                \
    X(pending, "skillpath_redis_commands_pending", gauge,                                        \
      "Redis commands sent and not yet answered or past their deadline")                         \
    X(timeouts, "skillpath_redis_timeouts_total", counter, "Redis commands past their deadline") \
    X(errors, "skillpath_redis_errors_total", counter, "Redis error replies")                    \
    X(reconnects, "skillpath_redis_connects_total", counter, "Redis connection attempts")        \
    X(noscript, "skillpath_redis_noscript_total", counter,                                       \
      "Writes sent again as EVAL because Redis had lost the script")                             \
    X(messages, "skillpath_redis_messages_total", counter, "Pub/sub messages received")          \
    X(wait_short, "skillpath_redis_wait_short_total", counter,                                   \
      "Writes answered 503: fewer replicas than redis-wait-replicas acknowledged them in time")    \
    X(moved, "skillpath_redis_moved_total", counter,                                             \
      "Redis Cluster MOVED redirections followed (a slot served elsewhere)")                     \
    X(ask, "skillpath_redis_ask_total", counter,                                                 \
      "Redis Cluster ASK redirections followed (a slot migrating)")                              \
    X(tryagain, "skillpath_redis_tryagain_total", counter,                                       \
      "Redis Cluster TRYAGAIN answers waited out (keys mid-migration)")                          \
    X(clusterdown, "skillpath_redis_clusterdown_total", counter,                                 \
      "Redis Cluster CLUSTERDOWN answers waited out")                                            \
    X(map_refreshes, "skillpath_redis_cluster_map_refreshes_total", counter,                     \
      "Redis Cluster slot maps read (CLUSTER SLOTS)")                                            \
    X(nodes_connected, "skillpath_redis_nodes_connected", gauge,                                 \
      "Redis nodes with a command connection up, over every event loop")                         \
    X(slots_unserved, "skillpath_redis_cluster_slots_unserved", gauge,                           \
      "Redis Cluster slots without a connected primary, summed over every event loop (0: all served)")

struct svc_store_stats {
#define SVC_STORE_FIELD(field, name, type, help) uint64_t field;
    SVC_STORE_COUNTERS(SVC_STORE_FIELD)
#undef SVC_STORE_FIELD
    struct svc_hist latency;    /* round trips, submit to reply */
};

/* Push's (svc_push.c): X(field, metric name, type, help). */
#define SVC_PUSH_COUNTERS(X)                                                                     \
    X(open, "skillpath_streams_open", gauge, "Server-Sent Events streams open")                  \
    X(opened, "skillpath_streams_opened_total", counter, "Streams ever opened")                  \
    X(dropped, "skillpath_stream_clients_dropped_total", counter,                                \
      "Stream clients dropped for not reading")                                                  \
    X(published, "skillpath_push_published_total", counter, "Updates published to every daemon") \
    X(delivered, "skillpath_push_delivered_total", counter, "Events written to streams")         \
    X(failed, "skillpath_push_failed_total", counter,                                            \
      "Updates not computed or not published (the write they followed was answered as usual)")

struct svc_push_stats {
#define SVC_PUSH_FIELD(field, name, type, help) uint64_t field;
    SVC_PUSH_COUNTERS(SVC_PUSH_FIELD)
#undef SVC_PUSH_FIELD
};

struct svc_stats {
#define SVC_COUNTER_FIELD(field, name, type, help) uint64_t field;
    SVC_COUNTERS(SVC_COUNTER_FIELD)
#undef SVC_COUNTER_FIELD
    uint64_t by_status[SVC_ROUTE_COUNT][600];   /* by route and exact status */
    uint64_t xapi[SVC_XAPI_COUNT];              /* statements by outcome */
    struct svc_hist latency[SVC_ROUTE_COUNT];
};

const char *svc_route_name(enum svc_route r);

/* Several worker loops: each publishes a copy of its counters into its slot
 * of a shared hub now and then (its own thread never locks for a request),
 * and /metrics on any worker sums the slots, its own live counters in place
 * of its slot. */
struct svc_stats_hub;
struct svc_stats_hub *svc_stats_hub_create(size_t workers);
void svc_stats_hub_destroy(struct svc_stats_hub *hub);
void svc_stats_hub_publish(struct svc_stats_hub *hub, size_t worker, const struct svc_stats *s,
                           const struct svc_store_stats *st, const struct svc_push_stats *ps);
void svc_stats_hub_sum(struct svc_stats_hub *hub, size_t self, struct svc_stats *s,
                       struct svc_store_stats *st, struct svc_push_stats *ps);

void svc_hist_add(struct svc_hist *h, double seconds);

/* Count one answered request. */
void svc_stats_request(struct svc_stats *s, enum svc_route r, int status, double seconds);

/* Render everything, with the store's counters and the catalog's version
 * and size, as Prometheus text; a malloc'ed string, or NULL on ENOMEM. */
char *svc_stats_render(const struct svc_stats *s, const struct svc_store_stats *store,
                       const struct svc_push_stats *push, const char *catalog_version,
                       size_t courses, size_t tags, size_t in_flight, size_t *len);

#endif
