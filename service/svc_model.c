/* SPDX-License-Identifier: MIT
 * Wire messages <-> core types. Messages built here are malloc'ed piece by
 * piece so that protobuf_c_message_free_unpacked(msg, NULL) frees them. */
#include <math.h>
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
        struct rs_attempt att = { (uint32_t)j, a->score, a->passed, a->at };
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
    if (!pb->id || !pb->target_id || !pb->capability || !pb->practiced_at || !pb->attempts)
        goto fail;
    pb->n_capability = pb->n_practiced_at = l->dim;
    memcpy(pb->capability, l->capability, l->dim * sizeof(float));
    memcpy(pb->practiced_at, l->practiced_at, l->dim * sizeof(int64_t));
    /* practicedAt all zero is the default: leave it out of the message. */
    bool any = false;
    for (size_t k = 0; k < l->dim; k++)
        any |= l->practiced_at[k] != 0;
    if (!any)
        pb->n_practiced_at = 0;
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

/* ---------------------------------------------------------------- stored form */

/* The compact form (STORED_V2); integers are LEB128 varints unless sized:
 *   0xC2  version  tier(1 byte)  target_len target_id  D
 *   D x round(capability * 1e6) in 20 bits, packed little-endian
 *   base  D x (practiced_at ? base - practiced_at + 1 : 0)
 *   n  n x { course  round(score * 1e6) << 1 | passed  (at ? base - at + 1 : 0) }
 * base is the learner's newest time. Attempts are in catalog order and each
 * course id is front-coded against the previous one: one byte shared << 4 |
 * rest_len when both are below 15, else 0xFF shared rest_len (varints); then
 * the rest. With the demo's 28 tags and 10 attempts this is ~275 bytes where
 * the protobuf form (8-byte version + Learner) took ~457: in Redis, one
 * 320-byte allocation instead of 512. The older form is still read: its first
 * byte is the version's top byte, 0 for any version below 2^56. */
#define STORED_V2 0xC2
#define STORED_SCALE 1e6f
#define STORED_BITS 20          /* 2^20 > 1e6 */

static uint32_t quantize(float x)
{
    return (uint32_t)lrint((double)x * STORED_SCALE);
}

void svc_model_round_stored(struct rs_learner *l)
{
    for (size_t k = 0; k < l->dim; k++)
        l->capability[k] = (float)quantize(l->capability[k]) / STORED_SCALE;
    for (size_t i = 0; i < l->n_attempts; i++)
        l->attempts[i].score = (float)quantize(l->attempts[i].score) / STORED_SCALE;
}

struct wbuf {
    uint8_t *p;
    size_t len, cap;
};

static bool wb_room(struct wbuf *b, size_t n)
{
    if (b->len + n <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap * 2 : 512;
    while (cap < b->len + n)
        cap *= 2;
    uint8_t *grown = realloc(b->p, cap);
    if (grown == NULL)
        return false;
    b->p = grown;
    b->cap = cap;
    return true;
}

static bool wb_varint(struct wbuf *b, uint64_t v)
{
    if (!wb_room(b, 10))
        return false;
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        b->p[b->len++] = byte | (v ? 0x80 : 0);
    } while (v);
    return true;
}

static bool wb_bytes(struct wbuf *b, const void *d, size_t n)
{
    if (!wb_varint(b, n) || !wb_room(b, n))
        return false;
    memcpy(b->p + b->len, d, n);
    b->len += n;
    return true;
}

static uint64_t since(int64_t base, int64_t t)
{
    return t == 0 ? 0 : (uint64_t)base - (uint64_t)t + 1;
}

char *svc_model_encode_stored(const struct rs_catalog *cat, struct rs_learner *l, size_t *len)
{
    svc_model_round_stored(l);
    const char *target = l->target >= 0 ? rs_catalog_target_id(cat, (size_t)l->target) : "";
    int64_t base = 0;
    for (size_t k = 0; k < l->dim; k++)
        base = l->practiced_at[k] > base ? l->practiced_at[k] : base;
    for (size_t i = 0; i < l->n_attempts; i++)
        base = l->attempts[i].at > base ? l->attempts[i].at : base;
    struct wbuf b = {0};
    bool ok = wb_room(&b, 2);
    if (ok) {
        b.p[b.len++] = STORED_V2;
        ok = wb_varint(&b, l->version) && wb_room(&b, 1);
    }
    if (ok) {
        b.p[b.len++] = (uint8_t)l->tier;
        ok = wb_bytes(&b, target, strlen(target)) && wb_varint(&b, l->dim);
    }
    ok = ok && wb_room(&b, (l->dim * STORED_BITS + 7) / 8);
    uint64_t acc = 0;
    unsigned bits = 0;
    for (size_t k = 0; k < l->dim && ok; k++) {
        acc |= (uint64_t)quantize(l->capability[k]) << bits;
        for (bits += STORED_BITS; bits >= 8; bits -= 8, acc >>= 8)
            b.p[b.len++] = (uint8_t)acc;
    }
    if (ok && bits > 0)
        b.p[b.len++] = (uint8_t)acc;
    ok = ok && wb_varint(&b, (uint64_t)base);
    for (size_t k = 0; k < l->dim && ok; k++)
        ok = wb_varint(&b, since(base, l->practiced_at[k]));
    ok = ok && wb_varint(&b, l->n_attempts);
    const char *prev = "";
    for (size_t i = 0; i < l->n_attempts && ok; i++) {
        const struct rs_attempt *a = &l->attempts[i];
        const char *id = rs_catalog_course_id(cat, a->course);
        size_t shared = 0;
        while (prev[shared] && prev[shared] == id[shared])
            shared++;
        size_t rest = strlen(id + shared);
        ok = wb_room(&b, 1 + rest);
        if (ok && shared < 15 && rest < 15) {
            b.p[b.len++] = (uint8_t)(shared << 4 | rest);
        } else if (ok) {
            b.p[b.len++] = 0xFF;
            ok = wb_varint(&b, shared) && wb_varint(&b, rest) && wb_room(&b, rest);
        }
        if (ok) {
            memcpy(b.p + b.len, id + shared, rest);
            b.len += rest;
            ok = wb_varint(&b, (uint64_t)quantize(a->score) << 1 | a->passed) &&
                 wb_varint(&b, since(base, a->at));
        }
        prev = id;
    }
    if (!ok) {
        free(b.p);
        return NULL;
    }
    *len = b.len;
    return (char *)b.p;
}

struct rbuf {
    const uint8_t *p, *end;
    bool bad;
};

static uint64_t rb_varint(struct rbuf *b)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && b->p < b->end; shift += 7) {
        uint8_t byte = *b->p++;
        v |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80))
            return v;
    }
    b->bad = true;
    return 0;
}

static uint8_t rb_byte(struct rbuf *b)
{
    if (b->p >= b->end) {
        b->bad = true;
        return 0;
    }
    return *b->p++;
}

/* n bytes of string, copied after `at` bytes already in buf (of `cap`) and
 * terminated. */
static void rb_chars(struct rbuf *b, uint64_t n, char *buf, size_t at, size_t cap)
{
    if (b->bad || n > (uint64_t)(b->end - b->p) || at + n >= cap) {
        b->bad = true;
        buf[0] = '\0';
        return;
    }
    memcpy(buf + at, b->p, n);
    buf[at + n] = '\0';
    b->p += n;
}

static int64_t at_time(int64_t base, uint64_t d)
{
    return d == 0 ? 0 : (int64_t)((uint64_t)base - (d - 1));
}

static int decode_v2(const struct rs_catalog *cat, const uint8_t *data, size_t len,
                     struct rs_learner *out, char *id, size_t id_cap)
{
    struct rbuf b = { data + 1, data + len, false };
    size_t D = rs_catalog_n_tags(cat), target = 0;
    uint64_t version = rb_varint(&b);
    uint8_t tier = rb_byte(&b);
    rb_chars(&b, rb_varint(&b), id, 0, id_cap);
    bool has_target = !b.bad && id[0] && rs_catalog_find_target(cat, id, &target) == 0;
    if (b.bad || tier > RS_TIER_MANAGER || rb_varint(&b) != D || rs_learner_init(out, D) != 0)
        return -1;
    out->version = version;
    out->tier = (enum rs_tier)tier;
    out->target = has_target ? (long)target : -1;
    uint64_t acc = 0;
    unsigned bits = 0;
    for (size_t k = 0; k < D; k++) {
        for (; bits < STORED_BITS; bits += 8)
            acc |= (uint64_t)rb_byte(&b) << bits;
        uint64_t q = acc & ((1u << STORED_BITS) - 1);
        acc >>= STORED_BITS;
        bits -= STORED_BITS;
        b.bad |= q > (uint64_t)STORED_SCALE;
        out->capability[k] = (float)q / STORED_SCALE;
    }
    int64_t base = (int64_t)rb_varint(&b);
    for (size_t k = 0; k < D; k++) {
        out->practiced_at[k] = at_time(base, rb_varint(&b));
        b.bad |= out->practiced_at[k] < 0;      /* as a learner must be */
    }
    uint64_t n = rb_varint(&b);
    id[0] = '\0';
    for (uint64_t i = 0; i < n && !b.bad; i++) {
        uint64_t shared = rb_byte(&b), rest = shared & 15;
        shared >>= 4;
        if (shared == 15 && rest == 15) {
            shared = rb_varint(&b);
            rest = rb_varint(&b);
        }
        b.bad |= shared > strlen(id);
        rb_chars(&b, rest, id, (size_t)shared, id_cap);
        size_t j;
        uint64_t sp = rb_varint(&b);
        int64_t at = at_time(base, rb_varint(&b));
        b.bad |= (sp >> 1) > (uint64_t)STORED_SCALE;
        if (b.bad || rs_catalog_find_course(cat, id, &j) != 0)
            continue;                   /* a course no longer in the catalog */
        struct rs_attempt a = { (uint32_t)j, (float)(sp >> 1) / STORED_SCALE, sp & 1, at };
        if (rs_learner_set_attempt(out, &a) != 0)
            b.bad = true;
    }
    if (b.bad || b.p != b.end) {
        rs_learner_deinit(out);
        return -1;
    }
    return 0;
}

/* The first form: an 8-byte big-endian version, then the Learner protobuf. */
static int decode_v1(const struct rs_catalog *cat, const uint8_t *data, size_t len,
                     struct rs_learner *out)
{
    if (len < 8)
        return -1;
    Skillpath__V1__Learner *pb = (Skillpath__V1__Learner *)protobuf_c_message_unpack(
        &skillpath__v1__learner__descriptor, NULL, len - 8, data + 8);
    if (pb == NULL)
        return -1;
    char err[256];
    int rc = svc_model_learner_from_pb(cat, pb, false, out, err, sizeof err);
    if (rc == 0) {
        uint64_t v = 0;
        for (int i = 0; i < 8; i++)
            v = v << 8 | data[i];
        out->version = v;
    }
    protobuf_c_message_free_unpacked(&pb->base, NULL);
    return rc;
}

int svc_model_decode_stored(const struct rs_catalog *cat, const char *data, size_t len,
                            struct rs_learner *out)
{
    const uint8_t *d = (const uint8_t *)data;
    if (len > 0 && d[0] == STORED_V2) {
        /* no id is longer than the value: ids of any length decode */
        char small[512];
        size_t cap = len < sizeof small ? sizeof small : len + 1;
        char *id = cap == sizeof small ? small : malloc(cap);
        int rc = id ? decode_v2(cat, d, len, out, id, cap) : -1;
        if (id != small)
            free(id);
        return rc;
    }
    return decode_v1(cat, d, len, out);
}

size_t svc_model_stored_token(const char *data, size_t len)
{
    const uint8_t *d = (const uint8_t *)data;
    if (len == 0 || d[0] != STORED_V2)
        return len >= 8 ? 8 : 0;
    for (size_t i = 1; i < len && i <= 10; i++)
        if (!(d[i] & 0x80))
            return i + 1;
    return 0;
}

const char *svc_model_reason_name(enum rs_reason r)
{
    switch (r) {
    case RS_REASON_GAP: return "gap";
    case RS_REASON_PREREQUISITE: return "prerequisite";
    case RS_REASON_REVIEW: return "review";
    case RS_REASON_RETAKE: return "retake";
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
