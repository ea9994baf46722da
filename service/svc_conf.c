/* SPDX-License-Identifier: MIT
 * The option table and its parsers. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc_conf.h"
#include "svc_log.h"

enum type { T_STR, T_INT, T_HOSTPORT, T_HOSTPORTS, T_LEVEL, T_PATH, T_BOOL, T_SECRET, T_TIER };

struct option_def {
    const char *name;           /* flag --name, file "name value", env SKILLPATH_NAME */
    enum type type;
    size_t offset;
    const char *def;
    long min, max;              /* for T_INT */
    const char *help;
};

#define OFF(f) offsetof(struct svc_conf, f)

static const struct option_def options[] = {
    { "catalog", T_PATH, OFF(catalog), "", 0, 0, "the course catalog (JSON), validated at start; \"\": the current one in Redis" },
    { "redis", T_HOSTPORTS, OFF(redis), "127.0.0.1:6379", 1, 65535, "learner store, HOST:PORT; a cluster: its nodes to start from, HOST:PORT,..." },
    { "redis-cluster", T_BOOL, OFF(redis_cluster), "no", 0, 0, "the store is a Redis Cluster: route each key to its slot's primary" },
    { "redis-prefix", T_STR, OFF(redis_prefix), "skillpath:", 0, 0, "prefix of every Redis key" },
    { "redis-timeout-ms", T_INT, OFF(redis_timeout_ms), "1000", 1, 600000, "deadline of every Redis command" },
    { "redis-wait-replicas", T_INT, OFF(redis_wait_replicas), "0", 0, 16, "after every write, WAIT until this many replicas have it (503 if not in time)" },
    { "redis-events-kept", T_INT, OFF(redis_events_kept), "10000", 10, 100000000, "entries kept in a learner's event stream (P{ID}:ev), approximately: older ones are trimmed" },
    { "redis-event-ids-days", T_INT, OFF(redis_event_ids_days), "8", 1, 3650, "days an applied event id is remembered (a resend within them is DUPLICATE)" },
    { "listen", T_HOSTPORT, OFF(listen), "127.0.0.1:8080", 0, 65535, "HTTP address, HOST:PORT (port 0: any free one)" },
    { "port-file", T_PATH, OFF(port_file), "", 0, 0, "write the bound port here once listening" },
    { "max-body", T_INT, OFF(max_body), "1048576", 1024, 268435456, "largest request body, bytes" },
    { "max-catalog", T_INT, OFF(max_catalog), "67108864", 1024, 1073741824, "largest PUT /v1/catalog body, bytes" },
    { "max-batch", T_INT, OFF(max_batch), "1000", 1, 100000, "most events per POST /v1/events, statements per POST /xapi/statements" },
    { "log-level", T_LEVEL, OFF(log_level), "info", 0, 0, "debug, info, warn or error" },
    { "keys-file", T_PATH, OFF(keys_file), "", 0, 0, "API keys, one \"SCOPE KEY\" or \"SCOPE sha256:HEX\" a line" },
    { "api-keys", T_SECRET, OFF(api_keys), "", 0, 0, "API keys as SCOPE:KEY,... (prefer the environment)" },
    { "no-auth", T_BOOL, OFF(no_auth), "no", 0, 0, "check no API keys: local development only" },
    { "sse-heartbeat-ms", T_INT, OFF(sse_heartbeat_ms), "15000", 50, 3600000, "a comment on every stream this often" },
    { "sse-max-buffer", T_INT, OFF(sse_max_buffer), "262144", 1024, 67108864, "bytes queued for a stream client before it is dropped" },
    { "workers", T_INT, OFF(workers), "0", 0, 64, "event loops sharing the port (SO_REUSEPORT); 0: one per core" },
    { "push-lessons", T_INT, OFF(push_lessons), "3", 1, 20, "lessons per streamed update" },
    { "drain-timeout-ms", T_INT, OFF(drain_timeout_ms), "10000", 0, 600000, "on SIGTERM, how long requests in flight may take to finish" },
    { "header-timeout-ms", T_INT, OFF(header_timeout_ms), "10000", 100, 600000, "a request's line and headers must arrive within this from its first byte" },
    { "body-timeout-ms", T_INT, OFF(body_timeout_ms), "60000", 100, 3600000, "and its body within this after its headers" },
    { "idle-timeout-ms", T_INT, OFF(idle_timeout_ms), "60000", 100, 3600000, "a quiet connection (no request yet, or idle between requests) is closed after this; streams are exempt" },
    { "max-connections", T_INT, OFF(max_connections), "10000", 1, 1000000, "open connections per worker; beyond, 503" },
    { "max-uri-bytes", T_INT, OFF(max_uri_bytes), "8192", 256, 1048576, "longest request line, bytes (414 beyond)" },
    { "max-header-bytes", T_INT, OFF(max_header_bytes), "16384", 1024, 1048576, "header lines together, bytes (431 beyond)" },
    { "max-header-lines", T_INT, OFF(max_header_lines), "100", 8, 10000, "most header lines (431 beyond)" },
    { "ui-dir", T_STR, OFF(ui_dir), "", 0, 0, "the web UI's files (/ui/); empty: service/ui if there, else /usr/local/share/skillpath/ui; \"off\": no UI" },
    { "chartjs", T_STR, OFF(chartjs), "/usr/share/javascript/chart.js/chart.min.js", 0, 0, "Chart.js for the web UI (Debian's libjs-chart.js)" },
    { "stats-interval-s", T_INT, OFF(stats_interval_s), "60", 1, 86400, "the team snapshot is rebuilt this often (by one daemon at a time)" },
    { "xapi-home-pages", T_STR, OFF(xapi_home_pages), "", 0, 0, "xAPI: the account homePages whose names are learners, comma-separated; empty: any" },
    { "xapi-fail-score-pct", T_INT, OFF(xapi_fail_score_pct), "0", 0, 100, "xAPI: a failed statement without a score is assessed at this percent" },
    { "xapi-create-learners", T_BOOL, OFF(xapi_create_learners), "no", 0, 0, "xAPI: an unknown account becomes a learner (with the tier and target below)" },
    { "xapi-new-learner-tier", T_TIER, OFF(xapi_new_learner_tier), "NEW_HIRE", 0, 0, "xAPI: a created learner's tier: NEW_HIRE, CORE_STAFF or MANAGER" },
    { "xapi-new-learner-target", T_STR, OFF(xapi_new_learner_target), "", 0, 0, "xAPI: a created learner's target id; empty: none" },
};
#define N_OPTIONS (sizeof options / sizeof *options)

static const struct option_def *find(const char *name, size_t len)
{
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (strlen(options[i].name) == len && strncmp(options[i].name, name, len) == 0)
            return &options[i];
    return NULL;
}

static int split_hostport(const char *s, char *host, size_t hostlen, int *port, long min)
{
    const char *colon = strrchr(s, ':');
    if (colon == NULL || colon == s || (size_t)(colon - s) >= hostlen)
        return -1;
    char *end;
    errno = 0;
    long p = strtol(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || errno || p < min || p > 65535)
        return -1;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    *port = (int)p;
    return 0;
}

/* Set one option from text; `from` names the source for the message. */
static int set(struct svc_conf *c, const struct option_def *o, const char *value,
               const char *from, char *err, size_t errlen)
{
    char *field = (char *)c + o->offset;
    switch (o->type) {
    case T_INT: {
        char *end;
        errno = 0;
        long v = strtol(value, &end, 10);
        if (*value == '\0' || *end != '\0' || errno || v < o->min || v > o->max) {
            snprintf(err, errlen, "%s: %s: '%s' is not a whole number from %ld to %ld", from,
                     o->name, value, o->min, o->max);
            return -1;
        }
        *(long *)field = v;
        return 0;
    }
    case T_HOSTPORT: {
        char host[SVC_CONF_STR];
        int port;
        if (split_hostport(value, host, sizeof host, &port, o->min) != 0) {
            snprintf(err, errlen, "%s: %s: '%s' is not HOST:PORT", from, o->name, value);
            return -1;
        }
        break;
    }
    case T_HOSTPORTS: {
        char one[SVC_CONF_STR], host[SVC_CONF_STR];
        int port;
        for (const char *p = value;; p++) {
            size_t len = strcspn(p, ",");
            snprintf(one, sizeof one, "%.*s", (int)(len < sizeof one ? len : sizeof one - 1), p);
            if (len >= sizeof one || split_hostport(one, host, sizeof host, &port, o->min) != 0) {
                snprintf(err, errlen, "%s: %s: '%s' is not HOST:PORT[,HOST:PORT...]", from, o->name,
                         value);
                return -1;
            }
            p += len;
            if (*p == '\0')
                break;
        }
        break;
    }
    case T_BOOL: {
        bool yes = !strcmp(value, "yes") || !strcmp(value, "true") || !strcmp(value, "1");
        bool no = !strcmp(value, "no") || !strcmp(value, "false") || !strcmp(value, "0");
        if (!yes && !no) {
            snprintf(err, errlen, "%s: %s: '%s' is not yes or no", from, o->name, value);
            return -1;
        }
        *(long *)field = yes;
        return 0;
    }
    case T_TIER:
        if (strcmp(value, "NEW_HIRE") && strcmp(value, "CORE_STAFF") && strcmp(value, "MANAGER")) {
            snprintf(err, errlen, "%s: %s: '%s' is not NEW_HIRE, CORE_STAFF or MANAGER", from,
                     o->name, value);
            return -1;
        }
        break;
    case T_LEVEL:
        if (svc_log_parse_level(value) < 0) {
            snprintf(err, errlen, "%s: %s: '%s' is not debug, info, warn or error", from, o->name,
                     value);
            return -1;
        }
        break;
    default:
        break;
    }
    if (strlen(value) >= SVC_CONF_STR) {
        snprintf(err, errlen, "%s: %s: longer than %d characters", from, o->name, SVC_CONF_STR - 1);
        return -1;
    }
    strcpy(field, value);
    return 0;
}

int svc_conf_read_pairs(const char *path, svc_conf_pair_fn *fn, void *arg, char *err,
                        size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char line[1024];
    int n = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        n++;
        char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '#' || *p == '\0')
            continue;
        char *end = p + strlen(p);
        while (end > p && isspace((unsigned char)end[-1]))
            *--end = '\0';
        size_t klen = strcspn(p, " \t");
        char *val = p + klen;
        while (isspace((unsigned char)*val))
            val++;
        size_t vlen = strlen(val);
        if (vlen >= 2 && val[0] == '"' && val[vlen - 1] == '"') {   /* "" = empty */
            val[vlen - 1] = '\0';
            val++;
        }
        char where[SVC_CONF_STR + 32];
        snprintf(where, sizeof where, "%s:%d", path, n);
        rc = fn(arg, p, klen, val, where, err, errlen) != 0 ? -1 : 0;
    }
    fclose(f);
    return rc;
}

static int set_pair(void *arg, const char *word, size_t len, const char *value, const char *where,
                    char *err, size_t errlen)
{
    const struct option_def *o = find(word, len);
    if (o == NULL) {
        snprintf(err, errlen, "%s: unknown option '%.*s'", where, (int)len, word);
        return -1;
    }
    return set(arg, o, value, where, err, errlen);
}

static int load_file(struct svc_conf *c, const char *path, char *err, size_t errlen)
{
    char why[512];
    if (svc_conf_read_pairs(path, set_pair, c, why, sizeof why) == 0)
        return 0;
    snprintf(err, errlen, "%s%s", strncmp(why, path, strlen(path)) ? "--config: " : "", why);
    return -1;
}

static void env_name(const char *opt, char *out, size_t len)
{
    size_t n = (size_t)snprintf(out, len, "SKILLPATH_");
    for (; *opt && n + 1 < len; opt++)
        out[n++] = *opt == '-' ? '_' : (char)toupper((unsigned char)*opt);
    out[n] = '\0';
}

static void print_help(void)
{
    printf("usage: skillpathd [--config FILE] [--check-config] [--OPTION VALUE ...]\n"
           "Every option also reads from the config file (\"OPTION VALUE\" lines) and from\n"
           "SKILLPATH_OPTION in the environment; flags win over the environment, which wins\n"
           "over the file, which wins over the defaults.\n\n");
    for (size_t i = 0; i < N_OPTIONS; i++) {
        char env[80];
        env_name(options[i].name, env, sizeof env);
        printf("  --%-18s %s\n  %-20s default: %s  env: %s\n", options[i].name, options[i].help,
               "", options[i].def[0] ? options[i].def : "\"\"", env);
    }
}

int svc_conf_load(struct svc_conf *c, int argc, char **argv, char **envp, int *action,
                  char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    *action = SVC_CONF_RUN;
    for (size_t i = 0; i < N_OPTIONS; i++)
        set(c, &options[i], options[i].def, "default", err, errlen);
    /* Pass 1: --help, --check-config, --config. */
    const char *file = NULL;
    bool check = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            print_help();
            *action = SVC_CONF_HELP;
            return 0;
        }
        if (strcmp(argv[i], "--check-config") == 0)
            check = true;
        else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            file = argv[++i];
        else if (strncmp(argv[i], "--config=", 9) == 0)
            file = argv[i] + 9;
    }
    if (file && load_file(c, file, err, errlen) != 0)
        return -1;
    for (size_t i = 0; envp && i < N_OPTIONS; i++) {
        char env[80];
        env_name(options[i].name, env, sizeof env);
        size_t n = strlen(env);
        for (char **e = envp; *e; e++)
            if (strncmp(*e, env, n) == 0 && (*e)[n] == '=' &&
                set(c, &options[i], *e + n + 1, env, err, errlen) != 0)
                return -1;
    }
    /* Pass 2: flags, --name VALUE or --name=VALUE. */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--check-config") == 0)
            continue;
        if (strcmp(a, "--config") == 0) {
            i++;
            continue;
        }
        if (strncmp(a, "--config=", 9) == 0)
            continue;
        if (strncmp(a, "--", 2) != 0) {
            snprintf(err, errlen, "unexpected argument '%s' (see --help)", a);
            return -1;
        }
        const char *eq = strchr(a, '=');
        size_t klen = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        const struct option_def *o = find(a + 2, klen);
        if (o == NULL) {
            snprintf(err, errlen, "unknown option '%s' (see --help)", a);
            return -1;
        }
        const char *val = eq ? eq + 1 : o->type == T_BOOL ? "yes" : (i + 1 < argc ? argv[++i] : NULL);
        if (val == NULL) {
            snprintf(err, errlen, "--%s: missing value", o->name);
            return -1;
        }
        if (set(c, o, val, "flag", err, errlen) != 0)
            return -1;
    }
    char first[SVC_CONF_STR];
    snprintf(first, sizeof first, "%.*s", (int)strcspn(c->redis, ","), c->redis);
    split_hostport(first, c->redis_host, sizeof c->redis_host, &c->redis_port, 1);
    if (strchr(c->redis, ',') && !c->redis_cluster) {
        snprintf(err, errlen, "redis: several nodes ('%s') need redis-cluster yes", c->redis);
        return -1;
    }
    split_hostport(c->listen, c->listen_host, sizeof c->listen_host, &c->listen_port, 0);
    if (strpbrk(c->redis_prefix, "{}")) {
        /* a learner's keys are P{ID}:...: a brace in P would move the hash tag */
        snprintf(err, errlen, "redis-prefix: '%s' holds a brace; learner keys carry the hash tag {ID}",
                 c->redis_prefix);
        return -1;
    }
    if (check) {
        for (size_t i = 0; i < N_OPTIONS; i++) {
            const char *field = (const char *)c + options[i].offset;
            if (options[i].type == T_INT)
                printf("%s %ld\n", options[i].name, *(const long *)field);
            else if (options[i].type == T_BOOL)
                printf("%s %s\n", options[i].name, *(const long *)field ? "yes" : "no");
            else if (options[i].type == T_SECRET)
                printf("%s %s\n", options[i].name, field[0] ? "(set)" : "\"\"");
            else
                printf("%s \"%s\"\n", options[i].name, field);
        }
        *action = SVC_CONF_CHECKED;
    }
    return 0;
}
