/* SPDX-License-Identifier: MIT */
#include "bench_seed.h"

int bench_seed_learner(const struct rs_catalog *cat, uint64_t seed, uint64_t i, size_t attempts,
                       int64_t now, struct rs_learner *out)
{
    int rc = rs_synth_learner(cat, seed * 1000003 + i, now, out);
    if (rc != 0)
        return rc;
    size_t n = rs_catalog_n_courses(cat);
    uint64_t st = seed + i * 7919;
    out->n_attempts = 0;
    for (int tries = 0; out->n_attempts < attempts && attempts <= n && tries < 100000; tries++) {
        uint32_t j = (uint32_t)(rs_synth_next(&st) % n);
        float y = rs_synth_uniform(&st);
        struct rs_attempt at = { j, y, y >= rs_catalog_course_mastery(cat, j),
                                 now - (int64_t)(rs_synth_next(&st) % (365 * 86400)),
                                 y < rs_catalog_course_mastery(cat, j) };
        rc = rs_learner_set_attempt(out, &at);
        if (rc != 0) {
            rs_learner_deinit(out);
            return rc;
        }
    }
    out->version = 1;
    return 0;
}
