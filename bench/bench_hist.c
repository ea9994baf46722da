/* SPDX-License-Identifier: MIT
 * Log-bucket histogram: values below 64 have a bucket each; above, each
 * power of two is split into 64 buckets by the next six bits. */
#include <string.h>

#include "bench_hist.h"

static unsigned bucket_of(uint64_t v)
{
    if (v < BENCH_HIST_SUB)
        return (unsigned)v;
    unsigned e = 63 - (unsigned)__builtin_clzll(v);          /* v in [2^e, 2^(e+1)) */
    unsigned sub = (unsigned)(v >> (e - 6)) & (BENCH_HIST_SUB - 1);
    unsigned b = (e - 5) * BENCH_HIST_SUB + sub;
    return b < BENCH_HIST_BUCKETS ? b : BENCH_HIST_BUCKETS - 1;
}

/* The largest value that falls in bucket b. */
static uint64_t upper_of(unsigned b)
{
    if (b < BENCH_HIST_SUB)
        return b;
    unsigned e = b / BENCH_HIST_SUB + 5, sub = b % BENCH_HIST_SUB;
    uint64_t lo = ((uint64_t)1 << e) | ((uint64_t)sub << (e - 6));
    return lo + ((uint64_t)1 << (e - 6)) - 1;
}

void bench_hist_init(struct bench_hist *h)
{
    memset(h, 0, sizeof *h);
    h->min = UINT64_MAX;
}

void bench_hist_add(struct bench_hist *h, uint64_t v)
{
    h->bucket[bucket_of(v)]++;
    h->count++;
    h->sum += (double)v;
    if (v > h->max)
        h->max = v;
    if (v < h->min)
        h->min = v;
}

void bench_hist_merge(struct bench_hist *into, const struct bench_hist *from)
{
    for (unsigned b = 0; b < BENCH_HIST_BUCKETS; b++)
        into->bucket[b] += from->bucket[b];
    into->count += from->count;
    into->sum += from->sum;
    if (from->max > into->max)
        into->max = from->max;
    if (from->min < into->min)
        into->min = from->min;
}

uint64_t bench_hist_quantile(const struct bench_hist *h, double q)
{
    if (h->count == 0)
        return 0;
    if (q <= 0)
        return h->min;
    uint64_t rank = (uint64_t)(q * (double)h->count + 0.5);
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (unsigned b = 0; b < BENCH_HIST_BUCKETS; b++) {
        seen += h->bucket[b];
        if (seen >= rank) {
            if (b == BENCH_HIST_BUCKETS - 1)
                return h->max;          /* the overflow bucket has no upper edge */
            uint64_t u = upper_of(b);
            return u < h->max ? u : h->max;
        }
    }
    return h->max;
}
