/* SPDX-License-Identifier: MIT
 * The generic proto3 JSON codec: round trips of every message of the API
 * (random contents, compared as protobuf bytes), the mapping's rules, and the
 * rejection of malformed input with a message naming the field path. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "svc_codec.h"
#include "svc_json.h"
#include "proto/skillpath.pb-c.h"

static const char *const strings[] = {
    "", "cc-101", "短视频脚本入门", "quote \" and backslash \\", "line\nbreak\ttab",
    "ctrl \x01\x1f", "emoji 🎬 ok", "AIGC营销内容生成",
};

/* ---------------------------------------------------------------- random fill */

static void fill_message(ProtobufCMessage *m, uint64_t *st, int depth);

static void fill_value(const ProtobufCFieldDescriptor *f, void *p, uint64_t *st, int depth)
{
    uint64_t r = rs_synth_next(st);
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32:
        *(int32_t *)p = (int32_t)(uint32_t)r;
        break;
    case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
        *(uint32_t *)p = (uint32_t)r;
        break;
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
        *(int64_t *)p = (int64_t)r;
        break;
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
        *(uint64_t *)p = r % 3 ? r : UINT64_MAX;
        break;
    case PROTOBUF_C_TYPE_FLOAT: {
        static const float special[] = { 0.6f, 1e-8f, 3.4e38f, -2.5f, 1.0f / 3, 15 };
        float v = r % 2 ? special[r % 6] : rs_synth_uniform(st);
        *(float *)p = v == 0 ? 0.5f : v;
        break;
    }
    case PROTOBUF_C_TYPE_DOUBLE:
        *(double *)p = (double)rs_synth_uniform(st) / 7;
        break;
    case PROTOBUF_C_TYPE_BOOL:
        *(protobuf_c_boolean *)p = (int)(r & 1);
        break;
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumDescriptor *ed = f->descriptor;
        *(int *)p = ed->values[r % ed->n_values].value;
        break;
    }
    case PROTOBUF_C_TYPE_STRING:
        *(char **)p = strdup(strings[r % (sizeof strings / sizeof *strings)]);
        break;
    case PROTOBUF_C_TYPE_BYTES:
        break;
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessageDescriptor *md = f->descriptor;
        ProtobufCMessage *sub = malloc(md->sizeof_message);
        md->message_init(sub);
        fill_message(sub, st, depth + 1);
        *(ProtobufCMessage **)p = sub;
        break;
    }
    }
}

static size_t elem_size(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64: case PROTOBUF_C_TYPE_DOUBLE:
        return 8;
    case PROTOBUF_C_TYPE_STRING: case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(void *);
    default:
        return 4;
    }
}

static void fill_message(ProtobufCMessage *m, uint64_t *st, int depth)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        char *p = (char *)m + f->offset;
        if (rs_synth_next(st) % 4 == 0)
            continue;                           /* leave some fields at default */
        if (f->type == PROTOBUF_C_TYPE_MESSAGE && depth > 3)
            continue;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = 1 + rs_synth_next(st) % 3;
            char *arr = calloc(n, elem_size(f->type));
            for (size_t k = 0; k < n; k++)
                fill_value(f, arr + k * elem_size(f->type), st, depth);
            *(char **)p = arr;
            *(size_t *)((char *)m + f->quantifier_offset) = n;
        } else {
            fill_value(f, p, st, depth);
        }
    }
}

static uint8_t *pack(const ProtobufCMessage *m, size_t *len)
{
    *len = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(*len + 1);
    protobuf_c_message_pack(m, buf);
    return buf;
}

static void test_json_round_trip_every_message(void **state)
{
    (void)state;
    uint64_t st = 31337;
    for (size_t d = 0; d < svc_codec_n_types; d++)
        for (int trial = 0; trial < 200; trial++) {
            const ProtobufCMessageDescriptor *desc = svc_codec_types[d];
            ProtobufCMessage *m = malloc(desc->sizeof_message);
            desc->message_init(m);
            fill_message(m, &st, 0);
            size_t len;
            char *json = svc_json_encode(m, trial % 2 ? SVC_JSON_PRETTY : SVC_JSON_COMPACT, &len);
            assert_non_null(json);
            assert_int_equal(strlen(json), len);
            char err[256];
            ProtobufCMessage *back = svc_json_decode(desc, json, len, err, sizeof err);
            if (back == NULL)
                fail_msg("%s: %s\n%s", desc->name, err, json);
            size_t la, lb;
            uint8_t *a = pack(m, &la), *b = pack(back, &lb);
            if (la != lb || memcmp(a, b, la) != 0)
                fail_msg("%s: round trip changed the message\n%s", desc->name, json);
            char *again = svc_json_encode(back, trial % 2 ? SVC_JSON_PRETTY : SVC_JSON_COMPACT, NULL);
            assert_string_equal(again, json);
            free(a);
            free(b);
            free(again);
            free(json);
            protobuf_c_message_free_unpacked(m, NULL);
            protobuf_c_message_free_unpacked(back, NULL);
        }
}

/* ---------------------------------------------------------------- mapping */

static char *encode_json(const ProtobufCMessage *m)
{
    char *s = svc_json_encode(m, SVC_JSON_COMPACT, NULL);
    assert_non_null(s);
    return s;
}

static ProtobufCMessage *decode_ok(const ProtobufCMessageDescriptor *d, const char *json)
{
    char err[256];
    ProtobufCMessage *m = svc_json_decode(d, json, strlen(json), err, sizeof err);
    if (m == NULL)
        fail_msg("decode of %s failed: %s", json, err);
    return m;
}

static void decode_fails(const ProtobufCMessageDescriptor *d, const char *json, const char *want)
{
    char err[256];
    ProtobufCMessage *m = svc_json_decode(d, json, strlen(json), err, sizeof err);
    if (m != NULL) {
        protobuf_c_message_free_unpacked(m, NULL);
        fail_msg("accepted %s; expected \"%s\"", json, want);
    }
    if (strstr(err, want) == NULL)
        fail_msg("%s: error \"%s\" lacks \"%s\"", json, err, want);
}

static void test_json_mapping_rules(void **state)
{
    (void)state;
    Skillpath__V1__Course c;
    skillpath__v1__course__init(&c);
    c.id = "cc-101";
    c.title = "短视频脚本入门";
    c.tier = SKILLPATH__V1__TIER__NEW_HIRE;
    c.duration_min = 15;
    c.mastery_score = 0.6f;
    float cov[] = { 0.5f, 0, 0.25f };
    c.coverage = cov;
    c.n_coverage = 3;
    char *s = encode_json(&c.base);
    /* lowerCamelCase, enum by name, defaults omitted (difficulty, module, prerequisites),
     * floats in their shortest form, UTF-8 untouched */
    assert_string_equal(s, "{\"id\":\"cc-101\",\"title\":\"短视频脚本入门\",\"tier\":\"NEW_HIRE\","
                           "\"durationMin\":15,\"coverage\":[0.5,0,0.25],\"masteryScore\":0.6}");
    free(s);

    Skillpath__V1__Learner l;
    skillpath__v1__learner__init(&l);
    s = encode_json(&l.base);
    assert_string_equal(s, "{}");
    free(s);
    l.version = UINT64_MAX;
    int64_t at[] = { -5, 1700000000 };
    l.practiced_at = at;
    l.n_practiced_at = 2;
    s = encode_json(&l.base);                   /* 64-bit integers as strings */
    assert_string_equal(s, "{\"practicedAt\":[\"-5\",\"1700000000\"],\"version\":\"18446744073709551615\"}");
    free(s);

    /* Input: both names, enum numbers, 64-bit as numbers or strings. */
    Skillpath__V1__Event *e = (Skillpath__V1__Event *)decode_ok(
        &skillpath__v1__event__descriptor,
        "{\"event_id\":\"e1\",\"learnerId\":\"l1\",\"kind\":3,\"at\":1700000000,\"durationS\":\"90\","
        "\"score\":null}");
    assert_string_equal(e->event_id, "e1");
    assert_string_equal(e->learner_id, "l1");
    assert_int_equal(e->kind, SKILLPATH__V1__EVENT_KIND__ASSESSED);
    assert_int_equal(e->at, 1700000000);
    assert_int_equal(e->duration_s, 90);
    protobuf_c_message_free_unpacked(&e->base, NULL);
    e = (Skillpath__V1__Event *)decode_ok(&skillpath__v1__event__descriptor,
                                         "{\"kind\":\"COMPLETED\",\"at\":\"-42\",\"score\":1.0}");
    assert_int_equal(e->kind, SKILLPATH__V1__EVENT_KIND__COMPLETED);
    assert_int_equal(e->at, -42);
    assert_float_equal(e->score, 1.0f, 0);
    protobuf_c_message_free_unpacked(&e->base, NULL);
    Skillpath__V1__Learner *lp = (Skillpath__V1__Learner *)decode_ok(
        &skillpath__v1__learner__descriptor, "{\"version\":\"18446744073709551615\"}");
    assert_true(lp->version == UINT64_MAX);
    protobuf_c_message_free_unpacked(&lp->base, NULL);
}

static void test_json_rejects_malformed_input(void **state)
{
    (void)state;
    const ProtobufCMessageDescriptor *cat = &skillpath__v1__catalog__descriptor;
    const ProtobufCMessageDescriptor *ev = &skillpath__v1__event__descriptor;
    const char *four = "{\"courses\":[{},{},{},{\"coverage\":[0,0,0,0,0,0,0,\"NaN\"]}]}";
    decode_fails(cat, four, "courses[3].coverage[7]: not a finite number");
    decode_fails(cat, "{\"courses\":[{\"coverage\":[\"Infinity\"]}]}", "courses[0].coverage[0]: not a finite number");
    decode_fails(cat, "{\"courses\":[{\"coverage\":[1e39]}]}", "courses[0].coverage[0]: 1e+39 is out of range for a float");
    decode_fails(cat, "{\"courses\":[{\"foo\":1}]}", "courses[0].foo: unknown field");
    decode_fails(cat, "{\"bogus\":1}", "bogus: unknown field");
    decode_fails(cat, "{\"courses\":[{\"durationMin\":\"abc\"}]}", "courses[0].durationMin: \"abc\" is not an integer");
    decode_fails(cat, "{\"courses\":[{\"durationMin\":-1}]}", "courses[0].durationMin: -1 is out of range");
    decode_fails(cat, "{\"courses\":[{\"durationMin\":4294967296}]}", "out of range");
    decode_fails(cat, "{\"courses\":[{\"durationMin\":1.5}]}", "1.5 is not an integer");
    decode_fails(cat, "{\"courses\":[{\"title\":5}]}", "courses[0].title: expected a string, got a number");
    decode_fails(cat, "{\"courses\":[{\"tier\":\"CEO\"}]}", "courses[0].tier: unknown Tier value \"CEO\"");
    decode_fails(cat, "{\"courses\":[{\"tier\":9}]}", "courses[0].tier: 9 is not a Tier value");
    decode_fails(cat, "{\"courses\":[{\"tier\":true}]}", "expected a Tier name, got a boolean");
    decode_fails(cat, "{\"tags\":{}}", "tags: expected an array, got an object");
    decode_fails(cat, "{\"tags\":[null]}", "tags[0]: null is not allowed");
    decode_fails(cat, "{\"tags\":[7]}", "tags[0]: expected an object, got a number");
    decode_fails(cat, "[1,2]", "(root): expected an object");
    decode_fails(cat, "{\"version\":", "malformed JSON");
    decode_fails(cat, "{\"version\":\"a\",\"version\":\"b\"}", "malformed JSON");
    decode_fails(cat, "{\"version\":\"\xff\xfe\"}", "malformed JSON");
    decode_fails(ev, "{\"durationS\":1,\"duration_s\":2}", "given twice");
    decode_fails(ev, "{\"at\":\"12x\"}", "at: \"12x\" is not an integer");
    decode_fails(ev, "{\"at\":\"99999999999999999999\"}", "at: \"99999999999999999999\" is out of range");
    decode_fails(ev, "{\"at\":\"\"}", "is not an integer");
    decode_fails(ev, "{\"score\":\"high\"}", "score: \"high\" is not a number");
    decode_fails(&skillpath__v1__attempt__descriptor, "{\"passed\":\"true\"}", "passed: expected true or false");
    decode_fails(&skillpath__v1__learner__descriptor, "{\"version\":-1}", "version: -1 is out of range");
}

static void test_json_utf8_passes_through(void **state)
{
    (void)state;
    const char *json = "{\"code\":\"课程\",\"message\":\"营销 🎬 “引号”\"}";
    Skillpath__V1__Error *e = (Skillpath__V1__Error *)decode_ok(&skillpath__v1__error__descriptor, json);
    assert_string_equal(e->message, "营销 🎬 “引号”");
    char *s = encode_json(&e->base);
    assert_string_equal(s, json);
    free(s);
    protobuf_c_message_free_unpacked(&e->base, NULL);
}

/* Floats print in their shortest form and read back bit for bit, across
 * magnitudes (the fixed-notation fast path and the printf path). */
static void test_json_floats_round_trip_exactly(void **state)
{
    (void)state;
    uint64_t st = 77;
    Skillpath__V1__TagChange t;
    skillpath__v1__tag_change__init(&t);
    for (int i = 0; i < 200000; i++) {
        float mag = powf(10.0f, (float)(rs_synth_uniform(&st) * 16.0 - 8.0));
        float v = (rs_synth_uniform(&st) - 0.3f) * mag;
        if (v == 0)
            continue;
        t.before = v;
        char *json = svc_json_encode(&t.base, SVC_JSON_COMPACT, NULL);
        char err[128];
        Skillpath__V1__TagChange *back = (Skillpath__V1__TagChange *)svc_json_decode(
            &skillpath__v1__tag_change__descriptor, json, strlen(json), err, sizeof err);
        assert_non_null(back);
        if (memcmp(&back->before, &v, sizeof v) != 0)
            fail_msg("%.9g came back as %.9g via %s", (double)v, (double)back->before, json);
        free(json);
        protobuf_c_message_free_unpacked(&back->base, NULL);
    }
    t.before = 0.6f;
    t.after = 1e6f;
    char *json = svc_json_encode(&t.base, SVC_JSON_COMPACT, NULL);
    assert_string_equal(json, "{\"before\":0.6,\"after\":1000000}");
    free(json);
    /* a negative zero keeps its sign ("-0" would read back as the integer 0) */
    t.before = -0.0f;
    json = svc_json_encode(&t.base, SVC_JSON_COMPACT, NULL);
    assert_string_equal(json, "{\"before\":-0.0,\"after\":1000000}");
    char err[128];
    Skillpath__V1__TagChange *back = (Skillpath__V1__TagChange *)svc_json_decode(
        &skillpath__v1__tag_change__descriptor, json, strlen(json), err, sizeof err);
    assert_non_null(back);
    assert_true(back->before == 0 && signbit(back->before));
    free(json);
    protobuf_c_message_free_unpacked(&back->base, NULL);
}

/* A protobuf Event whose eventId holds `id` (n bytes), through the codec. */
static ProtobufCMessage *decode_event_id(const char *id, size_t n, char *err, size_t errlen)
{
    uint8_t buf[64] = { 0x0a, (uint8_t)n };       /* field 1, length-delimited */
    assert_true(n < sizeof buf - 2);
    memcpy(buf + 2, id, n);
    return svc_codec_decode(SVC_ENC_PROTOBUF, &skillpath__v1__event__descriptor, buf, n + 2, err,
                            errlen);
}

static void test_protobuf_bodies_meet_the_json_rules(void **state)
{
    (void)state;
    static const char *const good[] = {
        "", "plain", "\xe5\x86\x85\xe5\xae\xb9",     /* 内容 */
        "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80", "\xed\x9f\xbf",       /* edges of 2, 3 bytes */
        "\xee\x80\x80", "\xf0\x90\x80\x80", "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf", /* to U+10FFFF */
    };
    static const char *const bad[] = {
        "\x80", "\xbf", "\xc0\xaf", "\xc1\xbf",           /* stray continuation, overlong 2 */
        "\xe0\x80\xaf", "\xe0\x9f\xbf",                   /* overlong 3 */
        "\xed\xa0\x80", "\xed\xbf\xbf",                   /* surrogates */
        "\xf0\x80\x80\xaf", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", /* overlong 4, > U+10FFFF */
        "\xf8\x88\x80\x80\x80", "\xff", "\xe5\x86", "a\xe5", /* 5 bytes, FF, truncated */
        "\xe5\x41\x80",                                    /* not a continuation */
    };
    char err[256];
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        ProtobufCMessage *m = decode_event_id(good[i], strlen(good[i]), err, sizeof err);
        if (m == NULL)
            fail_msg("good[%zu] refused: %s", i, err);
        protobuf_c_message_free_unpacked(m, NULL);
    }
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ProtobufCMessage *m = decode_event_id(bad[i], strlen(bad[i]), err, sizeof err);
        if (m != NULL)
            fail_msg("bad[%zu] accepted", i);
        assert_string_equal(err, "eventId: not valid UTF-8");
    }
    /* an enum number the enum does not name, and a NaN: refused as in JSON */
    uint8_t kind[] = { 0x20, 0x09 };                /* Event.kind = 9 */
    assert_null(svc_codec_decode(SVC_ENC_PROTOBUF, &skillpath__v1__event__descriptor, kind,
                                 sizeof kind, err, sizeof err));
    assert_string_equal(err, "kind: 9 is not a EventKind value");
    uint8_t nan[] = { 0x2d, 0x00, 0x00, 0xc0, 0x7f };   /* Event.score = NaN */
    assert_null(svc_codec_decode(SVC_ENC_PROTOBUF, &skillpath__v1__event__descriptor, nan,
                                 sizeof nan, err, sizeof err));
    assert_string_equal(err, "score: not a finite number");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_round_trip_every_message),
        cmocka_unit_test(test_json_mapping_rules),
        cmocka_unit_test(test_json_rejects_malformed_input),
        cmocka_unit_test(test_json_utf8_passes_through),
        cmocka_unit_test(test_json_floats_round_trip_exactly),
        cmocka_unit_test(test_protobuf_bodies_meet_the_json_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
