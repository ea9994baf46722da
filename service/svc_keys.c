/* SPDX-License-Identifier: MIT
 * The Redis key schema (svc_keys.h). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "svc_keys.h"

static const char *const kind_word[] = {
    [SVC_KEY_LEARNER] = "l",
    [SVC_KEY_SEEN] = "seen",
    [SVC_KEY_EVENTS] = "ev",
    [SVC_KEY_STREAMS] = "streams",
    [SVC_KEY_CATALOG] = "catalog",
    [SVC_KEY_STATEMENT] = "xs",
    [SVC_KEY_ALIAS] = "xa",
    [SVC_KEY_TEAM] = "team",
};

bool svc_keys_valid_id(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!(isalnum((unsigned char)s[n]) || strchr("._:@-", s[n])))
            return false;
    return n > 0 && n <= SVC_MAX_ID;
}

static bool per_learner(enum svc_key kind)
{
    return kind == SVC_KEY_LEARNER || kind == SVC_KEY_SEEN || kind == SVC_KEY_EVENTS || kind == SVC_KEY_STREAMS;
}

/* Keys one script touches together share a tag of their kind's. */
static bool tagged_by_kind(enum svc_key kind)
{
    return kind == SVC_KEY_CATALOG || kind == SVC_KEY_TEAM;
}

int svc_keys_make(char *buf, size_t cap, const char *prefix, enum svc_key kind, const char *id)
{
    int n = per_learner(kind)       ? snprintf(buf, cap, "%s{%s}:%s", prefix, id, kind_word[kind])
            : tagged_by_kind(kind) ? snprintf(buf, cap, "%s{%s}:%s", prefix, kind_word[kind], id)
                                   : snprintf(buf, cap, "%s%s:%s", prefix, kind_word[kind], id);
    return n >= 0 && (size_t)n < cap ? n : -1;
}

int svc_keys_make_v1(char *buf, size_t cap, const char *prefix, enum svc_key kind, const char *id)
{
    int n = snprintf(buf, cap, "%s%s:%s", prefix, kind_word[kind], id);
    return n >= 0 && (size_t)n < cap ? n : -1;
}

int svc_keys_learner_pattern(char *buf, size_t cap, const char *prefix)
{
    size_t o = 0;
    for (const char *p = prefix; *p; p++) {
        if (strchr("*?[]\\", *p)) {
            if (o + 1 >= cap)
                return -1;
            buf[o++] = '\\';
        }
        if (o + 1 >= cap)
            return -1;
        buf[o++] = *p;
    }
    int n = snprintf(buf + o, cap - o, "{*}:%s", kind_word[SVC_KEY_LEARNER]);
    return n >= 0 && (size_t)n < cap - o ? (int)o + n : -1;
}

bool svc_keys_learner_of(const char *key, size_t len, const char *prefix, char *id)
{
    size_t p = strlen(prefix), w = strlen(kind_word[SVC_KEY_LEARNER]);
    if (len < p + 4 + w || memcmp(key, prefix, p) != 0 || key[p] != '{' ||
        memcmp(key + len - w - 2, "}:", 2) != 0 || memcmp(key + len - w, kind_word[SVC_KEY_LEARNER], w) != 0)
        return false;
    size_t n = len - p - 3 - w;
    if (n == 0 || n > SVC_MAX_ID)
        return false;
    memcpy(id, key + p + 1, n);
    id[n] = '\0';
    return svc_keys_valid_id(id);
}

int svc_keys_channel(char *buf, size_t cap, const char *prefix, const char *name)
{
    int n = snprintf(buf, cap, "%s%s", prefix, name);
    return n >= 0 && (size_t)n < cap ? n : -1;
}
