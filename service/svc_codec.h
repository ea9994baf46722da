/* SPDX-License-Identifier: MIT
 * Body encodings of the HTTP API: protobuf or the proto3 JSON mapping,
 * chosen from Content-Type and Accept. */
#ifndef SVC_CODEC_H
#define SVC_CODEC_H

#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

enum svc_enc {
    SVC_ENC_JSON = 0,
    SVC_ENC_PROTOBUF = 1,
    SVC_ENC_UNSUPPORTED = -1,
};

/* The encoding a Content-Type names; NULL or empty means JSON. */
enum svc_enc svc_codec_from_content_type(const char *ct);

/* The reply encoding: what Accept asks for if it names one of ours, else
 * the request's. */
enum svc_enc svc_codec_from_accept(const char *accept, enum svc_enc request);

const char *svc_codec_content_type(enum svc_enc enc);

/* Decode a body; NULL with a message naming the field in err. Free the
 * message with protobuf_c_message_free_unpacked(m, NULL). */
ProtobufCMessage *svc_codec_decode(enum svc_enc enc, const ProtobufCMessageDescriptor *desc,
                                   const void *body, size_t len, char *err, size_t errlen);

/* Encode; a malloc'ed buffer the caller frees, or NULL when out of memory. */
void *svc_codec_encode(enum svc_enc enc, const ProtobufCMessage *m, size_t *len);

/* Every message of proto/skillpath.proto, and lookup by name ("Learner" or
 * "skillpath.v1.Learner"); NULL if none. */
extern const ProtobufCMessageDescriptor *const svc_codec_types[];
extern const size_t svc_codec_n_types;
const ProtobufCMessageDescriptor *svc_codec_find_type(const char *name);

/* Read a whole file (at most `max` bytes), NUL-terminated; NULL with the
 * reason in err. The caller frees it. */
char *svc_codec_read_file(const char *path, size_t max, size_t *len, char *err, size_t errlen);

#endif
