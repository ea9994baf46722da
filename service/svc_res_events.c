/* SPDX-License-Identifier: MIT
 * Events: POST /v1/events, a batch of learning events answered with one
 * result per event (svc_op_events: the batch machine). */
#include <time.h>

#include "svc_http.h"
#include "svc_res.h"

static void on_events(void *arg, enum svc_err err, const char *msg,
                      const Skillpath__V1__EventResults *results)
{
    struct svc_req *r = arg;
    if (!svc_req_complete(r, err, msg))
        return;
    svc_reply(r, 200, &results->base);
    svc_req_settle(r);
}

void svc_res_events(struct svc_req *r)
{
    const Skillpath__V1__EventBatch *batch = (const Skillpath__V1__EventBatch *)r->body;
    if (batch->n_events == 0 || batch->n_events > r->h->conf.max_batch) {
        svc_reply_error(r, SVC_ERR_INVALID, "events: between 1 and %zu events per batch",
                        r->h->conf.max_batch);
        return;
    }
    svc_req_wait(r);
    /* &r->gone: the batch stops starting events once the client has left */
    svc_op_events(&r->h->ops, r->cat, batch, (int64_t)time(NULL), &r->gone, on_events, r);
}
