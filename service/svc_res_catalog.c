/* SPDX-License-Identifier: MIT
 * The catalog: GET and PUT /v1/catalog, GET /v1/courses/{id}, and course
 * search, GET /v1/courses. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/queue.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "svc_catalog.h"
#include "svc_catalog_owner.h"
#include "svc_http.h"
#include "svc_model.h"
#include "svc_res.h"
#include "svc_search.h"

#define MAX_ERRORS_SHOWN 400

/* The catalog being served, in brief, with its tags, targets and module
 * names (borrowed from the catalog snapshot the request holds). */
void svc_res_catalog_get(struct svc_req *r)
{
    const struct rs_catalog *cat = r->cat->cat;
    const Skillpath__V1__Catalog *pb = r->cat->pb;
    Skillpath__V1__CatalogInfo info;
    skillpath__v1__catalog_info__init(&info);
    info.version = (char *)rs_catalog_version(cat);
    info.tags = (uint32_t)rs_catalog_n_tags(cat);
    info.courses = (uint32_t)rs_catalog_n_courses(cat);
    info.targets = (uint32_t)rs_catalog_n_targets(cat);
    size_t nm = rs_catalog_n_modules(cat);
    char **mods = calloc(nm + 1, sizeof *mods);
    Skillpath__V1__Module *named = calloc(nm + 1, sizeof *named);
    Skillpath__V1__Module **named_p = calloc(nm + 1, sizeof *named_p);
    if (mods == NULL || named == NULL || named_p == NULL) {
        free(mods);
        free(named);
        free(named_p);
        svc_reply_error(r, SVC_ERR_INTERNAL, "out of memory");
        return;
    }
    for (size_t m = 0; m < nm; m++) {
        mods[m] = (char *)rs_catalog_module_name(cat, m);
        skillpath__v1__module__init(&named[m]);
        named[m].id = mods[m];
        named[m].name = mods[m];
        for (size_t k = 0; k < pb->n_modules; k++) {
            if (strcmp(pb->modules[k]->id, mods[m]) == 0) {
                if (pb->modules[k]->name[0])
                    named[m].name = pb->modules[k]->name;
                named[m].name_en = pb->modules[k]->name_en;
                break;
            }
        }
        named_p[m] = &named[m];
    }
    info.modules = mods;
    info.n_modules = nm;
    info.module_list = named_p;
    info.n_module_list = nm;
    info.tag_list = pb->tags;
    info.n_tag_list = pb->n_tags;
    info.target_list = pb->targets;
    info.n_target_list = pb->n_targets;
    svc_reply(r, 200, &info.base);
    free(mods);
    free(named);
    free(named_p);
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

/* ---------------------------------------------------------------- search */

#define SEARCH_DEFAULT 20
#define SEARCH_MAX 200

/* GET /v1/courses?q=&module=&tier=&limit=&cursor=: search (svc_search.h).
 * The cursor is "OFFSET@VERSION": a page of another catalog is refused
 * rather than shifted. */
void svc_res_courses_search(struct svc_req *r)
{
    const struct svc_catalog *c = r->cat;
    const char *version = rs_catalog_version(c->cat);
    struct evkeyvalq q;
    TAILQ_INIT(&q);
    if (r->query && evhttp_parse_query_str(r->query, &q) != 0) {
        svc_reply_error(r, SVC_ERR_INVALID, "the query string is malformed");
        return;
    }
    struct svc_search_query sq = { .q = evhttp_find_header(&q, "q"), .module = -1 };
    long limit = SEARCH_DEFAULT, offset = 0;
    const char *module = evhttp_find_header(&q, "module"), *tier = evhttp_find_header(&q, "tier");
    const char *cursor = evhttp_find_header(&q, "cursor");
    char err[256] = "";
    if (!svc_query_long(&q, "limit", 1, SEARCH_MAX, &limit))
        snprintf(err, sizeof err, "limit: a whole number from 1 to %d", SEARCH_MAX);
    else if (module && module[0] && (sq.module = svc_search_module(c->search, module)) < 0)
        snprintf(err, sizeof err, "module: no module '%.100s'", module);
    else if (tier && tier[0] && (sq.tier = svc_model_tier_value(tier)) <= 0)
        snprintf(err, sizeof err, "tier: '%.40s' is not NEW_HIRE, CORE_STAFF or MANAGER", tier);
    else if (sq.q && strlen(sq.q) > 200)
        snprintf(err, sizeof err, "q: at most 200 bytes");
    if (cursor && cursor[0] && !err[0]) {
        const char *at = strchr(cursor, '@');
        char *end;
        offset = strtol(cursor, &end, 10);
        if (at == NULL || end != at || offset < 0)
            snprintf(err, sizeof err, "cursor: not one this service gave");
        else if (strcmp(at + 1, version) != 0)
            snprintf(err, sizeof err, "cursor: the catalog changed since (now %s): search again", version);
    }
    if (err[0]) {
        evhttp_clear_headers(&q);
        svc_reply_error(r, SVC_ERR_INVALID, "%s", err);
        return;
    }
    sq.offset = (size_t)offset;
    sq.limit = (size_t)limit;
    struct svc_search_hit found[SEARCH_MAX];
    Skillpath__V1__CourseHit hits[SEARCH_MAX], *ptrs[SEARCH_MAX];
    size_t n = 0, total = 0;
    int rc = svc_search_run(c->search, &sq, found, &n, &total);
    evhttp_clear_headers(&q);
    if (rc != 0) {
        svc_reply_error(r, SVC_ERR_INTERNAL, "out of memory");
        return;
    }
    Skillpath__V1__CourseList out;
    skillpath__v1__course_list__init(&out);
    for (size_t i = 0; i < n; i++) {
        skillpath__v1__course_hit__init(&hits[i]);
        hits[i].course = c->pb->courses[found[i].course];
        hits[i].matched = (Skillpath__V1__MatchField)found[i].matched;
        hits[i].depth = svc_search_depth(c->search, found[i].course);
        ptrs[i] = &hits[i];
    }
    out.hits = ptrs;
    out.n_hits = n;
    out.total = (uint32_t)total;
    out.catalog_version = (char *)version;
    char next[64 + SVC_MAX_ID] = "";
    if (sq.offset + n < total)
        snprintf(next, sizeof next, "%zu@%s", sq.offset + n, version);
    out.next_cursor = next;
    svc_reply(r, 200, &out.base);
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
