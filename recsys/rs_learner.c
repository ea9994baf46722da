/* SPDX-License-Identifier: MIT
 * The learner model: exponential decay of the trained part of each skill,
 * the weighted gap to a target, and the update from one learning event. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rs_internal.h"

void rs_model_default(struct rs_model *m)
{
    memset(m, 0, sizeof *m);            /* padding too: a model compares by its bytes */
    m->sequencer = RS_SEQUENCER_RULES;
    m->half_life_days = rs_model_half_life(0.6, 182.0);
    m->baseline = 0.2f;
    m->prior_evidence = 0.25f;
    m->rate_floor = 0.7f;
    m->lesson_gain = 0.3f;
    m->eta_completed = 0.15f;
    m->session_gain = 0.5f;
    m->max_sessions = 3;
    m->retake_cap = 2;
    m->retake_factor = 0.5f;
    m->continuity = 0.3f;
    m->stretch = 0.1f;
    m->fit_width = 0.35f;
    m->fit_floor = 0.25f;
    m->tier_penalty = 0.6f;
    m->min_gain = 1e-4f;
    m->gap_tolerance = 0.01f;
}

int rs_model_check(const struct rs_model *m, char *err, size_t errlen)
{
#define RANGE(field, lo, hi, open_lo)                                                       \
    if (!((open_lo) ? m->field > (lo) : m->field >= (lo)) || !(m->field <= (hi))) {        \
        rs_err_set(err, errlen, "%s: %g is outside %s%g, %g]", #field, (double)m->field,  \
                   (open_lo) ? "(" : "[", (double)(lo), (double)(hi));                     \
        return RS_EINVAL;                                                                   \
    }
    if (m->sequencer != RS_SEQUENCER_RULES && m->sequencer != RS_SEQUENCER_LEGACY) {
        rs_err_set(err, errlen, "sequencer: %d is not a sequencer", (int)m->sequencer);
        return RS_EINVAL;
    }
    RANGE(half_life_days, 0, 1e6, 1)
    RANGE(baseline, 0, 0.99, 0)
    RANGE(prior_evidence, 0, 1e3, 0)
    RANGE(rate_floor, 0, 1, 1)
    RANGE(lesson_gain, 0, 1, 0)
    RANGE(eta_completed, 0, 1, 0)
    RANGE(session_gain, 0, 1, 1)
    RANGE(max_sessions, 1, 255, 0)
    RANGE(retake_cap, 1, 1000, 0)
    RANGE(retake_factor, 0, 1, 1)
    RANGE(continuity, 0, 1, 0)
    RANGE(stretch, -1, 1, 0)
    RANGE(fit_width, 0, 10, 1)
    RANGE(fit_floor, 0, 1, 0)
    RANGE(tier_penalty, 0, 1, 1)
    RANGE(min_gain, 0, 1, 0)
    RANGE(gap_tolerance, 0, 1e3, 0)
#undef RANGE
    return 0;
}

double rs_model_half_life(double retained, double days)
{
    return days * log(2.0) / -log(retained);
}

double rs_model_retention(const struct rs_model *m, double days)
{
    if (days <= 0 || !(m->half_life_days > 0))
        return 1.0;
    return exp2(-days / m->half_life_days);
}

/* ---------------------------------------------------------------- state */

int rs_learner_init(struct rs_learner *l, size_t dim)
{
    memset(l, 0, sizeof *l);
    l->dim = dim;
    l->target = -1;
    l->anchor = -1;
    l->capability = calloc(dim ? dim : 1, sizeof *l->capability);
    l->practiced_at = calloc(dim ? dim : 1, sizeof *l->practiced_at);
    l->evidence = calloc(dim ? dim : 1, sizeof *l->evidence);
    if (!l->capability || !l->practiced_at || !l->evidence) {
        rs_learner_deinit(l);
        return RS_ENOMEM;
    }
    return 0;
}

void rs_learner_deinit(struct rs_learner *l)
{
    free(l->capability);
    free(l->practiced_at);
    free(l->evidence);
    free(l->attempts);
    memset(l, 0, sizeof *l);
    l->target = -1;
    l->anchor = -1;
}

static int reserve_attempts(struct rs_learner *l, size_t n)
{
    if (n <= l->cap_attempts)
        return 0;
    size_t cap = l->cap_attempts ? l->cap_attempts : 8;
    while (cap < n)
        cap *= 2;
    struct rs_attempt *grown = realloc(l->attempts, cap * sizeof *grown);
    if (grown == NULL)
        return RS_ENOMEM;
    l->attempts = grown;
    l->cap_attempts = cap;
    return 0;
}

int rs_learner_copy(struct rs_learner *dst, const struct rs_learner *src)
{
    if (dst->dim != src->dim)
        return RS_EINVAL;
    if (reserve_attempts(dst, src->n_attempts))
        return RS_ENOMEM;
    dst->tier = src->tier;
    dst->target = src->target;
    dst->version = src->version;
    memcpy(dst->capability, src->capability, src->dim * sizeof *src->capability);
    memcpy(dst->practiced_at, src->practiced_at, src->dim * sizeof *src->practiced_at);
    memcpy(dst->evidence, src->evidence, src->dim * sizeof *src->evidence);
    dst->anchor = src->anchor;
    dst->anchor_at = src->anchor_at;
    if (src->n_attempts)
        memcpy(dst->attempts, src->attempts, src->n_attempts * sizeof *src->attempts);
    dst->n_attempts = src->n_attempts;
    return 0;
}

/* Attempts stay sorted by course: lookups are a binary search. */
static size_t lower_bound(const struct rs_learner *l, uint32_t course)
{
    size_t lo = 0, hi = l->n_attempts;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (l->attempts[mid].course < course)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const struct rs_attempt *rs_learner_find_attempt(const struct rs_learner *l, uint32_t course)
{
    size_t i = lower_bound(l, course);
    return i < l->n_attempts && l->attempts[i].course == course ? &l->attempts[i] : NULL;
}

int rs_learner_set_attempt(struct rs_learner *l, const struct rs_attempt *a)
{
    size_t i = lower_bound(l, a->course);
    if (i < l->n_attempts && l->attempts[i].course == a->course) {
        l->attempts[i] = *a;
        return 0;
    }
    if (reserve_attempts(l, l->n_attempts + 1))
        return RS_ENOMEM;
    memmove(&l->attempts[i + 1], &l->attempts[i], (l->n_attempts - i) * sizeof *a);
    l->attempts[i] = *a;
    l->n_attempts++;
    return 0;
}

/* ---------------------------------------------------------------- model */

static double retention_since(const struct rs_model *m, int64_t practiced_at, int64_t now)
{
    if (practiced_at <= 0 || now <= practiced_at)
        return 1.0;
    return rs_model_retention(m, (double)(now - practiced_at) / RS_SECONDS_PER_DAY);
}

static float decay_one(const struct rs_model *m, float c, int64_t practiced_at, int64_t now)
{
    if (c <= m->baseline)
        return c;
    return (float)(m->baseline + (c - m->baseline) * retention_since(m, practiced_at, now));
}

float rs_course_level(const struct rs_catalog *cat, const float *chat, size_t j)
{
    float level = 0;
    for (uint32_t e = cat->nz_off[j]; e < cat->nz_off[j + 1]; e++)
        level += cat->nz_val[e] * chat[cat->nz_tag[e]];
    return cat->cover_sum[j] > 0 ? level / cat->cover_sum[j] : 0;
}

bool rs_course_mastered(const struct rs_catalog *cat, const float *chat, size_t j)
{
    return rs_course_level(cat, chat, j) >= cat->mastery[j];
}

void rs_learner_effective(const struct rs_model *m, const struct rs_learner *l, int64_t now,
                          float *out)
{
    for (size_t k = 0; k < l->dim; k++)
        out[k] = decay_one(m, l->capability[k], l->practiced_at[k], now);
}

int64_t rs_learner_review_due(const struct rs_model *m, float c, int64_t practiced_at, float level)
{
    if (c < level)
        return practiced_at;            /* below already: due now */
    if (practiced_at <= 0 || level <= m->baseline || !(m->half_life_days > 0))
        return 0;                       /* never fades below it */
    /* b + (c - b)·2^(-d/h) = level  =>  d = h·log2((c - b) / (level - b)) */
    double days = m->half_life_days * log2((c - m->baseline) / (level - m->baseline));
    return practiced_at + (int64_t)ceil(days * RS_SECONDS_PER_DAY);
}

float rs_learner_gap(const float *chat, const float *target, const float *w, size_t D, float *g)
{
    float total = 0;
    for (size_t k = 0; k < D; k++) {
        float d = target[k] - chat[k];
        float gk = d > 0 ? w[k] * d : 0.0f;
        if (g)
            g[k] = gk;
        total += gk;
    }
    return total;
}

static float clamp01(float x)
{
    return x < 0 ? 0 : x > 1 ? 1 : x;
}

int rs_learner_check(const struct rs_catalog *cat, const struct rs_learner *l, char *err,
                     size_t errlen)
{
    if (l->dim != cat->n_tags) {
        rs_err_set(err, errlen, "capability has %zu values, expected %zu (one per tag)", l->dim,
                   cat->n_tags);
        return RS_EINVAL;
    }
    for (size_t k = 0; k < l->dim; k++) {
        if (!isfinite(l->capability[k])) {
            rs_err_set(err, errlen, "capability[%zu]: not a finite number", k);
            return RS_EINVAL;
        }
        if (!rs_finite01(l->capability[k])) {
            rs_err_set(err, errlen, "capability[%zu]: %g is outside [0,1]", k,
                       (double)l->capability[k]);
            return RS_EINVAL;
        }
        if (l->practiced_at[k] < 0) {
            rs_err_set(err, errlen, "practiced_at[%zu]: negative time", k);
            return RS_EINVAL;
        }
        if (!(l->evidence[k] >= 0) || !isfinite(l->evidence[k])) {
            rs_err_set(err, errlen, "evidence[%zu]: not a finite number >= 0", k);
            return RS_EINVAL;
        }
    }
    if (l->anchor >= (long)cat->n_courses || l->anchor < -1) {
        rs_err_set(err, errlen, "anchor: course index %ld out of range", l->anchor);
        return RS_EINVAL;
    }
    if (l->target >= (long)cat->n_targets) {
        rs_err_set(err, errlen, "target index %ld out of range", l->target);
        return RS_EINVAL;
    }
    for (size_t i = 0; i < l->n_attempts; i++) {
        const struct rs_attempt *a = &l->attempts[i];
        if (a->course >= cat->n_courses) {
            rs_err_set(err, errlen, "attempts[%zu]: course index %u out of range", i, a->course);
            return RS_EINVAL;
        }
        if (!rs_finite01(a->score)) {
            rs_err_set(err, errlen, "attempts[%zu]: score is not a number in [0,1]", i);
            return RS_EINVAL;
        }
    }
    return 0;
}

int rs_learner_apply(const struct rs_catalog *cat, const struct rs_model *m,
                     const struct rs_learner *old, const struct rs_event *ev,
                     struct rs_learner *out, char *err, size_t errlen)
{
    if (ev->course >= cat->n_courses) {
        rs_err_set(err, errlen, "course index %u out of range", ev->course);
        return RS_EINVAL;
    }
    if (ev->kind != RS_EVENT_STARTED && ev->kind != RS_EVENT_COMPLETED &&
        ev->kind != RS_EVENT_ASSESSED) {
        rs_err_set(err, errlen, "kind: %d is not an event kind", (int)ev->kind);
        return RS_EINVAL;
    }
    if (ev->at <= 0) {
        rs_err_set(err, errlen, "at: must be a positive unix time");
        return RS_EINVAL;
    }
    bool scored = ev->kind == RS_EVENT_ASSESSED || (ev->kind == RS_EVENT_COMPLETED && ev->has_score);
    if (scored && !rs_finite01(ev->score)) {
        rs_err_set(err, errlen, "score: must be a number in [0,1]");
        return RS_EINVAL;
    }
    if (old->dim != cat->n_tags || out->dim != cat->n_tags) {
        rs_err_set(err, errlen, "learner has %zu tags, the catalog %zu", old->dim, cat->n_tags);
        return RS_EINVAL;
    }
    int rc = rs_learner_copy(out, old);
    if (rc != 0)
        return rc;
    out->version = old->version + 1;
    if (ev->kind == RS_EVENT_STARTED)
        return 0;

    /* First the covered tags and their evidence decay to `at` (in out). */
    const uint32_t j = ev->course;
    float S = 0, S2 = 0, L = 0, P = 0, E = 0, amax = 0;
    for (uint32_t q = cat->nz_off[j]; q < cat->nz_off[j + 1]; q++) {
        uint32_t k = cat->nz_tag[q];
        float ak = cat->nz_val[q];
        out->capability[k] = decay_one(m, old->capability[k], old->practiced_at[k], ev->at);
        out->evidence[k] = (float)(old->evidence[k] * retention_since(m, old->practiced_at[k], ev->at));
        float c = out->capability[k];
        S += ak;
        S2 += ak * ak;
        L += ak * c;
        P += ak * m->lesson_gain * ak * (1.0f - c);
        E += ak * out->evidence[k];
        amax = ak > amax ? ak : amax;
    }
    /* An assessment is of a lesson just taken, so first the prediction: a
     * lesson teaches, each covered tag lesson_gain·a of the way to 1 (the
     * process step of a Kalman filter; without it the estimate lags a
     * learner who is learning: bench-quality measured a bias of −0.04,
     * none with it). The score then measures the course's level
     * L = Σ a·c / Σ a of that prediction (P is its rise). The update is the
     * least-squares (Kalman) one for that measurement with equal
     * uncertainty on each tag: L moves the share rho of the way to y, each
     * tag by rho·(y − L)·a_k·S/Σa², and rho shrinks with the evidence
     * already behind those tags (the starting profile counting for
     * prior_evidence assessments), never below rate_floor, so the estimate
     * keeps following a learner who improves. The floor also bounds what
     * the prediction adds for a learner who stops improving: on a course of
     * one tag, one who keeps scoring y settles at
     * (rho·y + (1 − rho)·g) / (rho + (1 − rho)·g), g = lesson_gain·a — 0.73
     * for y = 0.7 at the defaults (a = 1), short of a 0.8 mastery score (a
     * floor of 0.4 would put it at 0.79). */
    float rho = 0, shift = 0;
    if (scored && S > 0) {
        L /= S;
        P /= S;
        E /= S;
        L += P;
        rho = 1.0f / (m->prior_evidence + E + 1.0f);
        rho = rho > m->rate_floor ? rho : m->rate_floor;
        rho = rho < 1 ? rho : 1;
        shift = rho * (ev->score - L) * S / S2;
    }
    bool progress = false;
    for (uint32_t q = cat->nz_off[j]; q < cat->nz_off[j + 1]; q++) {
        uint32_t k = cat->nz_tag[q];
        float ak = cat->nz_val[q], c = out->capability[k], next;
        if (scored) {
            next = c + m->lesson_gain * ak * (1.0f - c) + shift * ak;
            out->evidence[k] += ak / amax;
        } else {
            next = c + m->eta_completed * ak * (1.0f - c);
        }
        next = clamp01(next);
        progress |= next >= c + RS_PROGRESS_MIN;
        out->capability[k] = next;
        if (ev->at > out->practiced_at[k])
            out->practiced_at[k] = ev->at;
    }
    if (progress && ev->at >= out->anchor_at) {
        out->anchor = ev->course;
        out->anchor_at = ev->at;
    }
    const struct rs_attempt *prev = rs_learner_find_attempt(out, ev->course);
    if (scored && (prev == NULL || prev->at <= ev->at)) {
        /* The latest attempt wins; a late-arriving older one only teaches. */
        bool passed = ev->score >= cat->mastery[ev->course];
        unsigned fails = passed ? 0 : prev && !prev->passed ? prev->fails + 1u : 1u;
        struct rs_attempt att = {
            .course = ev->course,
            .score = ev->score,
            .passed = passed,
            .fails = (uint16_t)(fails < UINT16_MAX ? fails : UINT16_MAX),
            .at = ev->at,
        };
        rc = rs_learner_set_attempt(out, &att);
    }
    return rc;
}
