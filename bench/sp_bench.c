/* SPDX-License-Identifier: MIT
 * skillpath-bench: a load generator for skillpathd, and a fast seeder.
 *
 *   skillpath-bench --help      (the options: USAGE below)
 *
 * Closed loop (default): each of c connections sends its next request when
 * the last one is answered. Open loop (-R): requests are due at fixed
 * intervals whether or not answers came back, and latency counts from the
 * time each was due, so queueing is not hidden. Every run is bounded: by -n,
 * or -d seconds (default 10, at most 3600). Targets must be loopback unless
 * --allow-remote. Kinds: recommend, next, events, get, ping (GET /healthz). */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <hiredis/hiredis.h>
#include <math.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench_clock.h"
#include "bench_hist.h"
#include "bench_seed.h"
#include "proto/skillpath.pb-c.h"
#include "recsys.h"
#include "svc_catalog.h"
#include "svc_json.h"
#include "svc_cluster.h"
#include "svc_keys.h"
#include "svc_model.h"
#include "svc_stored.h"

#define EXIT_USAGE 2
#define MAX_DURATION 3600
#define MAX_CONNS 20000
#define MAX_STATUS 600

enum kind { K_RECOMMEND, K_NEXT, K_EVENTS, K_GET, K_PING, K_STATEMENTS, K_COUNT };
static const char *const kind_names[K_COUNT] = { "recommend", "next", "events", "get", "ping",
                                                 "statements" };
#define STATEMENTS_PER_POST 10  /* an LMS's batch: Moodle's cron sends arrays */

struct opts {
    char host[256];
    int port;
    int conns;
    double duration;
    long long requests;
    double rate;
    unsigned mix[K_COUNT];
    bool protobuf;
    unsigned long learners;
    double zipf;
    uint64_t seed;
    const char *api_key;
    const char *catalog;
    const char *id_prefix;
    const char *target;         /* targetId for recommend requests, if any */
    bool allow_remote;
    bool json;
};

struct job {
    enum kind kind;
    double intended;            /* when it was due (open loop) or sent */
};

struct conn {
    struct run *run;
    struct evhttp_connection *evcon;
    bool busy;
    struct job job;
};

struct run {
    struct opts *o;
    struct event_base *base;
    struct conn *conns;
    double start;
    double cpu_start;           /* the client's own CPU seconds at start */
    long long issued, done;
    bool stopping;
    struct bench_hist hist, kind_hist[K_COUNT];
    uint64_t status[MAX_STATUS + 1];     /* by HTTP status; 0 = no answer */
    uint64_t bytes_in, bytes_out;
    /* open loop */
    struct job *queue;
    size_t q_head, q_len, q_cap;
    /* learners and courses */
    double *zipf_cdf;
    char **courses;
    char **activities;          /* each course's first activity id (xAPI), or NULL */
    size_t n_courses;
    uint64_t rng;
    unsigned mix_total;
    struct event *tick, *progress;
    long long last_done;
    double last_t;
};

static const char USAGE[] =
    "usage:\n"
    "  skillpath-bench [run] --url http://127.0.0.1:8080 [-c 10] [-d 10 | -n N] [-R RATE]\n"
    "                  [--mix recommend=70,next=20,events=10] [--protobuf]\n"
    "                  [--learners M] [--zipf S] [--seed S] [--api-key K]\n"
    "                  [--catalog F] [--id-prefix b] [--target ID] [--allow-remote] [--json]\n"
    "  skillpath-bench seed --redis HOST:PORT [--prefix skillpath:] --learners M\n"
    "                  [--catalog F] [--attempts 10] [--seed S] [--id-prefix b] [--cluster]\n"
    "\n"
    "run: c connections in a closed loop (each sends its next request when the last\n"
    "is answered), or an open loop at -R requests/s with latency from each request's\n"
    "due time. Bounded by -n requests or -d seconds (default 10, at most 3600).\n"
    "Kinds for --mix: recommend, next, events, get, ping (GET /healthz), statements\n"
    "(POST /xapi/statements, 10 xAPI statements a request).\n"
    "SIGINT ends a run early, as -d running out would (the report is printed).\n"
    "A progress line a second on stderr; the report on stdout (--json for machines).\n"
    "Targets must be loopback unless --allow-remote.\n"
    "seed: M synthetic learners straight into Redis (pipelined), in the daemon's\n"
    "stored form (--cluster: HOST:PORT is a Redis Cluster node; each key goes to\n"
    "the primary of its slot), with `--attempts` attempts each.\n"
    "Exit status: 0 after a run (HTTP errors are counted in the report), 1 when\n"
    "requests got no answer at all or none completed, 2 on bad arguments.\n";

static bool is_help(const char *a)
{
    return strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0 || strcmp(a, "help") == 0;
}

/* Whether `a` is one of the n names in `list`. */
static bool one_of(const char *a, const char *const *list, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (strcmp(a, list[k]) == 0)
            return true;
    return false;
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("skillpath-bench: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\n(skillpath-bench --help shows the options; README: load tests)\n", stderr);
    return EXIT_USAGE;
}

/* ---------------------------------------------------------------- choices */

static unsigned long pick_learner(struct run *r)
{
    double u = rs_synth_uniform(&r->rng);
    if (r->zipf_cdf == NULL)
        return (unsigned long)(u * (double)r->o->learners) % r->o->learners;
    size_t lo = 0, hi = r->o->learners - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (r->zipf_cdf[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static enum kind pick_kind(struct run *r)
{
    unsigned x = (unsigned)(rs_synth_next(&r->rng) % r->mix_total);
    for (int k = 0; k < K_COUNT; k++) {
        if (x < r->o->mix[k])
            return (enum kind)k;
        x -= r->o->mix[k];
    }
    return K_PING;
}

/* ---------------------------------------------------------------- requests */

static void issue(struct conn *c, struct job job);

static void next_for(struct conn *c)
{
    struct run *r = c->run;
    c->busy = false;
    if (r->q_len > 0) {                         /* open loop: the oldest due first */
        struct job j = r->queue[r->q_head];
        r->q_head = (r->q_head + 1) % r->q_cap;
        r->q_len--;
        issue(c, j);
        return;
    }
    if (r->o->rate > 0 || r->stopping)
        return;
    if (r->o->requests > 0 && r->issued >= r->o->requests)
        return;
    issue(c, (struct job){ pick_kind(r), bench_now_s() });
}

static void on_done(struct evhttp_request *req, void *arg)
{
    struct conn *c = arg;
    struct run *r = c->run;
    int code = req ? evhttp_request_get_response_code(req) : 0;
    if (code < 0 || code > MAX_STATUS)
        code = 0;
    r->status[code]++;
    if (req)
        r->bytes_in += evbuffer_get_length(evhttp_request_get_input_buffer(req));
    uint64_t us = (uint64_t)((bench_now_s() - c->job.intended) * 1e6);
    bench_hist_add(&r->hist, us);
    bench_hist_add(&r->kind_hist[c->job.kind], us);
    r->done++;
    if (code == 0) {
        /* The connection failed: start a fresh one for the next request. */
        evhttp_connection_free(c->evcon);
        c->evcon = evhttp_connection_base_new(r->base, NULL, r->o->host, (ev_uint16_t)r->o->port);
        if (c->evcon)
            evhttp_connection_set_timeout(c->evcon, 10);
    }
    next_for(c);
}

/* STATEMENTS_PER_POST xAPI statements about learner `id`, as Moodle sends
 * them (an array, account actor, a course's activity id, a score), each
 * with a fresh id: every one is applied. A malloc'ed string. */
static char *statement_batch(struct run *r, const char *id)
{
    size_t cap = STATEMENTS_PER_POST * 512 + 2, len = 0;
    char *out = malloc(cap);
    if (out == NULL)
        return NULL;
    out[len++] = '[';
    for (int i = 0; i < STATEMENTS_PER_POST; i++) {
        uint64_t a = rs_synth_next(&r->rng), b = rs_synth_next(&r->rng);
        size_t j = rs_synth_next(&r->rng) % r->n_courses;
        const char *act = r->activities[j] ? r->activities[j] : r->courses[j];
        len += (size_t)snprintf(out + len, cap - len,
            "%s{\"id\":\"%08x-%04x-4%03x-8%03x-%012llx\",\"actor\":{\"account\":"
            "{\"homePage\":\"https://lms.example.com\",\"name\":\"%s\"}},\"verb\":{\"id\":"
            "\"http://adlnet.gov/expapi/verbs/passed\"},\"object\":{\"id\":\"%s\"},"
            "\"result\":{\"score\":{\"scaled\":0.%02u}},\"timestamp\":\"2026-01-01T00:00:00Z\"}",
            i ? "," : "", (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff,
            (unsigned)(b >> 52) & 0xfff, (unsigned long long)(b & 0xffffffffffffULL), id, act,
            (unsigned)(b % 100));
    }
    out[len++] = ']';
    out[len] = '\0';
    return out;
}

static void issue(struct conn *c, struct job job)
{
    struct run *r = c->run;
    const struct opts *o = r->o;
    if (c->evcon == NULL)
        return;
    c->busy = true;
    c->job = job;
    r->issued++;
    struct evhttp_request *req = evhttp_request_new(on_done, c);
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    char host[300], uri[512], auth[512];
    snprintf(host, sizeof host, "%s:%d", o->host, o->port);
    evhttp_add_header(h, "Host", host);
    const char *ctype = o->protobuf ? "application/x-protobuf" : "application/json";
    evhttp_add_header(h, "Accept", ctype);
    if (o->api_key) {
        snprintf(auth, sizeof auth, "Bearer %s", o->api_key);
        evhttp_add_header(h, "Authorization", auth);
    }
    char id[64];
    snprintf(id, sizeof id, "%s%07lu", o->id_prefix, pick_learner(r));
    enum evhttp_cmd_type method = EVHTTP_REQ_GET;
    ProtobufCMessage *body = NULL;
    Skillpath__V1__RecommendRequest rec;
    Skillpath__V1__EventBatch batch;
    Skillpath__V1__Event ev, *evp = &ev;
    char event_id[96];
    char *statements = NULL;            /* K_STATEMENTS: the JSON array */
    switch (job.kind) {
    case K_RECOMMEND:
        method = EVHTTP_REQ_POST;
        snprintf(uri, sizeof uri, "/v1/recommend");
        skillpath__v1__recommend_request__init(&rec);
        rec.learner_id = id;
        rec.max_items = 10;
        if (o->target)
            rec.target_id = (char *)o->target;
        body = &rec.base;
        break;
    case K_NEXT:
        snprintf(uri, sizeof uri, "/v1/learners/%s/next?n=3", id);
        break;
    case K_EVENTS:
        method = EVHTTP_REQ_POST;
        snprintf(uri, sizeof uri, "/v1/events");
        skillpath__v1__event__init(&ev);
        snprintf(event_id, sizeof event_id, "bench-%llx-%lld", (unsigned long long)o->seed,
                 r->issued);
        ev.event_id = event_id;
        ev.learner_id = id;
        ev.course_id = r->courses[rs_synth_next(&r->rng) % r->n_courses];
        ev.kind = SKILLPATH__V1__EVENT_KIND__COMPLETED;
        ev.at = (int64_t)time(NULL);
        skillpath__v1__event_batch__init(&batch);
        batch.events = &evp;
        batch.n_events = 1;
        body = &batch.base;
        break;
    case K_GET:
        snprintf(uri, sizeof uri, "/v1/learners/%s", id);
        break;
    case K_STATEMENTS:
        method = EVHTTP_REQ_POST;
        snprintf(uri, sizeof uri, "/xapi/statements");
        statements = statement_batch(r, id);
        break;
    default:
        snprintf(uri, sizeof uri, "/healthz");
        break;
    }
    if (statements) {
        evhttp_add_header(h, "Content-Type", "application/json");
        size_t len = strlen(statements);
        evbuffer_add(evhttp_request_get_output_buffer(req), statements, len);
        r->bytes_out += len;
        free(statements);
    } else if (body) {
        evhttp_add_header(h, "Content-Type", ctype);
        size_t len = 0;
        void *data = NULL;
        if (o->protobuf) {
            len = protobuf_c_message_get_packed_size(body);
            data = malloc(len + 1);
            if (data)
                protobuf_c_message_pack(body, data);
        } else {
            data = svc_json_encode(body, SVC_JSON_COMPACT, &len);
        }
        if (data)
            evbuffer_add(evhttp_request_get_output_buffer(req), data, len);
        r->bytes_out += len;
        free(data);
    }
    r->bytes_out += strlen(uri);
    if (evhttp_make_request(c->evcon, req, method, uri) != 0) {
        r->status[0]++;
        r->done++;
        c->busy = false;
    }
}

/* ---------------------------------------------------------------- loop */

static void stop_when_done(struct run *r)
{
    if (r->done >= r->issued && (r->stopping || (r->o->requests > 0 && r->done >= r->o->requests)))
        event_base_loopbreak(r->base);
}

/* SIGINT ends a run as -d running out would: the report is printed. */
static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct run *r = arg;
    (void)fd;
    (void)what;
    double t = bench_now_s() - r->start;
    /* Time up: stop, and what is due but unsent is lost. Every request of
     * -n scheduled: schedule no more, but the queued ones still go out as
     * connections free up (a busy machine queues a few at the end: they
     * are late, not lost). */
    if (t >= r->o->duration || interrupted)
        r->stopping = true;
    bool all_due = r->o->requests > 0 && r->issued + (long long)r->q_len >= r->o->requests;
    if (r->o->rate > 0 && !r->stopping && !all_due) {
        long long due = (long long)(t * r->o->rate);
        if (r->o->requests > 0 && due > r->o->requests)
            due = r->o->requests;
        for (long long i = r->issued + (long long)r->q_len; i < due; i++) {
            struct job j = { pick_kind(r), r->start + (double)i / r->o->rate };
            struct conn *idle = NULL;
            for (int k = 0; k < r->o->conns && !idle; k++)
                if (!r->conns[k].busy)
                    idle = &r->conns[k];
            if (idle) {
                issue(idle, j);
            } else {
                if (r->q_len == r->q_cap) {
                    size_t cap = r->q_cap ? r->q_cap * 2 : 1024;
                    struct job *q = malloc(cap * sizeof *q);
                    if (q == NULL)
                        break;
                    for (size_t n = 0; n < r->q_len; n++)
                        q[n] = r->queue[(r->q_head + n) % r->q_cap];
                    free(r->queue);
                    r->queue = q;
                    r->q_head = 0;
                    r->q_cap = cap;
                }
                r->queue[(r->q_head + r->q_len) % r->q_cap] = j;
                r->q_len++;
            }
        }
    }
    if (r->stopping && r->q_len > 0) {      /* due but never sent: count as lost */
        r->status[0] += r->q_len;
        r->done += (long long)r->q_len;
        r->issued += (long long)r->q_len;
        r->q_len = 0;
    }
    if (t > r->o->duration + 10)            /* answers overdue: give up */
        event_base_loopbreak(r->base);
    stop_when_done(r);
}

static void on_progress(evutil_socket_t fd, short what, void *arg)
{
    struct run *r = arg;
    (void)fd;
    (void)what;
    double t = bench_now_s();
    uint64_t errors = r->status[0];
    for (int s = 300; s <= MAX_STATUS; s++)
        errors += r->status[s];
    fprintf(stderr, "t=%.0fs done=%lld rps=%.0f p99_ms=%.2f errors=%llu queued=%zu\n",
            t - r->start, r->done, (double)(r->done - r->last_done) / (t - r->last_t),
            (double)bench_hist_quantile(&r->hist, 0.99) / 1e3, (unsigned long long)errors, r->q_len);
    r->last_done = r->done;
    r->last_t = t;
}

/* This process's CPU time, user + system. */
static double cpu_seconds(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void report(struct run *r, double elapsed)
{
    /* The client's own CPU: near a whole core, the client may be what
     * limits the run rather than the service. */
    double cpu = cpu_seconds() - r->cpu_start;
    double cpu_share = elapsed > 0 ? cpu / elapsed : 0;
    double cpu_us = r->done > 0 ? cpu * 1e6 / (double)r->done : 0;
    const struct bench_hist *h = &r->hist;
    double ms[5] = { bench_hist_quantile(h, 0.5) / 1e3, bench_hist_quantile(h, 0.9) / 1e3,
                     bench_hist_quantile(h, 0.99) / 1e3, bench_hist_quantile(h, 0.999) / 1e3,
                     (double)h->max / 1e3 };
    uint64_t ok = 0, errors = 0;
    for (int s = 0; s <= MAX_STATUS; s++)
        *(s >= 200 && s < 300 ? &ok : &errors) += r->status[s];
    double rps = (double)r->done / elapsed;
    if (r->o->json) {
        printf("{\"requests\":%lld,\"seconds\":%.3f,\"rps\":%.1f,\"ok\":%llu,\"errors\":%llu,"
               "\"latency_ms\":{\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"p999\":%.3f,\"max\":%.3f},"
               "\"bytes_in\":%llu,\"bytes_out\":%llu,"
               "\"client_cpu\":{\"seconds\":%.3f,\"core_share\":%.3f,\"us_per_request\":%.1f},"
               "\"status\":{",
               r->done, elapsed, rps, (unsigned long long)ok, (unsigned long long)errors, ms[0],
               ms[1], ms[2], ms[3], ms[4], (unsigned long long)r->bytes_in,
               (unsigned long long)r->bytes_out, cpu, cpu_share, cpu_us);
        bool first = true;
        for (int s = 0; s <= MAX_STATUS; s++)
            if (r->status[s]) {
                printf("%s\"%d\":%llu", first ? "" : ",", s, (unsigned long long)r->status[s]);
                first = false;
            }
        printf("}}\n");
        return;
    }
    printf("requests   %lld in %.2f s, %.0f req/s (%s loop, %d connections)\n", r->done, elapsed,
           rps, r->o->rate > 0 ? "open" : "closed", r->o->conns);
    printf("latency    p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  p99.9 %.3f ms  max %.3f ms\n",
           ms[0], ms[1], ms[2], ms[3], ms[4]);
    for (int k = 0; k < K_COUNT; k++)
        if (r->kind_hist[k].count)
            printf("  %-9s %8llu  p50 %.3f ms  p99 %.3f ms\n", kind_names[k],
                   (unsigned long long)r->kind_hist[k].count,
                   bench_hist_quantile(&r->kind_hist[k], 0.5) / 1e3,
                   bench_hist_quantile(&r->kind_hist[k], 0.99) / 1e3);
    printf("status    ");
    for (int s = 0; s <= MAX_STATUS; s++)
        if (r->status[s])
            printf(" %s%d: %llu", s == 0 ? "no-answer/" : "", s, (unsigned long long)r->status[s]);
    printf("\nbytes      %llu in, %llu out\n", (unsigned long long)r->bytes_in,
           (unsigned long long)r->bytes_out);
    printf("client     %.2f s CPU, %.0f%% of one core, %.1f us per request\n", cpu,
           cpu_share * 100, cpu_us);
    if (cpu_share > 0.9)
        printf("warning    the client used %.0f%% of a core: it may be what limits this run "
               "(split -c over several client processes)\n", cpu_share * 100);
}

/* ---------------------------------------------------------------- setup */

static int parse_num(const char *name, const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*s == '\0' || *end != '\0' || errno || !(v >= lo && v <= hi))
        return usage_error("%s: '%s' is not a number in [%g, %g]", name, s, lo, hi);
    *out = v;
    return 0;
}

static int parse_mix(const char *s, unsigned mix[K_COUNT])
{
    memset(mix, 0, K_COUNT * sizeof *mix);
    char *copy = strdup(s), *save = NULL;
    int rc = 0;
    for (char *t = strtok_r(copy, ",", &save); t && rc == 0; t = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(t, '=');
        int k = -1;
        for (int i = 0; eq && i < K_COUNT; i++)
            if ((size_t)(eq - t) == strlen(kind_names[i]) && strncmp(t, kind_names[i], (size_t)(eq - t)) == 0)
                k = i;
        double w;
        if (k < 0)
            rc = usage_error("--mix: '%s' is not KIND=WEIGHT (kinds: recommend, next, events, get, ping, statements)", t);
        else if ((rc = parse_num("--mix weight", eq + 1, 0, 1e6, &w)) == 0)
            mix[k] = (unsigned)w;
    }
    free(copy);
    unsigned total = 0;
    for (int k = 0; k < K_COUNT; k++)
        total += mix[k];
    if (rc == 0 && total == 0)
        rc = usage_error("--mix: the weights add up to zero");
    return rc;
}

static int parse_url(const char *url, struct opts *o)
{
    const char *p = strncmp(url, "http://", 7) == 0 ? url + 7 : NULL;
    if (p == NULL)
        return usage_error("--url: '%s' is not http://HOST:PORT", url);
    const char *colon = strrchr(p, ':');
    const char *slash = strchr(p, '/');
    if (colon == NULL || (slash && slash < colon) || (size_t)(colon - p) >= sizeof o->host)
        return usage_error("--url: '%s' is not http://HOST:PORT", url);
    memcpy(o->host, p, (size_t)(colon - p));
    o->host[colon - p] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if ((*end != '\0' && *end != '/') || port < 1 || port > 65535)
        return usage_error("--url: bad port in '%s'", url);
    o->port = (int)port;
    return 0;
}

/* Loopback only, unless told otherwise: a load test must not leave the machine. */
static int check_target(const struct opts *o)
{
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;
    if (getaddrinfo(o->host, NULL, &hints, &res) != 0)
        return usage_error("--url: cannot resolve '%s'", o->host);
    bool loop = true;
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        if (a->ai_family == AF_INET)
            loop &= (ntohl(((struct sockaddr_in *)a->ai_addr)->sin_addr.s_addr) >> 24) == 127;
        else if (a->ai_family == AF_INET6)
            loop &= memcmp(&((struct sockaddr_in6 *)a->ai_addr)->sin6_addr, &in6addr_loopback, 16) == 0;
    }
    freeaddrinfo(res);
    if (!loop && !o->allow_remote)
        return usage_error("--url: %s is not a loopback address (pass --allow-remote to load another host)",
                           o->host);
    return 0;
}

/* Course ids for events, from a catalog file. */
static int load_courses(struct run *r, const char *path)
{
    char err[512];
    Skillpath__V1__Catalog *c = svc_catalog_read(path, err, sizeof err);
    if (c == NULL || c->n_courses == 0) {
        if (c)
            protobuf_c_message_free_unpacked(&c->base, NULL);
        return usage_error("--catalog: %s", c ? "no courses" : err);
    }
    r->courses = calloc(c->n_courses, sizeof *r->courses);
    r->activities = calloc(c->n_courses, sizeof *r->activities);
    for (size_t j = 0; r->courses && r->activities && j < c->n_courses; j++) {
        if (c->courses[j]->n_activity_ids)
            r->activities[j] = strdup(c->courses[j]->activity_ids[0]);
        r->courses[r->n_courses++] = strdup(c->courses[j]->id);
    }
    protobuf_c_message_free_unpacked(&c->base, NULL);
    return 0;
}

static int cmd_run(int argc, char **argv)
{
    struct opts o = { .conns = 10, .duration = 10, .learners = 1000, .seed = 1,
                      .catalog = "deploy/demo/catalog.json", .id_prefix = "b" };
    const char *url = "http://127.0.0.1:8080";
    bool mix_set = false, dur_set = false;
    double v;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (is_help(a)) {
            fputs(USAGE, stdout);
            return 0;
        }
        static const char *const with_value[] = { "--url", "-c", "-d", "-n", "-R", "--mix",
            "--learners", "--zipf", "--seed", "--api-key", "--catalog", "--id-prefix", "--target" };
        bool flag = strcmp(a, "--protobuf") == 0 || strcmp(a, "--json") == 0 ||
                    strcmp(a, "--allow-remote") == 0;
        /* an unknown flag is unknown, not short of a value */
        if (!flag && val == NULL && one_of(a, with_value, sizeof with_value / sizeof *with_value))
            return usage_error("%s: missing value", a);
        if (strcmp(a, "--url") == 0) url = val;
        else if (strcmp(a, "-c") == 0) { if (parse_num("-c", val, 1, MAX_CONNS, &v)) return EXIT_USAGE; o.conns = (int)v; }
        else if (strcmp(a, "-d") == 0) { if (parse_num("-d", val, 0.1, MAX_DURATION, &o.duration)) return EXIT_USAGE; dur_set = true; }
        else if (strcmp(a, "-n") == 0) { if (parse_num("-n", val, 1, 1e10, &v)) return EXIT_USAGE; o.requests = (long long)v; }
        else if (strcmp(a, "-R") == 0) { if (parse_num("-R", val, 0.1, 1e7, &o.rate)) return EXIT_USAGE; }
        else if (strcmp(a, "--mix") == 0) { if (parse_mix(val, o.mix)) return EXIT_USAGE; mix_set = true; }
        else if (strcmp(a, "--learners") == 0) { if (parse_num("--learners", val, 1, 1e8, &v)) return EXIT_USAGE; o.learners = (unsigned long)v; }
        else if (strcmp(a, "--zipf") == 0) { if (parse_num("--zipf", val, 0, 5, &o.zipf)) return EXIT_USAGE; }
        else if (strcmp(a, "--seed") == 0) { if (parse_num("--seed", val, 0, 1e15, &v)) return EXIT_USAGE; o.seed = (uint64_t)v; }
        else if (strcmp(a, "--api-key") == 0) o.api_key = val;
        else if (strcmp(a, "--catalog") == 0) o.catalog = val;
        else if (strcmp(a, "--id-prefix") == 0) o.id_prefix = val;
        else if (strcmp(a, "--target") == 0) o.target = val;
        else if (strcmp(a, "--protobuf") == 0) o.protobuf = true;
        else if (strcmp(a, "--json") == 0) o.json = true;
        else if (strcmp(a, "--allow-remote") == 0) o.allow_remote = true;
        else return usage_error("unknown option '%s'", a);
        if (!flag)
            i++;
    }
    if (o.requests > 0 && !dur_set)
        o.duration = MAX_DURATION;           /* -n bounds it; the hour is the backstop */
    if (!mix_set)
        parse_mix("recommend=70,next=20,events=10", o.mix);
    if (parse_url(url, &o) || check_target(&o))
        return EXIT_USAGE;

    struct run r = { .o = &o, .rng = o.seed * 0x9E3779B97F4A7C15ULL + 1 };
    signal(SIGINT, on_sigint);
    for (int k = 0; k < K_COUNT; k++)
        r.mix_total += o.mix[k];
    if ((o.mix[K_EVENTS] || o.mix[K_STATEMENTS]) && load_courses(&r, o.catalog))
        return EXIT_USAGE;
    if (o.zipf > 0) {
        r.zipf_cdf = malloc(o.learners * sizeof *r.zipf_cdf);
        double sum = 0;
        for (unsigned long i = 0; r.zipf_cdf && i < o.learners; i++)
            r.zipf_cdf[i] = sum += pow((double)(i + 1), -o.zipf);
        for (unsigned long i = 0; r.zipf_cdf && i < o.learners; i++)
            r.zipf_cdf[i] /= sum;
    }
    bench_hist_init(&r.hist);
    for (int k = 0; k < K_COUNT; k++)
        bench_hist_init(&r.kind_hist[k]);
    /* Open loop: a precise timer (timerfd) and a 200 µs tick, so requests
     * leave close to when they fall due instead of in 1 ms bursts. */
    struct event_config *cfg = event_config_new();
    if (cfg && o.rate > 0)
        event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
    r.base = cfg ? event_base_new_with_config(cfg) : NULL;
    if (cfg)
        event_config_free(cfg);
    r.conns = calloc((size_t)o.conns, sizeof *r.conns);
    if (!r.base || !r.conns)
        return usage_error("out of memory");
    for (int i = 0; i < o.conns; i++) {
        r.conns[i].run = &r;
        r.conns[i].evcon = evhttp_connection_base_new(r.base, NULL, o.host, (ev_uint16_t)o.port);
        if (r.conns[i].evcon == NULL)
            return usage_error("cannot create connection %d", i);
        evhttp_connection_set_timeout(r.conns[i].evcon, 10);
    }
    r.start = r.last_t = bench_now_s();
    r.cpu_start = cpu_seconds();
    r.tick = event_new(r.base, -1, EV_PERSIST, on_tick, &r);
    r.progress = event_new(r.base, -1, EV_PERSIST, on_progress, &r);
    struct timeval ms1 = { 0, o.rate > 0 ? 200 : 1000 }, s1 = { 1, 0 };
    event_add(r.tick, &ms1);
    if (!o.json)
        event_add(r.progress, &s1);
    if (o.rate <= 0)
        for (int i = 0; i < o.conns; i++)
            if (o.requests == 0 || r.issued < o.requests)
                issue(&r.conns[i], (struct job){ pick_kind(&r), bench_now_s() });
    event_base_dispatch(r.base);
    double elapsed = bench_now_s() - r.start;
    report(&r, elapsed);
    for (int i = 0; i < o.conns; i++)
        if (r.conns[i].evcon)
            evhttp_connection_free(r.conns[i].evcon);
    event_free(r.tick);
    event_free(r.progress);
    event_base_free(r.base);
    for (size_t j = 0; j < r.n_courses; j++)
        free(r.courses[j]);
    for (size_t j = 0; r.activities && j < r.n_courses; j++)
        free(r.activities[j]);
    free(r.activities);
    free(r.courses);
    free(r.conns);
    free(r.queue);
    free(r.zipf_cdf);
    return r.status[0] || r.done == 0 ? 1 : 0;
}

/* ---------------------------------------------------------------- seed */

#define SEED_MAX_NODES 64

/* Read every pending reply on each connection: 0, or 1 on a refusal. */
static int seed_flush(redisContext **ctx, size_t *pending, size_t n)
{
    int rc = 0;
    for (size_t k = 0; k < n; k++)
        for (; pending[k] > 0; pending[k]--) {      /* pipelined: the replies, in order */
            redisReply *reply = NULL;
            if (redisGetReply(ctx[k], (void **)&reply) != REDIS_OK || reply == NULL ||
                reply->type == REDIS_REPLY_ERROR) {
                fprintf(stderr, "skillpath-bench: seed: Redis refused a write%s%s\n", reply ? ": " : "",
                        reply && reply->type == REDIS_REPLY_ERROR ? reply->str : "");
                rc = 1;
            }
            freeReplyObject(reply);
            if (rc)
                return rc;
        }
    return rc;
}

/* One connection per primary of the cluster that `c` is a node of, into
 * ctx[0..*n); the slot map into m. 0, or 1 with the reason printed. */
static int seed_cluster(redisContext *c, const char *host, struct svc_cluster_map *m, redisContext **ctx,
                        size_t *n)
{
    redisReply *r = redisCommand(c, "CLUSTER SLOTS");
    char err[256];
    int rc = svc_cluster_map_read(m, r, host, err, sizeof err);
    freeReplyObject(r);
    if (rc != 0 || m->covered < SVC_CLUSTER_SLOTS || m->n_nodes > SEED_MAX_NODES) {
        fprintf(stderr, "skillpath-bench: seed: %s\n", rc ? err : "the cluster does not serve every slot");
        return 1;
    }
    for (*n = 0; *n < m->n_nodes; (*n)++) {
        ctx[*n] = redisConnect(m->nodes[*n].host, m->nodes[*n].port);
        if (ctx[*n] == NULL || ctx[*n]->err) {
            fprintf(stderr, "skillpath-bench: seed: cannot connect to %s:%d\n", m->nodes[*n].host,
                    m->nodes[*n].port);
            redisFree(ctx[*n]);
            return 1;
        }
    }
    return 0;
}

/* M learners straight into Redis, pipelined: the daemon's stored format,
 * random tiers, targets and capabilities, `attempts` attempts each. On a
 * cluster, each key to its slot's primary. */
static int cmd_seed(int argc, char **argv)
{
    const char *redis = "127.0.0.1:6379", *prefix = "skillpath:", *catalog = "deploy/demo/catalog.json";
    const char *id_prefix = "b";
    double learners = 0, attempts = 10, seed = 1;
    bool cluster = false;
    for (int i = 0; i < argc; i += 2) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (is_help(a)) {
            fputs(USAGE, stdout);
            return 0;
        }
        if (strcmp(a, "--cluster") == 0) {
            cluster = true;
            i--;                        /* a flag: no value */
            continue;
        }
        static const char *const known[] = { "--redis", "--prefix", "--catalog", "--id-prefix",
                                             "--learners", "--attempts", "--seed" };
        if (val == NULL && one_of(a, known, sizeof known / sizeof *known))
            return usage_error("seed: %s: missing value", a);
        if (strcmp(a, "--redis") == 0) redis = val;
        else if (strcmp(a, "--prefix") == 0) prefix = val;
        else if (strcmp(a, "--catalog") == 0) catalog = val;
        else if (strcmp(a, "--id-prefix") == 0) id_prefix = val;
        else if (strcmp(a, "--learners") == 0) { if (parse_num("--learners", val, 1, 1e8, &learners)) return EXIT_USAGE; }
        else if (strcmp(a, "--attempts") == 0) { if (parse_num("--attempts", val, 0, 1000, &attempts)) return EXIT_USAGE; }
        else if (strcmp(a, "--seed") == 0) { if (parse_num("--seed", val, 0, 1e15, &seed)) return EXIT_USAGE; }
        else return usage_error("seed: unknown option '%s'", a);
    }
    if (learners < 1)
        return usage_error("seed: --learners is required");
    struct opts o = {0};
    char url[300];
    snprintf(url, sizeof url, "http://%s", redis);
    if (parse_url(url, &o) || check_target(&o))
        return EXIT_USAGE;

    char err[65536];
    struct svc_catalog *snap = svc_catalog_load(catalog, err, sizeof err);
    if (snap == NULL)
        return usage_error("--catalog: %s", err);
    const struct rs_catalog *cat = snap->cat;

    redisContext *redis_c = redisConnect(o.host, o.port);
    if (redis_c == NULL || redis_c->err) {
        svc_catalog_unref(snap);
        fprintf(stderr, "skillpath-bench: seed: cannot connect to %s: %s\n", redis,
                redis_c ? redis_c->errstr : "out of memory");
        redisFree(redis_c);
        return 1;
    }
    redisContext *ctx[SEED_MAX_NODES] = { redis_c };
    size_t pending[SEED_MAX_NODES] = { 0 }, n_ctx = 1;
    struct svc_cluster_map *map = calloc(1, sizeof *map);
    int rc = map == NULL;
    if (map)
        svc_cluster_map_free(map);
    if (rc == 0 && cluster)
        rc = seed_cluster(redis_c, o.host, map, ctx + 1, &n_ctx) == 0 ? 0 : 1;
    int64_t now = (int64_t)time(NULL);
    size_t batch = 1000, queued = 0;
    double t0 = bench_now_s();
    for (unsigned long i = 0; i < (unsigned long)learners && rc == 0; i++) {
        struct rs_learner l;
        if (bench_seed_learner(cat, (uint64_t)seed, i, (size_t)attempts, now, &l) != 0) {
            rc = 1;
            break;
        }
        /* the daemon's own key and stored form; hiredis writes the protocol */
        char id[64], key[512];
        snprintf(id, sizeof id, "%s%07lu", id_prefix, i);
        int klen = svc_keys_make(key, sizeof key, prefix, SVC_KEY_LEARNER, id);
        size_t vlen = 0;
        char *value = klen > 0 ? svc_stored_encode(cat, &l, &vlen) : NULL;
        rs_learner_deinit(&l);
        if (value == NULL) {
            rc = 1;
            break;
        }
        size_t k = cluster ? 1 + map->owner[svc_cluster_slot(key, (size_t)klen)] : 0;
        const char *args[3] = { "SET", key, value };
        size_t lens[3] = { 3, (size_t)klen, vlen };
        if (redisAppendCommandArgv(ctx[k], 3, args, lens) != REDIS_OK)
            rc = 1;
        pending[k]++;
        free(value);
        if (rc == 0 && (++queued == batch || i + 1 == (unsigned long)learners)) {
            rc = seed_flush(ctx, pending, cluster ? n_ctx + 1 : 1);
            queued = 0;
        }
    }
    for (size_t k = 0; k < (cluster ? n_ctx + 1 : 1); k++)
        redisFree(ctx[k]);
    if (map)
        svc_cluster_map_free(map);
    free(map);
    svc_catalog_unref(snap);
    if (rc == 0)
        printf("seeded %.0f learners (%.0f attempts each) in %.2f s%s\n", learners, attempts,
               bench_now_s() - t0, cluster ? " over the cluster's primaries" : "");
    return rc;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    if (argc > 1 && is_help(argv[1])) {
        fputs(USAGE, stdout);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "seed") == 0)
        return cmd_seed(argc - 2, argv + 2);
    if (argc > 1 && strcmp(argv[1], "run") == 0)
        return cmd_run(argc - 2, argv + 2);
    return cmd_run(argc - 1, argv + 1);
}
