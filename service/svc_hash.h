/* SPDX-License-Identifier: MIT
 * FNV-1a, 64 bits: the one hash of bytes the service uses where no
 * adversary picks the input's collisions — hash tables of ids and terms,
 * ETags, fingerprints of stored values. */
#ifndef SVC_HASH_H
#define SVC_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t svc_hash(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 1099511628211ull;
    return h;
}

static inline uint64_t svc_hash_str(const char *s)
{
    return svc_hash(s, strlen(s));
}

#endif
