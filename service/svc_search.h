/* SPDX-License-Identifier: MIT
 * Course search: keyword search over course titles, the names of the tags
 * a course teaches and its module's names, Chinese included. Built with
 * each catalog snapshot (svc_catalog.c), immutable after, so every worker
 * searches it at once; no I/O.
 *
 * Matching: text and query are compared lowercased (ASCII) with whitespace
 * runs as one space; a course matches when one of its texts contains the
 * whole query. Titles are found through an index — Latin words (a query
 * word matches the words it begins), CJK characters and their bigrams (no
 * word boundaries in Chinese) — and confirmed by the containment test; the
 * 28-odd tag names and the module names are tested directly.
 * Ranking: a title match above a tag match above a module match; then tier
 * (new hire first), depth in the prerequisite graph (shallow first), and
 * catalog order. */
#ifndef SVC_SEARCH_H
#define SVC_SEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "proto/skillpath.pb-c.h"
#include "recsys.h"

struct svc_search;

enum svc_match {
    SVC_MATCH_LISTED = 0,       /* no query: every course */
    SVC_MATCH_TITLE = 1,
    SVC_MATCH_TAG = 2,
    SVC_MATCH_MODULE = 3,
};

/* Build over `pb` (whose courses are in `cat`'s order); borrowed, must
 * outlive the index. NULL on ENOMEM. */
struct svc_search *svc_search_build(const Skillpath__V1__Catalog *pb, const struct rs_catalog *cat);
void svc_search_free(struct svc_search *s);     /* NULL is a no-op */

struct svc_search_query {
    const char *q;              /* NULL or "": list */
    long module;                /* a module index (svc_search_module), or -1: any */
    int tier;                   /* an rs_tier, or 0: any */
    size_t offset, limit;       /* the page */
};

struct svc_search_hit {
    uint32_t course;            /* course index */
    enum svc_match matched;
};

/* Run a query: the page's hits (at most q->limit) into hits, their count
 * into *n, all matches into *total. 0, or -1 on ENOMEM. */
int svc_search_run(const struct svc_search *s, const struct svc_search_query *q,
                   struct svc_search_hit *hits, size_t *n, size_t *total);

/* The index of module `id`, or -1. */
long svc_search_module(const struct svc_search *s, const char *id);
/* Course j's depth: 0 without prerequisites, else 1 + the deepest one's. */
uint32_t svc_search_depth(const struct svc_search *s, size_t j);

#endif
