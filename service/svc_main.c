/* SPDX-License-Identifier: MIT
 * skillpathd: parse the flags, load the catalog, connect the store, serve
 * HTTP on one libevent loop, and on SIGTERM stop accepting, finish what is in
 * flight and exit 0. Modules start in this order and stop in reverse. */
#include <errno.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "svc_auth.h"
#include "svc_catalog.h"
#include "svc_conf.h"
#include "svc_http.h"
#include "svc_log.h"
#include "svc_notify.h"
#include "svc_push.h"
#include "svc_store.h"

#define DRAIN_SECONDS 10

/* ---------------------------------------------------------------- shutdown */

struct daemon {
    struct event_base *base;
    struct svc_push *push;
    const char *catalog_path;           /* "" : catalogs come from Redis only */
    struct event *sighup;
    struct evhttp *http;
    struct evhttp_bound_socket *sock;
    struct svc_http *api;
    struct event *sigterm, *sigint, *deadline;
    bool draining;
};

static void on_idle(void *arg)
{
    struct daemon *d = arg;
    svc_log(SVC_LOG_INFO, "msg=drained");
    /* The last replies are queued, not yet written: give the loop a moment
     * to flush them before it ends. */
    struct timeval flush = { 0, 200 * 1000 };
    event_base_loopexit(d->base, &flush);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
    struct daemon *d = arg;
    (void)fd;
    (void)what;
    svc_log(SVC_LOG_WARN, "msg=drain_timeout in_flight=%zu", svc_http_in_flight(d->api));
    event_base_loopexit(d->base, NULL);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct daemon *d = arg;
    (void)what;
    if (d->draining)
        return;
    d->draining = true;
    svc_notify("STOPPING=1");
    svc_log(SVC_LOG_INFO, "msg=stopping signal=%d in_flight=%zu", (int)sig, svc_http_in_flight(d->api));
    /* Stop accepting; answer what is in flight; then leave the loop. */
    if (d->sock)
        evhttp_del_accept_socket(d->http, d->sock);
    d->sock = NULL;
    svc_push_close_all(d->push);        /* streams end cleanly, then the rest drains */
    struct timeval tv = { DRAIN_SECONDS, 0 };
    evtimer_add(d->deadline, &tv);
    svc_http_on_idle(d->api, on_idle, d);
}

/* SIGHUP: the catalog file again. An invalid one is refused with every
 * error logged, and the current one keeps serving. */
static void on_hup(evutil_socket_t sig, short what, void *arg)
{
    struct daemon *d = arg;
    (void)sig;
    (void)what;
    if (d->catalog_path[0] == '\0') {
        svc_log(SVC_LOG_WARN, "msg=reload_skipped reason=\"no catalog file; catalogs come from Redis\"");
        return;
    }
    svc_notify_reloading();
    char err[65536];
    struct svc_catalog *c = svc_catalog_load(d->catalog_path, err, sizeof err);
    if (c == NULL) {
        char *save = NULL;
        for (char *line = strtok_r(err, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
            svc_log(SVC_LOG_ERROR, "msg=reload_refused path=%s error=\"%s\"", d->catalog_path, line);
        svc_notify("READY=1\nSTATUS=reload refused: the catalog file is invalid");
        return;
    }
    svc_http_set_catalog(d->api, c);
    svc_notify("READY=1\nSTATUS=serving (reloaded)");
    svc_catalog_unref(c);
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
    struct daemon d = {0};
    struct svc_store *store = NULL;
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
    if (auth)
        svc_log(SVC_LOG_INFO, "msg=auth keys=%zu", svc_auth_count(auth));
    else
        svc_log(SVC_LOG_WARN, "msg=auth_off note=\"no-auth: every caller may do everything; development only\"");

    d.base = event_base_new();
    d.http = d.base ? evhttp_new(d.base) : NULL;
    if (d.http == NULL) {
        svc_log(SVC_LOG_ERROR, "msg=init_failed what=event_base");
        goto out;
    }
    struct svc_store_conf sc = {
        .host = c.redis_host, .port = c.redis_port, .prefix = c.redis_prefix,
        .timeout_ms = (int)c.redis_timeout_ms,
    };
    store = svc_store_create(d.base, &sc);
    struct svc_push_conf pc = { .heartbeat_ms = (int)c.sse_heartbeat_ms,
                                .max_buffer = (size_t)c.sse_max_buffer };
    d.push = store ? svc_push_create(d.base, store, &pc) : NULL;
    struct svc_http_conf hc = { .auth = auth, .push = d.push, .push_lessons = (unsigned)c.push_lessons,
                                .max_body = (size_t)c.max_body, .max_catalog = (size_t)c.max_catalog,
                                .max_batch = (size_t)c.max_batch, .max_retries = 200 };
    d.api = d.push ? svc_http_create(d.base, d.http, store, cat, &hc) : NULL;
    if (d.api == NULL) {
        svc_log(SVC_LOG_ERROR, "msg=init_failed what=out_of_memory");
        goto out;
    }
    d.sock = evhttp_bind_socket_with_handle(d.http, c.listen_host, (ev_uint16_t)c.listen_port);
    if (d.sock == NULL) {
        svc_log(SVC_LOG_ERROR, "msg=listen_failed addr=%s:%d err=\"%s\"", c.listen_host,
                c.listen_port, strerror(errno));
        goto out;
    }
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    int port = c.listen_port;
    evutil_socket_t fd = evhttp_bound_socket_get_fd(d.sock);
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
        port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                              : ((struct sockaddr_in *)&ss)->sin_port);
    if (c.port_file[0] && write_port_file(c.port_file, port) != 0) {
        svc_log(SVC_LOG_ERROR, "msg=port_file_failed path=%s err=\"%s\"", c.port_file, strerror(errno));
        goto out;
    }
    d.catalog_path = c.catalog;
    d.sighup = evsignal_new(d.base, SIGHUP, on_hup, &d);
    if (d.sighup == NULL || evsignal_add(d.sighup, NULL))
        goto out;
    d.sigterm = evsignal_new(d.base, SIGTERM, on_signal, &d);
    d.sigint = evsignal_new(d.base, SIGINT, on_signal, &d);
    d.deadline = evtimer_new(d.base, on_deadline, &d);
    if (!d.sigterm || !d.sigint || !d.deadline || evsignal_add(d.sigterm, NULL) ||
        evsignal_add(d.sigint, NULL))
        goto out;
    svc_log(SVC_LOG_INFO, "msg=\"ready: listening on %s:%d\" redis=%s:%d prefix=%s", c.listen_host,
            port, c.redis_host, c.redis_port, c.redis_prefix);
    char status[400];
    snprintf(status, sizeof status, "READY=1\nSTATUS=listening on %s:%d", c.listen_host, port);
    svc_notify(status);
    event_base_dispatch(d.base);
    rc = 0;
    svc_log(SVC_LOG_INFO, "msg=stopped");
out:
    if (d.sigterm)
        event_free(d.sigterm);
    if (d.sigint)
        event_free(d.sigint);
    if (d.sighup)
        event_free(d.sighup);
    if (d.deadline)
        event_free(d.deadline);
    if (d.http)
        evhttp_free(d.http);        /* before the store: no request outlives it */
    svc_http_destroy(d.api);
    svc_store_destroy(store);           /* no more messages for push */
    svc_push_destroy(d.push);
    svc_catalog_unref(cat);
    svc_auth_destroy(auth);
    if (d.base)
        event_base_free(d.base);
    return rc;
}
