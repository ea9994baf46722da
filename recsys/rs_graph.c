/* SPDX-License-Identifier: MIT
 * Knowledge-graph queries over the catalog's prerequisite CSR: topological
 * order, transitive prerequisites and the neighbourhood used for continuity. */
#include <assert.h>
#include <stdlib.h>

#include "rs_internal.h"

const uint32_t *rs_graph_topo_order(const struct rs_catalog *c)
{
    return c->topo;
}

uint32_t rs_graph_topo_rank(const struct rs_catalog *c, size_t j)
{
    assert(j < c->n_courses);
    return c->topo_rank[j];
}

size_t rs_graph_prerequisites(const struct rs_catalog *c, size_t j, const uint32_t **out)
{
    assert(j < c->n_courses);
    *out = c->pre_idx + c->pre_off[j];
    return c->pre_off[j + 1] - c->pre_off[j];
}

size_t rs_graph_successors(const struct rs_catalog *c, size_t j, const uint32_t **out)
{
    assert(j < c->n_courses);
    *out = c->suc_idx + c->suc_off[j];
    return c->suc_off[j + 1] - c->suc_off[j];
}

static int by_rank_ctx_cmp(const void *a, const void *b, void *ctx)
{
    const uint32_t *rank = ctx;
    uint32_t x = rank[*(const uint32_t *)a], y = rank[*(const uint32_t *)b];
    return (x > y) - (x < y);
}

/* Insertion sort by topological rank: closures are small, and qsort_r would
 * tie us to glibc for no gain. */
static void sort_by_rank(uint32_t *v, size_t n, const uint32_t *rank)
{
    for (size_t i = 1; i < n; i++) {
        uint32_t x = v[i];
        size_t k = i;
        while (k > 0 && by_rank_ctx_cmp(&v[k - 1], &x, (void *)rank) > 0) {
            v[k] = v[k - 1];
            k--;
        }
        v[k] = x;
    }
}

long rs_graph_closure(const struct rs_catalog *c, size_t j, uint8_t *mark, uint32_t *out,
                      size_t cap)
{
    assert(j < c->n_courses);
    /* Depth-first over prerequisites with an explicit stack; `mark` dedups. */
    size_t n = 0, sp = 0, stack_cap = 64;
    uint32_t *stack = malloc(stack_cap * sizeof *stack);
    uint32_t *all = NULL;
    size_t all_cap = 64;
    long rc = RS_ENOMEM;
    all = malloc(all_cap * sizeof *all);
    if (!stack || !all)
        goto out;
    stack[sp++] = (uint32_t)j;
    mark[j] = 1;
    while (sp > 0) {
        uint32_t u = stack[--sp];
        for (uint32_t q = c->pre_off[u]; q < c->pre_off[u + 1]; q++) {
            uint32_t v = c->pre_idx[q];
            if (mark[v])
                continue;
            mark[v] = 1;
            if (n == all_cap) {
                uint32_t *grown = realloc(all, 2 * all_cap * sizeof *all);
                if (!grown)
                    goto out;
                all = grown;
                all_cap *= 2;
            }
            all[n++] = v;
            if (sp == stack_cap) {
                uint32_t *grown = realloc(stack, 2 * stack_cap * sizeof *stack);
                if (!grown)
                    goto out;
                stack = grown;
                stack_cap *= 2;
            }
            stack[sp++] = v;
        }
    }
    sort_by_rank(all, n, c->topo_rank);
    for (size_t i = 0; i < n && i < cap; i++)
        out[i] = all[i];
    rc = (long)n;
out:
    mark[j] = 0;
    if (all)
        for (size_t i = 0; i < n; i++)
            mark[all[i]] = 0;
    free(stack);
    free(all);
    return rc;
}

size_t rs_graph_neighbours(const struct rs_catalog *c, size_t j, uint8_t *mark, uint32_t *out,
                           size_t cap)
{
    assert(j < c->n_courses);
    size_t n = 0;
    mark[j] = 1;
    for (uint32_t q = c->suc_off[j]; q < c->suc_off[j + 1] && n < cap; q++) {
        uint32_t v = c->suc_idx[q];
        if (!mark[v]) {
            mark[v] = 1;
            out[n++] = v;
        }
    }
    for (uint32_t q = c->pre_off[j]; q < c->pre_off[j + 1]; q++) {
        uint32_t p = c->pre_idx[q];
        for (uint32_t r = c->suc_off[p]; r < c->suc_off[p + 1] && n < cap; r++) {
            uint32_t v = c->suc_idx[r];
            if (!mark[v]) {
                mark[v] = 1;
                out[n++] = v;
            }
        }
    }
    mark[j] = 0;
    for (size_t i = 0; i < n; i++)
        mark[out[i]] = 0;
    return n;
}

size_t rs_graph_related(const struct rs_catalog *c, size_t j, uint8_t *mark, uint32_t *out,
                        size_t cap)
{
    assert(j < c->n_courses);
    size_t n = 0;
    if (cap == 0)
        return 0;
    out[n++] = (uint32_t)j;
    mark[j] = 1;
    for (uint32_t q = c->pre_off[j]; q < c->pre_off[j + 1] && n < cap; q++) {
        uint32_t v = c->pre_idx[q];
        if (!mark[v]) {
            mark[v] = 1;
            out[n++] = v;
        }
    }
    n += rs_graph_neighbours(c, j, mark, out + n, cap - n);
    for (size_t i = 0; i < n; i++)
        mark[out[i]] = 0;
    return n;
}
