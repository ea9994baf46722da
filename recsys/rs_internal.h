/* SPDX-License-Identifier: MIT
 * Shared inside recsys/: the catalog's layout, the id maps and the error
 * buffer helper. Never included outside recsys/. */
#ifndef RS_INTERNAL_H
#define RS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "recsys.h"

#define RS_ALIGN 64

/* An open-addressing map from a string id to its index in `keys`. */
struct rs_strmap {
    uint32_t *slots;            /* index + 1, 0 = empty */
    size_t mask;                /* slots - 1, a power of two minus one */
    char *const *keys;          /* borrowed: the owner's id array */
};

int rs_strmap_init(struct rs_strmap *m, char *const *keys, size_t n);
void rs_strmap_deinit(struct rs_strmap *m);
/* Insert index i (keys[i]); returns the earlier index on a duplicate, else -1. */
long rs_strmap_insert(struct rs_strmap *m, size_t i);
long rs_strmap_find(const struct rs_strmap *m, const char *key);

struct rs_catalog {
    char *version;
    size_t n_tags;              /* D */
    size_t n_courses;           /* N */
    size_t n_targets;
    size_t n_modules;

    char **tag_id;
    char **tag_name;
    uint32_t *tag_module;       /* module index */
    float *tag_weight;          /* D */

    char **course_id;
    char **course_title;
    uint32_t *course_module;
    uint8_t *course_tier;
    float *difficulty;
    uint32_t *duration;
    float *mastery;             /* default applied */
    float *cover_sum;           /* Σ_k A_jk, for the learner's level on a course */
    float *A;                   /* N x D row-major, aligned: the BLAS operand */
    uint32_t *nz_off;           /* N + 1: the tags each course covers, CSR ... */
    uint32_t *nz_tag;           /* ... their indices ... */
    float *nz_val;              /* ... and coverage: per-course loops stay sequential */

    uint32_t *pre_off;          /* N + 1: prerequisites, CSR */
    uint32_t *pre_idx;
    uint32_t *suc_off;          /* N + 1: successors, CSR */
    uint32_t *suc_idx;
    uint32_t *topo;             /* N: a topological order */
    uint32_t *topo_rank;        /* N: position in topo */

    char **target_id;
    char **target_name;
    float *T;                   /* n_targets x D */

    char **module_name;         /* n_modules */

    struct rs_strmap tag_map;
    struct rs_strmap course_map;
    struct rs_strmap target_map;
    struct rs_strmap module_map;
};

/* Append one formatted line to an error buffer (NUL-terminated, lines split by
 * '\n'); counts every call in *count even when the text no longer fits. */
void rs_err_add(char *err, size_t errlen, size_t *count, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Write a single message to err (replacing its content). */
void rs_err_set(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

void *rs_aligned_alloc(size_t bytes);

struct rs_path_query;
struct rs_path;
struct rs_model;

/* Shared by both sequencers (rs_path.c): the query's checks but the
 * workspace's; the difficulty fit of a course at a level (a bell around
 * level + stretch, floored); the k-th largest of n values (k in [1, n],
 * reorders v). */
int rs_path_query_check(const struct rs_catalog *cat, const struct rs_path_query *q, char *err,
                        size_t errlen);
float rs_path_fit(const struct rs_model *m, float difficulty, float level);
float rs_kth_largest(float *v, size_t n, size_t k);

/* The legacy sequencer (rs_path_legacy.c), reached through rs_path_build
 * when the model asks for it; its scratch lives in the path workspace. */
struct legacy_ws;
struct legacy_ws *rs_legacy_ws_create(const struct rs_catalog *cat);
void rs_legacy_ws_destroy(struct legacy_ws *ws);
int rs_legacy_build(const struct rs_catalog *cat, const struct rs_model *m,
                    const struct rs_path_query *q, struct legacy_ws *ws, struct rs_path *out,
                    char *err, size_t errlen);

static inline bool rs_finite01(float x) { return x >= 0.0f && x <= 1.0f; }  /* false for NaN */

#endif
