/* SPDX-License-Identifier: MIT
 * Body encodings: protobuf via protobuf-c, JSON via svc_json. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

ProtobufCMessage *svc_codec_decode(enum svc_enc enc, const ProtobufCMessageDescriptor *desc,
                                   const void *body, size_t len, char *err, size_t errlen)
{
    if (enc == SVC_ENC_JSON)
        return svc_json_decode(desc, body, len, err, errlen);
    ProtobufCMessage *m = protobuf_c_message_unpack(desc, NULL, len, body);
    if (m == NULL)
        snprintf(err, errlen, "malformed protobuf: not a valid %s", desc->name);
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
