/* SPDX-License-Identifier: MIT
 * Wire messages <-> core types. Messages built here are malloc'ed piece by
 * piece so that protobuf_c_message_free_unpacked(msg, NULL) frees them. */
#include <math.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc_model.h"

static int errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int errf(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (err && errlen)
        vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static bool empty(const char *s)
{
    return s == NULL || s[0] == '\0';
}

/* ---------------------------------------------------------------- catalog */

struct rs_catalog *svc_model_catalog(const Skillpath__V1__Catalog *pb, char *err, size_t errlen,
                                     size_t *n_errors)
{
    struct rs_tag_def *tags = calloc(pb->n_tags + 1, sizeof *tags);
    struct rs_course_def *courses = calloc(pb->n_courses + 1, sizeof *courses);
    struct rs_target_def *targets = calloc(pb->n_targets + 1, sizeof *targets);
    struct rs_catalog *cat = NULL;
    if (!tags || !courses || !targets) {
        errf(err, errlen, "out of memory");
        if (n_errors)
            *n_errors = 0;
        goto out;
    }
    for (size_t k = 0; k < pb->n_tags; k++) {
        const Skillpath__V1__Tag *t = pb->tags[k];
        tags[k] = (struct rs_tag_def){ t->id, t->name, t->module, t->weight };
    }
    for (size_t j = 0; j < pb->n_courses; j++) {
        const Skillpath__V1__Course *c = pb->courses[j];
        courses[j] = (struct rs_course_def){
            .id = c->id, .title = c->title, .module = c->module, .tier = (int)c->tier,
            .difficulty = c->difficulty, .duration_min = c->duration_min,
            .coverage = c->coverage, .n_coverage = c->n_coverage,
            .prerequisites = (const char *const *)c->prerequisites,
            .n_prerequisites = c->n_prerequisites, .mastery_score = c->mastery_score,
        };
    }
    for (size_t t = 0; t < pb->n_targets; t++) {
        const Skillpath__V1__Target *g = pb->targets[t];
        targets[t] = (struct rs_target_def){ g->id, g->name, g->level, g->n_level };
    }
    struct rs_catalog_def def = {
        .version = pb->version, .tags = tags, .n_tags = pb->n_tags, .courses = courses,
        .n_courses = pb->n_courses, .targets = targets, .n_targets = pb->n_targets,
    };
    cat = rs_catalog_create(&def, err, errlen, n_errors);
out:
    free(tags);
    free(courses);
    free(targets);
    return cat;
}

/* ---------------------------------------------------------------- learner */

int svc_model_learner_from_pb(const struct rs_catalog *cat, const Skillpath__V1__Learner *pb,
                              bool strict, struct rs_learner *out, char *err, size_t errlen)
{
    size_t D = rs_catalog_n_tags(cat);
    if (pb->n_capability != 0 && pb->n_capability != D)
        return errf(err, errlen, "capability: has %zu values, expected %zu (one per tag)",
                    pb->n_capability, D);
    if (pb->n_practiced_at != 0 && pb->n_practiced_at != D)
        return errf(err, errlen, "practicedAt: has %zu values, expected %zu (one per tag)",
                    pb->n_practiced_at, D);
    if (pb->n_evidence != 0 && pb->n_evidence != D)
        return errf(err, errlen, "evidence: has %zu values, expected %zu (one per tag)",
                    pb->n_evidence, D);
    size_t anchor = 0;
    bool has_anchor = !empty(pb->anchor_course_id) &&
                      rs_catalog_find_course(cat, pb->anchor_course_id, &anchor) == 0;
    if (!empty(pb->anchor_course_id) && !has_anchor && strict)
        return errf(err, errlen, "anchorCourseId: unknown course '%s'", pb->anchor_course_id);
    if (pb->anchor_at < 0)
        return errf(err, errlen, "anchorAt: negative time");
    if (pb->tier < 0 || pb->tier > SKILLPATH__V1__TIER__MANAGER)
        return errf(err, errlen, "tier: %d is not a tier", (int)pb->tier);
    size_t target = 0;
    bool has_target = !empty(pb->target_id) && rs_catalog_find_target(cat, pb->target_id, &target) == 0;
    if (!empty(pb->target_id) && !has_target && strict)
        return errf(err, errlen, "targetId: unknown target '%s'", pb->target_id);
    if (rs_learner_init(out, D) != 0)
        return errf(err, errlen, "out of memory");
    out->tier = (enum rs_tier)pb->tier;
    out->target = has_target ? (long)target : -1;
    out->version = pb->version;
    for (size_t k = 0; k < pb->n_capability; k++) {
        float c = pb->capability[k];
        if (!isfinite(c)) {
            errf(err, errlen, "capability[%zu]: not a finite number", k);
            goto fail;
        }
        if (c < 0 || c > 1) {
            errf(err, errlen, "capability[%zu]: %g is outside [0,1]", k, (double)c);
            goto fail;
        }
        out->capability[k] = c;
    }
    for (size_t k = 0; k < pb->n_practiced_at; k++) {
        if (pb->practiced_at[k] < 0) {
            errf(err, errlen, "practicedAt[%zu]: negative time", k);
            goto fail;
        }
        out->practiced_at[k] = pb->practiced_at[k];
    }
    for (size_t k = 0; k < pb->n_evidence; k++) {
        float e = pb->evidence[k];
        if (!isfinite(e) || e < 0) {
            errf(err, errlen, "evidence[%zu]: must be a finite number >= 0", k);
            goto fail;
        }
        out->evidence[k] = e;
    }
    if (has_anchor) {
        out->anchor = (long)anchor;
        out->anchor_at = pb->anchor_at;
    }
    for (size_t i = 0; i < pb->n_attempts; i++) {
        const Skillpath__V1__Attempt *a = pb->attempts[i];
        size_t j;
        if (rs_catalog_find_course(cat, a->course_id, &j) != 0) {
            if (!strict)
                continue;
            errf(err, errlen, "attempts[%zu].courseId: unknown course '%s'", i, a->course_id);
            goto fail;
        }
        if (!(a->score >= 0 && a->score <= 1)) {
            errf(err, errlen, "attempts[%zu].score: must be a number in [0,1]", i);
            goto fail;
        }
        const struct rs_attempt *prev = rs_learner_find_attempt(out, (uint32_t)j);
        if (prev && prev->at > a->at)
            continue;               /* keep the latest attempt per course */
        struct rs_attempt att = {
            .course = (uint32_t)j, .score = a->score, .passed = a->passed, .at = a->at,
            .fails = (uint16_t)(a->fails < UINT16_MAX ? a->fails : UINT16_MAX),
        };
        if (rs_learner_set_attempt(out, &att) != 0) {
            errf(err, errlen, "out of memory");
            goto fail;
        }
    }
    return 0;
fail:
    rs_learner_deinit(out);
    return -1;
}

static char *dupstr(const char *s)
{
    return strdup(s ? s : "");
}

Skillpath__V1__Learner *svc_model_learner_to_pb(const struct rs_catalog *cat,
                                                const struct rs_learner *l, const char *id)
{
    Skillpath__V1__Learner *pb = malloc(sizeof *pb);
    if (pb == NULL)
        return NULL;
    skillpath__v1__learner__init(pb);
    pb->id = dupstr(id);
    pb->tier = (Skillpath__V1__Tier)l->tier;
    pb->target_id = dupstr(l->target >= 0 ? rs_catalog_target_id(cat, (size_t)l->target) : "");
    pb->version = l->version;
    pb->capability = malloc(l->dim * sizeof(float) + 1);
    pb->practiced_at = malloc(l->dim * sizeof(int64_t) + 1);
    pb->attempts = calloc(l->n_attempts + 1, sizeof *pb->attempts);
    pb->anchor_course_id = dupstr(l->anchor >= 0 ? rs_catalog_course_id(cat, (size_t)l->anchor) : "");
    pb->evidence = malloc(l->dim * sizeof(float) + 1);
    if (!pb->id || !pb->target_id || !pb->capability || !pb->practiced_at || !pb->attempts ||
        !pb->anchor_course_id || !pb->evidence)
        goto fail;
    pb->anchor_at = l->anchor >= 0 ? l->anchor_at : 0;
    pb->n_capability = pb->n_practiced_at = l->dim;
    memcpy(pb->capability, l->capability, l->dim * sizeof(float));
    memcpy(pb->practiced_at, l->practiced_at, l->dim * sizeof(int64_t));
    /* practicedAt all zero is the default: leave it out of the message. */
    bool any = false;
    for (size_t k = 0; k < l->dim; k++)
        any |= l->practiced_at[k] != 0;
    if (!any)
        pb->n_practiced_at = 0;
    /* evidence likewise */
    memcpy(pb->evidence, l->evidence, l->dim * sizeof(float));
    any = false;
    for (size_t k = 0; k < l->dim; k++)
        any |= l->evidence[k] != 0;
    pb->n_evidence = any ? l->dim : 0;
    for (size_t i = 0; i < l->n_attempts; i++) {
        Skillpath__V1__Attempt *a = malloc(sizeof *a);
        if (a == NULL)
            goto fail;
        skillpath__v1__attempt__init(a);
        pb->attempts[pb->n_attempts++] = a;
        a->course_id = dupstr(rs_catalog_course_id(cat, l->attempts[i].course));
        if (a->course_id == NULL)
            goto fail;
        a->score = l->attempts[i].score;
        a->passed = l->attempts[i].passed;
        a->at = l->attempts[i].at;
        a->fails = l->attempts[i].fails;
    }
    return pb;
fail:
    protobuf_c_message_free_unpacked(&pb->base, NULL);
    return NULL;
}

/* ---------------------------------------------------------------- event */

int svc_model_event_from_pb(const struct rs_catalog *cat, const Skillpath__V1__Event *pb,
                            struct rs_event *out, char *err, size_t errlen)
{
    size_t j;
    if (empty(pb->course_id))
        return errf(err, errlen, "courseId: missing");
    if (rs_catalog_find_course(cat, pb->course_id, &j) != 0)
        return errf(err, errlen, "courseId: unknown course '%s'", pb->course_id);
    if (pb->kind == SKILLPATH__V1__EVENT_KIND__EVENT_KIND_UNSPECIFIED)
        return errf(err, errlen, "kind: missing (STARTED, COMPLETED or ASSESSED)");
    if (pb->at <= 0)
        return errf(err, errlen, "at: missing (unix seconds)");
    if (!(pb->score >= 0 && pb->score <= 1))
        return errf(err, errlen, "score: %g is outside [0,1]", (double)pb->score);
    out->course = (uint32_t)j;
    out->kind = (enum rs_event_kind)pb->kind;
    /* proto3 cannot tell a zero score from none: ASSESSED always has one,
     * COMPLETED has one when it is above zero. */
    out->has_score = pb->kind == SKILLPATH__V1__EVENT_KIND__ASSESSED || pb->score > 0;
    out->score = pb->score;
    out->at = pb->at;
    return 0;
}

/* ---------------------------------------------------------------- query */

int svc_model_query_from_pb(const struct rs_catalog *cat, const Skillpath__V1__RecommendRequest *req,
                            const struct rs_learner *l, struct rs_path_query *q, char *err,
                            size_t errlen)
{
    memset(q, 0, sizeof *q);
    q->learner = l;
    q->now = req->now;
    q->budget_min = req->time_budget_min;
    if (req->max_items > RS_PATH_MAX_ITEMS)
        return errf(err, errlen, "maxItems: %u is more than %d", req->max_items, RS_PATH_MAX_ITEMS);
    q->max_items = req->max_items;
    if (!empty(req->target_id)) {
        if (rs_catalog_find_target(cat, req->target_id, &q->target) != 0)
            return errf(err, errlen, "targetId: unknown target '%s'", req->target_id);
    } else if (l->target >= 0) {
        q->target = (size_t)l->target;
    } else {
        return errf(err, errlen, "targetId: the learner has no target; name one");
    }
    uint32_t *ex = calloc(req->n_exclude + 1, sizeof *ex);
    uint32_t *mods = calloc(req->n_modules + 1, sizeof *mods);
    if (!ex || !mods) {
        free(ex);
        free(mods);
        return errf(err, errlen, "out of memory");
    }
    q->exclude = ex;
    q->modules = mods;
    for (size_t i = 0; i < req->n_exclude; i++) {
        size_t j;
        if (rs_catalog_find_course(cat, req->exclude[i], &j) != 0) {
            svc_model_query_deinit(q);
            return errf(err, errlen, "exclude[%zu]: unknown course '%s'", i, req->exclude[i]);
        }
        ex[q->n_exclude++] = (uint32_t)j;
    }
    for (size_t i = 0; i < req->n_modules; i++) {
        size_t m;
        if (rs_catalog_find_module(cat, req->modules[i], &m) != 0) {
            svc_model_query_deinit(q);
            return errf(err, errlen, "modules[%zu]: unknown module '%s'", i, req->modules[i]);
        }
        mods[q->n_modules++] = (uint32_t)m;
    }
    return 0;
}

void svc_model_query_deinit(struct rs_path_query *q)
{
    free((void *)q->exclude);
    free((void *)q->modules);
    q->exclude = q->modules = NULL;
    q->n_exclude = q->n_modules = 0;
}

/* ---------------------------------------------------------------- path */

Skillpath__V1__RecommendResponse *svc_model_path_to_pb(const struct rs_catalog *cat,
                                                       const struct rs_path *p,
                                                       const char *learner_id)
{
    /* One block: the response, its items and their tag changes; the strings
     * are borrowed from the catalog. It answers every recommendation, so it
     * makes one allocation, not one per item, change and string. */
    size_t bytes = sizeof(Skillpath__V1__RecommendResponse) +
                   p->n_items * (sizeof(Skillpath__V1__PathItem *) + sizeof(Skillpath__V1__PathItem)) +
                   p->n_changes * (sizeof(Skillpath__V1__TagChange *) + sizeof(Skillpath__V1__TagChange));
    char *block = malloc(bytes);
    if (block == NULL)
        return NULL;
    Skillpath__V1__RecommendResponse *r = (Skillpath__V1__RecommendResponse *)block;
    Skillpath__V1__PathItem *items = (Skillpath__V1__PathItem *)(r + 1);
    Skillpath__V1__TagChange *changes = (Skillpath__V1__TagChange *)(items + p->n_items);
    Skillpath__V1__PathItem **item_ptrs = (Skillpath__V1__PathItem **)(changes + p->n_changes);
    Skillpath__V1__TagChange **change_ptrs = (Skillpath__V1__TagChange **)(item_ptrs + p->n_items);
    skillpath__v1__recommend_response__init(r);
    r->learner_id = (char *)(learner_id ? learner_id : "");
    r->catalog_version = (char *)rs_catalog_version(cat);
    r->total_min = p->total_min;
    r->gap_before = p->gap_before;
    r->gap_after = p->gap_after;
    r->status = (Skillpath__V1__PathStatus)p->status;
    r->items = item_ptrs;
    r->n_items = p->n_items;
    for (size_t i = 0; i < p->n_items; i++) {
        const struct rs_path_item *it = &p->items[i];
        Skillpath__V1__PathItem *pi = &items[i];
        skillpath__v1__path_item__init(pi);
        item_ptrs[i] = pi;
        pi->course_id = (char *)rs_catalog_course_id(cat, it->course);
        pi->title = (char *)rs_catalog_course_title(cat, it->course);
        pi->duration_min = it->duration_min;
        pi->gain = it->gain;
        pi->reason = (Skillpath__V1__Reason)it->reason;
        pi->closes = change_ptrs + it->first_change;
        pi->n_closes = it->n_changes;
        for (size_t c = 0; c < it->n_changes; c++) {
            size_t k = it->first_change + c;
            const struct rs_tag_change *tc = &p->changes[k];
            skillpath__v1__tag_change__init(&changes[k]);
            change_ptrs[k] = &changes[k];
            changes[k].tag_id = (char *)rs_catalog_tag_id(cat, tc->tag);
            changes[k].before = tc->before;
            changes[k].after = tc->after;
        }
    }
    return r;
}

void svc_model_path_free(Skillpath__V1__RecommendResponse *r)
{
    free(r);
}

/* ---------------------------------------------------------------- model settings */

/* One row per setting: its name on the wire and in --model, where it lives. */
struct setting {
    const char *name;
    size_t pb_off;                  /* in Skillpath__V1__Model */
    size_t off;                     /* in struct rs_model */
    bool whole;                     /* unsigned, else float */
};
#define FSET(f) { #f, offsetof(Skillpath__V1__Model, f), offsetof(struct rs_model, f), false }
#define USET(f) { #f, offsetof(Skillpath__V1__Model, f), offsetof(struct rs_model, f), true }
static const struct setting settings[] = {
    FSET(baseline), FSET(prior_evidence), FSET(rate_floor), FSET(lesson_gain), FSET(eta_completed),
    FSET(session_gain), USET(max_sessions), USET(retake_cap), FSET(retake_factor),
    FSET(continuity), FSET(stretch), FSET(fit_width), FSET(fit_floor), FSET(tier_penalty),
    FSET(gap_tolerance),
};
#undef FSET
#undef USET

static void set_value(struct rs_model *m, const struct setting *st, double v)
{
    char *at = (char *)m + st->off;
    if (st->whole)
        *(unsigned *)at = (unsigned)v;
    else
        *(float *)at = (float)v;
}

static int checked(const struct rs_model *m, char *err, size_t errlen)
{
    char why[200];
    if (rs_model_check(m, why, sizeof why) != 0)
        return errf(err, errlen, "model.%s", why);
    return 0;
}

int svc_model_settings_from_pb(const Skillpath__V1__Model *pb, struct rs_model *out, char *err,
                               size_t errlen)
{
    rs_model_default(out);
    if (pb == NULL)
        return 0;
    if (pb->half_life_days != 0)
        out->half_life_days = pb->half_life_days;
    for (size_t i = 0; i < sizeof settings / sizeof *settings; i++) {
        const char *at = (const char *)pb + settings[i].pb_off;
        double v = settings[i].whole ? (double)*(const uint32_t *)at : (double)*(const float *)at;
        if (v != 0)
            set_value(out, &settings[i], v);
    }
    switch (pb->sequencer) {
    case SKILLPATH__V1__SEQUENCER__SEQUENCER_UNSPECIFIED:
    case SKILLPATH__V1__SEQUENCER__RULES:
        out->sequencer = RS_SEQUENCER_RULES;
        break;
    case SKILLPATH__V1__SEQUENCER__LEGACY:
        out->sequencer = RS_SEQUENCER_LEGACY;
        break;
    default:
        return errf(err, errlen, "model.sequencer: %d is not a sequencer", (int)pb->sequencer);
    }
    return checked(out, err, errlen);
}

int svc_model_settings_parse(const char *assignments, struct rs_model *m, char *err, size_t errlen)
{
    const char *p = assignments;
    while (*p) {
        const char *eq = strchr(p, '='), *end = strchr(p, ',');
        end = end ? end : p + strlen(p);
        if (eq == NULL || eq > end)
            return errf(err, errlen, "--model: '%.*s' is not name=value", (int)(end - p), p);
        size_t nlen = (size_t)(eq - p);
        char val[64];
        size_t vlen = (size_t)(end - eq - 1);
        if (vlen == 0 || vlen >= sizeof val)
            return errf(err, errlen, "--model: %.*s has no value", (int)nlen, p);
        memcpy(val, eq + 1, vlen);
        val[vlen] = '\0';
        bool found = false;
        if (nlen == 9 && strncmp(p, "sequencer", 9) == 0) {
            found = true;
            if (strcmp(val, "rules") == 0)
                m->sequencer = RS_SEQUENCER_RULES;
            else if (strcmp(val, "legacy") == 0)
                m->sequencer = RS_SEQUENCER_LEGACY;
            else
                return errf(err, errlen, "--model: sequencer '%s' is not rules or legacy", val);
        }
        char *num_end;
        double v = found ? 0 : strtod(val, &num_end);
        if (!found && (*num_end != '\0' || !isfinite(v)))
            return errf(err, errlen, "--model: %.*s: '%s' is not a number", (int)nlen, p, val);
        if (!found && nlen == 14 && strncmp(p, "half_life_days", 14) == 0) {
            m->half_life_days = v;
            found = true;
        }
        for (size_t i = 0; i < sizeof settings / sizeof *settings && !found; i++)
            if (strlen(settings[i].name) == nlen && strncmp(p, settings[i].name, nlen) == 0) {
                if (settings[i].whole && (v < 0 || v != floor(v) || v > 1e6))
                    return errf(err, errlen, "--model: %s: '%s' is not a whole number", settings[i].name, val);
                set_value(m, &settings[i], v);
                found = true;
            }
        if (!found)
            return errf(err, errlen, "--model: unknown setting '%.*s'", (int)nlen, p);
        p = *end ? end + 1 : end;
    }
    return checked(m, err, errlen);
}

const char *svc_model_status_text(enum rs_path_status st)
{
    switch (st) {
    case RS_PATH_IN_PROGRESS: return "in progress: a gap remains after these lessons";
    case RS_PATH_TARGET_REACHED: return "target reached: no gap left";
    case RS_PATH_NOTHING_LEFT: return "nothing left: no allowed course can close the gap that remains";
    case RS_PATH_BUDGET_TOO_SMALL: return "budget too small: the next course does not fit the minutes given";
    case RS_PATH_NONE: break;
    }
    return "not built";
}

const char *svc_model_reason_name(enum rs_reason r)
{
    switch (r) {
    case RS_REASON_GAP: return "gap";
    case RS_REASON_PREREQUISITE: return "prerequisite";
    case RS_REASON_REVIEW: return "review";
    case RS_REASON_RETAKE: return "retake";
    case RS_REASON_PRACTICE: return "practice";
    default: return "-";
    }
}

const char *svc_model_tier_name(enum rs_tier t)
{
    switch (t) {
    case RS_TIER_NEW_HIRE: return "new hire";
    case RS_TIER_CORE_STAFF: return "core staff";
    case RS_TIER_MANAGER: return "manager";
    default: return "any tier";
    }
}

int svc_model_tier_value(const char *name)
{
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value_by_name(&skillpath__v1__tier__descriptor, name);
    return v && v->value > 0 ? v->value : -1;
}
