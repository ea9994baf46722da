/* SPDX-License-Identifier: MIT
 * The learner model: skills that fade, the weighted gap to a target, and the
 * adaptive update from a learning event. Pure functions: old state + event ->
 * new state; the caller supplies "now". */
#ifndef RS_LEARNER_H
#define RS_LEARNER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "rs_catalog.h"

#define RS_SECONDS_PER_DAY 86400.0

/* Tunable constants of the model; rs_model_default() fills the defaults. */
struct rs_model {
    double half_life_days;  /* the part above `baseline` halves in this many days */
    float baseline;         /* capability that no longer fades (the floor of decay) */
    float eta_assessed;     /* ASSESSED: fraction of (score - c) closed, times coverage */
    float eta_completed;    /* COMPLETED without score: fraction of (1 - c) closed, times coverage */
    float fade_min;         /* a passed course is due for REVIEW once a covered tag lost this much */
    float stretch;          /* preferred difficulty above the learner's level on the course's tags */
    float fit_width;        /* width of the difficulty-fit bell */
    float fit_floor;        /* lowest difficulty fit, so a badly needed course is still reachable */
    float tier_penalty;     /* factor per tier a course sits above the learner's tier */
    float continuity;       /* bonus for courses next to the learner's latest course */
    float min_gain;         /* a course must close at least this much weighted gap */
};

/* The defaults: the training effect keeps 60% of itself after 182 days (the
 * programme measured a 40% loss in six months), so half_life_days ~ 247. */
void rs_model_default(struct rs_model *m);

/* The half-life at which `retained` (0,1) of the effect is left after `days`. */
double rs_model_half_life(double retained, double days);

/* The fraction of the effect left after `days` (1 for days <= 0). */
double rs_model_retention(const struct rs_model *m, double days);

struct rs_attempt {
    uint32_t course;        /* course index */
    float score;            /* [0,1] */
    bool passed;            /* score >= the course's mastery score */
    int64_t at;             /* unix seconds */
};

/* A learner's state. Initialise with rs_learner_init(), free with
 * rs_learner_deinit(). `dim` is the catalog's tag count. */
struct rs_learner {
    size_t dim;                 /* number of tags */
    enum rs_tier tier;          /* the learner's tier */
    long target;                /* target index, or -1 for none */
    uint64_t version;           /* bumped by every applied event */
    float *capability;          /* dim values in [0,1], as of practiced_at */
    int64_t *practiced_at;      /* dim unix times; 0 = never (no decay) */
    struct rs_attempt *attempts;/* the latest attempt per course, sorted by course */
    size_t n_attempts;          /* entries used */
    size_t cap_attempts;        /* entries allocated */
};

/* Allocate a zero learner of `dim` tags in caller storage. 0 or RS_ENOMEM. */
int rs_learner_init(struct rs_learner *l, size_t dim);
/* Free what rs_learner_init() allocated; safe on a zeroed struct. */
void rs_learner_deinit(struct rs_learner *l);
/* Deep copy src into dst, which must be initialised with src's dim. */
int rs_learner_copy(struct rs_learner *dst, const struct rs_learner *src);
/* Record `a`, replacing any earlier attempt at the same course. 0 or RS_ENOMEM. */
int rs_learner_set_attempt(struct rs_learner *l, const struct rs_attempt *a);
/* The recorded attempt at `course`, or NULL. */
const struct rs_attempt *rs_learner_find_attempt(const struct rs_learner *l, uint32_t course);

/* Effective capability at `now`: ĉ_k = b + (c_k - b)·2^(-(now - p_k)/h) for the
 * part above the baseline b; tags never practised (p_k = 0) do not fade.
 * Writes dim values to out. */
void rs_learner_effective(const struct rs_model *m, const struct rs_learner *l,
                          int64_t now, float *out);

/* When tag k, practised at `practiced_at` to level `c`, fades below `level`:
 * the unix time, `practiced_at` if it is already below, or 0 if never. */
int64_t rs_learner_review_due(const struct rs_model *m, float c, int64_t practiced_at,
                              float level);

/* The weighted gap g_k = w_k·max(0, t_k - ĉ_k) over D tags, written to g when
 * g is not NULL; returns the total Σ g_k. */
float rs_learner_gap(const float *chat, const float *target, const float *w, size_t D,
                     float *g);

enum rs_event_kind {
    RS_EVENT_STARTED = 1,       /* changes no capability */
    RS_EVENT_COMPLETED = 2,     /* a smaller gain, or with a score as ASSESSED */
    RS_EVENT_ASSESSED = 3,      /* moves covered tags toward the score */
};

struct rs_event {
    uint32_t course;            /* course index */
    enum rs_event_kind kind;
    bool has_score;             /* ASSESSED always has one */
    float score;                /* [0,1] */
    int64_t at;                 /* unix seconds, > 0 */
};

/* Apply `ev` to `old`, writing the new state to `out` (initialised with the
 * same dim, distinct from old). Capabilities decay to ev->at first; ASSESSED
 * with score y sets ĉ_k += eta_assessed·a_k·(y - ĉ_k); COMPLETED without a
 * score ĉ_k += eta_completed·a_k·(1 - ĉ_k); STARTED changes no capability.
 * Covered tags get practiced_at = at; a scored event records an attempt,
 * passed when y >= the course's mastery score. The version is bumped.
 * Returns 0, or RS_EINVAL with the reason in err, or RS_ENOMEM. */
int rs_learner_apply(const struct rs_catalog *cat, const struct rs_model *m,
                     const struct rs_learner *old, const struct rs_event *ev,
                     struct rs_learner *out, char *err, size_t errlen);

/* Check a learner against a catalog: dim, values in [0,1] and finite,
 * timestamps >= 0, attempt course indices in range. 0 or RS_EINVAL + err. */
int rs_learner_check(const struct rs_catalog *cat, const struct rs_learner *l,
                     char *err, size_t errlen);

#endif
