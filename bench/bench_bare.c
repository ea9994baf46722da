/* SPDX-License-Identifier: MIT
 * bench_bare: the ceilings skillpathd is measured against, with the same
 * client in the same run. A bare evhttp server that answers every request
 * with a fixed body; with --redis, it first does one GET round trip to
 * Redis per request (hiredis async on the same loop), like a learner read:
 * of learner ID's key under PREFIX, built by the store's own key schema.
 *   bench_bare --listen 127.0.0.1:0 --port-file F [--redis HOST:PORT]
 *              [--prefix skillpath:] [--learner b0000000] */
#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <hiredis/adapters/libevent.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "svc_keys.h"

static const char BODY[] = "{\"learnerId\":\"b0000001\",\"version\":\"1\",\"lessons\":[]}";
static redisAsyncContext *redis;
static char key[512];

static void answer(struct evhttp_request *req, int status)
{
    struct evbuffer *b = evbuffer_new();
    evbuffer_add(b, BODY, sizeof BODY - 1);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "application/json");
    evhttp_send_reply(req, status, status == 200 ? "OK" : "Service Unavailable", b);
    evbuffer_free(b);
}

static void on_get(redisAsyncContext *c, void *reply, void *arg)
{
    (void)c;
    answer(arg, reply ? 200 : 503);
}

static void on_request(struct evhttp_request *req, void *arg)
{
    (void)arg;
    if (redis == NULL) {
        answer(req, 200);
        return;
    }
    if (redisAsyncCommand(redis, on_get, req, "GET %s", key) != REDIS_OK)
        answer(req, 503);
}

static void on_term(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    event_base_loopexit(arg, NULL);
}

int main(int argc, char **argv)
{
    const char *listen = "127.0.0.1:0", *port_file = NULL, *redis_addr = NULL;
    const char *prefix = "skillpath:", *learner = "b0000000";
    for (int i = 1; i < argc; i += 2) {
        if (i + 1 == argc || strcmp(argv[i], "--help") == 0) {
            fprintf(stderr, "usage: bench_bare [--listen 127.0.0.1:0] [--port-file F] "
                            "[--redis HOST:PORT] [--prefix skillpath:] [--learner b0000000]\n");
            return strcmp(argv[i], "--help") == 0 ? 0 : 2;
        }
        if (strcmp(argv[i], "--listen") == 0) listen = argv[i + 1];
        else if (strcmp(argv[i], "--port-file") == 0) port_file = argv[i + 1];
        else if (strcmp(argv[i], "--redis") == 0) redis_addr = argv[i + 1];
        else if (strcmp(argv[i], "--prefix") == 0) prefix = argv[i + 1];
        else if (strcmp(argv[i], "--learner") == 0) learner = argv[i + 1];
        else {
            fprintf(stderr, "bench_bare: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (svc_keys_make(key, sizeof key, prefix, SVC_KEY_LEARNER, learner) < 0) {
        fprintf(stderr, "bench_bare: --prefix and --learner make too long a key\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    struct event_base *base = event_base_new();
    struct evhttp *http = evhttp_new(base);
    char host[256];
    const char *colon = strrchr(listen, ':');
    if (!base || !http || !colon || (size_t)(colon - listen) >= sizeof host)
        return 2;
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    if (redis_addr) {
        char rhost[256];
        const char *rc = strrchr(redis_addr, ':');
        if (!rc || (size_t)(rc - redis_addr) >= sizeof rhost)
            return 2;
        memcpy(rhost, redis_addr, (size_t)(rc - redis_addr));
        rhost[rc - redis_addr] = '\0';
        redis = redisAsyncConnect(rhost, atoi(rc + 1));
        if (redis == NULL || redis->err)
            return 1;
        redisLibeventAttach(redis, base);
    }
    evhttp_set_gencb(http, on_request, NULL);
    /* The daemon's backlog (evhttp_bind_socket would listen with 128), so
     * a burst of connections at c = 1000 meets the same queue in both. */
    struct sockaddr_in bind_to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1)) };
    if (inet_pton(AF_INET, host, &bind_to.sin_addr) != 1) {
        fprintf(stderr, "bench_bare: --listen: '%s' is not an IPv4 address\n", host);
        return 2;
    }
    struct evconnlistener *l = evconnlistener_new_bind(
        base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 4096,
        (struct sockaddr *)&bind_to, sizeof bind_to);
    struct evhttp_bound_socket *s = l ? evhttp_bind_listener(http, l) : NULL;
    if (s == NULL)
        return 1;
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    getsockname(evhttp_bound_socket_get_fd(s), (struct sockaddr *)&sa, &sl);
    if (port_file) {
        FILE *f = fopen(port_file, "w");
        if (f == NULL)
            return 1;
        fprintf(f, "%d\n", ntohs(sa.sin_port));
        fclose(f);
    }
    struct event *term = evsignal_new(base, SIGTERM, on_term, base);
    evsignal_add(term, NULL);
    event_base_dispatch(base);
    event_free(term);
    if (redis)
        redisAsyncFree(redis);
    evhttp_free(http);
    event_base_free(base);
    return 0;
}
