/* SPDX-License-Identifier: MIT
 * The web UI: GET /ui (-> /ui/), /ui/ (the team page), /ui/FILE and
 * /ui/vendor/chart.js, from the files read at start (svc_ui.c). No key is
 * needed for these (they hold no data; the pages ask for one when the API
 * wants it). Each answer carries its ETag and "Cache-Control: no-cache": a
 * browser asks again with If-None-Match and gets 304 while it is current. */
#include <stdio.h>
#include <string.h>

#include <event2/http.h>

#include "svc_http.h"
#include "svc_res.h"
#include "svc_ui.h"

static void serve(struct svc_req *r, const char *name)
{
    const struct svc_ui *ui = r->h->conf.ui;
    const struct svc_ui_file *f = svc_ui_find(ui, name);
    if (f == NULL) {
        if (ui == NULL)
            svc_reply_error(r, SVC_ERR_NOT_FOUND, "the web UI is not served (ui-dir)");
        else
            svc_reply_error(r, SVC_ERR_NOT_FOUND, "no '%s' in the web UI", name);
        return;
    }
    struct evkeyvalq *out = evhttp_request_get_output_headers(r->ev);
    evhttp_add_header(out, "ETag", f->etag);
    evhttp_add_header(out, "Cache-Control", "no-cache");
    const char *inm = evhttp_find_header(evhttp_request_get_input_headers(r->ev), "If-None-Match");
    if (inm && strstr(inm, f->etag)) {
        svc_reply_raw(r, 304, NULL, NULL, 0);
        return;
    }
    svc_reply_raw(r, 200, f->type, f->body, f->len);
}

void svc_res_ui_redirect(struct svc_req *r)
{
    evhttp_add_header(evhttp_request_get_output_headers(r->ev), "Location", "/ui/");
    svc_reply_raw(r, 301, "text/plain; charset=utf-8", "see /ui/\n", 9);
}

void svc_res_ui_index(struct svc_req *r)
{
    serve(r, "index.html");
}

void svc_res_ui_file(struct svc_req *r)
{
    serve(r, r->param);
}

void svc_res_ui_vendor(struct svc_req *r)
{
    char name[SVC_MAX_ID + 16];
    snprintf(name, sizeof name, "vendor/%s", r->param);
    serve(r, name);
}
