/* SPDX-License-Identifier: MIT
 * Learners: GET, PUT and DELETE /v1/learners/{id}, POST /v1/recommend,
 * GET /v1/learners/{id}/next and /stream. Each handler checks what the
 * route table could not, starts one operation (svc_ops.h) and renders its
 * completion. */
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "svc_catalog.h"
#include "svc_http.h"
#include "svc_log.h"
#include "svc_model.h"
#include "svc_push.h"
#include "svc_recommend.h"
#include "svc_res.h"

#define ERRLEN 512
#define NEXT_DEFAULT 3
#define NEXT_MAX 20

static int64_t now_s(void)
{
    return (int64_t)time(NULL);
}

/* A learner as the API shows it: stored state, effective (decayed)
 * capability now, and when each tag's review falls due. */
static void answer_view(struct svc_req *r, int status, const struct rs_learner *l)
{
    const struct rs_catalog *cat = r->cat->cat;
    const struct rs_model *model = &r->cat->model;
    size_t D = l->dim;
    Skillpath__V1__LearnerView view;
    skillpath__v1__learner_view__init(&view);
    Skillpath__V1__Learner *pb = svc_model_learner_to_pb(cat, l, r->param);
    float *eff = malloc(D * sizeof *eff + 1);
    int64_t *due = malloc(D * sizeof *due + 1);
    if (!pb || !eff || !due) {
        svc_reply_error(r, SVC_ERR_INTERNAL, "out of memory");
        goto out;
    }
    view.now = now_s();
    rs_learner_effective(model, l, view.now, eff);
    const float *t = l->target >= 0 ? rs_catalog_target_level(cat, (size_t)l->target) : NULL;
    for (size_t k = 0; k < D; k++)
        due[k] = t ? rs_learner_review_due(model, l->capability[k], l->practiced_at[k], t[k]) : 0;
    view.learner = pb;
    view.effective = eff;
    view.n_effective = D;
    view.review_due = due;
    view.n_review_due = D;
    svc_reply(r, status, &view.base);
out:
    if (pb)
        protobuf_c_message_free_unpacked(&pb->base, NULL);
    free(eff);
    free(due);
}

/* Answer a refusal of the recommend pipeline. */
static void reply_recommend_failure(struct svc_req *r, enum svc_recommend_status st, const char *err)
{
    if (st == SVC_RECOMMEND_NOMEM)
        svc_reply_error(r, SVC_ERR_INTERNAL, "out of memory");
    else
        svc_reply_error(r, SVC_ERR_INVALID, "%s", err);
}

/* ---------------------------------------------------------------- GET */

static void on_get(void *arg, enum svc_err err, const char *msg, const struct rs_learner *l)
{
    struct svc_req *r = arg;
    if (!svc_req_complete(r, err, msg))
        return;
    answer_view(r, 200, l);
    svc_req_settle(r);
}

void svc_res_learner_get(struct svc_req *r)
{
    svc_req_wait(r);
    svc_op_read(&r->h->ops, r->cat, r->param, on_get, r);
}

/* ---------------------------------------------------------------- PUT */

static void on_put(void *arg, enum svc_err err, const char *msg, const struct rs_learner *l,
                   bool created)
{
    struct svc_req *r = arg;
    if (!svc_req_complete(r, err, msg))
        return;
    answer_view(r, created ? 201 : 200, l);
    svc_req_settle(r);
}

/* PUT: the body is checked in full before anything is read, so a bad one
 * changes nothing and costs no round trip. */
void svc_res_learner_put(struct svc_req *r)
{
    const Skillpath__V1__Learner *body = (const Skillpath__V1__Learner *)r->body;
    if (body->id[0] && strcmp(body->id, r->param) != 0) {
        svc_reply_error(r, SVC_ERR_INVALID, "id: '%s' is not the learner in the path ('%s')", body->id,
                        r->param);
        return;
    }
    if (body->tier < SKILLPATH__V1__TIER__NEW_HIRE || body->tier > SKILLPATH__V1__TIER__MANAGER) {
        svc_reply_error(r, SVC_ERR_INVALID, "tier: NEW_HIRE, CORE_STAFF or MANAGER is required");
        return;
    }
    if (body->version != 0) {
        svc_reply_error(r, SVC_ERR_INVALID, "version: set by the service, not the caller");
        return;
    }
    struct rs_learner check;
    char err[ERRLEN];
    if (svc_model_learner_from_pb(r->cat->cat, body, true, &check, err, sizeof err) != 0) {
        svc_reply_error(r, SVC_ERR_INVALID, "%s", err);
        return;
    }
    rs_learner_deinit(&check);
    svc_req_wait(r);
    svc_op_put(&r->h->ops, r->cat, r->param, body, now_s(), on_put, r);
}

/* ---------------------------------------------------------------- DELETE */

static void on_deleted(void *arg, enum svc_err err, const char *msg)
{
    struct svc_req *r = arg;
    if (!svc_req_complete(r, err, msg))
        return;
    svc_reply(r, 204, NULL);
    svc_req_settle(r);
}

void svc_res_learner_delete(struct svc_req *r)
{
    svc_req_wait(r);
    svc_op_delete(&r->h->ops, r->param, on_deleted, r);
}

/* ---------------------------------------------------------------- recommend */

static void answer_recommend(struct svc_req *r, const struct rs_learner *l, const char *learner_id)
{
    const Skillpath__V1__RecommendRequest *req = (const Skillpath__V1__RecommendRequest *)r->body;
    struct svc_recommend_ctx x = svc_ops_recommend_ctx(&r->h->ops, r->cat, now_s());
    Skillpath__V1__RecommendResponse *resp;
    char err[ERRLEN];
    enum svc_recommend_status st = svc_recommend_run(&x, req, l, learner_id, &resp, err, sizeof err);
    if (st != SVC_RECOMMEND_OK) {
        reply_recommend_failure(r, st, err);
        return;
    }
    svc_reply(r, 200, &resp->base);
    svc_model_path_free(resp);
}

static void on_recommend_read(void *arg, enum svc_err err, const char *msg, const struct rs_learner *l)
{
    struct svc_req *r = arg;
    if (!svc_req_complete(r, err, msg))
        return;
    answer_recommend(r, l, r->param);
    svc_req_settle(r);
}

/* POST /v1/recommend: for a stored learner by id, or an inline one. */
void svc_res_recommend(struct svc_req *r)
{
    const Skillpath__V1__RecommendRequest *req = (const Skillpath__V1__RecommendRequest *)r->body;
    if (req->learner) {
        struct rs_learner l;
        char err[ERRLEN];
        if (svc_model_learner_from_pb(r->cat->cat, req->learner, true, &l, err, sizeof err) != 0) {
            svc_reply_error(r, SVC_ERR_INVALID, "learner.%s", err);
            return;
        }
        answer_recommend(r, &l, req->learner_id[0] ? req->learner_id : req->learner->id);
        rs_learner_deinit(&l);
        return;
    }
    if (!svc_keys_valid_id(req->learner_id)) {
        svc_reply_error(r, SVC_ERR_INVALID,
                        "learnerId: give a learner id (1-%d of [A-Za-z0-9._:@-]) or an inline learner",
                        SVC_MAX_ID);
        return;
    }
    snprintf(r->param, sizeof r->param, "%s", req->learner_id);
    svc_req_wait(r);
    svc_op_read(&r->h->ops, r->cat, r->param, on_recommend_read, r);
}

/* ---------------------------------------------------------------- next */

/* "n" from the query: 1..NEXT_MAX, default NEXT_DEFAULT; -1 if malformed. */
static int lessons_wanted(const char *query)
{
    if (query == NULL)
        return NEXT_DEFAULT;
    struct evkeyvalq q;
    if (evhttp_parse_query_str(query, &q) != 0)
        return -1;
    const char *v = evhttp_find_header(&q, "n");
    int n = NEXT_DEFAULT;
    if (v) {
        char *end;
        long x = strtol(v, &end, 10);
        n = (*v == '\0' || *end != '\0' || x < 1 || x > NEXT_MAX) ? -1 : (int)x;
    }
    evhttp_clear_headers(&q);
    return n;
}

static void on_next_read(void *arg, enum svc_err err, const char *msg, const struct rs_learner *l)
{
    struct svc_req *r = arg;
    if (!svc_req_complete(r, err, msg))
        return;
    struct svc_recommend_ctx x = svc_ops_recommend_ctx(&r->h->ops, r->cat, now_s());
    struct svc_lessons ls;
    char why[ERRLEN];
    enum svc_recommend_status st =
        svc_recommend_next(&x, l, r->param, (uint32_t)lessons_wanted(r->query), &ls, why, sizeof why);
    if (st != SVC_RECOMMEND_OK)
        reply_recommend_failure(r, st, why);
    else
        svc_reply(r, 200, &ls.msg.base);
    svc_recommend_lessons_deinit(&ls);
    svc_req_settle(r);
}

/* GET /v1/learners/{id}/next?n=3: the next lessons, as small as can be. */
void svc_res_next(struct svc_req *r)
{
    if (lessons_wanted(r->query) < 0) {
        svc_reply_error(r, SVC_ERR_INVALID, "n: a whole number from 1 to %d", NEXT_MAX);
        return;
    }
    svc_req_wait(r);
    svc_op_read(&r->h->ops, r->cat, r->param, on_next_read, r);
}

/* ---------------------------------------------------------------- stream */

static void on_stream_read(void *arg, enum svc_err err, const char *msg, const struct rs_learner *l)
{
    struct svc_req *r = arg;
    if (!svc_req_complete(r, err, msg))
        return;
    struct svc_push *push = r->h->conf.push;
    struct svc_recommend_ctx x = svc_ops_recommend_ctx(&r->h->ops, r->cat, now_s());
    struct svc_lessons ls;
    char why[ERRLEN];
    enum svc_recommend_status st =
        svc_recommend_next(&x, l, r->param, r->h->conf.push_lessons, &ls, why, sizeof why);
    if (st != SVC_RECOMMEND_OK) {
        reply_recommend_failure(r, st, why);
    } else if (svc_push_attach(push, r->ev, r->param, &ls.msg) != 0) {
        svc_reply_error(r, SVC_ERR_INTERNAL, "out of memory");
    } else {
        svc_log(SVC_LOG_INFO, "msg=stream_opened id=%llu", (unsigned long long)r->id);
        svc_req_hand_over(r, 200);      /* push answers it from now on */
    }
    svc_recommend_lessons_deinit(&ls);
    svc_req_settle(r);
}

/* GET /v1/learners/{id}/stream: Server-Sent Events of the next lessons; the
 * current ones at once (Last-Event-ID or not), then on every change. */
void svc_res_stream(struct svc_req *r)
{
    if (r->h->conf.push == NULL) {
        svc_reply_error(r, SVC_ERR_NOT_FOUND, "streams are off on this daemon");
        return;
    }
    svc_req_wait(r);
    svc_op_read(&r->h->ops, r->cat, r->param, on_stream_read, r);
}
