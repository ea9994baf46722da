/* SPDX-License-Identifier: MIT
 * Test helpers shared by the unit tests: synthetic catalogs, files, a small
 * editable catalog definition. */
#ifndef TEST_SUPPORT_H
#define TEST_SUPPORT_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "recsys.h"

/* A synthetic catalog (fails the test if it does not build). */
struct rs_catalog *sp_synth_catalog(size_t n_courses, size_t n_tags, uint64_t seed,
                                    unsigned max_prereqs, unsigned max_cover);

/* The whole file, NUL-terminated, malloc'ed; fails the test if unreadable. */
char *sp_read_file(const char *path, size_t *len);

/* A small valid catalog definition that a test can edit before building:
 * tags a, b, c; courses c1 <- c2 <- c3 and c4; target t1. */
struct sp_def {
    struct rs_tag_def tags[3];
    struct rs_course_def courses[4];
    struct rs_target_def targets[1];
    float coverage[4][3];
    float level[3];
    const char *pre2[1];
    const char *pre3[2];
    struct rs_catalog_def def;
};
void sp_def_init(struct sp_def *d);

/* Build d->def; asserts failure and that the error text contains `needle`.
 * Returns the number of errors reported. */
size_t sp_expect_invalid(struct sp_def *d, const char *needle);

#endif
