/* SPDX-License-Identifier: MIT
 * Course search (svc_search.h).
 *
 * DESIGN
 * Courses are kept in rank order (tier, depth, catalog order): `order` maps
 * a rank position to a course, `pos` back. Every list the index holds is of
 * rank positions, ascending, so a query marks the matches' positions with
 * their match level in a byte per course and reads the page off in one pass
 * per level — no sort at query time, whatever the number of matches.
 *
 * Title terms: a Latin word (ASCII letters and digits), or one or two
 * consecutive non-ASCII characters (CJK has no word boundaries: a
 * character and its bigrams). The build interns terms through a hash table
 * and lays the postings out term by term (a counting sort), then sorts the
 * distinct terms so a Latin query word finds every term it begins by binary
 * search. A query picks its rarest term, takes that term's postings as the
 * candidates and confirms each by the containment test on the normalised
 * title: the postings only narrow, the test decides.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svc_hash.h"
#include "svc_search.h"

struct svc_search {
    size_t n;                   /* courses */
    const struct rs_catalog *cat;
    uint32_t *order;            /* rank position -> course */
    uint32_t *pos;              /* course -> rank position */
    uint32_t *depth;            /* per course */
    char **title;               /* per course, normalised */
    /* title terms, sorted: term i is terms + term_off[i]; its postings are
     * postings[post[i] .. post[i + 1]) */
    char *terms;
    uint32_t *term_off;
    uint32_t *post;
    uint32_t *postings;
    size_t n_terms;
    /* tags and modules: normalised names, and the courses under each */
    size_t n_tags, n_modules;
    char **tag_text;            /* "id name" */
    uint32_t **tag_list;        /* rank positions of the courses teaching tag k */
    size_t *tag_len;
    char **module_text;         /* "id name name_en" */
    uint32_t **module_list;
    size_t *module_len;
};

/* ---------------------------------------------------------------- text */

/* Lowercase ASCII, whitespace runs as one space, trimmed. malloc'ed. */
static char *normalise(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(n + 1), *o = out;
    if (out == NULL)
        return NULL;
    bool space = true;          /* drop leading whitespace */
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
            if (!space)
                *o++ = ' ';
            space = true;
            continue;
        }
        *o++ = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
        space = false;
    }
    if (o > out && o[-1] == ' ')
        o--;
    *o = '\0';
    return out;
}

static bool latin(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* The length of the UTF-8 character at p (1 for a stray byte). */
static size_t char_len(const unsigned char *p)
{
    size_t n = *p >= 0xF0 ? 4 : *p >= 0xE0 ? 3 : *p >= 0xC0 ? 2 : 1;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 1;
    return n;
}

/* Does normalised title t hold query q: contain it, and when q begins with a
 * Latin letter or digit, at a word's beginning (a query word matches the
 * words it begins, wherever the candidate came from)? */
static bool holds(const char *t, const char *q)
{
    for (const char *p = strstr(t, q); p; p = strstr(p + 1, q))
        if (!latin((unsigned char)q[0]) || p == t || !latin((unsigned char)p[-1]))
            return true;
    return false;
}

/* Call fn for each term of normalised text t: Latin words (word true), and
 * for runs of non-ASCII characters each character and each pair. A `query`
 * gives a run's pairs only (they imply its characters), or its character
 * when it has one. */
typedef int term_fn(void *arg, const char *term, size_t len, bool word);
static int each_term(const char *t, bool query, term_fn *fn, void *arg)
{
    const unsigned char *p = (const unsigned char *)t;
    while (*p) {
        if (latin(*p)) {
            const unsigned char *w = p;
            while (latin(*p))
                p++;
            if (fn(arg, (const char *)w, (size_t)(p - w), true) != 0)
                return -1;
        } else if (*p >= 0x80) {
            size_t chars = 0;
            while (*p >= 0x80) {
                size_t a = char_len(p);
                size_t b = p[a] >= 0x80 ? char_len(p + a) : 0;
                if ((!query || (chars == 0 && b == 0)) && fn(arg, (const char *)p, a, false) != 0)
                    return -1;
                if (b && fn(arg, (const char *)p, a + b, false) != 0)
                    return -1;
                p += a;
                chars++;
            }
        } else {
            p++;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- build */

struct interner {
    uint32_t *slots;            /* term id + 1, 0 empty */
    size_t cap;
    char *arena;                /* terms, NUL-terminated */
    size_t arena_len, arena_cap;
    uint32_t *off;              /* term id -> arena offset */
    uint32_t *count;            /* term id -> postings */
    size_t n, n_cap;
    /* the pairs (term id, rank position), in position order */
    uint32_t *pair_term, *pair_pos;
    size_t n_pairs, pairs_cap;
    uint32_t at;                /* the position being indexed */
    uint32_t first_pair;        /* its first pair: a term twice in a title counts once */
};

static uint64_t hash(const char *s, size_t n)
{
    return svc_hash(s, n);
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * size);
    if (q == NULL)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

static int rehash(struct interner *in)
{
    size_t cap = in->cap ? in->cap * 2 : 1024;
    uint32_t *slots = calloc(cap, sizeof *slots);
    if (slots == NULL)
        return -1;
    for (size_t id = 0; id < in->n; id++) {
        const char *t = in->arena + in->off[id];
        size_t i = hash(t, strlen(t)) & (cap - 1);
        while (slots[i])
            i = (i + 1) & (cap - 1);
        slots[i] = (uint32_t)id + 1;
    }
    free(in->slots);
    in->slots = slots;
    in->cap = cap;
    return 0;
}

static int intern(void *arg, const char *term, size_t len, bool word)
{
    struct interner *in = arg;
    (void)word;
    if (2 * (in->n + 1) > in->cap && rehash(in) != 0)
        return -1;
    size_t i = hash(term, len) & (in->cap - 1);
    uint32_t id;
    for (;; i = (i + 1) & (in->cap - 1)) {
        if (in->slots[i] == 0) {
            size_t ncap = in->n_cap;
            if (grow((void **)&in->arena, &in->arena_cap, in->arena_len + len + 1, 1) != 0 ||
                grow((void **)&in->off, &ncap, in->n + 1, sizeof *in->off) != 0 ||
                grow((void **)&in->count, &in->n_cap, in->n + 1, sizeof *in->count) != 0)
                return -1;
            id = (uint32_t)in->n++;
            in->off[id] = (uint32_t)in->arena_len;
            in->count[id] = 0;
            memcpy(in->arena + in->arena_len, term, len);
            in->arena[in->arena_len + len] = '\0';
            in->arena_len += len + 1;
            in->slots[i] = id + 1;
            break;
        }
        const char *t = in->arena + in->off[in->slots[i] - 1];
        if (strncmp(t, term, len) == 0 && t[len] == '\0') {
            id = in->slots[i] - 1;
            break;
        }
    }
    for (size_t k = in->first_pair; k < in->n_pairs; k++)
        if (in->pair_term[k] == id)
            return 0;           /* already posted for this title */
    size_t cap = in->pairs_cap;
    if (grow((void **)&in->pair_term, &cap, in->n_pairs + 1, sizeof *in->pair_term) != 0 ||
        grow((void **)&in->pair_pos, &in->pairs_cap, in->n_pairs + 1, sizeof *in->pair_pos) != 0)
        return -1;
    in->pair_term[in->n_pairs] = id;
    in->pair_pos[in->n_pairs++] = in->at;
    in->count[id]++;
    return 0;
}

static int by_term(const void *a, const void *b, void *arena)
{
    return strcmp((const char *)arena + *(const uint32_t *)a, (const char *)arena + *(const uint32_t *)b);
}

/* Lay the interned postings out term by term, terms sorted. */
static int index_titles(struct svc_search *s, struct interner *in)
{
    size_t n = in->n;
    uint32_t *ids = malloc((n + 1) * sizeof *ids);
    uint32_t *rank = malloc((n + 1) * sizeof *rank);
    s->term_off = malloc((n + 1) * sizeof *s->term_off);
    s->post = calloc(n + 2, sizeof *s->post);
    s->postings = malloc((in->n_pairs + 1) * sizeof *s->postings);
    if (!ids || !rank || !s->term_off || !s->post || !s->postings) {
        free(ids);
        free(rank);
        return -1;
    }
    /* sort the terms: an array of arena offsets, then each id's rank */
    for (size_t i = 0; i < n; i++)
        s->term_off[i] = in->off[i];
    qsort_r(s->term_off, n, sizeof *s->term_off, by_term, in->arena);
    for (size_t i = 0; i < n; i++) {
        /* the id of the term at sorted place i: interned ids are in arena order */
        size_t lo = 0, hi = n;
        while (lo < hi) {               /* off[] ascends with id */
            size_t mid = (lo + hi) / 2;
            if (in->off[mid] < s->term_off[i])
                lo = mid + 1;
            else
                hi = mid;
        }
        ids[i] = (uint32_t)lo;
        rank[lo] = (uint32_t)i;
    }
    for (size_t i = 0; i < n; i++)
        s->post[i + 1] = s->post[i] + in->count[ids[i]];
    uint32_t *fill = ids;               /* reused: next free slot per sorted term */
    for (size_t i = 0; i < n; i++)
        fill[i] = s->post[i];
    for (size_t k = 0; k < in->n_pairs; k++)   /* pairs in position order: lists ascend */
        s->postings[fill[rank[in->pair_term[k]]]++] = in->pair_pos[k];
    s->terms = in->arena;
    in->arena = NULL;
    s->n_terms = n;
    free(ids);
    free(rank);
    return 0;
}

/* The rank order: tier, depth, catalog order. */
static int by_rank(const void *a, const void *b, void *arg)
{
    const struct svc_search *s = arg;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    int tx = rs_catalog_course_tier(s->cat, x), ty = rs_catalog_course_tier(s->cat, y);
    if (tx != ty)
        return tx < ty ? -1 : 1;
    if (s->depth[x] != s->depth[y])
        return s->depth[x] < s->depth[y] ? -1 : 1;
    return x < y ? -1 : x > y;
}

static char *joined(const char *a, const char *b, const char *c)
{
    size_t n = strlen(a) + strlen(b) + strlen(c) + 3;
    char *t = malloc(n);
    if (t == NULL)
        return NULL;
    snprintf(t, n, "%s %s %s", a, b, c);
    char *norm = normalise(t);
    free(t);
    return norm;
}

struct svc_search *svc_search_build(const Skillpath__V1__Catalog *pb, const struct rs_catalog *cat)
{
    struct svc_search *s = calloc(1, sizeof *s);
    struct interner in = { 0 };
    if (s == NULL)
        return NULL;
    size_t n = rs_catalog_n_courses(cat), D = rs_catalog_n_tags(cat), M = rs_catalog_n_modules(cat);
    s->n = n;
    s->cat = cat;
    s->order = malloc((n + 1) * sizeof *s->order);
    s->pos = malloc((n + 1) * sizeof *s->pos);
    s->depth = calloc(n + 1, sizeof *s->depth);
    s->title = calloc(n + 1, sizeof *s->title);
    s->n_tags = D;
    s->n_modules = M;
    s->tag_text = calloc(D + 1, sizeof *s->tag_text);
    s->tag_list = calloc(D + 1, sizeof *s->tag_list);
    s->tag_len = calloc(D + 1, sizeof *s->tag_len);
    s->module_text = calloc(M + 1, sizeof *s->module_text);
    s->module_list = calloc(M + 1, sizeof *s->module_list);
    s->module_len = calloc(M + 1, sizeof *s->module_len);
    if (!s->order || !s->pos || !s->depth || !s->title || !s->tag_text || !s->tag_list ||
        !s->tag_len || !s->module_text || !s->module_list || !s->module_len)
        goto fail;

    /* depth, in topological order: prerequisites come first */
    const uint32_t *topo = rs_graph_topo_order(cat);
    for (size_t i = 0; i < n; i++) {
        uint32_t j = topo[i];
        const uint32_t *pre;
        size_t np = rs_graph_prerequisites(cat, j, &pre);
        for (size_t k = 0; k < np; k++)
            if (s->depth[pre[k]] + 1 > s->depth[j])
                s->depth[j] = s->depth[pre[k]] + 1;
    }
    for (size_t j = 0; j < n; j++)
        s->order[j] = (uint32_t)j;
    qsort_r(s->order, n, sizeof *s->order, by_rank, s);
    for (size_t p = 0; p < n; p++)
        s->pos[s->order[p]] = (uint32_t)p;

    /* titles, in rank order so every postings list ascends */
    for (size_t p = 0; p < n; p++) {
        uint32_t j = s->order[p];
        if ((s->title[j] = normalise(rs_catalog_course_title(cat, j))) == NULL)
            goto fail;
        in.at = (uint32_t)p;
        in.first_pair = (uint32_t)in.n_pairs;
        if (each_term(s->title[j], false, intern, &in) != 0)
            goto fail;
    }
    if (index_titles(s, &in) != 0)
        goto fail;

    /* tags and modules: names, and their courses in rank order */
    for (size_t k = 0; k < D; k++) {
        if ((s->tag_text[k] = joined(rs_catalog_tag_id(cat, k), rs_catalog_tag_name(cat, k), "")) == NULL ||
            (s->tag_list[k] = malloc((n + 1) * sizeof **s->tag_list)) == NULL)
            goto fail;
    }
    for (size_t m = 0; m < M; m++) {
        const char *id = rs_catalog_module_name(cat, m), *name = "", *en = "";
        for (size_t i = 0; pb && i < pb->n_modules; i++)
            if (strcmp(pb->modules[i]->id, id) == 0) {
                name = pb->modules[i]->name;
                en = pb->modules[i]->name_en;
            }
        if ((s->module_text[m] = joined(id, name, en)) == NULL ||
            (s->module_list[m] = malloc((n + 1) * sizeof **s->module_list)) == NULL)
            goto fail;
    }
    for (size_t p = 0; p < n; p++) {
        uint32_t j = s->order[p];
        const float *a = rs_catalog_course_coverage(cat, j);
        for (size_t k = 0; k < D; k++)
            if (a[k] > 0)
                s->tag_list[k][s->tag_len[k]++] = (uint32_t)p;
        size_t m = rs_catalog_course_module(cat, j);
        s->module_list[m][s->module_len[m]++] = (uint32_t)p;
    }
    free(in.slots);
    free(in.off);
    free(in.count);
    free(in.pair_term);
    free(in.pair_pos);
    return s;
fail:
    free(in.slots);
    free(in.arena);
    free(in.off);
    free(in.count);
    free(in.pair_term);
    free(in.pair_pos);
    svc_search_free(s);
    return NULL;
}

void svc_search_free(struct svc_search *s)
{
    if (s == NULL)
        return;
    for (size_t j = 0; s->title && j < s->n; j++)
        free(s->title[j]);
    for (size_t k = 0; k < s->n_tags; k++) {
        free(s->tag_text ? s->tag_text[k] : NULL);
        free(s->tag_list ? s->tag_list[k] : NULL);
    }
    for (size_t m = 0; m < s->n_modules; m++) {
        free(s->module_text ? s->module_text[m] : NULL);
        free(s->module_list ? s->module_list[m] : NULL);
    }
    free(s->order);
    free(s->pos);
    free(s->depth);
    free(s->title);
    free(s->terms);
    free(s->term_off);
    free(s->post);
    free(s->postings);
    free(s->tag_text);
    free(s->tag_list);
    free(s->tag_len);
    free(s->module_text);
    free(s->module_list);
    free(s->module_len);
    free(s);
}

/* ---------------------------------------------------------------- query */

long svc_search_module(const struct svc_search *s, const char *id)
{
    size_t m;
    return rs_catalog_find_module(s->cat, id, &m) == 0 ? (long)m : -1;
}

uint32_t svc_search_depth(const struct svc_search *s, size_t j)
{
    return s->depth[j];
}

/* The sorted terms [*lo, *hi) equal to (word: beginning with) `t`. */
static void term_range(const struct svc_search *s, const char *t, size_t len, bool word, size_t *lo,
                       size_t *hi)
{
    size_t a = 0, b = s->n_terms;
    while (a < b) {                     /* first term >= t */
        size_t mid = (a + b) / 2;
        if (strncmp(s->terms + s->term_off[mid], t, len) < 0)
            a = mid + 1;
        else
            b = mid;
    }
    *lo = a;
    b = a;
    while (b < s->n_terms) {
        const char *x = s->terms + s->term_off[b];
        if (strncmp(x, t, len) != 0 || (!word && x[len] != '\0'))
            break;
        b++;
        if (!word)
            break;
    }
    *hi = b;
}

struct rarest {
    const struct svc_search *s;
    size_t lo, hi, size;        /* the best range so far */
    bool any;
};

static int pick_rarest(void *arg, const char *term, size_t len, bool word)
{
    struct rarest *r = arg;
    size_t lo, hi;
    term_range(r->s, term, len, word, &lo, &hi);
    size_t size = r->s->post[hi] - r->s->post[lo];
    if (!r->any || size < r->size) {
        r->lo = lo;
        r->hi = hi;
        r->size = size;
        r->any = true;
    }
    return 0;
}

static bool passes(const struct svc_search *s, const struct svc_search_query *q, uint32_t j)
{
    return (q->tier == 0 || (int)rs_catalog_course_tier(s->cat, j) == q->tier) &&
           (q->module < 0 || (long)rs_catalog_course_module(s->cat, j) == q->module);
}

int svc_search_run(const struct svc_search *s, const struct svc_search_query *q,
                   struct svc_search_hit *hits, size_t *n_hits, size_t *total)
{
    *n_hits = *total = 0;
    char *nq = normalise(q->q ? q->q : "");
    uint8_t *level = calloc(s->n + 1, 1);   /* per rank position: 4 - match field, 0 none */
    if (nq == NULL || level == NULL) {
        free(nq);
        free(level);
        return -1;
    }
    if (nq[0] == '\0') {
        memset(level, 4, s->n);             /* listed */
    } else {
        struct rarest r = { .s = s };
        each_term(nq, true, pick_rarest, &r);
        if (r.any) {
            for (size_t p = s->post[r.lo]; p < s->post[r.hi]; p++) {
                uint32_t pos = s->postings[p];
                if (holds(s->title[s->order[pos]], nq))
                    level[pos] = 4 - SVC_MATCH_TITLE;
            }
        } else {                            /* no term (punctuation): test every title */
            for (size_t pos = 0; pos < s->n; pos++)
                if (holds(s->title[s->order[pos]], nq))
                    level[pos] = 4 - SVC_MATCH_TITLE;
        }
        for (size_t k = 0; k < s->n_tags; k++)
            if (strstr(s->tag_text[k], nq))
                for (size_t i = 0; i < s->tag_len[k]; i++)
                    if (level[s->tag_list[k][i]] < 4 - SVC_MATCH_TAG)
                        level[s->tag_list[k][i]] = 4 - SVC_MATCH_TAG;
        for (size_t m = 0; m < s->n_modules; m++)
            if (strstr(s->module_text[m], nq))
                for (size_t i = 0; i < s->module_len[m]; i++)
                    if (level[s->module_list[m][i]] == 0)
                        level[s->module_list[m][i]] = 4 - SVC_MATCH_MODULE;
    }
    /* the page: best level first, rank order within a level */
    size_t seen = 0;
    for (int lv = 4; lv >= 1; lv--)
        for (size_t pos = 0; pos < s->n; pos++) {
            if (level[pos] != lv || !passes(s, q, s->order[pos]))
                continue;
            if (seen >= q->offset && *n_hits < q->limit)
                hits[(*n_hits)++] = (struct svc_search_hit){
                    s->order[pos], lv == 4 && nq[0] == '\0' ? SVC_MATCH_LISTED : (enum svc_match)(4 - lv) };
            seen++;
        }
    *total = seen;
    free(nq);
    free(level);
    return 0;
}
