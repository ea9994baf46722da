/* SPDX-License-Identifier: MIT
 * Catalog validation and construction: every problem is reported with the
 * name of its culprit; a valid definition is frozen into an immutable catalog
 * with its coverage matrix (both layouts), id maps and prerequisite graph. */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rs_internal.h"

#define MAX_VALUE_ERRORS 3      /* per vector, so one bad row cannot flood the list */
#define MAX_CYCLES 10

static char *dupstr(const char *s)
{
    return strdup(s ? s : "");
}

static bool empty(const char *s)
{
    return s == NULL || s[0] == '\0';
}

/* A printable name for item i of a kind: "course 'x'" or "courses[3]". */
static const char *who(char *buf, size_t len, const char *kind, const char *plural,
                       size_t i, const char *id)
{
    if (empty(id))
        snprintf(buf, len, "%s[%zu]", plural, i);
    else
        snprintf(buf, len, "%s '%s'", kind, id);
    return buf;
}

static void check_vector(const float *v, size_t n, size_t want, const char *name,
                         const char *field, char *err, size_t errlen, size_t *nerr)
{
    if (n != want) {
        rs_err_add(err, errlen, nerr, "%s: %s has %zu values, expected %zu (one per tag)",
                   name, field, n, want);
        return;
    }
    unsigned bad = 0;
    for (size_t k = 0; k < n && bad < MAX_VALUE_ERRORS; k++) {
        if (!isfinite(v[k])) {
            rs_err_add(err, errlen, nerr, "%s: %s[%zu] is not a finite number", name, field, k);
            bad++;
        } else if (!rs_finite01(v[k])) {
            rs_err_add(err, errlen, nerr, "%s: %s[%zu] = %g is outside [0,1]", name, field, k,
                       (double)v[k]);
            bad++;
        }
    }
}

static long add_module(struct rs_catalog *c, const char *name)
{
    long m = rs_strmap_find(&c->module_map, name);
    if (m >= 0)
        return m;
    char *copy = strdup(name);
    if (copy == NULL)
        return RS_ENOMEM;
    c->module_name[c->n_modules] = copy;
    rs_strmap_insert(&c->module_map, c->n_modules);
    return (long)c->n_modules++;
}

/* ---------------------------------------------------------------- graph */

/* Build the prerequisite CSR from resolved ids (unknown ones are skipped:
 * they are already reported) and the successor CSR. */
static int build_edges(struct rs_catalog *c, const struct rs_catalog_def *def)
{
    size_t N = c->n_courses, E = 0;
    for (size_t j = 0; j < N; j++)
        E += def->courses[j].n_prerequisites;
    c->pre_off = calloc(N + 1, sizeof *c->pre_off);
    c->pre_idx = malloc((E ? E : 1) * sizeof *c->pre_idx);
    c->suc_off = calloc(N + 1, sizeof *c->suc_off);
    c->suc_idx = malloc((E ? E : 1) * sizeof *c->suc_idx);
    if (!c->pre_off || !c->pre_idx || !c->suc_off || !c->suc_idx)
        return RS_ENOMEM;
    size_t e = 0;
    for (size_t j = 0; j < N; j++) {
        c->pre_off[j] = (uint32_t)e;
        const struct rs_course_def *cd = &def->courses[j];
        for (size_t p = 0; p < cd->n_prerequisites; p++) {
            long i = rs_strmap_find(&c->course_map, cd->prerequisites[p]);
            if (i < 0)
                continue;
            bool seen = false;
            for (size_t q = c->pre_off[j]; q < e; q++)
                seen |= c->pre_idx[q] == (uint32_t)i;
            if (seen)
                continue;
            c->pre_idx[e++] = (uint32_t)i;
            c->suc_off[i + 1]++;
        }
    }
    c->pre_off[N] = (uint32_t)e;
    for (size_t j = 0; j < N; j++)
        c->suc_off[j + 1] += c->suc_off[j];
    uint32_t *fill = malloc((N ? N : 1) * sizeof *fill);
    if (fill == NULL)
        return RS_ENOMEM;
    memcpy(fill, c->suc_off, N * sizeof *fill);
    for (size_t j = 0; j < N; j++)
        for (uint32_t q = c->pre_off[j]; q < c->pre_off[j + 1]; q++)
            c->suc_idx[fill[c->pre_idx[q]]++] = (uint32_t)j;
    free(fill);
    return 0;
}

/* Report each cycle among `left` (courses Kahn could not order) once. */
static int report_cycles(const struct rs_catalog *c, const uint8_t *left, char *err,
                         size_t errlen, size_t *nerr)
{
    size_t N = c->n_courses;
    uint8_t *color = calloc(N, 1);          /* 0 new, 1 on stack, 2 done */
    uint32_t *stack = malloc(N * sizeof *stack);
    uint32_t *iter = malloc(N * sizeof *iter);
    int rc = RS_ENOMEM;
    if (!color || !stack || !iter)
        goto out;
    unsigned cycles = 0;
    for (size_t root = 0; root < N && cycles < MAX_CYCLES; root++) {
        if (!left[root] || color[root])
            continue;
        size_t sp = 0;
        stack[sp++] = (uint32_t)root;
        iter[root] = c->pre_off[root];
        color[root] = 1;
        while (sp > 0) {
            uint32_t u = stack[sp - 1];
            if (iter[u] == c->pre_off[u + 1]) {
                color[u] = 2;
                sp--;
                continue;
            }
            uint32_t v = c->pre_idx[iter[u]++];
            if (!left[v] || color[v] == 2)
                continue;
            if (color[v] == 0) {
                color[v] = 1;
                iter[v] = c->pre_off[v];
                stack[sp++] = v;
                continue;
            }
            /* Back edge u -> v: the stack from v to u is a cycle. Print it in
             * "needs" order: v needs ... needs u needs v, read as a -> b. */
            size_t from = sp - 1;
            while (stack[from] != v)
                from--;
            char line[400];
            size_t len = 0;
            line[0] = '\0';
            for (size_t s = from; s < sp && len < sizeof line - 80; s++)
                len += (size_t)snprintf(line + len, sizeof line - len, "'%s' -> ",
                                        c->course_id[stack[s]]);
            snprintf(line + len, sizeof line - len, "'%s'", c->course_id[v]);
            rs_err_add(err, errlen, nerr, "prerequisite cycle: %s (each course lists the next as a prerequisite)", line);
            if (++cycles >= MAX_CYCLES)
                break;
        }
    }
    rc = 0;
out:
    free(color);
    free(stack);
    free(iter);
    return rc;
}

/* Kahn's algorithm; ties broken by catalog order (a min-heap would cost more
 * than it gives: a FIFO seeded in index order is already deterministic). */
static int topo_sort(struct rs_catalog *c, char *err, size_t errlen, size_t *nerr)
{
    size_t N = c->n_courses;
    uint32_t *indeg = calloc(N ? N : 1, sizeof *indeg);
    uint8_t *left = NULL;
    int rc = RS_ENOMEM;
    c->topo = malloc((N ? N : 1) * sizeof *c->topo);
    c->topo_rank = malloc((N ? N : 1) * sizeof *c->topo_rank);
    if (!indeg || !c->topo || !c->topo_rank)
        goto out;
    for (size_t j = 0; j < N; j++)
        indeg[j] = c->pre_off[j + 1] - c->pre_off[j];
    size_t head = 0, tail = 0;
    for (size_t j = 0; j < N; j++)
        if (indeg[j] == 0)
            c->topo[tail++] = (uint32_t)j;
    while (head < tail) {
        uint32_t u = c->topo[head++];
        for (uint32_t q = c->suc_off[u]; q < c->suc_off[u + 1]; q++)
            if (--indeg[c->suc_idx[q]] == 0)
                c->topo[tail++] = c->suc_idx[q];
    }
    if (tail < N) {
        left = calloc(N, 1);
        if (left == NULL)
            goto out;
        for (size_t j = 0; j < N; j++)
            left[j] = indeg[j] > 0;
        rc = report_cycles(c, left, err, errlen, nerr);
        if (rc == 0)
            rc = RS_EINVAL;
        goto out;
    }
    for (size_t r = 0; r < N; r++)
        c->topo_rank[c->topo[r]] = (uint32_t)r;
    rc = 0;
out:
    free(indeg);
    free(left);
    return rc;
}

/* ---------------------------------------------------------------- create */

static int check_and_copy(struct rs_catalog *c, const struct rs_catalog_def *def,
                          char *err, size_t errlen, size_t *nerr)
{
    size_t D = def->n_tags, N = def->n_courses, T = def->n_targets;
    char name[160];

    if (D == 0)
        rs_err_add(err, errlen, nerr, "catalog has no tags");
    if (N == 0)
        rs_err_add(err, errlen, nerr, "catalog has no courses");
    if (D > UINT32_MAX / 2 || N > UINT32_MAX / 2) {
        rs_err_add(err, errlen, nerr, "catalog too large");
        return RS_EINVAL;
    }

    c->n_tags = D;
    c->n_courses = N;
    c->n_targets = T;
    c->version = dupstr(def->version);
    c->tag_id = calloc(D + 1, sizeof(char *));
    c->tag_name = calloc(D + 1, sizeof(char *));
    c->tag_module = calloc(D + 1, sizeof(uint32_t));
    c->tag_weight = calloc(D + 1, sizeof(float));
    c->course_id = calloc(N + 1, sizeof(char *));
    c->course_title = calloc(N + 1, sizeof(char *));
    c->course_module = calloc(N + 1, sizeof(uint32_t));
    c->course_tier = calloc(N + 1, 1);
    c->difficulty = calloc(N + 1, sizeof(float));
    c->duration = calloc(N + 1, sizeof(uint32_t));
    c->mastery = calloc(N + 1, sizeof(float));
    c->cover_sum = calloc(N + 1, sizeof(float));
    c->target_id = calloc(T + 1, sizeof(char *));
    c->target_name = calloc(T + 1, sizeof(char *));
    c->T = calloc(T * D + 1, sizeof(float));
    c->module_name = calloc(D + N + 1, sizeof(char *));
    if (!c->version || !c->tag_id || !c->tag_name || !c->tag_module || !c->tag_weight ||
        !c->course_id || !c->course_title || !c->course_module || !c->course_tier ||
        !c->difficulty || !c->duration || !c->mastery || !c->cover_sum || !c->target_id ||
        !c->target_name || !c->T || !c->module_name)
        return RS_ENOMEM;
    if (rs_strmap_init(&c->tag_map, c->tag_id, D) || rs_strmap_init(&c->course_map, c->course_id, N) ||
        rs_strmap_init(&c->target_map, c->target_id, T) ||
        rs_strmap_init(&c->module_map, c->module_name, D + N))
        return RS_ENOMEM;

    for (size_t k = 0; k < D; k++) {
        const struct rs_tag_def *td = &def->tags[k];
        who(name, sizeof name, "tag", "tags", k, td->id);
        c->tag_id[k] = dupstr(td->id);
        c->tag_name[k] = dupstr(td->name);
        if (!c->tag_id[k] || !c->tag_name[k])
            return RS_ENOMEM;
        if (empty(td->id))
            rs_err_add(err, errlen, nerr, "%s: id is empty", name);
        else if (rs_strmap_insert(&c->tag_map, k) >= 0)
            rs_err_add(err, errlen, nerr, "%s: duplicate tag id", name);
        if (empty(td->module))
            rs_err_add(err, errlen, nerr, "%s: module is empty", name);
        if (!isfinite(td->weight))
            rs_err_add(err, errlen, nerr, "%s: weight is not a finite number", name);
        else if (!rs_finite01(td->weight))
            rs_err_add(err, errlen, nerr, "%s: weight %g is outside [0,1]", name, (double)td->weight);
        c->tag_weight[k] = td->weight;
        long m = add_module(c, empty(td->module) ? "" : td->module);
        if (m < 0)
            return RS_ENOMEM;
        c->tag_module[k] = (uint32_t)m;
    }

    for (size_t j = 0; j < N; j++) {
        const struct rs_course_def *cd = &def->courses[j];
        who(name, sizeof name, "course", "courses", j, cd->id);
        c->course_id[j] = dupstr(cd->id);
        c->course_title[j] = dupstr(cd->title);
        if (!c->course_id[j] || !c->course_title[j])
            return RS_ENOMEM;
        if (empty(cd->id))
            rs_err_add(err, errlen, nerr, "%s: id is empty", name);
        else if (rs_strmap_insert(&c->course_map, j) >= 0)
            rs_err_add(err, errlen, nerr, "%s: duplicate course id", name);
        if (empty(cd->title))
            rs_err_add(err, errlen, nerr, "%s: title is empty", name);
        if (empty(cd->module))
            rs_err_add(err, errlen, nerr, "%s: module is empty", name);
        if (cd->tier < RS_TIER_ANY || cd->tier > RS_TIER_MANAGER)
            rs_err_add(err, errlen, nerr, "%s: tier %d is not a tier", name, cd->tier);
        if (!isfinite(cd->difficulty))
            rs_err_add(err, errlen, nerr, "%s: difficulty is not a finite number", name);
        else if (!rs_finite01(cd->difficulty))
            rs_err_add(err, errlen, nerr, "%s: difficulty %g is outside [0,1]", name, (double)cd->difficulty);
        if (cd->duration_min == 0)
            rs_err_add(err, errlen, nerr, "%s: duration is zero", name);
        else if (cd->duration_min > 24 * 60)
            rs_err_add(err, errlen, nerr, "%s: duration %u min is longer than a day", name, cd->duration_min);
        if (!isfinite(cd->mastery_score))
            rs_err_add(err, errlen, nerr, "%s: mastery score is not a finite number", name);
        else if (!rs_finite01(cd->mastery_score))
            rs_err_add(err, errlen, nerr, "%s: mastery score %g is outside [0,1]", name, (double)cd->mastery_score);
        check_vector(cd->coverage, cd->n_coverage, D, name, "coverage", err, errlen, nerr);
        c->course_tier[j] = (uint8_t)(cd->tier >= 0 && cd->tier <= 3 ? cd->tier : 0);
        c->difficulty[j] = cd->difficulty;
        c->duration[j] = cd->duration_min;
        c->mastery[j] = cd->mastery_score > 0 ? cd->mastery_score : RS_DEFAULT_MASTERY;
        long m = add_module(c, empty(cd->module) ? "" : cd->module);
        if (m < 0)
            return RS_ENOMEM;
        c->course_module[j] = (uint32_t)m;
    }

    /* Prerequisites need every course id first. */
    for (size_t j = 0; j < N; j++) {
        const struct rs_course_def *cd = &def->courses[j];
        who(name, sizeof name, "course", "courses", j, cd->id);
        for (size_t p = 0; p < cd->n_prerequisites; p++) {
            const char *pid = cd->prerequisites[p];
            if (empty(pid)) {
                rs_err_add(err, errlen, nerr, "%s: prerequisites[%zu] is empty", name, p);
                continue;
            }
            if (!empty(cd->id) && strcmp(pid, cd->id) == 0) {
                rs_err_add(err, errlen, nerr, "%s lists itself as a prerequisite", name);
                continue;
            }
            if (rs_strmap_find(&c->course_map, pid) < 0)
                rs_err_add(err, errlen, nerr, "%s lists unknown prerequisite '%s'", name, pid);
            for (size_t q = 0; q < p; q++)
                if (cd->prerequisites[q] && strcmp(cd->prerequisites[q], pid) == 0) {
                    rs_err_add(err, errlen, nerr, "%s lists prerequisite '%s' twice", name, pid);
                    break;
                }
        }
    }

    for (size_t t = 0; t < T; t++) {
        const struct rs_target_def *sd = &def->targets[t];
        who(name, sizeof name, "target", "targets", t, sd->id);
        c->target_id[t] = dupstr(sd->id);
        c->target_name[t] = dupstr(sd->name);
        if (!c->target_id[t] || !c->target_name[t])
            return RS_ENOMEM;
        if (empty(sd->id))
            rs_err_add(err, errlen, nerr, "%s: id is empty", name);
        else if (rs_strmap_insert(&c->target_map, t) >= 0)
            rs_err_add(err, errlen, nerr, "%s: duplicate target id", name);
        check_vector(sd->level, sd->n_level, D, name, "level", err, errlen, nerr);
        if (sd->n_level == D && sd->level)
            memcpy(c->T + t * D, sd->level, D * sizeof(float));
    }
    return 0;
}

static int build_matrix(struct rs_catalog *c, const struct rs_catalog_def *def)
{
    size_t N = c->n_courses, D = c->n_tags, nnz = 0;
    c->A = rs_aligned_alloc(N * D * sizeof(float));
    c->nz_off = malloc((N + 1) * sizeof *c->nz_off);
    if (!c->A || !c->nz_off)
        return RS_ENOMEM;
    for (size_t j = 0; j < N; j++) {
        const float *a = def->courses[j].coverage;
        memcpy(c->A + j * D, a, D * sizeof(float));
        float sum = 0;
        for (size_t k = 0; k < D; k++) {
            sum += a[k];
            nnz += a[k] > 0;
        }
        c->cover_sum[j] = sum;
    }
    c->nz_tag = malloc((nnz ? nnz : 1) * sizeof *c->nz_tag);
    c->nz_val = malloc((nnz ? nnz : 1) * sizeof *c->nz_val);
    if (c->nz_tag == NULL || c->nz_val == NULL)
        return RS_ENOMEM;
    size_t e = 0;
    for (size_t j = 0; j < N; j++) {
        c->nz_off[j] = (uint32_t)e;
        for (size_t k = 0; k < D; k++)
            if (c->A[j * D + k] > 0) {
                c->nz_tag[e] = (uint32_t)k;
                c->nz_val[e++] = c->A[j * D + k];
            }
    }
    c->nz_off[N] = (uint32_t)e;
    return 0;
}

struct rs_catalog *rs_catalog_create(const struct rs_catalog_def *def, char *err, size_t errlen,
                                     size_t *n_errors)
{
    size_t nerr = 0;
    struct rs_catalog *c = calloc(1, sizeof *c);
    int rc = RS_ENOMEM;
    if (err && errlen)
        err[0] = '\0';
    if (c == NULL)
        goto fail;
    rc = check_and_copy(c, def, err, errlen, &nerr);
    if (rc != 0)
        goto fail;
    rc = build_edges(c, def);
    if (rc != 0)
        goto fail;
    rc = topo_sort(c, err, errlen, &nerr);
    if (rc == RS_ENOMEM)
        goto fail;
    if (nerr > 0) {
        rc = RS_EINVAL;
        goto fail;
    }
    rc = build_matrix(c, def);
    if (rc != 0)
        goto fail;
    if (n_errors)
        *n_errors = 0;
    return c;
fail:
    if (rc == RS_ENOMEM) {
        rs_err_set(err, errlen, "out of memory while building the catalog");
        nerr = 0;
    }
    if (n_errors)
        *n_errors = nerr;
    rs_catalog_destroy(c);
    return NULL;
}

static void free_strings(char **v, size_t n)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void rs_catalog_destroy(struct rs_catalog *c)
{
    if (c == NULL)
        return;
    free(c->version);
    free_strings(c->tag_id, c->n_tags);
    free_strings(c->tag_name, c->n_tags);
    free(c->tag_module);
    free(c->tag_weight);
    free_strings(c->course_id, c->n_courses);
    free_strings(c->course_title, c->n_courses);
    free(c->course_module);
    free(c->course_tier);
    free(c->difficulty);
    free(c->duration);
    free(c->mastery);
    free(c->cover_sum);
    free(c->A);
    free(c->nz_val);
    free(c->nz_off);
    free(c->nz_tag);
    free(c->pre_off);
    free(c->pre_idx);
    free(c->suc_off);
    free(c->suc_idx);
    free(c->topo);
    free(c->topo_rank);
    free_strings(c->target_id, c->n_targets);
    free_strings(c->target_name, c->n_targets);
    free(c->T);
    free_strings(c->module_name, c->n_modules);
    rs_strmap_deinit(&c->tag_map);
    rs_strmap_deinit(&c->course_map);
    rs_strmap_deinit(&c->target_map);
    rs_strmap_deinit(&c->module_map);
    free(c);
}

/* ---------------------------------------------------------------- access */

size_t rs_catalog_n_tags(const struct rs_catalog *c) { return c->n_tags; }
size_t rs_catalog_n_courses(const struct rs_catalog *c) { return c->n_courses; }
size_t rs_catalog_n_targets(const struct rs_catalog *c) { return c->n_targets; }
size_t rs_catalog_n_modules(const struct rs_catalog *c) { return c->n_modules; }
const char *rs_catalog_version(const struct rs_catalog *c) { return c->version; }

static int found(long i, size_t *out)
{
    if (i < 0)
        return RS_ENOTFOUND;
    *out = (size_t)i;
    return 0;
}

int rs_catalog_find_tag(const struct rs_catalog *c, const char *id, size_t *out)
{
    return found(rs_strmap_find(&c->tag_map, id), out);
}

int rs_catalog_find_course(const struct rs_catalog *c, const char *id, size_t *out)
{
    return found(rs_strmap_find(&c->course_map, id), out);
}

int rs_catalog_find_target(const struct rs_catalog *c, const char *id, size_t *out)
{
    return found(rs_strmap_find(&c->target_map, id), out);
}

int rs_catalog_find_module(const struct rs_catalog *c, const char *name, size_t *out)
{
    return found(rs_strmap_find(&c->module_map, name), out);
}

const char *rs_catalog_tag_id(const struct rs_catalog *c, size_t k) { assert(k < c->n_tags); return c->tag_id[k]; }
const char *rs_catalog_tag_name(const struct rs_catalog *c, size_t k) { assert(k < c->n_tags); return c->tag_name[k]; }
const char *rs_catalog_tag_module(const struct rs_catalog *c, size_t k) { assert(k < c->n_tags); return c->module_name[c->tag_module[k]]; }
const float *rs_catalog_tag_weights(const struct rs_catalog *c) { return c->tag_weight; }

const char *rs_catalog_course_id(const struct rs_catalog *c, size_t j) { assert(j < c->n_courses); return c->course_id[j]; }
const char *rs_catalog_course_title(const struct rs_catalog *c, size_t j) { assert(j < c->n_courses); return c->course_title[j]; }
size_t rs_catalog_course_module(const struct rs_catalog *c, size_t j) { assert(j < c->n_courses); return c->course_module[j]; }
enum rs_tier rs_catalog_course_tier(const struct rs_catalog *c, size_t j) { assert(j < c->n_courses); return (enum rs_tier)c->course_tier[j]; }
float rs_catalog_course_difficulty(const struct rs_catalog *c, size_t j) { assert(j < c->n_courses); return c->difficulty[j]; }
uint32_t rs_catalog_course_duration(const struct rs_catalog *c, size_t j) { assert(j < c->n_courses); return c->duration[j]; }
float rs_catalog_course_mastery(const struct rs_catalog *c, size_t j) { assert(j < c->n_courses); return c->mastery[j]; }
const float *rs_catalog_course_coverage(const struct rs_catalog *c, size_t j) { assert(j < c->n_courses); return c->A + j * c->n_tags; }

const char *rs_catalog_target_id(const struct rs_catalog *c, size_t t) { assert(t < c->n_targets); return c->target_id[t]; }
const char *rs_catalog_target_name(const struct rs_catalog *c, size_t t) { assert(t < c->n_targets); return c->target_name[t]; }
const float *rs_catalog_target_level(const struct rs_catalog *c, size_t t) { assert(t < c->n_targets); return c->T + t * c->n_tags; }

const char *rs_catalog_module_name(const struct rs_catalog *c, size_t m) { assert(m < c->n_modules); return c->module_name[m]; }

const float *rs_catalog_matrix(const struct rs_catalog *c) { return c->A; }
