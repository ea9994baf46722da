/* SPDX-License-Identifier: MIT
 * The generic proto3 JSON codec: any protobuf-c message to and from its
 * canonical JSON mapping, driven by the message descriptors. */
#ifndef SVC_JSON_H
#define SVC_JSON_H

#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

enum svc_json_flags {
    SVC_JSON_COMPACT = 0,
    SVC_JSON_PRETTY = 1 << 0,       /* two-space indentation, one field a line */
};

/* Encode `msg` as proto3 JSON: lowerCamelCase names, enums by name, 64-bit
 * integers as strings, default values omitted. Returns a malloc'ed,
 * NUL-terminated string (its length in *len when len is not NULL) that the
 * caller frees, or NULL when out of memory. */
char *svc_json_encode(const ProtobufCMessage *msg, int flags, size_t *len);

/* proto3's JSON name of a field: "duration_min" -> "durationMin". */
void svc_json_name(const char *name, char *out, size_t cap);

/* Decode `len` bytes of JSON into a new message of type `desc`. Accepts both
 * the proto field names and the lowerCamelCase ones, enums by name or number,
 * integers as numbers or strings; rejects unknown fields, wrong types, values
 * out of range, NaN and infinities. Returns the message (free it with
 * protobuf_c_message_free_unpacked(msg, NULL)), or NULL with a message naming
 * the field path in err ("courses[3].coverage[7]: not a finite number"). */
ProtobufCMessage *svc_json_decode(const ProtobufCMessageDescriptor *desc, const char *buf,
                                  size_t len, char *err, size_t errlen);

#endif
