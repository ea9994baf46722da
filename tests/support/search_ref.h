/* SPDX-License-Identifier: MIT
 * The course search's contract written plainly, for the test and the bench
 * that check service/svc_search.c against it (kept apart from the code it
 * checks): texts compared lowercased (ASCII) with whitespace runs as one
 * space, trimmed; a title holds a query when it contains it, a query that
 * begins with a Latin letter or digit at a word's beginning. */
#ifndef SEARCH_REF_H
#define SEARCH_REF_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* malloc'ed */
static inline char *ref_normalise(const char *s)
{
    char *t = malloc(strlen(s) + 1), *o = t;
    bool space = true;
    if (t == NULL)
        return NULL;
    for (; *s; s++) {
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') {
            if (!space)
                *o++ = ' ';
            space = true;
            continue;
        }
        *o++ = (char)(*s >= 'A' && *s <= 'Z' ? *s + 32 : *s);
        space = false;
    }
    if (o > t && o[-1] == ' ')
        o--;
    *o = '\0';
    return t;
}

static inline bool ref_word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static inline bool ref_holds(const char *t, const char *q)
{
    for (const char *p = strstr(t, q); p; p = strstr(p + 1, q))
        if (!ref_word_char(q[0]) || p == t || !ref_word_char(p[-1]))
            return true;
    return false;
}

#endif
