/* SPDX-License-Identifier: MIT
 * The team cockpit: GET /v1/team/summary, /v1/team/demand and
 * /v1/team/learners, from
 * the team snapshot every daemon serves (svc_team_builder.c), with filters
 * ?tier= (a Tier name), ?target= (a target id), ?module= (a module id: it
 * narrows the tags, not the learners). JSON or protobuf like every route,
 * or CSV for spreadsheets (Accept: text/csv, or ?format=csv). Before the
 * first snapshot, or while the one at hand is of another catalog than the
 * one served, 503 with Retry-After. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/queue.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "svc_catalog.h"
#include "svc_http.h"
#include "svc_model.h"
#include "svc_res.h"
#include "svc_search.h"
#include "svc_team.h"
#include "svc_team_builder.h"

#define AT_RISK_DEFAULT 50
#define AT_RISK_MAX 1000

/* What every team route reads first: the snapshot (or team demand) and
 * the filters. */
struct team_query {
    struct evkeyvalq q;
    struct svc_team *team;              /* a reference */
    struct svc_team_filter f;
    bool csv;
};

static void query_free(struct team_query *tq)
{
    evhttp_clear_headers(&tq->q);
    svc_team_unref(tq->team);
}

/* false when answered (an error) */
static bool team_query(struct svc_req *r, enum svc_team_kind kind, struct team_query *tq)
{
    const struct svc_catalog *c = r->cat;
    memset(tq, 0, sizeof *tq);
    TAILQ_INIT(&tq->q);
    tq->f.target = tq->f.module = -1;
    if (r->query && evhttp_parse_query_str(r->query, &tq->q) != 0) {
        svc_reply_error(r, SVC_ERR_INVALID, "the query string is malformed");
        return false;
    }
    const char *tier = evhttp_find_header(&tq->q, "tier"), *target = evhttp_find_header(&tq->q, "target");
    const char *module = evhttp_find_header(&tq->q, "module"), *format = evhttp_find_header(&tq->q, "format");
    const char *accept = evhttp_find_header(evhttp_request_get_input_headers(r->ev), "Accept");
    size_t x;
    if (tier && tier[0] && (tq->f.tier = svc_model_tier_value(tier)) <= 0) {
        svc_reply_error(r, SVC_ERR_INVALID, "tier: '%.40s' is not NEW_HIRE, CORE_STAFF or MANAGER", tier);
        goto fail;
    }
    if (target && target[0]) {
        if (rs_catalog_find_target(c->cat, target, &x) != 0) {
            svc_reply_error(r, SVC_ERR_INVALID, "target: no target '%.100s'", target);
            goto fail;
        }
        tq->f.target = (long)x;
    }
    if (module && module[0] && (tq->f.module = svc_search_module(c->search, module)) < 0) {
        svc_reply_error(r, SVC_ERR_INVALID, "module: no module '%.100s'", module);
        goto fail;
    }
    if (format && format[0] && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0) {
        svc_reply_error(r, SVC_ERR_INVALID, "format: csv or json");
        goto fail;
    }
    tq->csv = (format && strcmp(format, "csv") == 0) || (accept && strstr(accept, "text/csv"));
    tq->team = kind == SVC_TEAM_DEMAND ? svc_team_builder_demand(r->h->conf.team)
                                       : svc_team_builder_current(r->h->conf.team);
    const char *what = kind == SVC_TEAM_DEMAND ? "team demand" : "team snapshot";
    if (tq->team == NULL) {
        svc_reply_error(r, SVC_ERR_UNAVAILABLE, "no %s yet: the first is being built", what);
        goto fail;
    }
    if (strcmp(tq->team->pb->catalog_version, rs_catalog_version(c->cat)) != 0) {
        svc_reply_error(r, SVC_ERR_UNAVAILABLE, "the %s is of catalog %s: one of %s is being built", what,
                        tq->team->pb->catalog_version, rs_catalog_version(c->cat));
        goto fail;
    }
    return true;
fail:
    query_free(tq);
    return false;
}

static void reply_csv(struct svc_req *r, char *csv, size_t len)
{
    if (csv == NULL) {
        svc_reply_error(r, SVC_ERR_INTERNAL, "out of memory");
        return;
    }
    svc_reply_raw(r, 200, "text/csv; charset=utf-8", csv, len);
    free(csv);
}

/* A computed reply (NULL: out of memory) as CSV or as the asked encoding. */
typedef char *csv_fn(const ProtobufCMessage *m, size_t *len);
static void render(struct svc_req *r, const struct team_query *tq, const ProtobufCMessage *m, csv_fn *csv)
{
    if (m == NULL) {
        svc_reply_error(r, SVC_ERR_INTERNAL, "out of memory");
    } else if (tq->csv) {
        size_t len = 0;
        char *text = csv(m, &len);
        reply_csv(r, text, len);
    } else {
        svc_reply(r, 200, m);
    }
}

static char *summary_csv(const ProtobufCMessage *m, size_t *len)
{
    return svc_team_summary_csv((const Skillpath__V1__TeamSummary *)m, len);
}

static char *demand_csv(const ProtobufCMessage *m, size_t *len)
{
    return svc_team_demand_csv((const Skillpath__V1__TeamDemand *)m, len);
}

static char *at_risk_csv(const ProtobufCMessage *m, size_t *len)
{
    return svc_team_at_risk_csv((const Skillpath__V1__AtRiskList *)m, len);
}

void svc_res_team_summary(struct svc_req *r)
{
    struct team_query tq;
    if (!team_query(r, SVC_TEAM_SNAPSHOT, &tq))
        return;
    Skillpath__V1__TeamSummary *s = svc_team_summary(tq.team, r->cat, &tq.f);
    render(r, &tq, s ? &s->base : NULL, summary_csv);
    svc_team_summary_free(s);
    query_free(&tq);
}

/* GET /v1/team/demand?k=3 */
void svc_res_team_demand(struct svc_req *r)
{
    struct team_query tq;
    if (!team_query(r, SVC_TEAM_DEMAND, &tq))
        return;
    long k = 3, most = (long)tq.team->pb->lessons_k;
    if (!svc_query_long(&tq.q, "k", 1, most, &k)) {
        svc_reply_error(r, SVC_ERR_INVALID, "k: a whole number from 1 to %ld", most);
        query_free(&tq);
        return;
    }
    Skillpath__V1__TeamDemand *s = svc_team_demand(tq.team, r->cat, &tq.f, (size_t)k);
    render(r, &tq, s ? &s->base : NULL, demand_csv);
    svc_team_demand_free(s);
    query_free(&tq);
}

void svc_res_team_learners(struct svc_req *r)
{
    struct team_query tq;
    if (!team_query(r, SVC_TEAM_SNAPSHOT, &tq))
        return;
    const char *sort = evhttp_find_header(&tq.q, "sort");
    enum svc_team_sort by = SVC_TEAM_BY_GAP;
    long n = AT_RISK_DEFAULT;
    if (sort && strcmp(sort, "decay") == 0) {
        by = SVC_TEAM_BY_DECAY;
    } else if (sort && strcmp(sort, "gap") != 0) {
        svc_reply_error(r, SVC_ERR_INVALID, "sort: gap or decay");
        query_free(&tq);
        return;
    }
    if (!svc_query_long(&tq.q, "limit", 1, AT_RISK_MAX, &n)) {
        svc_reply_error(r, SVC_ERR_INVALID, "limit: a whole number from 1 to %d", AT_RISK_MAX);
        query_free(&tq);
        return;
    }
    Skillpath__V1__AtRiskList *s = svc_team_at_risk(tq.team, r->cat, &tq.f, by, (size_t)n);
    render(r, &tq, s ? &s->base : NULL, at_risk_csv);
    svc_team_at_risk_free(s);
    query_free(&tq);
}
