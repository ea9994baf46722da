/* SPDX-License-Identifier: MIT
 * API keys as SHA-256 digests; every check walks every key, so the time of
 * a check does not tell how much of a guess matched. */
#include <ctype.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "svc_auth.h"
#include "svc_conf.h"

#define MIN_KEY 16

struct key {
    unsigned scopes;
    unsigned char digest[SHA256_DIGEST_LENGTH];
};

struct svc_auth {
    struct key *keys;
    size_t n, cap;
};

static int scope_of(const char *s, size_t n, unsigned *out)
{
    if (n == 3 && strncmp(s, "app", 3) == 0)
        *out = SVC_SCOPE_APP;
    else if (n == 6 && strncmp(s, "ingest", 6) == 0)
        *out = SVC_SCOPE_INGEST;
    else if (n == 5 && strncmp(s, "admin", 5) == 0)
        *out = SVC_SCOPE_ADMIN | SVC_SCOPE_APP | SVC_SCOPE_INGEST;
    else
        return -1;
    return 0;
}

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Add one "SCOPE KEY" pair; `where` names it for messages (never the key). */
static int add(struct svc_auth *a, const char *scope, size_t slen, const char *key, size_t klen,
               const char *where, char *err, size_t errlen)
{
    struct key k;
    if (scope_of(scope, slen, &k.scopes) != 0) {
        snprintf(err, errlen, "%s: scope must be app, ingest or admin", where);
        return -1;
    }
    if (klen > 7 && strncmp(key, "sha256:", 7) == 0) {
        if (klen != 7 + 2 * SHA256_DIGEST_LENGTH) {
            snprintf(err, errlen, "%s: sha256: needs 64 hex digits", where);
            return -1;
        }
        for (int i = 0; i < SHA256_DIGEST_LENGTH; i++) {
            int hi = hexval(key[7 + 2 * i]), lo = hexval(key[8 + 2 * i]);
            if (hi < 0 || lo < 0) {
                snprintf(err, errlen, "%s: sha256: needs 64 hex digits", where);
                return -1;
            }
            k.digest[i] = (unsigned char)(hi << 4 | lo);
        }
    } else {
        if (klen < MIN_KEY) {
            snprintf(err, errlen, "%s: keys must be at least %d characters", where, MIN_KEY);
            return -1;
        }
        SHA256((const unsigned char *)key, klen, k.digest);
    }
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 8;
        struct key *grown = realloc(a->keys, cap * sizeof *grown);
        if (grown == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        a->keys = grown;
        a->cap = cap;
    }
    a->keys[a->n++] = k;
    return 0;
}

static int add_pair(void *arg, const char *scope, size_t slen, const char *key, const char *where,
                    char *err, size_t errlen)
{
    char at[600];
    snprintf(at, sizeof at, "keys file %s", where);
    return add(arg, scope, slen, key, strcspn(key, " \t"), at, err, errlen);
}

static int load_file(struct svc_auth *a, const char *path, char *err, size_t errlen)
{
    char why[700];
    if (svc_conf_read_pairs(path, add_pair, a, why, sizeof why) == 0)
        return 0;
    snprintf(err, errlen, "%s%s", strncmp(why, "keys file", 9) ? "keys file " : "", why);
    return -1;
}

static int load_list(struct svc_auth *a, const char *list, char *err, size_t errlen)
{
    int i = 0;
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, ",");
        const char *colon = memchr(p, ':', n);
        char where[64];
        snprintf(where, sizeof where, "API key list, entry %d", ++i);
        if (colon == NULL) {
            snprintf(err, errlen, "%s: expected SCOPE:KEY", where);
            return -1;
        }
        if (add(a, p, (size_t)(colon - p), colon + 1, n - (size_t)(colon - p) - 1, where, err,
                errlen) != 0)
            return -1;
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}

struct svc_auth *svc_auth_create(const char *file, const char *list, char *err, size_t errlen)
{
    struct svc_auth *a = calloc(1, sizeof *a);
    if (a == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if ((file && file[0] && load_file(a, file, err, errlen) != 0) ||
        (list && list[0] && load_list(a, list, err, errlen) != 0)) {
        svc_auth_destroy(a);
        return NULL;
    }
    if (a->n == 0) {
        snprintf(err, errlen, "no API keys: give keys-file or SKILLPATH_API_KEYS "
                              "(or no-auth, for local development only)");
        svc_auth_destroy(a);
        return NULL;
    }
    return a;
}

void svc_auth_destroy(struct svc_auth *a)
{
    if (a == NULL)
        return;
    OPENSSL_cleanse(a->keys, a->cap * sizeof *a->keys);
    free(a->keys);
    free(a);
}

size_t svc_auth_count(const struct svc_auth *a)
{
    return a->n;
}

/* Basic credentials (RFC 7617, what an LMS's LRS setting sends): the key
 * is the password, user:KEY base64-encoded; written to out (NUL-ended).
 * false when they do not decode. */
static bool basic_key(const char *b64, char *out, size_t cap)
{
    size_t n = strlen(b64);
    while (n > 0 && b64[n - 1] == ' ')
        n--;
    if (n == 0 || n % 4 != 0 || n / 4 * 3 + 1 > cap)
        return false;
    int len = EVP_DecodeBlock((unsigned char *)out, (const unsigned char *)b64, (int)n);
    if (len < 0)
        return false;
    len -= (n >= 1 && b64[n - 1] == '=') + (n >= 2 && b64[n - 2] == '=');   /* padding */
    out[len] = '\0';
    if (memchr(out, '\0', (size_t)len) != NULL)
        return false;
    char *colon = strchr(out, ':');
    if (colon)
        memmove(out, colon + 1, strlen(colon + 1) + 1);
    return true;
}

/* The key's outcome: constant time over the keys. */
static enum svc_auth_outcome check_key(const struct svc_auth *a, const char *key, unsigned need,
                                       char *msg, size_t msglen)
{
    while (*key == ' ')
        key++;
    unsigned char d[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)key, strlen(key), d);
    unsigned scopes = 0;
    bool known = false;
    for (size_t i = 0; i < a->n; i++) {         /* no early exit */
        int same = CRYPTO_memcmp(d, a->keys[i].digest, sizeof d) == 0;
        known |= same;
        scopes |= same ? a->keys[i].scopes : 0;
    }
    if (!known) {
        snprintf(msg, msglen, "unknown API key");
        return SVC_AUTH_UNKNOWN;
    }
    if (!(scopes & need)) {
        snprintf(msg, msglen, "this key lacks the '%s' scope for this route",
                 need == SVC_SCOPE_APP ? "app" : need == SVC_SCOPE_INGEST ? "ingest" : "admin");
        return SVC_AUTH_NO_SCOPE;
    }
    return SVC_AUTH_OK;
}

enum svc_auth_outcome svc_auth_check(const struct svc_auth *a, const char *authorization,
                                     unsigned need, char *msg, size_t msglen)
{
    if (authorization && strncasecmp(authorization, "Bearer ", 7) == 0)
        return check_key(a, authorization + 7, need, msg, msglen);
    if (authorization && strncasecmp(authorization, "Basic ", 6) == 0) {
        const char *b64 = authorization + 6;
        while (*b64 == ' ')
            b64++;
        char basic[512];
        enum svc_auth_outcome out = SVC_AUTH_MISSING;
        if (basic_key(b64, basic, sizeof basic))
            out = check_key(a, basic, need, msg, msglen);
        else
            snprintf(msg, msglen, "malformed Basic credentials: send base64(user:KEY)");
        OPENSSL_cleanse(basic, sizeof basic);
        return out;
    }
    snprintf(msg, msglen, "missing API key: send Authorization: Bearer <key> (or Basic user:key)");
    return SVC_AUTH_MISSING;
}
