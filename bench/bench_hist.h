/* SPDX-License-Identifier: MIT
 * A log-bucket latency histogram: constant memory, ~1.6% relative error,
 * microsecond values up to ~10^12 (hours). */
#ifndef BENCH_HIST_H
#define BENCH_HIST_H

#include <stdint.h>

#define BENCH_HIST_SUB 64                       /* buckets per power of two */
#define BENCH_HIST_BUCKETS (BENCH_HIST_SUB * 40)

struct bench_hist {
    uint64_t count;
    uint64_t max;
    uint64_t min;
    double sum;
    uint64_t bucket[BENCH_HIST_BUCKETS];
};

void bench_hist_init(struct bench_hist *h);
void bench_hist_add(struct bench_hist *h, uint64_t v);
void bench_hist_merge(struct bench_hist *into, const struct bench_hist *from);
/* The value at quantile q in [0,1] (the upper edge of its bucket, capped at
 * the max seen); 0 for an empty histogram. */
uint64_t bench_hist_quantile(const struct bench_hist *h, double q);

#endif
