/* SPDX-License-Identifier: MIT
 * bench_slowloris: C connections that each send half a request head and
 * then one byte every --interval-ms, never finishing it, against a server
 * that should close them within its header deadline. As a real attack's
 * clients would, they arrive spread over one interval and keep their own
 * phase (C/interval bytes a second in all, not C at once); meanwhile a normal
 * client (one keep-alive connection, GET /healthz every 2 ms) measures its
 * latency, first --probe requests without the attack (the baseline), then
 * for as long as the attack lasts.
 *   bench_slowloris --url http://127.0.0.1:PORT [-c 1000] [--interval-ms 500]
 *                   [--probe 300] [--deadline-s 120]
 * Prints one `name value unit` line per figure and the ratio of the probe's
 * p99 under attack to its baseline. Exit status 0 when the server closed
 * every slow connection and the probe saw no error, 1 otherwise, 2 on
 * usage errors. The deadline only bounds a hang. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_clock.h"

#define PACE_US 2000

struct probe {
    struct sockaddr_in addr;
    int n;                      /* requests at most */
    volatile int stop;          /* set: end now */
    double *ms;                 /* latencies */
    int done, errors;
};

static int dial(const struct sockaddr_in *a)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    if (fd < 0)
        return -1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (const struct sockaddr *)a, sizeof *a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* One GET /healthz on fd (keep-alive); 0 when a 200 with its body came back. */
static int get_once(int fd)
{
    static const char req[] = "GET /healthz HTTP/1.1\r\nHost: probe\r\n\r\n";
    if (send(fd, req, sizeof req - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof req - 1))
        return -1;
    char buf[2048];
    size_t have = 0;
    for (;;) {
        ssize_t n = recv(fd, buf + have, sizeof buf - 1 - have, 0);
        if (n <= 0)
            return -1;
        have += (size_t)n;
        buf[have] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        const char *cl = strstr(buf, "Content-Length: ");
        if (end && cl && have >= (size_t)(end + 4 - buf) + (size_t)atoi(cl + 16))
            return strncmp(buf, "HTTP/1.1 200", 12) == 0 ? 0 : -1;
        if (have == sizeof buf - 1)
            return -1;
    }
}

static void *run_probe(void *arg)
{
    struct probe *p = arg;
    int fd = dial(&p->addr);
    for (int i = 0; i < p->n && !p->stop; i++) {
        usleep(PACE_US);
        double t0 = bench_now_s();
        int rc = fd >= 0 ? get_once(fd) : -1;
        if (rc != 0) {                          /* count it, and carry on afresh */
            p->errors++;
            if (fd >= 0)
                close(fd);
            fd = dial(&p->addr);
            continue;
        }
        p->ms[p->done++] = (bench_now_s() - t0) * 1e3;
    }
    if (fd >= 0)
        close(fd);
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double p99(double *v, int n)
{
    if (n == 0)
        return 0;
    qsort(v, (size_t)n, sizeof *v, cmp);
    return v[(int)((n - 1) * 0.99)];
}

int main(int argc, char **argv)
{
    const char *url = NULL;
    int conns = 1000, interval_ms = 500, probes = 300;
    double deadline_s = 120;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || v == NULL) {
            fprintf(v ? stdout : stderr, "usage: bench_slowloris --url http://127.0.0.1:PORT [-c 1000] "
                    "[--interval-ms 500] [--probe 300] [--deadline-s 120]\n");
            return v ? 0 : 2;
        }
        if (strcmp(a, "--url") == 0) url = v;
        else if (strcmp(a, "-c") == 0) conns = atoi(v);
        else if (strcmp(a, "--interval-ms") == 0) interval_ms = atoi(v);
        else if (strcmp(a, "--probe") == 0) probes = atoi(v);
        else if (strcmp(a, "--deadline-s") == 0) deadline_s = atof(v);
        else {
            fprintf(stderr, "bench_slowloris: unknown option '%s'\n", a);
            return 2;
        }
        i++;
    }
    struct sockaddr_in addr = { .sin_family = AF_INET };
    char host[64];
    int port = 0;
    if (url == NULL || sscanf(url, "http://%63[^:]:%d", host, &port) != 2 ||
        inet_pton(AF_INET, host, &addr.sin_addr) != 1 || conns < 1 || interval_ms < 1 || probes < 1) {
        fprintf(stderr, "bench_slowloris: give --url http://IPV4:PORT, -c >= 1, --interval-ms >= 1\n");
        return 2;
    }
    addr.sin_port = htons((uint16_t)port);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }

    /* the baseline: the probe alone */
    struct probe base = { .addr = addr, .n = probes, .ms = calloc((size_t)probes, sizeof(double)) };
    run_probe(&base);

    /* the attack, with the probe running beside it: connection i opens at
     * i/C of the interval, then sends a byte every interval on its phase */
    struct pollfd *pf = calloc((size_t)conns, sizeof *pf);
    double *closed_at = calloc((size_t)conns, sizeof *closed_at);
    int open = 0, failed = 0, opened = 0, by_server = 0;
    long long sends = 0;                        /* bytes sent so far, in phase order */
    double step = interval_ms / 1e3 / conns;    /* between two events of the attack */
    static const char head[] = "GET /healthz HTTP/1.1\r\nHost: slow\r\nX-Slow: ";
    for (int i = 0; i < conns; i++)
        pf[i].fd = -1;
    int most = (int)(deadline_s * 1e6 / PACE_US) + 1;
    struct probe under = { .addr = addr, .n = most, .ms = calloc((size_t)most, sizeof(double)) };
    pthread_t th;
    double t0 = bench_now_s();
    bool probing = pthread_create(&th, NULL, run_probe, &under) == 0;
    while ((opened < conns || open > 0) && bench_now_s() - t0 < deadline_s) {
        double now = bench_now_s() - t0;
        while (opened < conns && opened * step <= now) {       /* arrivals */
            int fd = dial(&addr);
            if (fd < 0 || send(fd, head, sizeof head - 1, MSG_NOSIGNAL) < 0) {
                if (fd >= 0)
                    close(fd);
                failed++;
            } else {
                pf[opened].fd = fd;
                pf[opened].events = POLLIN;
                open++;
            }
            opened++;
        }
        while ((double)(sends + conns) * step <= now && sends / conns < (long long)(deadline_s * 1e3 / interval_ms)) {
            int i = (int)(sends % conns);        /* its next byte, on its phase */
            if (i < opened && pf[i].fd >= 0)
                send(pf[i].fd, "a", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
            sends++;
        }
        double next = opened < conns ? opened * step : (double)(sends + conns) * step;
        int wait = (int)((next - (bench_now_s() - t0)) * 1e3);
        int n = poll(pf, (nfds_t)opened, wait > 0 ? (wait < 50 ? wait : 50) : 0);
        for (int i = 0; n > 0 && i < opened; i++) {
            if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char buf[512];
            ssize_t got = recv(pf[i].fd, buf, sizeof buf, MSG_DONTWAIT);
            if (got > 0)
                continue;                       /* an answer: the end comes next */
            if (got < 0 && (errno == EAGAIN || errno == EINTR))
                continue;
            close(pf[i].fd);                    /* the server closed it */
            pf[i].fd = -1;
            closed_at[by_server++] = bench_now_s() - t0;
            open--;
        }
    }
    double attack_s = bench_now_s() - t0;
    under.stop = 1;
    if (probing)
        pthread_join(th, NULL);
    for (int i = 0; i < conns; i++)
        if (pf[i].fd >= 0)
            close(pf[i].fd);

    qsort(closed_at, (size_t)by_server, sizeof *closed_at, cmp);
    printf("slowloris_connections %d\n", opened - failed);
    printf("slowloris_not_connected %d\n", failed);
    printf("slowloris_closed_by_server %d\n", by_server);
    printf("slowloris_still_open %d\n", open);
    if (by_server) {
        printf("slowloris_closed_first %.3f s\n", closed_at[0]);
        printf("slowloris_closed_last %.3f s\n", closed_at[by_server - 1]);
    }
    printf("slowloris_attack %.3f s\n", attack_s);
    printf("probe_requests_baseline %d errors %d\n", base.done, base.errors);
    printf("probe_requests_under_attack %d errors %d\n", under.done, under.errors);
    double pb = p99(base.ms, base.done), pa = p99(under.ms, under.done);
    printf("probe_p99_baseline %.3f ms\n", pb);
    printf("probe_p99_under_attack %.3f ms\n", pa);
    printf("ratio_probe_p99_attack_vs_baseline %.2f\n", pb > 0 ? pa / pb : 0);
    int ok = opened == conns && open == 0 && failed == 0 && base.errors == 0 && under.errors == 0;
    free(base.ms);
    free(under.ms);
    free(pf);
    free(closed_at);
    return ok ? 0 : 1;
}
