/* SPDX-License-Identifier: MIT
 * The recommend pipeline (svc_recommend.h). */
#include <stdlib.h>
#include <string.h>

#include "svc_catalog.h"
#include "svc_model.h"
#include "svc_recommend.h"

enum svc_recommend_status svc_recommend_path(const struct svc_recommend_ctx *x,
                                             const Skillpath__V1__RecommendRequest *req,
                                             const struct rs_learner *l, struct rs_path *out,
                                             char *err, size_t errlen)
{
    struct rs_path_query q;
    if (svc_model_query_from_pb(x->cat, req, l, &q, err, errlen) != 0)
        return SVC_RECOMMEND_INVALID;
    if (q.now == 0)
        q.now = x->now;
    int rc = x->ws ? rs_path_build(x->cat, x->model, &q, x->ws, out, err, errlen) : RS_ENOMEM;
    svc_model_query_deinit(&q);
    if (rc == RS_ENOMEM)
        return SVC_RECOMMEND_NOMEM;
    return rc == 0 ? SVC_RECOMMEND_OK : SVC_RECOMMEND_INVALID;
}

enum svc_recommend_status svc_recommend_run(const struct svc_recommend_ctx *x,
                                            const Skillpath__V1__RecommendRequest *req,
                                            const struct rs_learner *l, const char *learner_id,
                                            Skillpath__V1__RecommendResponse **out, char *err,
                                            size_t errlen)
{
    struct rs_path p = {0};
    *out = NULL;
    enum svc_recommend_status st = svc_recommend_path(x, req, l, &p, err, errlen);
    if (st == SVC_RECOMMEND_OK && (*out = svc_model_path_to_pb(x->cat, &p, learner_id)) == NULL)
        st = SVC_RECOMMEND_NOMEM;
    rs_path_deinit(&p);
    return st;
}

enum svc_recommend_status svc_recommend_next(const struct svc_recommend_ctx *x,
                                             const struct rs_learner *l, const char *id,
                                             uint32_t n, struct svc_lessons *out, char *err,
                                             size_t errlen)
{
    memset(out, 0, sizeof *out);
    skillpath__v1__next_lessons__init(&out->msg);
    out->msg.learner_id = (char *)id;
    out->msg.version = l->version;
    if (l->target < 0) {                /* nothing to aim at: no lessons */
        out->msg.status = SKILLPATH__V1__PATH_STATUS__NO_TARGET;
        return SVC_RECOMMEND_OK;
    }
    Skillpath__V1__RecommendRequest req;
    skillpath__v1__recommend_request__init(&req);
    req.max_items = n;
    struct rs_path p = {0};
    enum svc_recommend_status st = svc_recommend_path(x, &req, l, &p, err, errlen);
    if (st != SVC_RECOMMEND_OK) {
        rs_path_deinit(&p);
        return st;
    }
    out->items = calloc(p.n_items + 1, sizeof *out->items);
    out->ptrs = calloc(p.n_items + 1, sizeof *out->ptrs);
    if (!out->items || !out->ptrs) {
        svc_recommend_lessons_deinit(out);
        rs_path_deinit(&p);
        return SVC_RECOMMEND_NOMEM;
    }
    for (size_t i = 0; i < p.n_items; i++) {
        Skillpath__V1__Lesson *ls = &out->items[i];
        skillpath__v1__lesson__init(ls);
        ls->course_id = (char *)rs_catalog_course_id(x->cat, p.items[i].course);
        ls->title = (char *)rs_catalog_course_title(x->cat, p.items[i].course);
        ls->duration_min = p.items[i].duration_min;
        ls->reason = (Skillpath__V1__Reason)p.items[i].reason;
        out->ptrs[i] = ls;
    }
    out->msg.lessons = out->ptrs;
    out->msg.n_lessons = p.n_items;
    out->msg.status = (Skillpath__V1__PathStatus)p.status;
    rs_path_deinit(&p);
    return SVC_RECOMMEND_OK;
}

void svc_recommend_lessons_deinit(struct svc_lessons *ls)
{
    free(ls->items);
    free(ls->ptrs);
    ls->items = NULL;
    ls->ptrs = NULL;
    ls->msg.lessons = NULL;
    ls->msg.n_lessons = 0;
}

struct rs_path_ws *svc_recommend_scratch_for(struct svc_recommend_scratch *s, struct svc_catalog *c)
{
    if (s->cat != c) {
        rs_path_ws_destroy(s->ws);
        svc_catalog_unref(s->cat);
        s->ws = rs_path_ws_create(c->cat);
        s->cat = s->ws ? svc_catalog_ref(c) : NULL;
    }
    return s->ws;
}

void svc_recommend_scratch_deinit(struct svc_recommend_scratch *s)
{
    rs_path_ws_destroy(s->ws);
    svc_catalog_unref(s->cat);
    s->ws = NULL;
    s->cat = NULL;
}
