/* SPDX-License-Identifier: MIT
 * The stored form of a learner (svc_stored.h): what Redis holds under
 * P{ID}:l. A persistent format: tests/unit/test_svc_stored.c pins its bytes
 * (golden values checked in), so a change to it fails a test, not a
 * rolling upgrade. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc_model.h"
#include "svc_stored.h"

/* The compact form (STORED_V3); integers are LEB128 varints unless sized:
 *   0xC3  version  tier(1 byte)  target_len target_id  D
 *   D x round(capability * 1e6) in 20 bits, packed little-endian
 *   base  D x (practiced_at ? base - practiced_at + 1 : 0)
 *   n  n x { course  round(score * 1e6) << 1 | passed  (at ? base - at + 1 : 0)  fails }
 *   D x min(255, round(evidence * 16)) in one byte each
 *   anchor_len anchor_id  (anchor_at ? base - anchor_at + 1 : 0)
 * base is the learner's newest time. STORED_V2 (0xC2) is the same without
 * the attempts' fails and without the last two lines; it is still read, its
 * evidence taken as what the attempts recorded (their courses' coverage) and
 * its failures in a row as one per failed attempt. Attempts are in catalog order and each
 * course id is front-coded against the previous one: one byte shared << 4 |
 * rest_len when both are below 15, else 0xFF shared rest_len (varints); then
 * the rest. With the demo's 28 tags and 10 attempts this is ~275 bytes where
 * the protobuf form (8-byte version + Learner) took ~457: in Redis, one
 * 320-byte allocation instead of 512. The older form is still read: its first
 * byte is the version's top byte, 0 for any version below 2^56. */
#define STORED_V2 0xC2
#define STORED_V3 0xC3
#define STORED_SCALE 1e6f
#define EVIDENCE_SCALE 16.0f  /* one byte a tag: 1/16 of an assessment, up to 15.9;
                                 * past ~4 the step is at even a floor of 0.2 (the
                                 * default 0.7 after one assessment): more changes
                                 * nothing */
#define STORED_BITS 20          /* 2^20 > 1e6 */

static uint32_t quantize(float x)
{
    return (uint32_t)lrint((double)x * STORED_SCALE);
}

static uint8_t quantize_evidence(float e)
{
    long q = lrint((double)e * EVIDENCE_SCALE);
    return (uint8_t)(q < 0 ? 0 : q > 255 ? 255 : q);
}

void svc_stored_round(struct rs_learner *l)
{
    for (size_t k = 0; k < l->dim; k++)
        l->capability[k] = (float)quantize(l->capability[k]) / STORED_SCALE;
    for (size_t i = 0; i < l->n_attempts; i++)
        l->attempts[i].score = (float)quantize(l->attempts[i].score) / STORED_SCALE;
    for (size_t k = 0; k < l->dim; k++)
        l->evidence[k] = (float)quantize_evidence(l->evidence[k]) / EVIDENCE_SCALE;
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

char *svc_stored_encode(const struct rs_catalog *cat, struct rs_learner *l, size_t *len)
{
    svc_stored_round(l);
    const char *target = l->target >= 0 ? rs_catalog_target_id(cat, (size_t)l->target) : "";
    int64_t base = 0;
    for (size_t k = 0; k < l->dim; k++)
        base = l->practiced_at[k] > base ? l->practiced_at[k] : base;
    for (size_t i = 0; i < l->n_attempts; i++)
        base = l->attempts[i].at > base ? l->attempts[i].at : base;
    base = l->anchor_at > base ? l->anchor_at : base;
    struct wbuf b = {0};
    bool ok = wb_room(&b, 2);
    if (ok) {
        b.p[b.len++] = STORED_V3;
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
                 wb_varint(&b, since(base, a->at)) && wb_varint(&b, a->fails);
        }
        prev = id;
    }
    ok = ok && wb_room(&b, l->dim);
    for (size_t k = 0; k < l->dim && ok; k++)
        b.p[b.len++] = quantize_evidence(l->evidence[k]);
    const char *anchor = l->anchor >= 0 ? rs_catalog_course_id(cat, (size_t)l->anchor) : "";
    ok = ok && wb_bytes(&b, anchor, strlen(anchor)) &&
         wb_varint(&b, since(base, l->anchor >= 0 ? l->anchor_at : 0));
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

/* STORED_V2 or STORED_V3, as data[0] says. */
static int decode_compact(const struct rs_catalog *cat, const uint8_t *data, size_t len,
                          struct rs_learner *out, char *id, size_t id_cap)
{
    bool v3 = data[0] == STORED_V3;
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
        uint64_t fails = v3 ? rb_varint(&b) : !(sp & 1);
        b.bad |= (sp >> 1) > (uint64_t)STORED_SCALE || fails > UINT16_MAX;
        if (b.bad || rs_catalog_find_course(cat, id, &j) != 0)
            continue;                   /* a course no longer in the catalog */
        struct rs_attempt a = {
            .course = (uint32_t)j, .score = (float)(sp >> 1) / STORED_SCALE, .passed = sp & 1,
            .fails = (uint16_t)fails, .at = at,
        };
        if (rs_learner_set_attempt(out, &a) != 0)
            b.bad = true;
        if (!v3) {                      /* the evidence the attempts stand for */
            const float *cover = rs_catalog_course_coverage(cat, j);
            for (size_t k = 0; k < D; k++)
                out->evidence[k] += cover[k];
        }
    }
    if (v3) {
        for (size_t k = 0; k < D && !b.bad; k++)
            out->evidence[k] = (float)rb_byte(&b) / EVIDENCE_SCALE;
        rb_chars(&b, rb_varint(&b), id, 0, id_cap);
        int64_t anchor_at = at_time(base, rb_varint(&b));
        size_t j;
        if (!b.bad && id[0] && rs_catalog_find_course(cat, id, &j) == 0) {
            out->anchor = (long)j;
            out->anchor_at = anchor_at;
        }
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

int svc_stored_decode(const struct rs_catalog *cat, const char *data, size_t len,
                            struct rs_learner *out)
{
    const uint8_t *d = (const uint8_t *)data;
    if (len > 0 && (d[0] == STORED_V2 || d[0] == STORED_V3)) {
        /* no id is longer than the value: ids of any length decode */
        char small[512];
        size_t cap = len < sizeof small ? sizeof small : len + 1;
        char *id = cap == sizeof small ? small : malloc(cap);
        int rc = id ? decode_compact(cat, d, len, out, id, cap) : -1;
        if (id != small)
            free(id);
        return rc;
    }
    return decode_v1(cat, d, len, out);
}

size_t svc_stored_token(const char *data, size_t len)
{
    const uint8_t *d = (const uint8_t *)data;
    if (len == 0 || (d[0] != STORED_V2 && d[0] != STORED_V3))
        return len >= 8 ? 8 : 0;
    for (size_t i = 1; i < len && i <= 10; i++)
        if (!(d[i] & 0x80))
            return i + 1;
    return 0;
}

