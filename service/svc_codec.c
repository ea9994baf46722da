/* SPDX-License-Identifier: MIT
 * Body encodings: protobuf via protobuf-c, JSON via svc_json. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <errno.h>

#include "proto/skillpath.pb-c.h"
#include "svc_codec.h"
#include "svc_json.h"

static int has_type(const char *s, const char *type)
{
    size_t n = strlen(type);
    for (const char *p = s; (p = strcasestr(p, type)) != NULL; p += n) {
        char after = p[n];
        bool start = p == s || p[-1] == ' ' || p[-1] == ',' || p[-1] == '\t';
        if (start && (after == '\0' || after == ';' || after == ',' || after == ' '))
            return 1;
    }
    return 0;
}

enum svc_enc svc_codec_from_content_type(const char *ct)
{
    if (ct == NULL || ct[0] == '\0' || has_type(ct, "application/json"))
        return SVC_ENC_JSON;
    if (has_type(ct, "application/x-protobuf") || has_type(ct, "application/protobuf"))
        return SVC_ENC_PROTOBUF;
    return SVC_ENC_UNSUPPORTED;
}

enum svc_enc svc_codec_from_accept(const char *accept, enum svc_enc request)
{
    if (accept == NULL)
        return request;
    bool pb = has_type(accept, "application/x-protobuf") || has_type(accept, "application/protobuf");
    bool json = has_type(accept, "application/json");
    if (pb && !json)
        return SVC_ENC_PROTOBUF;
    if (json && !pb)
        return SVC_ENC_JSON;
    return request;
}

const char *svc_codec_content_type(enum svc_enc enc)
{
    return enc == SVC_ENC_PROTOBUF ? "application/x-protobuf" : "application/json";
}

/* Is s[0..n) well-formed UTF-8 (no overlong forms, surrogates or code
 * points past U+10FFFF)? */
static bool utf8_ok(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3
                   : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (len == 0 || i + len > n)
            return false;
        uint32_t cp = len == 1 ? c : c & (0x7F >> len);
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        static const uint32_t least[] = { 0, 0, 0x80, 0x800, 0x10000 };
        if (cp < least[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

/* What the JSON decoder refuses and protobuf-c lets through: strings that
 * are not UTF-8 (proto3 says they must be), enum numbers the enum does not
 * name, and floats that are NaN or infinite. The first such field of m, nested ones too, named as the JSON
 * errors name it, so both encodings accept the same messages. */
static bool fields_ok(const ProtobufCMessage *m, char *err, size_t errlen, const char *path)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        bool real = f->type == PROTOBUF_C_TYPE_FLOAT || f->type == PROTOBUF_C_TYPE_DOUBLE;
        if (f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_MESSAGE &&
            f->type != PROTOBUF_C_TYPE_ENUM && !real)
            continue;
        if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
            *(const uint32_t *)((const char *)m + f->quantifier_offset) != f->id)
            continue;                   /* another member of its oneof is set */
        const char *p = (const char *)m + f->offset;
        size_t n = 1;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            n = *(const size_t *)((const char *)m + f->quantifier_offset);
            p = *(char *const *)p;
        }
        for (size_t k = 0; k < n; k++) {
            const void *v = f->type == PROTOBUF_C_TYPE_ENUM ? (const void *)((const int *)p + k)
                          : f->type == PROTOBUF_C_TYPE_FLOAT ? (const void *)((const float *)p + k)
                          : f->type == PROTOBUF_C_TYPE_DOUBLE ? (const void *)((const double *)p + k)
                          : ((void *const *)p)[k];
            char name[128], here[256];
            svc_json_name(f->name, name, sizeof name);
            if (f->label == PROTOBUF_C_LABEL_REPEATED)
                snprintf(here, sizeof here, "%s%s%s[%zu]", path, *path ? "." : "", name, k);
            else
                snprintf(here, sizeof here, "%s%s%s", path, *path ? "." : "", name);
            if (f->type == PROTOBUF_C_TYPE_STRING && v && !utf8_ok(v, strlen(v))) {
                snprintf(err, errlen, "%s: not valid UTF-8", here);
                return false;
            }
            if (f->type == PROTOBUF_C_TYPE_MESSAGE && v && !fields_ok(v, err, errlen, here))
                return false;
            if (real && !isfinite(f->type == PROTOBUF_C_TYPE_FLOAT ? *(const float *)v
                                                                  : *(const double *)v)) {
                snprintf(err, errlen, "%s: not a finite number", here);
                return false;
            }
            if (f->type == PROTOBUF_C_TYPE_ENUM &&
                protobuf_c_enum_descriptor_get_value(f->descriptor, *(const int *)v) == NULL) {
                snprintf(err, errlen, "%s: %d is not a %s value", here, *(const int *)v,
                         ((const ProtobufCEnumDescriptor *)f->descriptor)->short_name);
                return false;
            }
        }
    }
    return true;
}

ProtobufCMessage *svc_codec_decode(enum svc_enc enc, const ProtobufCMessageDescriptor *desc,
                                   const void *body, size_t len, char *err, size_t errlen)
{
    if (enc == SVC_ENC_JSON)
        return svc_json_decode(desc, body, len, err, errlen);
    ProtobufCMessage *m = protobuf_c_message_unpack(desc, NULL, len, body);
    if (m == NULL) {
        snprintf(err, errlen, "malformed protobuf: not a valid %s", desc->name);
    } else if (!fields_ok(m, err, errlen, "")) {
        protobuf_c_message_free_unpacked(m, NULL);
        m = NULL;
    }
    return m;
}

void *svc_codec_encode(enum svc_enc enc, const ProtobufCMessage *m, size_t *len)
{
    if (enc == SVC_ENC_JSON)
        return svc_json_encode(m, SVC_JSON_COMPACT, len);
    *len = protobuf_c_message_get_packed_size(m);
    uint8_t *buf = malloc(*len ? *len : 1);
    if (buf)
        protobuf_c_message_pack(m, buf);
    return buf;
}

const ProtobufCMessageDescriptor *const svc_codec_types[] = {
    &skillpath__v1__tag__descriptor, &skillpath__v1__course__descriptor,
    &skillpath__v1__target__descriptor, &skillpath__v1__catalog__descriptor,
    &skillpath__v1__attempt__descriptor, &skillpath__v1__learner__descriptor,
    &skillpath__v1__learner_list__descriptor, &skillpath__v1__event__descriptor,
    &skillpath__v1__tag_change__descriptor, &skillpath__v1__path_item__descriptor,
    &skillpath__v1__recommend_request__descriptor, &skillpath__v1__recommend_response__descriptor,
    &skillpath__v1__error__descriptor, &skillpath__v1__tier_profile__descriptor,
    &skillpath__v1__learner_view__descriptor, &skillpath__v1__lesson__descriptor,
    &skillpath__v1__next_lessons__descriptor, &skillpath__v1__event_batch__descriptor,
    &skillpath__v1__event_result__descriptor, &skillpath__v1__event_results__descriptor,
    &skillpath__v1__catalog_info__descriptor,
};
const size_t svc_codec_n_types = sizeof svc_codec_types / sizeof *svc_codec_types;

const ProtobufCMessageDescriptor *svc_codec_find_type(const char *name)
{
    for (size_t i = 0; i < svc_codec_n_types; i++)
        if (strcmp(svc_codec_types[i]->short_name, name) == 0 ||
            strcmp(svc_codec_types[i]->name, name) == 0)
            return svc_codec_types[i];
    return NULL;
}

char *svc_codec_read_file(const char *path, size_t max, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "%s", strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 1 >= cap) {
            cap = cap ? cap * 2 : 65536;
            if (cap > max + 2) {
                if (n > max) {
                    snprintf(err, errlen, "larger than %zu bytes", max);
                    goto fail;
                }
                cap = max + 2;
            }
            char *grown = realloc(buf, cap);
            if (grown == NULL) {
                snprintf(err, errlen, "out of memory");
                goto fail;
            }
            buf = grown;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (n > max) {
            snprintf(err, errlen, "larger than %zu bytes", max);
            goto fail;
        }
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        snprintf(err, errlen, "read error");
        goto fail;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
fail:
    fclose(f);
    free(buf);
    return NULL;
}
