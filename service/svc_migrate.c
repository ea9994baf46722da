/* SPDX-License-Identifier: MIT
 * The key schema's migration (svc_migrate.h). */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <string.h>

#include "svc_keys.h"
#include "svc_migrate.h"

#define MAX_KEY 512
#define SCAN_COUNT "500"

static const enum svc_key kinds[SVC_MIGRATE_KINDS] = { SVC_KEY_LEARNER, SVC_KEY_SEEN, SVC_KEY_EVENTS,
                                                        SVC_KEY_STREAMS, SVC_KEY_CATALOG, SVC_KEY_TEAM };

/* The SCAN pattern of old keys of `kind`: "P word:*", glob characters of
 * P escaped; its literal part's length (the old key of id "") in *lit. */
static int old_pattern(const char *prefix, enum svc_key kind, char *out, size_t cap, size_t *lit)
{
    char key[MAX_KEY];
    int n = svc_keys_make_v1(key, sizeof key, prefix, kind, "");
    if (n < 0)
        return -1;
    *lit = (size_t)n;
    size_t o = 0;
    for (int i = 0; i < n; i++) {
        if (strchr("*?[]\\", key[i]) && o + 1 < cap)
            out[o++] = '\\';
        if (o + 2 >= cap)
            return -1;
        out[o++] = key[i];
    }
    out[o++] = '*';
    out[o] = '\0';
    return 0;
}

static redisReply *call(redisContext *rc, int argc, const char **argv, const size_t *lens, char *err,
                        size_t errlen)
{
    redisReply *r = redisCommandArgv(rc, argc, argv, lens);
    if (r == NULL) {
        snprintf(err, errlen, "redis: %s", rc->errstr[0] ? rc->errstr : "no answer");
        return NULL;
    }
    return r;
}

/* One old key: renamed (1), taken (0), gone or not ours (-2), failed (-1). */
static int migrate_one(redisContext *rc, const char *prefix, enum svc_key kind, const char *old, size_t len,
                       size_t lit, bool dry_run, char *err, size_t errlen)
{
    char id[SVC_MAX_ID + 1], key[MAX_KEY];
    size_t n = len - lit;
    if (n == 0 || n > SVC_MAX_ID)
        return -2;
    memcpy(id, old + lit, n);
    id[n] = '\0';
    if (!svc_keys_valid_id(id) || svc_keys_make(key, sizeof key, prefix, kind, id) < 0)
        return -2;
    const char *argv[] = { dry_run ? "EXISTS" : "RENAMENX", dry_run ? key : old, key };
    size_t lens[] = { strlen(argv[0]), dry_run ? strlen(key) : len, strlen(key) };
    redisReply *r = call(rc, dry_run ? 2 : 3, argv, lens, err, errlen);
    if (r == NULL)
        return -1;
    int rc_ = -1;
    if (r->type == REDIS_REPLY_INTEGER)
        rc_ = dry_run ? (r->integer ? 0 : 1) : (int)r->integer;
    else if (r->type == REDIS_REPLY_ERROR && strstr(r->str, "no such key"))
        rc_ = -2;                       /* gone since SCAN saw it */
    else
        snprintf(err, errlen, "redis: %s", r->type == REDIS_REPLY_ERROR ? r->str : "an unexpected reply");
    freeReplyObject(r);
    return rc_;
}

int svc_migrate_keys(redisContext *rc, const char *prefix, bool dry_run, struct svc_migrate_counts *out,
                     char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    for (size_t k = 0; k < SVC_MIGRATE_KINDS; k++) {
        char pattern[2 * MAX_KEY];
        size_t lit;
        if (old_pattern(prefix, kinds[k], pattern, sizeof pattern, &lit) != 0) {
            snprintf(err, errlen, "the prefix is too long");
            return -1;
        }
        char cursor[64] = "0";
        do {
            const char *argv[] = { "SCAN", cursor, "MATCH", pattern, "COUNT", SCAN_COUNT };
            redisReply *r = call(rc, 6, argv, NULL, err, errlen);
            if (r == NULL)
                return -1;
            if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 || r->element[0]->type != REDIS_REPLY_STRING ||
                r->element[1]->type != REDIS_REPLY_ARRAY) {
                snprintf(err, errlen, "redis: SCAN: %s", r->type == REDIS_REPLY_ERROR ? r->str : "an unexpected reply");
                freeReplyObject(r);
                return -1;
            }
            snprintf(cursor, sizeof cursor, "%s", r->element[0]->str);
            const redisReply *keys = r->element[1];
            for (size_t i = 0; i < keys->elements; i++) {
                const redisReply *key = keys->element[i];
                if (key->type != REDIS_REPLY_STRING)
                    continue;
                int m = migrate_one(rc, prefix, kinds[k], key->str, key->len, lit, dry_run, err, errlen);
                if (m < 0 && m != -2) {
                    freeReplyObject(r);
                    return -1;
                }
                if (m == 1)
                    out->renamed[k]++;
                else if (m == 0)
                    out->conflicts++;
                else
                    out->skipped++;
            }
            freeReplyObject(r);
        } while (strcmp(cursor, "0") != 0);
    }
    return 0;
}
