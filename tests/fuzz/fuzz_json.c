/* SPDX-License-Identifier: MIT
 * libFuzzer target: request bodies, as the daemon and CLI read them. The
 * first byte picks the message type (every message of the API; its top bit:
 * protobuf instead of JSON), the rest is the body. JSON that decodes must
 * encode and decode again to the same protobuf bytes; protobuf that decodes
 * must have a JSON form that reads back to the same JSON (its strings are
 * UTF-8). Either goes on through the same checks a request meets:
 * catalogs through validation, learners, events and recommend queries
 * through their conversions against the demo catalog. Run from the
 * repository root (it loads the demo catalog). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/skillpath.pb-c.h"
#include "common.h"
#include "recsys.h"
#include "svc_codec.h"
#include "svc_json.h"
#include "svc_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t *pack(const ProtobufCMessage *m, size_t *len)
{
    *len = protobuf_c_message_get_packed_size(m);
    uint8_t *out = malloc(*len + 1);
    if (out == NULL)
        abort();
    protobuf_c_message_pack(m, out);
    return out;
}

/* The checks after decoding that a request body meets. */
static void use(const ProtobufCMessage *m)
{
    const struct rs_catalog *cat = fuzz_demo_catalog("fuzz_json");
    char err[4096];
    if (m->descriptor == &skillpath__v1__catalog__descriptor) {
        size_t nerr;
        struct rs_catalog *c = svc_model_catalog((const Skillpath__V1__Catalog *)m, err, sizeof err, &nerr);
        rs_catalog_destroy(c);
    } else if (m->descriptor == &skillpath__v1__learner__descriptor) {
        struct rs_learner l;
        if (svc_model_learner_from_pb(cat, (const Skillpath__V1__Learner *)m, true, &l, err, sizeof err) == 0) {
            if (rs_learner_check(cat, &l, err, sizeof err) != 0)
                abort();                /* accepted, so it must be a valid learner */
            rs_learner_deinit(&l);
        }
    } else if (m->descriptor == &skillpath__v1__event__descriptor) {
        struct rs_event e;
        svc_model_event_from_pb(cat, (const Skillpath__V1__Event *)m, &e, err, sizeof err);
    } else if (m->descriptor == &skillpath__v1__recommend_request__descriptor) {
        struct rs_learner l;
        struct rs_path_query q;
        if (rs_learner_init(&l, rs_catalog_n_tags(cat)) != 0)
            abort();
        if (svc_model_query_from_pb(cat, (const Skillpath__V1__RecommendRequest *)m, &l, &q, err,
                                    sizeof err) == 0)
            svc_model_query_deinit(&q);
        rs_learner_deinit(&l);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const ProtobufCMessageDescriptor *d = svc_codec_types[(data[0] & 0x7f) % svc_codec_n_types];
    char err[512];
    if (data[0] & 0x80) {
        ProtobufCMessage *m = svc_codec_decode(SVC_ENC_PROTOBUF, d, data + 1, size - 1, err, sizeof err);
        if (m == NULL)
            return 0;
        size_t l1, l2;
        char *j1 = svc_json_encode(m, SVC_JSON_COMPACT, &l1);
        ProtobufCMessage *m2 = j1 ? svc_json_decode(d, j1, l1, err, sizeof err) : NULL;
        if (m2 == NULL) {
            fprintf(stderr, "the JSON of a protobuf body did not decode: %s\n", err);
            abort();
        }
        char *j2 = svc_json_encode(m2, SVC_JSON_COMPACT, &l2);
        if (j2 == NULL || l1 != l2 || memcmp(j1, j2, l1) != 0)
            abort();
        use(m);
        free(j1);
        free(j2);
        protobuf_c_message_free_unpacked(m2, NULL);
        protobuf_c_message_free_unpacked(m, NULL);
        return 0;
    }
    ProtobufCMessage *m = svc_json_decode(d, (const char *)data + 1, size - 1, err, sizeof err);
    if (m == NULL)
        return 0;
    size_t jlen, a_len, b_len;
    char *json = svc_json_encode(m, SVC_JSON_COMPACT, &jlen);
    if (json == NULL)
        abort();
    ProtobufCMessage *again = svc_json_decode(d, json, jlen, err, sizeof err);
    if (again == NULL) {
        fprintf(stderr, "our own JSON did not decode: %s\n%s\n", err, json);
        abort();
    }
    uint8_t *a = pack(m, &a_len), *b = pack(again, &b_len);
    if (a_len != b_len || memcmp(a, b, a_len) != 0) {
        fprintf(stderr, "JSON round trip changed the message:\n%s\n", json);
        abort();
    }
    use(m);
    free(a);
    free(b);
    free(json);
    protobuf_c_message_free_unpacked(again, NULL);
    protobuf_c_message_free_unpacked(m, NULL);
    return 0;
}
