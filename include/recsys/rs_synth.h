/* SPDX-License-Identifier: MIT
 * Seeded generator of synthetic catalogs and learners for tests and benchmarks:
 * N courses over D tags with sparse coverage and a random prerequisite DAG. */
#ifndef RS_SYNTH_H
#define RS_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "rs_catalog.h"
#include "rs_learner.h"

struct rs_synth_params {
    size_t n_courses;           /* N */
    size_t n_tags;              /* D */
    size_t n_targets;           /* >= 1 */
    uint64_t seed;
    unsigned max_prereqs;       /* per course, drawn in [0, max_prereqs] */
    unsigned max_cover;         /* tags covered per course, drawn in [1, max_cover] */
    unsigned duration_min;      /* every course's duration; 0 = 15 */
};

struct rs_synth;

/* Generate a catalog definition (deterministic in params). NULL on ENOMEM. */
struct rs_synth *rs_synth_create(const struct rs_synth_params *p);
void rs_synth_destroy(struct rs_synth *s);
/* The generated definition; valid while `s` lives. */
const struct rs_catalog_def *rs_synth_def(const struct rs_synth *s);

/* A random learner for `cat` (initialised by this call): capabilities in
 * [0,1], some tags practised up to a year before `now`, a few attempts,
 * passed or failed, at random courses. 0 or RS_ENOMEM. */
int rs_synth_learner(const struct rs_catalog *cat, uint64_t seed, int64_t now,
                     struct rs_learner *out);

/* The generator's PRNG (splitmix64), for callers that need matching draws. */
uint64_t rs_synth_next(uint64_t *state);
/* Uniform in [0,1). */
float rs_synth_uniform(uint64_t *state);

#endif
