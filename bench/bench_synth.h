/* SPDX-License-Identifier: MIT
 * The benches' synthetic catalog: n courses over `tags` tags, 3 targets, up
 * to 3 prerequisites and 5 tags a course (rs_synth.h); exits on failure. */
#ifndef BENCH_SYNTH_H
#define BENCH_SYNTH_H

#include <stdio.h>
#include <stdlib.h>

#include "recsys.h"

static inline struct rs_catalog *bench_synth_catalog(size_t n, size_t tags, uint64_t seed)
{
    struct rs_synth_params p = { .n_courses = n, .n_tags = tags, .n_targets = 3, .seed = seed,
                                 .max_prereqs = 3, .max_cover = 5 };
    struct rs_synth *s = rs_synth_create(&p);
    struct rs_catalog *cat = s ? rs_catalog_create(rs_synth_def(s), NULL, 0, NULL) : NULL;
    rs_synth_destroy(s);
    if (cat == NULL) {
        fprintf(stderr, "bench: cannot build a %zu-course catalog\n", n);
        exit(1);
    }
    return cat;
}

#endif
