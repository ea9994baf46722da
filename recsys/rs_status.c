/* SPDX-License-Identifier: MIT
 * Status strings, the error buffer helper and small shared utilities. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_internal.h"

const char *rs_strerror(int st)
{
    switch (st) {
    case RS_OK: return "ok";
    case RS_ENOMEM: return "out of memory";
    case RS_EINVAL: return "invalid data";
    case RS_ENOTFOUND: return "not found";
    case RS_ERANGE: return "out of range";
    default: return "unknown status";
    }
}

void rs_err_add(char *err, size_t errlen, size_t *count, const char *fmt, ...)
{
    size_t n = *count;
    *count = n + 1;
    if (err == NULL || errlen == 0)
        return;
    size_t used = n == 0 ? 0 : strlen(err);
    if (n == 0)
        err[0] = '\0';
    /* Keep room for a final "... and more" marker. */
    const size_t reserve = 32;
    if (used + reserve >= errlen) {
        if (!strstr(err, "\n...") && used + 5 < errlen)
            strcat(err, "\n...");
        return;
    }
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    size_t need = strlen(line) + (used ? 1 : 0);
    if (used + need + reserve >= errlen) {
        if (used + 5 < errlen)
            strcat(err, used ? "\n..." : "...");
        return;
    }
    if (used)
        err[used++] = '\n';
    memcpy(err + used, line, strlen(line) + 1);
}

void rs_err_set(char *err, size_t errlen, const char *fmt, ...)
{
    if (err == NULL || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

void *rs_aligned_alloc(size_t bytes)
{
    size_t rounded = (bytes + RS_ALIGN - 1) / RS_ALIGN * RS_ALIGN;
    return aligned_alloc(RS_ALIGN, rounded ? rounded : RS_ALIGN);
}

/* ---------------------------------------------------------------- strmap */

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;    /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h ^ (h >> 29);
}

int rs_strmap_init(struct rs_strmap *m, char *const *keys, size_t n)
{
    size_t cap = 16;
    while (cap < n * 2)
        cap <<= 1;
    m->slots = calloc(cap, sizeof *m->slots);
    m->mask = cap - 1;
    m->keys = keys;
    return m->slots ? 0 : RS_ENOMEM;
}

void rs_strmap_deinit(struct rs_strmap *m)
{
    free(m->slots);
    m->slots = NULL;
}

long rs_strmap_insert(struct rs_strmap *m, size_t i)
{
    size_t h = hash_str(m->keys[i]) & m->mask;
    for (;; h = (h + 1) & m->mask) {
        uint32_t s = m->slots[h];
        if (s == 0) {
            m->slots[h] = (uint32_t)i + 1;
            return -1;
        }
        if (strcmp(m->keys[s - 1], m->keys[i]) == 0)
            return (long)s - 1;
    }
}

long rs_strmap_find(const struct rs_strmap *m, const char *key)
{
    if (m->slots == NULL || key == NULL)
        return -1;
    size_t h = hash_str(key) & m->mask;
    for (;; h = (h + 1) & m->mask) {
        uint32_t s = m->slots[h];
        if (s == 0)
            return -1;
        if (strcmp(m->keys[s - 1], key) == 0)
            return (long)s - 1;
    }
}
