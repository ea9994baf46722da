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
    RS_REASON_PREREQUISITE = 2, /* not mastered, and a later course needs it */
    RS_REASON_REVIEW = 3,       /* mastered once, its skills faded below the mastery score */
    RS_REASON_RETAKE = 4,       /* the latest attempt failed */
    RS_REASON_PRACTICE = 5,     /* passed or planned before, still short of mastery */
};

/* Why a path ends where it does (the wire's PathStatus). */
enum rs_path_status {
    RS_PATH_NONE = 0,           /* not built */
    RS_PATH_IN_PROGRESS = 1,    /* the items or the minutes ran out with a gap left */
    RS_PATH_TARGET_REACHED = 2, /* the gap is below the model's tolerance */
    RS_PATH_NOTHING_LEFT = 3,   /* a gap remains that no allowed course can close */
    RS_PATH_BUDGET_TOO_SMALL = 4, /* a course could close it but does not fit the minutes left */
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
    const float *scores;        /* NULL, or the path's first scoring pass done by the
                                 * caller: N values A·u for u = rs_path_first_weights()
                                 * of this query — many learners at once with
                                 * rs_score_batch (one sgemm) */
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
    enum rs_path_status status; /* why it ends there */
};

void rs_path_deinit(struct rs_path *p);

struct rs_path_ws;
/* The D weights u the path scores every course against first (s = A·u):
 * each tag's weighted gap, bounded by what a session can close. For
 * callers that score many learners at once and pass each its row of
 * scores (rs_path_query.scores): the path is then the one it builds alone. */
void rs_path_first_weights(const struct rs_catalog *cat, const struct rs_model *m,
                           const struct rs_path_query *q, struct rs_path_ws *ws, float *u);

/* Per-thread scratch sized for one catalog (scores, marks): reuse it across
 * calls on the same catalog. NULL on allocation failure. */
struct rs_path_ws *rs_path_ws_create(const struct rs_catalog *cat);
void rs_path_ws_destroy(struct rs_path_ws *ws);

/* Build the path for `q` into `out` (zeroed or deinit'ed before) with the
 * model's sequencer. RS_SEQUENCER_LEGACY, the one before issue 11, kept to
 * compare with (bench-quality): one pass is mastery, a pick's prerequisites
 * go in all together or not at all, a 15% continuity bonus.
 * RS_SEQUENCER_RULES (the default), by the rules of DESIGN §3.4
 * (rs_path.c says how): each step picks the course with
 * the best expected gain per minute (times difficulty, tier and, after a
 * failure, retake fit), unless one related to the learner's thread of study
 * is worth (1 - continuity) of it; the pick's unmet prerequisites come
 * first, the head of the chain first, as many as fit; a course comes back as
 * PRACTICE while the model expects it short of its mastery score. A step
 * answers something whenever some allowed course can close part of the gap;
 * `status` says why the path ends where it does.
 * Returns 0, RS_EINVAL (bad query; err says why) or RS_ENOMEM. */
int rs_path_build(const struct rs_catalog *cat, const struct rs_model *m,
                  const struct rs_path_query *q, struct rs_path_ws *ws,
                  struct rs_path *out, char *err, size_t errlen);

#endif
