/* SPDX-License-Identifier: MIT
 * The synthetic learners of the benchmarks: what `skillpath-bench seed`
 * writes to Redis and what bench_reply decodes, from one definition. */
#ifndef BENCH_SEED_H
#define BENCH_SEED_H

#include <stddef.h>
#include <stdint.h>

#include "recsys.h"

/* Learner number `i` of seed `seed`: rs_synth_learner's profile with exactly
 * `attempts` attempts at distinct courses (fewer if the catalog is smaller),
 * practised up to a year before `now`, version 1. 0 or RS_ENOMEM. */
int bench_seed_learner(const struct rs_catalog *cat, uint64_t seed, uint64_t i, size_t attempts,
                       int64_t now, struct rs_learner *out);

#endif
