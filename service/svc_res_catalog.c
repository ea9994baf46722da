/* SPDX-License-Identifier: MIT
 * The catalog: GET and PUT /v1/catalog, GET /v1/courses/{id}. */
#include <stdio.h>
#include <stdlib.h>

#include "svc_catalog.h"
#include "svc_catalog_owner.h"
#include "svc_http.h"
#include "svc_res.h"

#define MAX_ERRORS_SHOWN 400

/* The catalog being served, in brief. */
void svc_res_catalog_get(struct svc_req *r)
{
    const struct rs_catalog *cat = r->cat->cat;
    Skillpath__V1__CatalogInfo info;
    skillpath__v1__catalog_info__init(&info);
    info.version = (char *)rs_catalog_version(cat);
    info.tags = (uint32_t)rs_catalog_n_tags(cat);
    info.courses = (uint32_t)rs_catalog_n_courses(cat);
    info.targets = (uint32_t)rs_catalog_n_targets(cat);
    size_t nm = rs_catalog_n_modules(cat);
    char **mods = calloc(nm + 1, sizeof *mods);
    if (mods == NULL) {
        svc_reply_error(r, SVC_ERR_INTERNAL, "out of memory");
        return;
    }
    for (size_t m = 0; m < nm; m++)
        mods[m] = (char *)rs_catalog_module_name(cat, m);
    info.modules = mods;
    info.n_modules = nm;
    svc_reply(r, 200, &info.base);
    free(mods);
}

void svc_res_course_get(struct svc_req *r)
{
    size_t j;
    if (rs_catalog_find_course(r->cat->cat, r->param, &j) != 0) {
        svc_reply_error(r, SVC_ERR_NOT_FOUND, "no course '%s'", r->param);
        return;
    }
    svc_reply(r, 200, &r->cat->pb->courses[j]->base);
}

/* The new catalog is stored, current and announced: serve it (even if the
 * client has gone) and answer with it. */
static void on_stored(void *arg, enum svc_err err, const char *msg, struct svc_catalog *c)
{
    struct svc_req *r = arg;
    if (err == SVC_ERR_OK)
        svc_http_set_catalog(r->h, c);
    if (svc_req_resume(r)) {
        if (err != SVC_ERR_OK) {
            svc_reply_error(r, err, "%s", msg);
        } else {
            svc_catalog_unref(r->cat);
            r->cat = svc_catalog_ref(c);
            svc_res_catalog_get(r);
        }
        svc_req_settle(r);
    }
}

/* PUT /v1/catalog: validate (every error listed), store under its version,
 * make it current and tell every daemon; then serve it. */
void svc_res_catalog_put(struct svc_req *r)
{
    Skillpath__V1__Catalog *pb = (Skillpath__V1__Catalog *)r->body;
    if (!svc_keys_valid_id(pb->version)) {
        svc_reply_error(r, SVC_ERR_INVALID, "version: required, 1-%d of [A-Za-z0-9._:@-]", SVC_MAX_ID);
        return;
    }
    size_t len = protobuf_c_message_get_packed_size(&pb->base);
    uint8_t *bytes = malloc(len + 1);
    char *err = malloc(65536);
    if (bytes == NULL || err == NULL) {
        svc_reply_error(r, SVC_ERR_INTERNAL, "out of memory");
        goto out;
    }
    protobuf_c_message_pack(&pb->base, bytes);
    r->body = NULL;                                     /* the snapshot takes it */
    struct svc_catalog *c = svc_catalog_create(pb, err, 65536);
    if (c == NULL) {
        for (char *p = err; *p; p++)
            if (*p == '\n')
                *p = ';';
        svc_reply_error(r, SVC_ERR_INVALID, "catalog refused: %.*s", MAX_ERRORS_SHOWN, err);
        goto out;
    }
    if (r->h->conf.catalogs)            /* served as it is when its announcement is back */
        svc_catalog_owner_offer(r->h->conf.catalogs, c);
    svc_req_wait(r);
    svc_op_catalog_put(&r->h->ops, c, bytes, len, on_stored, r);
    svc_catalog_unref(c);                               /* the operation holds it now */
out:
    free(bytes);
    free(err);
}
