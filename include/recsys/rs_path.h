/* SPDX-License-Identifier: MIT
 * Path sequencing: a greedy sequence of micro-courses that closes a learner's
 * gap to a target within an item count and a time budget, prerequisites first. */
#ifndef RS_PATH_H
#define RS_PATH_H

#include <stddef.h>
#include <stdint.h>

#include "rs_learner.h"

#define RS_PATH_DEFAULT_ITEMS 10
#define RS_PATH_MAX_ITEMS 100

enum rs_reason {
    RS_REASON_NONE = 0,
    RS_REASON_GAP = 1,          /* closes part of the gap to the target */
    RS_REASON_PREREQUISITE = 2, /* needed before a later item */
    RS_REASON_REVIEW = 3,       /* passed before, but its skills faded */
    RS_REASON_RETAKE = 4,       /* attempted and failed before */
};

struct rs_path_query {
    const struct rs_learner *learner;
    size_t target;              /* target index */
    size_t max_items;           /* 0 = RS_PATH_DEFAULT_ITEMS; at most RS_PATH_MAX_ITEMS */
    uint32_t budget_min;        /* 0 = no time budget */
    int64_t now;                /* unix seconds, for decay */
    const uint32_t *exclude;    /* course indices never to recommend */
    size_t n_exclude;
    const uint32_t *modules;    /* if n_modules > 0, pick only courses of these modules */
    size_t n_modules;           /* (prerequisites they need are pulled in regardless) */
};

struct rs_tag_change {
    uint32_t tag;               /* tag index */
    float before;               /* effective capability before the item */
    float after;                /* expected after it */
};

struct rs_path_item {
    uint32_t course;            /* course index */
    enum rs_reason reason;
    float gain;                 /* weighted gap this item is expected to close */
    uint32_t duration_min;
    size_t first_change;        /* its tag changes: changes[first_change ..] */
    size_t n_changes;
};

/* A built path. Zero-initialise; rs_path_build() fills it; rs_path_deinit(). */
struct rs_path {
    struct rs_path_item *items;
    size_t n_items;
    struct rs_tag_change *changes;
    size_t n_changes;
    uint32_t total_min;
    float gap_before;           /* Σ weighted gap at `now` */
    float gap_after;            /* expected after the whole path */
};

void rs_path_deinit(struct rs_path *p);

/* Per-thread scratch sized for one catalog (scores, marks): reuse it across
 * calls on the same catalog. NULL on allocation failure. */
struct rs_path_ws;
struct rs_path_ws *rs_path_ws_create(const struct rs_catalog *cat);
void rs_path_ws_destroy(struct rs_path_ws *ws);

/* Build the path for `q` into `out` (zeroed or deinit'ed before).
 * The learner's current gap is scored with one BLAS pass (s = A·g); then,
 * repeatedly, the eligible course with the best gain per minute (times its
 * difficulty fit, tier fit and continuity bonus) is taken, its unmet
 * prerequisites first in topological order, its expected effect simulated and
 * the scores updated for the tags it changed only.
 * Returns 0, RS_EINVAL (bad query; err says why) or RS_ENOMEM. */
int rs_path_build(const struct rs_catalog *cat, const struct rs_model *m,
                  const struct rs_path_query *q, struct rs_path_ws *ws,
                  struct rs_path *out, char *err, size_t errlen);

#endif
