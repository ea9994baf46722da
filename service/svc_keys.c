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

int svc_keys_make(char *buf, size_t cap, const char *prefix, enum svc_key kind, const char *id)
{
    int n = snprintf(buf, cap, "%s%s:%s", prefix, kind_word[kind], id);
    return n >= 0 && (size_t)n < cap ? n : -1;
}

int svc_keys_channel(char *buf, size_t cap, const char *prefix, const char *name)
{
    int n = snprintf(buf, cap, "%s%s", prefix, name);
    return n >= 0 && (size_t)n < cap ? n : -1;
}
