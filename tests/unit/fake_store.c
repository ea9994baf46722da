/* SPDX-License-Identifier: MIT
 * The fake store (fake_store.h). */
#include <stdlib.h>
#include <string.h>

#include "fake_store.h"
#include "svc_push.h"
#include "svc_store.h"

#define MAX_LEARNERS 16
#define MAX_SEEN 256
#define MAX_CMDS 64

struct entry {
    char id[160];
    char *value;
    size_t len;
    bool watched;
};

enum kind { K_GET, K_WRITE, K_DELETE, K_CATALOG };

struct cmd {
    enum kind kind;
    svc_store_cb *cb;
    void *arg;
    char id[160];
    char *expect, *value, *event_id;
    size_t expect_len, value_len;
};

static struct entry learners[MAX_LEARNERS];
static char *seen[MAX_SEEN];
static size_t n_seen;
static struct cmd queue[MAX_CMDS];
static size_t q_head, q_len;
static int fail_status;
static bool fail_armed;

bool fake_store_down;
int fake_push_published;
size_t fake_push_last_lessons;
int fake_push_failed;

static struct entry *find(const char *id, bool create)
{
    for (size_t i = 0; i < MAX_LEARNERS; i++)
        if (learners[i].id[0] && strcmp(learners[i].id, id) == 0)
            return &learners[i];
    if (!create)
        return NULL;
    for (size_t i = 0; i < MAX_LEARNERS; i++)
        if (learners[i].id[0] == '\0') {
            strncpy(learners[i].id, id, sizeof learners[i].id - 1);
            return &learners[i];
        }
    abort();
}

static char *copy(const void *d, size_t n)
{
    char *c = malloc(n + 1);
    if (n)
        memcpy(c, d, n);
    c[n] = '\0';
    return c;
}

void fake_store_reset(void)
{
    for (size_t i = 0; i < MAX_LEARNERS; i++)
        free(learners[i].value);
    memset(learners, 0, sizeof learners);
    for (size_t i = 0; i < n_seen; i++)
        free(seen[i]);
    n_seen = 0;
    while (q_len) {
        struct cmd *c = &queue[q_head];
        free(c->expect);
        free(c->value);
        free(c->event_id);
        q_head = (q_head + 1) % MAX_CMDS;
        q_len--;
    }
    q_head = 0;
    fail_armed = false;
    fake_store_down = false;
    fake_push_published = fake_push_failed = 0;
    fake_push_last_lessons = 0;
}

void fake_store_set(const char *id, const char *value, size_t len)
{
    struct entry *e = find(id, true);
    free(e->value);
    e->value = value ? copy(value, len) : NULL;
    e->len = value ? len : 0;
}

const char *fake_store_value(const char *id, size_t *len)
{
    struct entry *e = find(id, false);
    if (e == NULL || e->value == NULL)
        return NULL;
    *len = e->len;
    return e->value;
}

void fake_store_set_watched(const char *id, bool watched)
{
    find(id, true)->watched = watched;
}

void fake_store_fail_next(int status)
{
    fail_status = status;
    fail_armed = true;
}

size_t fake_store_pending(void)
{
    return q_len;
}

static struct cmd *push(enum kind k, svc_store_cb *cb, void *arg, const char *id)
{
    if (fake_store_down || q_len == MAX_CMDS)
        return NULL;
    struct cmd *c = &queue[(q_head + q_len++) % MAX_CMDS];
    memset(c, 0, sizeof *c);
    c->kind = k;
    c->cb = cb;
    c->arg = arg;
    strncpy(c->id, id ? id : "", sizeof c->id - 1);
    return c;
}

/* The write script's rules (svc_store.c WRITE_LUA). */
static struct svc_store_reply write_now(const struct cmd *c)
{
    struct svc_store_reply r = { .status = SVC_STORE_OK };
    if (c->event_id[0])
        for (size_t i = 0; i < n_seen; i++)
            if (strcmp(seen[i], c->event_id) == 0) {
                r.status = SVC_STORE_DUP;
                return r;
            }
    struct entry *e = find(c->id, true);
    bool exists = e->value != NULL;
    if (exists ? (c->expect_len == 0 || c->expect_len > e->len ||
                  memcmp(e->value, c->expect, c->expect_len) != 0)
               : c->expect_len != 0) {
        r.status = SVC_STORE_CONFLICT;
        return r;
    }
    free(e->value);
    e->value = copy(c->value, c->value_len);
    e->len = c->value_len;
    if (c->event_id[0] && n_seen < MAX_SEEN)
        seen[n_seen++] = copy(c->event_id, strlen(c->event_id));
    r.watched = e->watched;
    return r;
}

bool fake_store_run(void)
{
    if (q_len == 0)
        return false;
    struct cmd c = queue[q_head];
    q_head = (q_head + 1) % MAX_CMDS;
    q_len--;
    struct svc_store_reply r = { .status = SVC_STORE_OK };
    if (fail_armed) {
        fail_armed = false;
        r.status = fail_status;
    } else if (c.kind == K_GET) {
        struct entry *e = find(c.id, false);
        if (e == NULL || e->value == NULL)
            r.status = SVC_STORE_NOTFOUND;
        else {
            r.data = e->value;
            r.len = e->len;
        }
    } else if (c.kind == K_WRITE) {
        r = write_now(&c);
    } else if (c.kind == K_DELETE) {
        struct entry *e = find(c.id, false);
        r.status = e && e->value ? SVC_STORE_OK : SVC_STORE_NOTFOUND;
        if (e && e->value) {
            free(e->value);
            e->value = NULL;
        }
    }
    c.cb(c.arg, &r);
    free(c.expect);
    free(c.value);
    free(c.event_id);
    return true;
}

size_t fake_store_run_all(void)
{
    size_t n = 0;
    while (fake_store_run())
        n++;
    return n;
}

/* ---------------------------------------------------------------- the interface */

bool svc_store_ready(const struct svc_store *st)
{
    (void)st;
    return !fake_store_down;
}

int svc_store_get(struct svc_store *st, const char *id, svc_store_cb *cb, void *arg)
{
    (void)st;
    return push(K_GET, cb, arg, id) ? 0 : -1;
}

int svc_store_write(struct svc_store *st, const struct svc_store_write *w, svc_store_cb *cb, void *arg)
{
    (void)st;
    struct cmd *c = push(K_WRITE, cb, arg, w->id);
    if (c == NULL)
        return -1;
    c->expect = copy(w->expect, w->expect_len);
    c->expect_len = w->expect_len;
    c->value = copy(w->value, w->value_len);
    c->value_len = w->value_len;
    c->event_id = copy(w->event_id ? w->event_id : "", w->event_id ? strlen(w->event_id) : 0);
    return 0;
}

int svc_store_delete(struct svc_store *st, const char *id, svc_store_cb *cb, void *arg)
{
    (void)st;
    return push(K_DELETE, cb, arg, id) ? 0 : -1;
}

int svc_store_catalog_put(struct svc_store *st, const char *version, const void *data, size_t len,
                          svc_store_cb *cb, void *arg)
{
    (void)st;
    (void)version;
    (void)data;
    (void)len;
    return push(K_CATALOG, cb, arg, NULL) ? 0 : -1;
}

void svc_push_publish(struct svc_push *p, const Skillpath__V1__NextLessons *next)
{
    (void)p;
    fake_push_published++;
    fake_push_last_lessons = next->n_lessons;
}

void svc_push_count_failure(struct svc_push *p)
{
    (void)p;
    fake_push_failed++;
}

/* The statement index, mailbox lookup and history are not faked: the
 * operations that use them (void, a PUT with xapiIds) are tested against a
 * real Redis (tests/integration/test_xapi.sh), and the rebuild in
 * tests/unit/test_svc_learner.c. */
int svc_store_statements_get(struct svc_store *st, const char *const *ids, size_t n,
                             svc_store_cb *cb, void *arg)
{
    (void)st, (void)ids, (void)n, (void)cb, (void)arg;
    return -1;
}

int svc_store_statement_put(struct svc_store *st, const char *id, const char *value, bool replace)
{
    (void)st, (void)id, (void)value, (void)replace;
    return -1;
}

int svc_store_history(struct svc_store *st, const char *id, svc_store_cb *cb, void *arg)
{
    (void)st, (void)id, (void)cb, (void)arg;
    return -1;
}

int svc_store_void(struct svc_store *st, const struct svc_store_void *v, svc_store_cb *cb, void *arg)
{
    (void)st, (void)v, (void)cb, (void)arg;
    return -1;
}

int svc_store_assign(struct svc_store *st, enum svc_key kind, const char *const *ids, size_t n,
                     const char *value, svc_store_cb *cb, void *arg)
{
    (void)st, (void)kind, (void)ids, (void)n, (void)value, (void)cb, (void)arg;
    return -1;
}
