/* SPDX-License-Identifier: MIT
 * Test helpers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

struct rs_catalog *sp_synth_catalog(size_t n_courses, size_t n_tags, uint64_t seed,
                                    unsigned max_prereqs, unsigned max_cover)
{
    struct rs_synth_params p = { .n_courses = n_courses, .n_tags = n_tags, .n_targets = 3,
                                 .seed = seed, .max_prereqs = max_prereqs,
                                 .max_cover = max_cover };
    struct rs_synth *s = rs_synth_create(&p);
    assert_non_null(s);
    char err[4096];
    size_t nerr = 0;
    struct rs_catalog *cat = rs_catalog_create(rs_synth_def(s), err, sizeof err, &nerr);
    if (cat == NULL)
        fail_msg("synthetic catalog invalid (%zu errors): %s", nerr, err);
    rs_synth_destroy(s);
    return cat;
}

char *sp_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    if (len)
        *len = (size_t)n;
    return buf;
}

void sp_def_init(struct sp_def *d)
{
    memset(d, 0, sizeof *d);
    static const char *tag_ids[] = { "a", "b", "c" };
    for (int k = 0; k < 3; k++)
        d->tags[k] = (struct rs_tag_def){ tag_ids[k], tag_ids[k], k < 2 ? "m1" : "m2", 0.5f };
    static const char *course_ids[] = { "c1", "c2", "c3", "c4" };
    for (int j = 0; j < 4; j++) {
        for (int k = 0; k < 3; k++)
            d->coverage[j][k] = (j + k) % 3 == 0 ? 0.8f : 0.0f;
        d->courses[j] = (struct rs_course_def){
            .id = course_ids[j], .title = course_ids[j], .module = j < 2 ? "m1" : "m2",
            .tier = RS_TIER_NEW_HIRE, .difficulty = 0.3f, .duration_min = 15,
            .coverage = d->coverage[j], .n_coverage = 3,
        };
    }
    d->pre2[0] = "c1";
    d->pre3[0] = "c2";
    d->pre3[1] = "c1";
    d->courses[1].prerequisites = d->pre2;
    d->courses[1].n_prerequisites = 1;
    d->courses[2].prerequisites = d->pre3;
    d->courses[2].n_prerequisites = 2;
    d->level[0] = d->level[1] = d->level[2] = 0.7f;
    d->targets[0] = (struct rs_target_def){ "t1", "target one", d->level, 3 };
    d->def = (struct rs_catalog_def){ "v1", d->tags, 3, d->courses, 4, d->targets, 1 };
}

size_t sp_expect_invalid(struct sp_def *d, const char *needle)
{
    char err[8192];
    size_t nerr = 0;
    struct rs_catalog *cat = rs_catalog_create(&d->def, err, sizeof err, &nerr);
    if (cat != NULL) {
        rs_catalog_destroy(cat);
        fail_msg("catalog accepted; expected an error containing \"%s\"", needle);
    }
    assert_true(nerr > 0);
    if (strstr(err, needle) == NULL)
        fail_msg("error \"%s\" does not contain \"%s\"", err, needle);
    return nerr;
}
