/* SPDX-License-Identifier: MIT
 * Catalog validation: every kind of bad input is refused with a message that
 * names its culprit; a valid catalog answers lookups. */
#include <math.h>
#include <string.h>

#include "support.h"

static void test_catalog_valid_small(void **state)
{
    (void)state;
    struct sp_def d;
    sp_def_init(&d);
    char err[256];
    size_t nerr = 99;
    struct rs_catalog *cat = rs_catalog_create(&d.def, err, sizeof err, &nerr);
    assert_non_null(cat);
    assert_int_equal(nerr, 0);
    assert_int_equal(rs_catalog_n_tags(cat), 3);
    assert_int_equal(rs_catalog_n_courses(cat), 4);
    assert_int_equal(rs_catalog_n_modules(cat), 2);
    assert_string_equal(rs_catalog_version(cat), "v1");
    size_t j;
    assert_int_equal(rs_catalog_find_course(cat, "c3", &j), 0);
    assert_int_equal(j, 2);
    assert_int_equal(rs_catalog_find_course(cat, "nope", &j), RS_ENOTFOUND);
    assert_int_equal(rs_catalog_find_tag(cat, "b", &j), 0);
    assert_int_equal(j, 1);
    assert_int_equal(rs_catalog_find_target(cat, "t1", &j), 0);
    assert_int_equal(rs_catalog_find_module(cat, "m2", &j), 0);
    assert_float_equal(rs_catalog_course_mastery(cat, 0), RS_DEFAULT_MASTERY, 1e-7);
    assert_float_equal(rs_catalog_course_coverage(cat, 0)[0], 0.8f, 1e-7);
    rs_catalog_destroy(cat);
    rs_catalog_destroy(NULL);
}

static void test_catalog_dimension_comes_from_data(void **state)
{
    (void)state;
    struct rs_catalog *cat = sp_synth_catalog(50, 33, 7, 2, 4);
    assert_int_equal(rs_catalog_n_tags(cat), 33);
    rs_catalog_destroy(cat);
    cat = sp_synth_catalog(5, 1, 7, 1, 1);
    assert_int_equal(rs_catalog_n_tags(cat), 1);
    rs_catalog_destroy(cat);
}

static void test_catalog_duplicate_ids(void **state)
{
    (void)state;
    struct sp_def d;
    sp_def_init(&d);
    d.courses[3].id = "c2";
    sp_expect_invalid(&d, "course 'c2': duplicate course id");
    sp_def_init(&d);
    d.tags[2].id = "a";
    sp_expect_invalid(&d, "tag 'a': duplicate tag id");
    sp_def_init(&d);
    struct rs_target_def two[2] = { d.targets[0], d.targets[0] };
    d.def.targets = two;
    d.def.n_targets = 2;
    sp_expect_invalid(&d, "target 't1': duplicate target id");
}

static void test_catalog_unknown_prerequisite(void **state)
{
    (void)state;
    struct sp_def d;
    sp_def_init(&d);
    d.pre3[1] = "ads-99";
    sp_expect_invalid(&d, "course 'c3' lists unknown prerequisite 'ads-99'");
}

static void test_catalog_cycle_is_printed(void **state)
{
    (void)state;
    struct sp_def d;
    sp_def_init(&d);
    /* c1 needs c3; c3 needs c2 and c1; c2 needs c1: two cycles, both named. */
    const char *pre1[] = { "c3" };
    d.courses[0].prerequisites = pre1;
    d.courses[0].n_prerequisites = 1;
    size_t n = sp_expect_invalid(&d, "prerequisite cycle: 'c1' -> 'c3' -> 'c2' -> 'c1'");
    assert_int_equal(n, 2);
    sp_expect_invalid(&d, "prerequisite cycle: 'c1' -> 'c3' -> 'c1'");

    sp_def_init(&d);
    const char *self[] = { "c4" };
    d.courses[3].prerequisites = self;
    d.courses[3].n_prerequisites = 1;
    sp_expect_invalid(&d, "course 'c4' lists itself as a prerequisite");
}

static void test_catalog_vector_lengths(void **state)
{
    (void)state;
    struct sp_def d;
    sp_def_init(&d);
    d.courses[1].n_coverage = 2;
    sp_expect_invalid(&d, "course 'c2': coverage has 2 values, expected 3 (one per tag)");
    sp_def_init(&d);
    d.targets[0].n_level = 4;
    sp_expect_invalid(&d, "target 't1': level has 4 values, expected 3");
}

static void test_catalog_bad_values(void **state)
{
    (void)state;
    struct sp_def d;
    sp_def_init(&d);
    d.coverage[2][1] = NAN;
    sp_expect_invalid(&d, "course 'c3': coverage[1] is not a finite number");
    sp_def_init(&d);
    d.coverage[0][2] = 1.5f;
    sp_expect_invalid(&d, "course 'c1': coverage[2] = 1.5 is outside [0,1]");
    sp_def_init(&d);
    d.level[0] = INFINITY;
    sp_expect_invalid(&d, "target 't1': level[0] is not a finite number");
    sp_def_init(&d);
    d.tags[1].weight = -0.1f;
    sp_expect_invalid(&d, "tag 'b': weight -0.1 is outside [0,1]");
    sp_def_init(&d);
    d.courses[0].difficulty = NAN;
    sp_expect_invalid(&d, "course 'c1': difficulty is not a finite number");
    sp_def_init(&d);
    d.courses[0].mastery_score = 2;
    sp_expect_invalid(&d, "course 'c1': mastery score 2 is outside [0,1]");
    sp_def_init(&d);
    d.courses[0].tier = 7;
    sp_expect_invalid(&d, "course 'c1': tier 7 is not a tier");
}

static void test_catalog_zero_duration_and_empty_fields(void **state)
{
    (void)state;
    struct sp_def d;
    sp_def_init(&d);
    d.courses[3].duration_min = 0;
    sp_expect_invalid(&d, "course 'c4': duration is zero");
    sp_def_init(&d);
    d.courses[3].id = "";
    sp_expect_invalid(&d, "courses[3]: id is empty");
    sp_def_init(&d);
    d.tags[0].module = "";
    sp_expect_invalid(&d, "tag 'a': module is empty");
}

static void test_catalog_empty(void **state)
{
    (void)state;
    struct rs_catalog_def empty = { .version = "v" };
    char err[256];
    size_t nerr = 0;
    assert_null(rs_catalog_create(&empty, err, sizeof err, &nerr));
    assert_int_equal(nerr, 2);
    assert_non_null(strstr(err, "catalog has no tags"));
    assert_non_null(strstr(err, "catalog has no courses"));
}

static void test_catalog_reports_every_error(void **state)
{
    (void)state;
    struct sp_def d;
    sp_def_init(&d);
    d.courses[0].duration_min = 0;
    d.coverage[1][0] = NAN;
    d.pre3[0] = "zz";
    d.tags[2].weight = 3;
    size_t n = sp_expect_invalid(&d, "course 'c1': duration is zero");
    assert_int_equal(n, 4);
    char err[1024];
    assert_null(rs_catalog_create(&d.def, err, sizeof err, NULL));
    size_t lines = 1;
    for (const char *p = err; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 4);
}

static void test_catalog_error_buffer_truncates_cleanly(void **state)
{
    (void)state;
    struct sp_def d;
    sp_def_init(&d);
    for (int j = 0; j < 4; j++)
        d.courses[j].duration_min = 0;
    char err[80];
    size_t nerr = 0;
    assert_null(rs_catalog_create(&d.def, err, sizeof err, &nerr));
    assert_int_equal(nerr, 4);
    assert_true(strlen(err) < sizeof err);
    assert_non_null(strstr(err, "..."));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalog_valid_small),
        cmocka_unit_test(test_catalog_dimension_comes_from_data),
        cmocka_unit_test(test_catalog_duplicate_ids),
        cmocka_unit_test(test_catalog_unknown_prerequisite),
        cmocka_unit_test(test_catalog_cycle_is_printed),
        cmocka_unit_test(test_catalog_vector_lengths),
        cmocka_unit_test(test_catalog_bad_values),
        cmocka_unit_test(test_catalog_zero_duration_and_empty_fields),
        cmocka_unit_test(test_catalog_empty),
        cmocka_unit_test(test_catalog_reports_every_error),
        cmocka_unit_test(test_catalog_error_buffer_truncates_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
