/* SPDX-License-Identifier: MIT
 * Metrics: declared once (the X-macro lists in svc_stats.h), rendered here. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>

#include "svc_stats.h"

static const double bounds[SVC_LAT_BUCKETS] = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5,
};

static const char *const route_names[SVC_ROUTE_COUNT] = {
#define SVC_ROUTE_NAME(name) #name,
    SVC_ROUTES(SVC_ROUTE_NAME)
#undef SVC_ROUTE_NAME
};

const char *svc_route_name(enum svc_route r)
{
    return r < SVC_ROUTE_COUNT ? route_names[r] : "none";
}

void svc_hist_add(struct svc_hist *h, double seconds)
{
    size_t b = 0;
    while (b < SVC_LAT_BUCKETS && seconds > bounds[b])
        b++;
    h->bucket[b]++;
    h->count++;
    h->sum += seconds;
}

void svc_stats_request(struct svc_stats *s, enum svc_route r, int status, double seconds)
{
    if (r >= SVC_ROUTE_COUNT)
        r = SVC_ROUTE_none;
    if (status >= 0 && status < 600) {
        s->by_status[r][status]++;
    }
    svc_hist_add(&s->latency[r], seconds);
}

struct text {
    char *p;
    size_t len, cap;
    int oom;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct text *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = t->oom ? -1 : vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n < 0)
            return;
        if (t->len + (size_t)n < t->cap) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = t->cap ? t->cap * 2 : 16384;
        char *grown = realloc(t->p, cap);
        if (grown == NULL) {
            t->oom = 1;
            return;
        }
        t->p = grown;
        t->cap = cap;
    }
}

static void histogram(struct text *t, const char *name, const char *labels,
                      const struct svc_hist *h)
{
    uint64_t cum = 0;
    const char *sep = labels[0] ? "," : "";
    for (size_t b = 0; b < SVC_LAT_BUCKETS; b++) {
        cum += h->bucket[b];
        add(t, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, sep, bounds[b],
            (unsigned long long)cum);
    }
    cum += h->bucket[SVC_LAT_BUCKETS];
    add(t, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep, (unsigned long long)cum);
    add(t, "%s_sum{%s} %.6f\n%s_count{%s} %llu\n", name, labels, h->sum, name, labels,
        (unsigned long long)h->count);
}

char *svc_stats_render(const struct svc_stats *s, const struct svc_store_stats *st,
                       const struct svc_push_stats *push, const char *catalog_version,
                       size_t courses, size_t tags, size_t in_flight, size_t *len)
{
    struct text t = {0};
    add(&t, "# HELP skillpath_requests_total HTTP requests answered, by route and status\n"
            "# TYPE skillpath_requests_total counter\n");
    for (int r = 0; r < SVC_ROUTE_COUNT; r++)
        for (int code = 100; code < 600; code++)
            if (s->by_status[r][code])
                add(&t, "skillpath_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
                    route_names[r], code, (unsigned long long)s->by_status[r][code]);
    add(&t, "# HELP skillpath_request_seconds Time from request to answer, by route\n"
            "# TYPE skillpath_request_seconds histogram\n");
    for (int r = 0; r < SVC_ROUTE_COUNT; r++) {
        if (s->latency[r].count == 0)
            continue;
        char labels[64];
        snprintf(labels, sizeof labels, "route=\"%s\"", route_names[r]);
        histogram(&t, "skillpath_request_seconds", labels, &s->latency[r]);
    }
    static const char *const outcome_names[] = {
#define SVC_XAPI_NAME(name) #name,
        SVC_XAPI_OUTCOMES(SVC_XAPI_NAME)
#undef SVC_XAPI_NAME
    };
    add(&t, "# HELP skillpath_xapi_statements_total xAPI statements received, by what became of them\n"
            "# TYPE skillpath_xapi_statements_total counter\n");
    for (int o = 0; o < SVC_XAPI_COUNT; o++)
        add(&t, "skillpath_xapi_statements_total{outcome=\"%s\"} %llu\n", outcome_names[o],
            (unsigned long long)s->xapi[o]);
#define SVC_LIST_RENDER(field, name, type, help) \
    add(&t, "# HELP " name " " help "\n# TYPE " name " " #type "\n" name " %llu\n", \
        (unsigned long long)src->field);
    {
        const struct svc_stats *src = s;
        SVC_COUNTERS(SVC_LIST_RENDER)
    }
    {
        const struct svc_store_stats *src = st;
        SVC_STORE_COUNTERS(SVC_LIST_RENDER)
    }
    add(&t, "# HELP skillpath_redis_seconds Redis round-trip time\n"
            "# TYPE skillpath_redis_seconds histogram\n");
    histogram(&t, "skillpath_redis_seconds", "", &st->latency);
    add(&t, "# HELP skillpath_requests_in_flight Requests received and not yet answered\n"
            "# TYPE skillpath_requests_in_flight gauge\nskillpath_requests_in_flight %zu\n"
            "# HELP skillpath_catalog_info The catalog being served\n"
            "# TYPE skillpath_catalog_info gauge\nskillpath_catalog_info{version=\"%s\"} 1\n"
            "# HELP skillpath_catalog_courses Courses in the catalog\n"
            "# TYPE skillpath_catalog_courses gauge\nskillpath_catalog_courses %zu\n"
            "# HELP skillpath_catalog_tags Skill tags in the catalog\n"
            "# TYPE skillpath_catalog_tags gauge\nskillpath_catalog_tags %zu\n",
        in_flight, catalog_version, courses, tags);
    if (push) {
        const struct svc_push_stats *src = push;
        SVC_PUSH_COUNTERS(SVC_LIST_RENDER)
    }
#undef SVC_LIST_RENDER
    if (t.oom) {
        free(t.p);
        return NULL;
    }
    *len = t.len;
    return t.p;
}

/* ---------------------------------------------------------------- hub */

struct slot {
    pthread_mutex_t mu;
    bool set;
    struct svc_stats s;
    struct svc_store_stats st;
    struct svc_push_stats ps;
};

struct svc_stats_hub {
    size_t n;
    struct slot slot[];
};

struct svc_stats_hub *svc_stats_hub_create(size_t workers)
{
    struct svc_stats_hub *hub = calloc(1, sizeof *hub + workers * sizeof(struct slot));
    if (hub == NULL)
        return NULL;
    hub->n = workers;
    for (size_t i = 0; i < workers; i++)
        pthread_mutex_init(&hub->slot[i].mu, NULL);
    return hub;
}

void svc_stats_hub_destroy(struct svc_stats_hub *hub)
{
    if (hub == NULL)
        return;
    for (size_t i = 0; i < hub->n; i++)
        pthread_mutex_destroy(&hub->slot[i].mu);
    free(hub);
}

void svc_stats_hub_publish(struct svc_stats_hub *hub, size_t worker, const struct svc_stats *s,
                           const struct svc_store_stats *st, const struct svc_push_stats *ps)
{
    struct slot *sl = &hub->slot[worker];
    pthread_mutex_lock(&sl->mu);
    sl->s = *s;
    sl->st = *st;
    if (ps)
        sl->ps = *ps;
    sl->set = true;
    pthread_mutex_unlock(&sl->mu);
}

static void add_hist(struct svc_hist *into, const struct svc_hist *h)
{
    for (size_t b = 0; b <= SVC_LAT_BUCKETS; b++)
        into->bucket[b] += h->bucket[b];
    into->count += h->count;
    into->sum += h->sum;
}

static void add_stats(struct svc_stats *into, const struct svc_stats *s)
{
#define SVC_COUNTER_ADD(field, name, type, help) into->field += s->field;
    SVC_COUNTERS(SVC_COUNTER_ADD)
#undef SVC_COUNTER_ADD
    for (int r = 0; r < SVC_ROUTE_COUNT; r++) {
        for (int c = 0; c < 600; c++)
            into->by_status[r][c] += s->by_status[r][c];
        add_hist(&into->latency[r], &s->latency[r]);
    }
    for (int o = 0; o < SVC_XAPI_COUNT; o++)
        into->xapi[o] += s->xapi[o];
}

void svc_stats_hub_sum(struct svc_stats_hub *hub, size_t self, struct svc_stats *s,
                       struct svc_store_stats *st, struct svc_push_stats *ps)
{
    for (size_t i = 0; i < hub->n; i++) {
        if (i == self)
            continue;
        struct slot *sl = &hub->slot[i];
        pthread_mutex_lock(&sl->mu);
        if (sl->set) {
            add_stats(s, &sl->s);
#define SVC_LIST_ADD(field, name, type, help) into->field += from->field;
            {
                struct svc_store_stats *into = st;
                const struct svc_store_stats *from = &sl->st;
                SVC_STORE_COUNTERS(SVC_LIST_ADD)
            }
            add_hist(&st->latency, &sl->st.latency);
            if (ps) {
                struct svc_push_stats *into = ps;
                const struct svc_push_stats *from = &sl->ps;
                SVC_PUSH_COUNTERS(SVC_LIST_ADD)
            }
#undef SVC_LIST_ADD
        }
        pthread_mutex_unlock(&sl->mu);
    }
}
