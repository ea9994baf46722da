/* SPDX-License-Identifier: MIT
 * skillpathd's configuration: one table of options drives parsing,
 * validation, --help and the --check-config dump. Precedence: defaults <
 * --config FILE < environment (SKILLPATH_*) < flags. */
#ifndef SVC_CONF_H
#define SVC_CONF_H

#include <stdbool.h>
#include <stddef.h>

#define SVC_CONF_STR 256

struct svc_conf {
    char catalog[SVC_CONF_STR];         /* catalog file (JSON) */
    char redis[SVC_CONF_STR];           /* HOST:PORT[,HOST:PORT...] */
    long redis_cluster;                 /* 1: a Redis Cluster, redis lists seed nodes */
    char redis_prefix[SVC_CONF_STR];
    long redis_timeout_ms;
    long redis_wait_replicas;           /* WAIT for this many replicas after a write */
    long redis_events_kept;             /* P{ID}:ev cap (MAXLEN ~) */
    long redis_event_ids_days;          /* P{ID}:seen retention */
    char listen[SVC_CONF_STR];          /* HOST:PORT */
    char port_file[SVC_CONF_STR];       /* "" = none */
    long max_body;
    long max_catalog;
    long max_batch;
    char log_level[SVC_CONF_STR];
    char keys_file[SVC_CONF_STR];       /* API keys: "SCOPE KEY" lines */
    char api_keys[SVC_CONF_STR];        /* API keys: "SCOPE:KEY,..." (a secret) */
    long no_auth;                       /* 1: no API keys checked (development only) */
    long sse_heartbeat_ms;
    long sse_max_buffer;
    long push_lessons;
    long workers;                       /* 0: one per core */
    long drain_timeout_ms;              /* SIGTERM: time left to requests in flight */
    long header_timeout_ms;             /* the edge (svc_edge.h) */
    long body_timeout_ms;
    long idle_timeout_ms;
    long max_connections;
    long max_uri_bytes;
    long max_header_bytes;
    long max_header_lines;
    long stats_interval_s;              /* the team snapshot's refresh */
    char ui_dir[SVC_CONF_STR];          /* the web UI's files; "" auto, "off" none */
    char chartjs[SVC_CONF_STR];         /* Chart.js for it */
    char xapi_home_pages[SVC_CONF_STR]; /* "": any; else the account homePages accepted, a,b */
    long xapi_fail_score_pct;           /* a failed statement without a score: this % */
    long xapi_create_learners;          /* 1: an unknown account becomes a learner */
    char xapi_new_learner_tier[SVC_CONF_STR];   /* its tier (a Tier name) */
    char xapi_new_learner_target[SVC_CONF_STR]; /* its target id, "" none */
    /* derived */
    char redis_host[SVC_CONF_STR];      /* the first node named */
    int redis_port;
    char listen_host[SVC_CONF_STR];
    int listen_port;
};

enum svc_conf_action {
    SVC_CONF_RUN = 0,           /* start the daemon */
    SVC_CONF_HELP = 1,          /* --help was printed */
    SVC_CONF_CHECKED = 2,       /* --check-config: valid, dumped */
};

/* Fill `c` from defaults, the --config file named in argv, `envp` and argv.
 * Returns 0 and sets *action, or -1 with the problem (naming the option and
 * where it came from) in err. Writes --help and the --check-config dump to
 * stdout. */
int svc_conf_load(struct svc_conf *c, int argc, char **argv, char **envp, int *action,
                  char *err, size_t errlen);

/* Read a file of "WORD VALUE" lines ('#' comments, blank lines skipped,
 * surrounding blanks trimmed, a value in "quotes" unquoted) and call
 * fn(arg, word, value, where) for each, where = "PATH:LINE"; stops at the
 * first nonzero return. 0, or -1 with the reason in err (fn fills err). */
typedef int svc_conf_pair_fn(void *arg, const char *word, size_t word_len, const char *value,
                             const char *where, char *err, size_t errlen);
int svc_conf_read_pairs(const char *path, svc_conf_pair_fn *fn, void *arg, char *err,
                        size_t errlen);

#endif
