/* SPDX-License-Identifier: MIT
 * The generic proto3 JSON codec.
 *
 * DESIGN
 * One walker over protobuf-c's field descriptors serves every message, so a
 * new field in proto/skillpath.proto is mapped without code here. Parsing is
 * jansson's (UTF-8 validated, duplicate keys rejected); writing is ours, so
 * floats print as the shortest decimal that reads back to the same float
 * ("0.6", not "0.60000002384185791"). Decoding builds the message with
 * malloc'ed parts exactly as protobuf_c_message_free_unpacked(msg, NULL)
 * expects, so one call frees a half-built message on any error.
 */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc_json.h"

#define MAX_NAME 128
#define MAX_PATH 256
#define MAX_DEPTH 32

void svc_json_name(const char *name, char *out, size_t cap)
{
    size_t n = 0;
    bool upper = false;
    for (; *name && n + 1 < cap; name++) {
        if (*name == '_') {
            upper = true;
            continue;
        }
        out[n++] = upper ? (char)toupper((unsigned char)*name) : *name;
        upper = false;
    }
    out[n] = '\0';
}

/* A field's JSON key as written, quoted and with its colon ("durationMin":),
 * cached per thread: encoding is hot and the descriptors never change.
 * Field names are [A-Za-z0-9_], so the key needs no escaping. */
#define NAME_CACHE 256
struct key {
    const ProtobufCFieldDescriptor *f;
    size_t len;
    char text[MAX_NAME + 3];
};

static const struct key *out_key(const ProtobufCFieldDescriptor *f)
{
    static _Thread_local struct key cache[NAME_CACHE];
    struct key *k = &cache[((uintptr_t)f >> 4) % NAME_CACHE];
    if (k->f != f) {
        k->text[0] = '"';
        svc_json_name(f->name, k->text + 1, MAX_NAME);
        k->len = strlen(k->text);
        k->text[k->len++] = '"';
        k->text[k->len++] = ':';
        k->text[k->len] = '\0';
        k->f = f;
    }
    return k;
}

static size_t elem_size(ProtobufCType t)
{
    switch (t) {
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
        return 8;
    case PROTOBUF_C_TYPE_DOUBLE:
        return sizeof(double);
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_STRING:
        return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(ProtobufCMessage *);
    default:
        return 4;
    }
}

#define MEMBER(type, msg, off) (*(type *)((char *)(msg) + (off)))

/* ================================================================ encode */

struct out {
    char *p;
    size_t len;
    size_t cap;
    bool oom;
    int flags;
};

/* Room for n more bytes and a terminator; false (and oom) when out of memory. */
static bool grow(struct out *o, size_t n)
{
    if (o->oom)
        return false;
    size_t cap = o->cap ? o->cap : 4096;         /* most replies fit at once */
    while (cap < o->len + n + 1)
        cap *= 2;
    char *grown = realloc(o->p, cap);
    if (grown == NULL) {
        o->oom = true;
        return false;
    }
    o->p = grown;
    o->cap = cap;
    return true;
}

/* Append n bytes; the text is terminated once, at the end of encoding. */
static inline void put(struct out *o, const char *s, size_t n)
{
    if (o->len + n >= o->cap && !grow(o, n))
        return;
    memcpy(o->p + o->len, s, n);
    o->len += n;
}

static void puts_(struct out *o, const char *s)
{
    put(o, s, strlen(s));
}

static void newline(struct out *o, int depth)
{
    if (!(o->flags & SVC_JSON_PRETTY))
        return;
    put(o, "\n", 1);
    for (int i = 0; i < depth; i++)
        put(o, "  ", 2);
}

static void put_string(struct out *o, const char *s, size_t n)
{
    put(o, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;                           /* UTF-8 passes through untouched */
        char esc[8] = { '\\', (char)c };
        size_t len = 2;
        switch (c) {
        case '"': case '\\': break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        default:
            len = (size_t)snprintf(esc, sizeof esc, "\\u%04x", c);
        }
        put(o, s + run, i - run);
        put(o, esc, len);
        run = i + 1;
    }
    put(o, s + run, n - run);
    put(o, "\"", 1);
}

static void put_u64(struct out *o, uint64_t v)
{
    char buf[24];
    size_t n = sizeof buf;
    do {
        buf[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put(o, buf + n, sizeof buf - n);
}

static void put_i64(struct out *o, int64_t v)
{
    if (v < 0) {
        put(o, "-", 1);
        put_u64(o, (uint64_t)0 - (uint64_t)v);
    } else {
        put_u64(o, (uint64_t)v);
    }
}

/* The common case of a float without printf: |v| in [1e-5, 1e7), written
 * in fixed notation with the fewest significant digits (6 to 9) that read
 * back to the same float. Returns false to leave other values to printf. */
static bool put_float_fast(struct out *o, float f)
{
    double v = f, a = fabs(v);
    if (!(a >= 1e-5 && a < 1e7))
        return false;
    static const double upper[] = { 1e-4, 1e-3, 1e-2, 1e-1, 1e0, 1e1, 1e2, 1e3, 1e4, 1e5,
                                    1e6, 1e7 };        /* upper[e + 5] = 10^(e+1) */
    static const double pow10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9,
                                    1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };
    int e = -5;                                 /* a in [10^e, 10^(e+1)) */
    while (a >= upper[e + 5])
        e++;
    for (int p = 6; p <= 9; p++) {
        int frac = p - 1 - e;                   /* digits after the point */
        if (frac < 0)
            continue;                           /* more integer digits than p */
        if (frac > 15)
            return false;
        double m = nearbyint(a * pow10[frac]);
        if ((float)(m / pow10[frac]) != (float)a)
            continue;
        uint64_t digits = (uint64_t)m;
        while (frac > 0 && digits % 10 == 0) {  /* 0.600 -> 0.6 */
            digits /= 10;
            frac--;
        }
        char buf[40];
        size_t n = sizeof buf;
        for (int i = 0; i < frac; i++) {
            buf[--n] = (char)('0' + digits % 10);
            digits /= 10;
        }
        if (frac > 0)
            buf[--n] = '.';
        do {
            buf[--n] = (char)('0' + digits % 10);
            digits /= 10;
        } while (digits);
        if (v < 0)
            buf[--n] = '-';
        put(o, buf + n, sizeof buf - n);
        return true;
    }
    return false;
}

/* The shortest decimal that reads back as the same value. */
static void put_real(struct out *o, double v, bool single)
{
    if (isnan(v)) {
        puts_(o, "\"NaN\"");
        return;
    }
    if (isinf(v)) {
        puts_(o, v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
        return;
    }
    if (v == 0) {                       /* "-0" would read back as the integer 0 */
        puts_(o, signbit(v) ? "-0.0" : "0");
        return;
    }
    if (single && put_float_fast(o, (float)v))
        return;
    char buf[40];
    for (int prec = single ? 6 : 15; prec <= (single ? 9 : 17); prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (single ? strtof(buf, NULL) == (float)v : strtod(buf, NULL) == v)
            break;
    }
    puts_(o, buf);
}

static void put_base64(struct out *o, const uint8_t *d, size_t n)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    put(o, "\"", 1);
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)d[i] << 16 | (i + 1 < n ? (uint32_t)d[i + 1] << 8 : 0) |
                     (i + 2 < n ? d[i + 2] : 0);
        char q[4] = { tbl[v >> 18 & 63], tbl[v >> 12 & 63],
                      i + 1 < n ? tbl[v >> 6 & 63] : '=', i + 2 < n ? tbl[v & 63] : '=' };
        put(o, q, 4);
    }
    put(o, "\"", 1);
}

static void encode_message(struct out *o, const ProtobufCMessage *m, int depth);

static void encode_value(struct out *o, const ProtobufCFieldDescriptor *f, const void *p, int depth)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32:
        put_i64(o, *(const int32_t *)p);
        break;
    case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
        put_u64(o, *(const uint32_t *)p);
        break;
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
        put(o, "\"", 1);
        put_i64(o, *(const int64_t *)p);
        put(o, "\"", 1);
        break;
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
        put(o, "\"", 1);
        put_u64(o, *(const uint64_t *)p);
        put(o, "\"", 1);
        break;
    case PROTOBUF_C_TYPE_FLOAT:
        put_real(o, *(const float *)p, true);
        break;
    case PROTOBUF_C_TYPE_DOUBLE:
        put_real(o, *(const double *)p, false);
        break;
    case PROTOBUF_C_TYPE_BOOL:
        puts_(o, *(const protobuf_c_boolean *)p ? "true" : "false");
        break;
    case PROTOBUF_C_TYPE_ENUM: {
        int v = *(const int *)p;
        const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(f->descriptor, v);
        if (ev)
            put_string(o, ev->name, strlen(ev->name));
        else
            put_i64(o, v);          /* an unknown number stays a number */
        break;
    }
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)p;
        s = s ? s : "";
        put_string(o, s, strlen(s));
        break;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *b = p;
        put_base64(o, b->data, b->len);
        break;
    }
    case PROTOBUF_C_TYPE_MESSAGE:
        encode_message(o, *(ProtobufCMessage *const *)p, depth);
        break;
    }
}

/* Is a singular proto3 field at its default (and so omitted)? */
static bool is_default(const ProtobufCFieldDescriptor *f, const void *p)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
        return *(const uint64_t *)p == 0;
    case PROTOBUF_C_TYPE_FLOAT: {
        float v = *(const float *)p;
        return v == 0 && !signbit(v);
    }
    case PROTOBUF_C_TYPE_DOUBLE: {
        double v = *(const double *)p;
        return v == 0 && !signbit(v);
    }
    case PROTOBUF_C_TYPE_BOOL:
        return !*(const protobuf_c_boolean *)p;
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)p;
        return s == NULL || s[0] == '\0';
    }
    case PROTOBUF_C_TYPE_BYTES:
        return ((const ProtobufCBinaryData *)p)->len == 0;
    case PROTOBUF_C_TYPE_MESSAGE:
        return *(ProtobufCMessage *const *)p == NULL;
    default:
        return *(const uint32_t *)p == 0;
    }
}

static bool is_present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    const void *p = (const char *)m + f->offset;
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        return MEMBER(uint32_t, m, f->quantifier_offset) == f->id;
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
        return MEMBER(size_t, m, f->quantifier_offset) > 0;
    if (f->label == PROTOBUF_C_LABEL_REQUIRED)
        return true;
    if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_STRING &&
        f->type != PROTOBUF_C_TYPE_MESSAGE)
        return MEMBER(protobuf_c_boolean, m, f->quantifier_offset);
    return !is_default(f, p);
}

static void encode_message(struct out *o, const ProtobufCMessage *m, int depth)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    bool first = true;
    put(o, "{", 1);
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (!is_present(m, f))
            continue;
        const struct key *key = out_key(f);
        if (!first)
            put(o, ",", 1);
        first = false;
        newline(o, depth + 1);
        put(o, key->text, key->len);
        if (o->flags & SVC_JSON_PRETTY)
            put(o, " ", 1);
        const char *p = (const char *)m + f->offset;
        if (f->label != PROTOBUF_C_LABEL_REPEATED) {
            encode_value(o, f, p, depth + 1);
            continue;
        }
        size_t n = MEMBER(size_t, m, f->quantifier_offset), sz = elem_size(f->type);
        const char *arr = *(char *const *)p;
        bool nested = f->type == PROTOBUF_C_TYPE_MESSAGE;
        put(o, "[", 1);
        for (size_t k = 0; k < n; k++) {
            if (k)
                put(o, ",", 1);
            if (nested)
                newline(o, depth + 2);
            else if (k && (o->flags & SVC_JSON_PRETTY))
                put(o, " ", 1);
            encode_value(o, f, arr + k * sz, depth + 2);
        }
        if (nested)
            newline(o, depth + 1);
        put(o, "]", 1);
    }
    if (!first)
        newline(o, depth);
    put(o, "}", 1);
}

char *svc_json_encode(const ProtobufCMessage *msg, int flags, size_t *len)
{
    struct out o = { .flags = flags };
    encode_message(&o, msg, 0);
    put(&o, "", 1);                             /* the terminator, counted out below */
    if (o.oom) {
        free(o.p);
        return NULL;
    }
    if (len)
        *len = o.len - 1;
    return o.p;
}

/* ================================================================ decode */

struct in {
    char path[MAX_PATH];
    size_t plen;
    char *err;
    size_t errlen;
};

static int fail(struct in *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct in *in, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (in->err && in->errlen)
        snprintf(in->err, in->errlen, "%s: %s", in->plen ? in->path : "(root)", msg);
    return -1;
}

static size_t push_path(struct in *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static size_t push_path(struct in *in, const char *fmt, ...)
{
    size_t saved = in->plen;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(in->path + in->plen, sizeof in->path - in->plen, fmt, ap);
    va_end(ap);
    if (n > 0)
        in->plen += (size_t)n < sizeof in->path - in->plen ? (size_t)n : sizeof in->path - in->plen - 1;
    return saved;
}

static void pop_path(struct in *in, size_t saved)
{
    in->plen = saved;
    in->path[saved] = '\0';
}

static const char *type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: case JSON_REAL: return "a number";
    case JSON_TRUE: case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

/* A JSON number or numeric string as an exact integer in [lo, hi]. */
static int get_int(struct in *in, const json_t *v, bool is_unsigned, int64_t lo, uint64_t hi,
                   int64_t *s_out, uint64_t *u_out)
{
    if (json_is_integer(v)) {
        json_int_t x = json_integer_value(v);
        if ((is_unsigned && x < 0) || (!is_unsigned && x < lo) ||
            (x >= 0 && (uint64_t)x > hi))
            return fail(in, "%lld is out of range", (long long)x);
        *s_out = x;
        *u_out = (uint64_t)x;
        return 0;
    }
    if (json_is_real(v)) {
        double x = json_real_value(v);
        if (!isfinite(x))
            return fail(in, "not a finite number");
        if (x != floor(x))
            return fail(in, "%g is not an integer", x);
        if ((is_unsigned && x < 0) || (!is_unsigned && x < (double)lo) || x > (double)hi ||
            x >= 18446744073709551616.0)
            return fail(in, "%g is out of range", x);
        *s_out = (int64_t)x;
        *u_out = x < 0 ? 0 : (uint64_t)x;
        return 0;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end = NULL;
        errno = 0;
        if (s[0] == '\0' || isspace((unsigned char)s[0]))
            return fail(in, "\"%s\" is not an integer", s);
        if (is_unsigned) {
            if (s[0] == '-')
                return fail(in, "\"%s\" is out of range", s);
            unsigned long long x = strtoull(s, &end, 10);
            if (*end != '\0')
                return fail(in, "\"%.40s\" is not an integer", s);
            if (errno == ERANGE || x > hi)
                return fail(in, "\"%.40s\" is out of range", s);
            *u_out = x;
            *s_out = (int64_t)x;
        } else {
            long long x = strtoll(s, &end, 10);
            if (*end != '\0')
                return fail(in, "\"%.40s\" is not an integer", s);
            if (errno == ERANGE || x < lo || (x > 0 && (uint64_t)x > hi))
                return fail(in, "\"%.40s\" is out of range", s);
            *s_out = x;
            *u_out = (uint64_t)x;
        }
        return 0;
    }
    return fail(in, "expected an integer, got %s", type_name(v));
}

static int get_real(struct in *in, const json_t *v, bool single, double *out)
{
    double x;
    if (json_is_number(v)) {
        x = json_number_value(v);
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end = NULL;
        x = strtod(s, &end);
        if (s[0] == '\0' || *end != '\0' || isspace((unsigned char)s[0]))
            return fail(in, "\"%.40s\" is not a number", s);
    } else {
        return fail(in, "expected a number, got %s", type_name(v));
    }
    if (!isfinite(x))
        return fail(in, "not a finite number");
    if (single && fabs(x) > FLT_MAX)
        return fail(in, "%g is out of range for a float", x);
    *out = x;
    return 0;
}

static int b64val(int c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

static int get_bytes(struct in *in, const json_t *v, ProtobufCBinaryData *out)
{
    if (!json_is_string(v))
        return fail(in, "expected a base64 string, got %s", type_name(v));
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    while (n > 0 && s[n - 1] == '=')
        n--;
    uint8_t *d = malloc(n * 3 / 4 + 1);
    if (d == NULL)
        return fail(in, "out of memory");
    size_t len = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int x = b64val((unsigned char)s[i]);
        if (x < 0) {
            free(d);
            return fail(in, "not valid base64");
        }
        acc = acc << 6 | (uint32_t)x;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            d[len++] = (uint8_t)(acc >> bits);
        }
    }
    out->data = d;
    out->len = len;
    return 0;
}

static int decode_object(struct in *in, const json_t *obj, ProtobufCMessage *m, int depth);

/* Decode one JSON value into the field storage at p (an element for repeated). */
static int decode_value(struct in *in, const ProtobufCFieldDescriptor *f, const json_t *v,
                        void *p, int depth)
{
    int64_t s = 0;
    uint64_t u = 0;
    double x = 0;
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32: case PROTOBUF_C_TYPE_SFIXED32:
        if (get_int(in, v, false, INT32_MIN, INT32_MAX, &s, &u))
            return -1;
        *(int32_t *)p = (int32_t)s;
        return 0;
    case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
        if (get_int(in, v, true, 0, UINT32_MAX, &s, &u))
            return -1;
        *(uint32_t *)p = (uint32_t)u;
        return 0;
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64: case PROTOBUF_C_TYPE_SFIXED64:
        if (get_int(in, v, false, INT64_MIN, INT64_MAX, &s, &u))
            return -1;
        *(int64_t *)p = s;
        return 0;
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
        if (get_int(in, v, true, 0, UINT64_MAX, &s, &u))
            return -1;
        *(uint64_t *)p = u;
        return 0;
    case PROTOBUF_C_TYPE_FLOAT:
        if (get_real(in, v, true, &x))
            return -1;
        *(float *)p = (float)x;
        return 0;
    case PROTOBUF_C_TYPE_DOUBLE:
        if (get_real(in, v, false, &x))
            return -1;
        *(double *)p = x;
        return 0;
    case PROTOBUF_C_TYPE_BOOL:
        if (!json_is_boolean(v))
            return fail(in, "expected true or false, got %s", type_name(v));
        *(protobuf_c_boolean *)p = json_is_true(v);
        return 0;
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumDescriptor *ed = f->descriptor;
        const ProtobufCEnumValue *ev = NULL;
        if (json_is_string(v)) {
            ev = protobuf_c_enum_descriptor_get_value_by_name(ed, json_string_value(v));
            if (ev == NULL)
                return fail(in, "unknown %s value \"%.40s\"", ed->short_name, json_string_value(v));
        } else if (json_is_integer(v)) {
            json_int_t n = json_integer_value(v);
            if (n >= INT32_MIN && n <= INT32_MAX)
                ev = protobuf_c_enum_descriptor_get_value(ed, (int)n);
            if (ev == NULL)
                return fail(in, "%lld is not a %s value", (long long)n, ed->short_name);
        } else {
            return fail(in, "expected a %s name, got %s", ed->short_name, type_name(v));
        }
        *(int *)p = ev->value;
        return 0;
    }
    case PROTOBUF_C_TYPE_STRING: {
        if (!json_is_string(v))
            return fail(in, "expected a string, got %s", type_name(v));
        char *copy = strdup(json_string_value(v));
        if (copy == NULL)
            return fail(in, "out of memory");
        *(char **)p = copy;
        return 0;
    }
    case PROTOBUF_C_TYPE_BYTES:
        return get_bytes(in, v, p);
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessageDescriptor *md = f->descriptor;
        if (!json_is_object(v))
            return fail(in, "expected an object, got %s", type_name(v));
        ProtobufCMessage *sub = malloc(md->sizeof_message);
        if (sub == NULL)
            return fail(in, "out of memory");
        md->message_init(sub);
        *(ProtobufCMessage **)p = sub;      /* owned by the parent from here on */
        return decode_object(in, v, sub, depth + 1);
    }
    }
    return fail(in, "unsupported field type");
}

static const ProtobufCFieldDescriptor *find_field(const ProtobufCMessageDescriptor *d,
                                                  const char *key)
{
    for (unsigned i = 0; i < d->n_fields; i++) {
        char name[MAX_NAME];
        svc_json_name(d->fields[i].name, name, sizeof name);
        if (strcmp(key, d->fields[i].name) == 0 || strcmp(key, name) == 0)
            return &d->fields[i];
    }
    return NULL;
}

static int decode_field(struct in *in, ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
                        const json_t *v, int depth)
{
    void *p = (char *)m + f->offset;
    if (f->label != PROTOBUF_C_LABEL_REPEATED) {
        if (decode_value(in, f, v, p, depth))
            return -1;
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
            MEMBER(uint32_t, m, f->quantifier_offset) = f->id;
        else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_STRING &&
                 f->type != PROTOBUF_C_TYPE_MESSAGE)
            MEMBER(protobuf_c_boolean, m, f->quantifier_offset) = 1;
        return 0;
    }
    if (!json_is_array(v))
        return fail(in, "expected an array, got %s", type_name(v));
    size_t n = json_array_size(v);
    if (n == 0)
        return 0;
    char *arr = calloc(n, elem_size(f->type));
    if (arr == NULL)
        return fail(in, "out of memory");
    *(char **)p = arr;
    MEMBER(size_t, m, f->quantifier_offset) = n;    /* NULL entries free cleanly */
    for (size_t k = 0; k < n; k++) {
        const json_t *e = json_array_get(v, k);
        size_t saved = push_path(in, "[%zu]", k);
        if (json_is_null(e))
            return fail(in, "null is not allowed in an array");
        if (decode_value(in, f, e, arr + k * elem_size(f->type), depth))
            return -1;
        pop_path(in, saved);
    }
    return 0;
}

static int decode_object(struct in *in, const json_t *obj, ProtobufCMessage *m, int depth)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    if (depth > MAX_DEPTH)
        return fail(in, "nested too deeply");
    uint64_t seen[4] = {0};
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v) {
        size_t saved = push_path(in, in->plen ? ".%s" : "%s", key);
        const ProtobufCFieldDescriptor *f = find_field(d, key);
        if (f == NULL)
            return fail(in, "unknown field");
        unsigned idx = (unsigned)(f - d->fields);
        if (idx < 256) {
            if (seen[idx / 64] & (1ULL << (idx % 64)))
                return fail(in, "field given twice (as \"%s\" and its other name)", key);
            seen[idx / 64] |= 1ULL << (idx % 64);
        }
        if (!json_is_null(v) && decode_field(in, m, f, v, depth))
            return -1;
        pop_path(in, saved);
    }
    return 0;
}

ProtobufCMessage *svc_json_decode(const ProtobufCMessageDescriptor *desc, const char *buf,
                                  size_t len, char *err, size_t errlen)
{
    struct in in = { .err = err, .errlen = errlen };
    json_error_t jerr;
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        if (err && errlen)
            snprintf(err, errlen, "malformed JSON at line %d column %d: %s", jerr.line,
                     jerr.column, jerr.text);
        return NULL;
    }
    ProtobufCMessage *m = NULL;
    if (!json_is_object(root)) {
        fail(&in, "expected an object, got %s", type_name(root));
        goto out;
    }
    m = malloc(desc->sizeof_message);
    if (m == NULL) {
        fail(&in, "out of memory");
        goto out;
    }
    desc->message_init(m);
    if (decode_object(&in, root, m, 0)) {
        protobuf_c_message_free_unpacked(m, NULL);
        m = NULL;
    }
out:
    json_decref(root);
    return m;
}
