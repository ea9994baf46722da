/* SPDX-License-Identifier: MIT
 * The course catalog: tags, courses (with coverage vectors and prerequisites)
 * and targets, validated and frozen into an immutable object. Once created a
 * catalog is never modified, so any number of threads may read it at once. */
#ifndef RS_CATALOG_H
#define RS_CATALOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define RS_DEFAULT_MASTERY 0.6f   /* pass threshold when a course names none */

enum rs_tier {
    RS_TIER_ANY = 0,              /* unspecified */
    RS_TIER_NEW_HIRE = 1,
    RS_TIER_CORE_STAFF = 2,
    RS_TIER_MANAGER = 3,
};

/* The input of rs_catalog_create(): plain arrays, all borrowed. */
struct rs_tag_def {
    const char *id;
    const char *name;
    const char *module;
    float weight;                 /* business weight in [0,1] */
};

struct rs_course_def {
    const char *id;
    const char *title;
    const char *module;
    int tier;                     /* enum rs_tier */
    float difficulty;             /* [0,1] */
    uint32_t duration_min;        /* > 0 */
    const float *coverage;        /* n_coverage values, must equal the tag count */
    size_t n_coverage;
    const char *const *prerequisites;  /* course ids */
    size_t n_prerequisites;
    float mastery_score;          /* [0,1]; 0 means RS_DEFAULT_MASTERY */
};

struct rs_target_def {
    const char *id;
    const char *name;
    const float *level;           /* n_level values, must equal the tag count */
    size_t n_level;
};

struct rs_catalog_def {
    const char *version;
    const struct rs_tag_def *tags;
    size_t n_tags;
    const struct rs_course_def *courses;
    size_t n_courses;
    const struct rs_target_def *targets;
    size_t n_targets;
};

struct rs_catalog;

/* Validate `def` and build a catalog from it (copies everything it needs).
 * On success returns the catalog. On invalid data returns NULL, writes every
 * problem to `err` (NUL-terminated, one per line, each naming the culprit:
 * "course 'ads-201' lists unknown prerequisite 'ads-99'"; truncated with a
 * final "... and N more" line when `errlen` is too small) and, when `n_errors`
 * is not NULL, stores how many problems were found (0 means out of memory). */
struct rs_catalog *rs_catalog_create(const struct rs_catalog_def *def,
                                     char *err, size_t errlen,
                                     size_t *n_errors);

/* Free a catalog; NULL is a no-op. */
void rs_catalog_destroy(struct rs_catalog *cat);

/* Sizes. D = rs_catalog_n_tags() is the dimension of every vector. */
size_t rs_catalog_n_tags(const struct rs_catalog *cat);
size_t rs_catalog_n_courses(const struct rs_catalog *cat);
size_t rs_catalog_n_targets(const struct rs_catalog *cat);
size_t rs_catalog_n_modules(const struct rs_catalog *cat);
const char *rs_catalog_version(const struct rs_catalog *cat);

/* Look an id up. Returns 0 and stores the index in *out, or RS_ENOTFOUND. */
int rs_catalog_find_tag(const struct rs_catalog *cat, const char *id, size_t *out);
int rs_catalog_find_course(const struct rs_catalog *cat, const char *id, size_t *out);
int rs_catalog_find_target(const struct rs_catalog *cat, const char *id, size_t *out);
int rs_catalog_find_module(const struct rs_catalog *cat, const char *name, size_t *out);

/* Accessors; indices must be in range (checked with assert). Strings and
 * arrays are owned by the catalog and live as long as it. */
const char *rs_catalog_tag_id(const struct rs_catalog *cat, size_t k);
const char *rs_catalog_tag_name(const struct rs_catalog *cat, size_t k);
const char *rs_catalog_tag_module(const struct rs_catalog *cat, size_t k);
const float *rs_catalog_tag_weights(const struct rs_catalog *cat);   /* D values */

const char *rs_catalog_course_id(const struct rs_catalog *cat, size_t j);
const char *rs_catalog_course_title(const struct rs_catalog *cat, size_t j);
size_t rs_catalog_course_module(const struct rs_catalog *cat, size_t j);
enum rs_tier rs_catalog_course_tier(const struct rs_catalog *cat, size_t j);
float rs_catalog_course_difficulty(const struct rs_catalog *cat, size_t j);
uint32_t rs_catalog_course_duration(const struct rs_catalog *cat, size_t j);
float rs_catalog_course_mastery(const struct rs_catalog *cat, size_t j); /* default applied */
const float *rs_catalog_course_coverage(const struct rs_catalog *cat, size_t j); /* D values */

const char *rs_catalog_target_id(const struct rs_catalog *cat, size_t t);
const char *rs_catalog_target_name(const struct rs_catalog *cat, size_t t);
const float *rs_catalog_target_level(const struct rs_catalog *cat, size_t t);   /* D values */

const char *rs_catalog_module_name(const struct rs_catalog *cat, size_t m);

/* The coverage matrix A, N x D, row-major, 64-byte aligned. */
const float *rs_catalog_matrix(const struct rs_catalog *cat);

#endif
