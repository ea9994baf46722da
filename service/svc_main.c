/* SPDX-License-Identifier: MIT
 * skillpathd: load the configuration and the catalog, start N worker loops
 * that share the listening port (SO_REUSEPORT), and run signals on the main
 * thread: SIGHUP reloads the catalog file, SIGTERM stops accepting, finishes
 * what is in flight and exits 0. Modules start in this order and stop in
 * reverse.
 *
 * DESIGN
 * Each worker owns one event loop and everything on it: its evhttp, its
 * Redis connections (store and push), its routes, counters and path scratch.
 * Workers share only immutable data: the catalog snapshot (atomically
 * reference-counted) and the API keys. The main thread runs signals and the
 * process's catalog owner (svc_catalog_owner.c, with a Redis connection of
 * its own): whatever way a catalog arrives, it is validated once there and
 * the one snapshot is handed to every worker. The main thread talks to a
 * worker through a pipe ('T' stop, 'R' take the catalog in its mailbox), so
 * no lock is ever taken on the request path; counters reach /metrics
 * through the stats hub, which each worker — and the main thread, for its
 * Redis connection — feeds from a timer (slot n is the main thread's). */
#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "svc_auth.h"
#include "svc_catalog.h"
#include "svc_catalog_owner.h"
#include "svc_conf.h"
#include "svc_http.h"
#include "svc_log.h"
#include "svc_notify.h"
#include "svc_push.h"
#include "svc_stats.h"
#include "svc_store.h"
#include "svc_team_builder.h"
#include "svc_ui.h"

#define MAX_WORKERS 64

struct worker {
    size_t id;
    pthread_t thread;
    bool started;
    struct event_base *base;
    struct evhttp *http;
    struct evhttp_bound_socket *sock;
    struct svc_store *store;
    struct svc_push *push;
    struct svc_http *api;
    int pipe[2];                        /* main -> worker commands */
    struct event *cmd;
    struct event *deadline;
    bool draining;
    long drain_ms;                      /* SIGTERM: time left to requests in flight */
    pthread_mutex_t mu;                 /* guards mailbox */
    struct svc_catalog *mailbox;        /* a catalog to switch to ('R') */
};

/* ---------------------------------------------------------------- worker side */

static void on_idle(void *arg)
{
    struct worker *w = arg;
    svc_log(SVC_LOG_INFO, "msg=drained worker=%zu", w->id);
    /* The last replies are queued, not yet written: give the loop a moment
     * to flush them before it ends. */
    struct timeval flush = { 0, 200 * 1000 };
    event_base_loopexit(w->base, &flush);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
    struct worker *w = arg;
    (void)fd;
    (void)what;
    svc_log(SVC_LOG_WARN, "msg=drain_timeout worker=%zu in_flight=%zu", w->id,
            svc_http_in_flight(w->api));
    event_base_loopexit(w->base, NULL);
}

static void drain(struct worker *w)
{
    if (w->draining)
        return;
    w->draining = true;
    /* Stop accepting; end the streams; answer what is in flight; leave. */
    if (w->sock)
        evhttp_del_accept_socket(w->http, w->sock);
    w->sock = NULL;
    svc_push_close_all(w->push);
    struct timeval tv = { w->drain_ms / 1000, (w->drain_ms % 1000) * 1000 };
    evtimer_add(w->deadline, &tv);
    svc_http_on_idle(w->api, on_idle, w);
}

static void on_command(evutil_socket_t fd, short what, void *arg)
{
    struct worker *w = arg;
    (void)what;
    char cmd;
    while (read(fd, &cmd, 1) == 1) {
        if (cmd == 'T') {
            drain(w);
        } else if (cmd == 'R') {
            pthread_mutex_lock(&w->mu);
            struct svc_catalog *c = w->mailbox;
            w->mailbox = NULL;
            pthread_mutex_unlock(&w->mu);
            if (c) {
                svc_http_set_catalog(w->api, c);
                svc_catalog_unref(c);
            }
        }
    }
}

static void *run_worker(void *arg)
{
    struct worker *w = arg;
    event_base_dispatch(w->base);
    return NULL;
}

/* ---------------------------------------------------------------- main side */

static void tell(struct worker *w, char cmd)
{
    ssize_t n;
    do
        n = write(w->pipe[1], &cmd, 1);
    while (n < 0 && errno == EINTR);
}

struct daemon {
    struct event_base *base;            /* the main thread's: signals and catalogs */
    struct worker *workers;
    size_t n;
    struct svc_store *store;            /* the catalog owner's Redis connection */
    struct svc_catalog_owner *catalogs;
    struct svc_stats_hub *hub;          /* n worker slots, then the main thread's */
    struct event *publish;              /* copies the main store's counters to the hub */
    struct svc_team_builder *team;      /* the team snapshot's thread */
    bool stopping;
};

/* The main thread's Redis counters, for /metrics on any worker. */
static void on_publish_main(evutil_socket_t fd, short what, void *arg)
{
    struct daemon *d = arg;
    static const struct svc_stats none;
    struct svc_store_stats st;
    (void)fd;
    (void)what;
    svc_store_get_stats(d->store, &st);
    svc_stats_hub_publish(d->hub, d->n, &none, &st, NULL);
}

static void on_stop(evutil_socket_t sig, short what, void *arg)
{
    struct daemon *d = arg;
    (void)what;
    if (d->stopping)
        return;
    d->stopping = true;
    svc_notify("STOPPING=1");
    svc_log(SVC_LOG_INFO, "msg=stopping signal=%d", (int)sig);
    for (size_t i = 0; i < d->n; i++)
        tell(&d->workers[i], 'T');
    event_base_loopexit(d->base, NULL);
}

/* The web UI's files: ui-dir "off" serves none; "" looks in the source
 * tree, then the install's share folder, and serves none (said in the log)
 * where neither is or Chart.js is missing; a named folder must load. */
static int load_ui(const struct svc_conf *c, struct svc_ui **out)
{
    char err[600];
    *out = NULL;
    if (strcmp(c->ui_dir, "off") == 0)
        return 0;
    const char *dir = c->ui_dir;
    if (dir[0] == '\0')
        dir = access("service/ui/index.html", R_OK) == 0 ? "service/ui"
            : access("/usr/local/share/skillpath/ui/index.html", R_OK) == 0 ? "/usr/local/share/skillpath/ui"
            : NULL;
    if (dir == NULL) {
        svc_log(SVC_LOG_INFO, "msg=ui_off reason=\"no service/ui or /usr/local/share/skillpath/ui\"");
        return 0;
    }
    *out = svc_ui_load(dir, c->chartjs, err, sizeof err);
    if (*out != NULL) {
        svc_log(SVC_LOG_INFO, "msg=ui dir=%s files=%zu", dir, (*out)->n);
        return 0;
    }
    if (c->ui_dir[0] == '\0') {
        svc_log(SVC_LOG_WARN, "msg=ui_off reason=\"%s\"", err);
        return 0;
    }
    svc_log(SVC_LOG_ERROR, "msg=ui_invalid err=\"%s\"", err);
    return -1;
}

/* The catalog owner has a new current snapshot: into every worker's
 * mailbox (the one snapshot, referenced once more per worker). */
static void deliver(void *arg, struct svc_catalog *c)
{
    struct daemon *d = arg;
    svc_team_builder_set_catalog(d->team, c);
    for (size_t i = 0; i < d->n; i++) {
        struct worker *w = &d->workers[i];
        pthread_mutex_lock(&w->mu);
        svc_catalog_unref(w->mailbox);
        w->mailbox = svc_catalog_ref(c);
        pthread_mutex_unlock(&w->mu);
        tell(w, 'R');
    }
}

/* SIGHUP: the catalog file again. An invalid one is refused with every
 * error logged, and the current one keeps serving. */
static void on_hup(evutil_socket_t sig, short what, void *arg)
{
    struct daemon *d = arg;
    (void)sig;
    (void)what;
    svc_notify_reloading();
    static char err[65536];
    int rc = svc_catalog_owner_reload(d->catalogs, err, sizeof err);
    if (rc == -2) {
        svc_log(SVC_LOG_WARN, "msg=reload_skipped reason=\"no catalog file; catalogs come from Redis\"");
        svc_notify("READY=1\nSTATUS=serving (no catalog file to reload)");
    } else if (rc != 0) {
        char *save = NULL;
        for (char *line = strtok_r(err, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
            svc_log(SVC_LOG_ERROR, "msg=reload_refused error=\"%s\"", line);
        svc_notify("READY=1\nSTATUS=reload refused: the catalog file is invalid");
    } else {
        svc_notify("READY=1\nSTATUS=serving (reloaded)");
    }
}

/* Connections a worker's socket holds before it accepts them. A burst of
 * clients connecting at once (apps reconnecting after a deploy) beyond it
 * has SYNs dropped and retried a second later. The kernel caps it at
 * net.core.somaxconn. */
#define LISTEN_BACKLOG 4096

/* A listening socket that shares its port with the other workers'. */
static int listen_socket(const char *host, int port, char *err, size_t errlen)
{
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE }, *res = NULL;
    char ports[16];
    snprintf(ports, sizeof ports, "%d", port);
    int rc = getaddrinfo(host, ports, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", host, gai_strerror(rc));
        return -1;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, LISTEN_BACKLOG) != 0) {
        snprintf(err, errlen, "%s:%d: %s", host, port, strerror(errno));
        if (fd >= 0)
            close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

static int bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
        return -1;
    return ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                          : ((struct sockaddr_in *)&ss)->sin_port);
}

static int write_port_file(const char *path, int port)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        return -1;
    fprintf(f, "%d\n", port);
    if (fclose(f) != 0)
        return -1;
    return rename(tmp, path);
}

/* Everything of worker w, in this order (the reverse of worker_init, with
 * the store moved up), each step relying on the ones after it:
 *   1. push: streams end; it leaves the store's subscriptions (the store is
 *      still there to take its last watch counts);
 *   2. store: every outstanding command calls back now with UNAVAILABLE, to
 *      owners that are all still alive — a request waiting on Redis is
 *      answered 503 (or, its client gone, released), the catalog fetch
 *      settles; nothing can be submitted any more;
 *   3. api: no request is in flight now (each one either answered at once
 *      or waited on the store);
 *   4. evhttp: the connections and their unsent output;
 *   5. the loop's own events, the base, the pipe.
 * Safe on a half-built worker. Loop thread stopped (or never started). */
static void worker_free(struct worker *w)
{
    svc_push_destroy(w->push);
    svc_store_destroy(w->store);
    svc_http_destroy(w->api);
    if (w->http)
        evhttp_free(w->http);
    if (w->cmd)
        event_free(w->cmd);
    if (w->deadline)
        event_free(w->deadline);
    if (w->base)
        event_base_free(w->base);
    for (int i = 0; i < 2; i++)
        if (w->pipe[i] >= 0)
            close(w->pipe[i]);
    svc_catalog_unref(w->mailbox);
    pthread_mutex_destroy(&w->mu);
}

/* A worker's loop. The epoll changelist folds the add/delete pairs of one
 * loop pass (hiredis arms EV_WRITE per command, evhttp re-arms reads per
 * reply) into at most one epoll_ctl per descriptor. No descriptor is ever
 * dup()ed, which is the changelist's one caveat. */
static struct event_base *worker_base(void)
{
    struct event_config *cfg = event_config_new();
    if (cfg == NULL)
        return NULL;
    event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
    struct event_base *base = event_base_new_with_config(cfg);
    event_config_free(cfg);
    return base;
}

/* Everything of worker w, on its own base, before its thread starts. */
static int worker_init(struct worker *w, const struct svc_conf *c, struct svc_team_builder *team,
                       const struct svc_ui *ui, struct svc_catalog *cat,
                       const struct svc_auth *auth, struct svc_stats_hub *hub,
                       struct svc_catalog_owner *catalogs, int fd)
{
    w->drain_ms = c->drain_timeout_ms;
    w->base = worker_base();
    w->http = w->base ? evhttp_new(w->base) : NULL;
    if (w->http == NULL || pipe2(w->pipe, O_NONBLOCK | O_CLOEXEC) != 0)
        return -1;
    struct svc_store_conf sc = {
        .host = c->redis_host, .port = c->redis_port, .prefix = c->redis_prefix,
        .seeds = c->redis, .cluster = c->redis_cluster != 0, .wait_replicas = (int)c->redis_wait_replicas,
        .stream_maxlen = c->redis_events_kept, .keep_event_ids_s = (int)(c->redis_event_ids_days * 86400),
        .timeout_ms = (int)c->redis_timeout_ms,
    };
    w->store = svc_store_create(w->base, &sc);
    struct svc_push_conf pc = { .heartbeat_ms = (int)c->sse_heartbeat_ms,
                                .max_buffer = (size_t)c->sse_max_buffer };
    w->push = w->store ? svc_push_create(w->base, w->store, &pc) : NULL;
    struct svc_http_conf hc = {
        .auth = auth, .push = w->push, .push_lessons = (unsigned)c->push_lessons,
        .hub = hub, .worker = w->id, .max_body = (size_t)c->max_body,
        .max_catalog = (size_t)c->max_catalog, .max_batch = (size_t)c->max_batch,
        .max_retries = 200, .catalogs = catalogs, .team = team, .ui = ui,
        .xapi = {
            .home_pages = c->xapi_home_pages, .fail_score = (float)c->xapi_fail_score_pct / 100.0f,
            .create_learners = c->xapi_create_learners != 0,
            .new_tier = !strcmp(c->xapi_new_learner_tier, "MANAGER") ? RS_TIER_MANAGER
                      : !strcmp(c->xapi_new_learner_tier, "CORE_STAFF") ? RS_TIER_CORE_STAFF
                      : RS_TIER_NEW_HIRE,
            .new_target = c->xapi_new_learner_target,
        },
        .edge = {
            .header_timeout_ms = (int)c->header_timeout_ms, .body_timeout_ms = (int)c->body_timeout_ms,
            .idle_timeout_ms = (int)c->idle_timeout_ms, .max_connections = (size_t)c->max_connections,
            .max_uri_bytes = (size_t)c->max_uri_bytes, .max_header_bytes = (size_t)c->max_header_bytes,
            .max_header_lines = (size_t)c->max_header_lines,
        },
    };
    w->api = w->push ? svc_http_create(w->base, w->http, w->store, cat, &hc) : NULL;
    if (w->api == NULL)
        return -1;
    /* Backlog 0: the socket is listening already. A negative backlog would
     * have libevent listen() again with 128, and bursts of connections would
     * overflow it (seen: 232 SYNs dropped, a 1 s tail, at c = 1000). */
    struct evconnlistener *l = evconnlistener_new(w->base, NULL, NULL,
                                                  LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 0, fd);
    if (l == NULL) {
        close(fd);
        return -1;
    }
    w->sock = evhttp_bind_listener(w->http, l);
    w->cmd = event_new(w->base, w->pipe[0], EV_READ | EV_PERSIST, on_command, w);
    w->deadline = evtimer_new(w->base, on_deadline, w);
    if (w->sock == NULL || w->cmd == NULL || w->deadline == NULL || event_add(w->cmd, NULL))
        return -1;
    return 0;
}

/* Every connection is a descriptor: raise the soft limit on open files to
 * the hard one, and say what that allows. */
static void raise_nofile(size_t workers, long max_connections)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    if (rl.rlim_cur < rl.rlim_max) {
        rlim_t want = rl.rlim_max;
        rl.rlim_cur = want;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            getrlimit(RLIMIT_NOFILE, &rl);
    }
    /* a worker's own descriptors: its socket, pipe, Redis links, epoll */
    unsigned long long files = (unsigned long long)rl.rlim_cur, reserved = 16 + 8ull * workers;
    unsigned long long by_files = files > reserved ? files - reserved : 0;
    unsigned long long by_conf = (unsigned long long)workers * (unsigned long long)max_connections;
    svc_log(SVC_LOG_INFO, "msg=fd_limit open_files=%llu connections=%llu limited_by=%s", files,
            by_files < by_conf ? by_files : by_conf, by_files < by_conf ? "open_files" : "max-connections");
}

extern char **environ;

int main(int argc, char **argv)
{
    struct svc_conf c;
    int action;
    char cerr[1024];
    if (svc_conf_load(&c, argc, argv, environ, &action, cerr, sizeof cerr) != 0) {
        fprintf(stderr, "skillpathd: %s\n", cerr);
        return 2;
    }
    if (action == SVC_CONF_HELP)
        return 0;
    svc_log_level = svc_log_parse_level(c.log_level);
    struct svc_auth *auth = NULL;
    if (!c.no_auth) {
        auth = svc_auth_create(c.keys_file, c.api_keys, cerr, sizeof cerr);
        if (auth == NULL) {
            fprintf(stderr, "skillpathd: %s\n", cerr);
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    rs_blas_setup();

    int rc = 1;
    char err[65536];
    struct svc_catalog *cat = NULL;
    if (c.catalog[0] == '\0') {
        svc_log(SVC_LOG_INFO, "msg=catalog_from_redis");
        if (action == SVC_CONF_CHECKED) {
            printf("configuration valid (the catalog will come from Redis)\n");
            svc_auth_destroy(auth);
            return 0;
        }
    } else if ((cat = svc_catalog_load(c.catalog, err, sizeof err)) == NULL) {
        svc_auth_destroy(auth);
        char *save = NULL;
        for (char *line = strtok_r(err, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
            fprintf(stderr, "skillpathd: %s: %s\n", c.catalog, line);
        svc_log(SVC_LOG_ERROR, "msg=catalog_invalid path=%s", c.catalog);
        return 1;
    } else {
        svc_log(SVC_LOG_INFO, "msg=catalog_loaded version=%s courses=%zu tags=%zu",
                rs_catalog_version(cat->cat), rs_catalog_n_courses(cat->cat),
                rs_catalog_n_tags(cat->cat));
    }
    if (action == SVC_CONF_CHECKED) {
        printf("configuration and catalog valid\n");
        svc_catalog_unref(cat);
        svc_auth_destroy(auth);
        return 0;
    }
    struct svc_ui *ui = NULL;
    if (load_ui(&c, &ui) != 0) {
        svc_catalog_unref(cat);
        svc_auth_destroy(auth);
        return 1;
    }
    if (auth)
        svc_log(SVC_LOG_INFO, "msg=auth keys=%zu", svc_auth_count(auth));
    else
        svc_log(SVC_LOG_WARN, "msg=auth_off note=\"no-auth: every caller may do everything; development only\"");

    size_t n = c.workers > 0 ? (size_t)c.workers : (size_t)sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1)
        n = 1;
    if (n > MAX_WORKERS)
        n = MAX_WORKERS;
    raise_nofile(n, c.max_connections);
    struct daemon d = { .n = n };
    struct svc_stats_hub *hub = svc_stats_hub_create(n + 1);
    struct event *sigterm = NULL, *sigint = NULL, *sighup = NULL;
    d.workers = calloc(n, sizeof *d.workers);
    d.base = event_base_new();
    d.hub = hub;
    if (d.workers == NULL || d.base == NULL || hub == NULL)
        goto out;
    struct svc_store_conf sc = {
        .host = c.redis_host, .port = c.redis_port, .prefix = c.redis_prefix,
        .seeds = c.redis, .cluster = c.redis_cluster != 0, .wait_replicas = (int)c.redis_wait_replicas,
        .stream_maxlen = c.redis_events_kept, .keep_event_ids_s = (int)(c.redis_event_ids_days * 86400),
        .timeout_ms = (int)c.redis_timeout_ms,
    };
    d.store = svc_store_create(d.base, &sc);
    /* the team snapshot's thread first: the catalog owner hands it every catalog */
    char host[128] = "", team_id[256];
    gethostname(host, sizeof host - 1);
    snprintf(team_id, sizeof team_id, "%s:%ld:%lld", host, (long)getpid(), (long long)time(NULL));
    struct svc_team_builder_conf tc = {
        .host = c.redis_host, .port = c.redis_port, .seeds = c.redis, .cluster = c.redis_cluster != 0,
        .prefix = c.redis_prefix, .timeout_ms = (int)c.redis_timeout_ms, .interval_s = (int)c.stats_interval_s, .id = team_id,
    };
    d.team = svc_team_builder_start(&tc);
    if (d.team == NULL)
        goto out;
    if (cat)
        svc_team_builder_set_catalog(d.team, cat);
    d.catalogs = d.store ? svc_catalog_owner_create(d.base, d.store, c.catalog, cat, deliver, &d) : NULL;
    d.publish = d.catalogs ? event_new(d.base, -1, EV_PERSIST, on_publish_main, &d) : NULL;
    struct timeval every = { 0, 100 * 1000 };
    if (d.publish == NULL || event_add(d.publish, &every) != 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        d.workers[i].id = i;
        d.workers[i].pipe[0] = d.workers[i].pipe[1] = -1;
        pthread_mutex_init(&d.workers[i].mu, NULL);
    }
    /* The first socket picks the port (port 0: any free one); the others share it. */
    int port = c.listen_port;
    for (size_t i = 0; i < n; i++) {
        int fd = listen_socket(c.listen_host, port, err, sizeof err);
        if (fd < 0) {
            svc_log(SVC_LOG_ERROR, "msg=listen_failed err=\"%s\"", err);
            goto out;
        }
        if (i == 0)
            port = bound_port(fd);
        if (worker_init(&d.workers[i], &c, d.team, ui, cat, auth, hub, d.catalogs, fd) != 0) {
            svc_log(SVC_LOG_ERROR, "msg=init_failed worker=%zu", i);
            goto out;
        }
    }
    if (c.port_file[0] && write_port_file(c.port_file, port) != 0) {
        svc_log(SVC_LOG_ERROR, "msg=port_file_failed path=%s err=\"%s\"", c.port_file, strerror(errno));
        goto out;
    }
    sigterm = evsignal_new(d.base, SIGTERM, on_stop, &d);
    sigint = evsignal_new(d.base, SIGINT, on_stop, &d);
    sighup = evsignal_new(d.base, SIGHUP, on_hup, &d);
    if (!sigterm || !sigint || !sighup || evsignal_add(sigterm, NULL) || evsignal_add(sigint, NULL) ||
        evsignal_add(sighup, NULL))
        goto out;
    /* Workers never see the signals: the main thread handles them all. */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    for (size_t i = 0; i < n; i++)
        d.workers[i].started = pthread_create(&d.workers[i].thread, NULL, run_worker,
                                              &d.workers[i]) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    svc_log(SVC_LOG_INFO, "msg=\"ready: listening on %s:%d\" workers=%zu redis=%s:%d prefix=%s",
            c.listen_host, port, n, c.redis_host, c.redis_port, c.redis_prefix);
    char status[400];
    snprintf(status, sizeof status, "READY=1\nSTATUS=listening on %s:%d, %zu workers",
             c.listen_host, port, n);
    svc_notify(status);
    event_base_dispatch(d.base);
    rc = 0;
out:
    for (size_t i = 0; d.workers && i < n; i++) {
        if (d.workers[i].started) {
            if (rc != 0)
                tell(&d.workers[i], 'T');
            pthread_join(d.workers[i].thread, NULL);
        }
    }
    for (size_t i = 0; d.workers && i < n; i++)
        worker_free(&d.workers[i]);
    svc_team_builder_stop(d.team);
    svc_ui_free(ui);
    /* The owner's store before the owner: its fetch may call back into it. */
    svc_store_destroy(d.store);
    svc_catalog_owner_destroy(d.catalogs);
    if (rc == 0)
        svc_log(SVC_LOG_INFO, "msg=stopped");
    if (sigterm)
        event_free(sigterm);
    if (sigint)
        event_free(sigint);
    if (sighup)
        event_free(sighup);
    if (d.publish)
        event_free(d.publish);
    if (d.base)
        event_base_free(d.base);
    free(d.workers);
    svc_stats_hub_destroy(hub);
    svc_catalog_unref(cat);
    svc_auth_destroy(auth);
    return rc;
}
