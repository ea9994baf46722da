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
#define RS_PROGRESS_MIN 0.005f  /* a tag that rose this much was learnt: the event is progress */

enum rs_sequencer {
    RS_SEQUENCER_LEGACY = 0,    /* the sequencer before issue 11 (rs_path_legacy.c) */
    RS_SEQUENCER_RULES = 1,     /* DESIGN §3.4's rules (rs_path.c) */
};

/* The model's settings; rs_model_default() fills the defaults (README, "The
 * model", says why each is what it is). */
struct rs_model {
    enum rs_sequencer sequencer;    /* RULES; LEGACY for comparison (bench-quality) */
    /* the learner model */
    double half_life_days;  /* the part above `baseline` halves in this many days */
    float baseline;         /* capability that no longer fades (the floor of decay) */
    float prior_evidence;   /* what a starting profile (tier, PUT) counts for, in assessments */
    float rate_floor;       /* the assessment step never falls below this (times coverage) */
    float lesson_gain;      /* an assessed lesson taught this share of (1 - c), times coverage,
                             * before its score corrects the estimate (0: no prediction) */
    float eta_completed;    /* COMPLETED without score: fraction of (1 - c) closed, times coverage */
    /* the sequencer */
    float session_gain;     /* a planned session moves a covered tag this much of (1 - c), times coverage */
    unsigned max_sessions;  /* sessions of one course a path plans at most */
    unsigned retake_cap;    /* failed attempts in a row after which a course waits for a step back */
    float retake_factor;    /* priority of retaking a course just failed, against stepping back */
    float continuity;       /* a course related to the anchor wins while worth (1 - this) of the best */
    float stretch;          /* preferred difficulty above the learner's level on the course's tags */
    float fit_width;        /* width of the difficulty-fit bell */
    float fit_floor;        /* lowest difficulty fit, so a badly needed course is still reachable */
    float tier_penalty;     /* factor per tier a course sits above the learner's tier */
    float min_gain;         /* a course must close at least this much weighted gap */
    float gap_tolerance;    /* a weighted gap below this is the target reached */
};

/* The defaults: the training effect keeps 60% of itself after 182 days (the
 * programme measured a 40% loss in six months), so half_life_days ~ 247. */
void rs_model_default(struct rs_model *m);

/* Check every setting against its range (README, "The model"): 0, or
 * RS_EINVAL naming the first setting out of range in err. */
int rs_model_check(const struct rs_model *m, char *err, size_t errlen);

/* The half-life at which `retained` (0,1) of the effect is left after `days`. */
double rs_model_half_life(double retained, double days);

/* The fraction of the effect left after `days` (1 for days <= 0). */
double rs_model_retention(const struct rs_model *m, double days);

struct rs_attempt {
    uint32_t course;        /* course index */
    float score;            /* [0,1] */
    bool passed;            /* score >= the course's mastery score */
    int64_t at;             /* unix seconds */
    uint16_t fails;         /* failed attempts in a row at this course, this one included */
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
    float *evidence;            /* dim: assessments behind each value (each counting
                                 * a_k / max a of its course), as of practiced_at:
                                 * they fade with the skill */
    long anchor;                /* the latest course whose event raised capability, or -1 */
    int64_t anchor_at;          /* when (0 with no anchor) */
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
 * same dim, distinct from old). Capabilities and evidence decay to ev->at
 * first. An assessment is of a lesson just taken: each covered tag is first
 * predicted to have learnt, ĉ_k += lesson_gain·a_k·(1 − ĉ_k); the score y
 * then measures the course's level L = Σ a_k·ĉ_k / Σ a_k: L moves the share rho of the way to y, each covered
 * tag by rho·(y − L)·a_k·Σa/Σa² (the least-squares update for that
 * measurement), with rho = max(rate_floor, 1 / (prior_evidence + ē + 1)) and
 * ē the coverage-weighted evidence of the course's tags; each tag's
 * evidence grows by a_k / max a. COMPLETED without a score
 * ĉ_k += eta_completed·a_k·(1 - ĉ_k); STARTED changes no capability.
 * Covered tags get practiced_at = at; a scored event records an attempt
 * (passed when y >= the course's mastery score, counting failures in a
 * row); an event that raised a covered tag makes the course the learner's
 * anchor. The version is bumped.
 * Returns 0, or RS_EINVAL with the reason in err, or RS_ENOMEM. */
int rs_learner_apply(const struct rs_catalog *cat, const struct rs_model *m,
                     const struct rs_learner *old, const struct rs_event *ev,
                     struct rs_learner *out, char *err, size_t errlen);

/* The learner's level on course j: its coverage-weighted mean of chat over
 * the tags j teaches (0 for a course that teaches none). */
float rs_course_level(const struct rs_catalog *cat, const float *chat, size_t j);

/* Course j is mastered when that level reaches its mastery score: the rule for
 * "done" and for "prerequisite met", whatever raised the capability. */
bool rs_course_mastered(const struct rs_catalog *cat, const float *chat, size_t j);

/* Check a learner against a catalog: dim, values in [0,1] and finite,
 * timestamps >= 0, evidence finite and >= 0, anchor and attempt course
 * indices in range. 0 or RS_EINVAL + err. */
int rs_learner_check(const struct rs_catalog *cat, const struct rs_learner *l,
                     char *err, size_t errlen);

#endif
