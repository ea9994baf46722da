/* SPDX-License-Identifier: MIT
 * xAPI statements read as learning events (svc_xapi.h).
 *
 * THE MAPPING
 *   learner  actor.account.name, when its homePage is one conf->home_pages
 *            allows; an actor named by mbox or mbox_sha1sum is looked up
 *            by its mbox_sha1sum (svc_res_xapi.c); openid or a group:
 *            ignored_learner
 *   course   the course whose activityIds hold object.id; else one holding
 *            a context.contextActivities parent or grouping id (a question
 *            inside a quiz inside a course counts toward that course)
 *   verb     passed, failed, mastered, scored, completed with a score:
 *            ASSESSED at y = result.score.scaled clamped to [0,1] (a scaled
 *            0 is a score), else (raw − min)/(max − min), else for
 *            passed/mastered the course's mastery score and for failed
 *            conf->fail_score; completed without a score: COMPLETED;
 *            experienced, attempted, launched, initialized, progressed:
 *            STARTED (progressed with result.completion true: COMPLETED);
 *            cmi5 waived: ASSESSED at the mastery score; voided (object
 *            a StatementRef): the referenced statement is undone, whoever
 *            the actor; anything else is ignored_verb
 *   time     timestamp, else stored, else the time received
 *   id       the statement's id; without one, a name-based UUID (v5, SHA-1)
 *            over its canonical content (actor, verb, object, result,
 *            timestamp in UTC), so a batch sent again maps to the same ids;
 *            the content's own SHA-1 is its digest (a statement sent again
 *            under an id must have the same one; not stored, authority,
 *            version or display maps, which are not part of the content)
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/sha.h>

#include "svc_catalog.h"
#include "svc_xapi.h"

/* The namespace of derived statement ids: a fixed UUID of our own. */
static const unsigned char id_namespace[16] = {
    0x5b, 0x7e, 0x2f, 0x31, 0x0c, 0x4d, 0x5a, 0x1e, 0x9a, 0x62, 0x8d, 0x13, 0xc4, 0x70, 0x5e, 0x21,
};

static const char *const verb_spaces[] = {
    "http://adlnet.gov/expapi/verbs/", "https://w3id.org/xapi/adl/verbs/",
};

enum verb {
    V_OTHER, V_PASSED, V_FAILED, V_MASTERED, V_SCORED, V_COMPLETED, V_STARTED, V_PROGRESSED,
    V_WAIVED, V_VOIDED,
};

static enum verb verb_of(const char *iri)
{
    static const struct { const char *name; enum verb v; } names[] = {
        { "passed", V_PASSED }, { "failed", V_FAILED }, { "mastered", V_MASTERED },
        { "scored", V_SCORED }, { "completed", V_COMPLETED }, { "experienced", V_STARTED },
        { "attempted", V_STARTED }, { "launched", V_STARTED }, { "initialized", V_STARTED },
        { "progressed", V_PROGRESSED }, { "waived", V_WAIVED }, { "voided", V_VOIDED },
    };
    for (size_t s = 0; s < sizeof verb_spaces / sizeof *verb_spaces; s++) {
        size_t n = strlen(verb_spaces[s]);
        if (strncmp(iri, verb_spaces[s], n) != 0)
            continue;
        for (size_t i = 0; i < sizeof names / sizeof *names; i++)
            if (strcmp(iri + n, names[i].name) == 0)
                return names[i].v;
    }
    return V_OTHER;
}

/* ---------------------------------------------------------------- lexical */

static bool hex40(const char *p)
{
    for (int i = 0; i < 40; i++)
        if (!isxdigit((unsigned char)p[i]))
            return false;
    return true;
}

bool svc_xapi_uuid(const char *s, char *out)
{
    if (s == NULL || strlen(s) != SVC_XAPI_UUID_LEN)
        return false;
    for (int i = 0; i < SVC_XAPI_UUID_LEN; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
            return false;
        out[i] = (char)tolower((unsigned char)s[i]);
    }
    out[SVC_XAPI_UUID_LEN] = '\0';
    return true;
}

static int digits(const char **p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (!isdigit((unsigned char)**p))
            return -1;
        v = v * 10 + (**p - '0');
    }
    return v;
}

int64_t svc_xapi_time(const char *s)
{
    const char *p = s;
    int y = digits(&p, 4);
    if (y < 0 || *p++ != '-')
        return -1;
    int mo = digits(&p, 2);
    if (mo < 1 || mo > 12 || *p++ != '-')
        return -1;
    int d = digits(&p, 2);
    if (d < 1 || d > 31 || (*p != 'T' && *p != 't' && *p != ' '))
        return -1;
    p++;
    int h = digits(&p, 2);
    if (h < 0 || h > 23 || *p++ != ':')
        return -1;
    int mi = digits(&p, 2);
    if (mi < 0 || mi > 59 || *p++ != ':')
        return -1;
    int sec = digits(&p, 2);
    if (sec < 0 || sec > 60)
        return -1;
    if (*p == '.' || *p == ',') {
        p++;
        if (!isdigit((unsigned char)*p))
            return -1;
        while (isdigit((unsigned char)*p))
            p++;
    }
    long offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1;
        int oh = digits(&p, 2);
        if (*p == ':')
            p++;
        int om = digits(&p, 2);
        if (oh < 0 || oh > 23 || om < 0 || om > 59)
            return -1;
        offset = sign * (oh * 3600L + om * 60L);
    }
    if (*p != '\0')
        return -1;
    struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
                     .tm_min = mi, .tm_sec = sec };
    time_t t = timegm(&tm);
    if (t == (time_t)-1 || tm.tm_mday != d)     /* 31 February and the like */
        return -1;
    return (int64_t)t - offset;
}

int64_t svc_xapi_duration(const char *s)
{
    static const struct { char unit; double seconds; bool time_part; } units[] = {
        { 'Y', 365 * 86400.0, false }, { 'M', 30 * 86400.0, false }, { 'W', 7 * 86400.0, false },
        { 'D', 86400.0, false }, { 'H', 3600.0, true }, { 'M', 60.0, true }, { 'S', 1.0, true },
    };
    if (s == NULL || *s != 'P')
        return -1;
    const char *p = s + 1;
    bool in_time = false, any = false;
    size_t next = 0;                    /* units come in order, each at most once */
    double total = 0;
    while (*p) {
        if (*p == 'T') {
            if (in_time)
                return -1;
            in_time = true;
            p++;
            continue;
        }
        char *end;
        if (!isdigit((unsigned char)*p))
            return -1;
        double v = strtod(p, &end);
        if (end == p || !isfinite(v))
            return -1;
        bool found = false;
        for (size_t u = next; u < sizeof units / sizeof *units && !found; u++)
            if (units[u].unit == *end && units[u].time_part == in_time) {
                total += v * units[u].seconds;
                next = u + 1;
                found = true;
            }
        if (!found)
            return -1;
        any = true;
        p = end + 1;
    }
    if (!any || total > 4e9)
        return -1;
    return (int64_t)llround(total);
}

/* ---------------------------------------------------------------- reading */

struct reader {
    char *err;
    size_t errlen;
    size_t index;
};

static int fail(struct reader *rd, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct reader *rd, const char *field, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    snprintf(rd->err, rd->errlen, "statements[%zu].%s: %s", rd->index, field, why);
    return -1;
}

static const char *str_at(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The canonical content a derived id is taken over, appended to buf. */
struct canon {
    char buf[4096];
    size_t len;
};

static void canon_add(struct canon *c, const char *part)
{
    int n = snprintf(c->buf + c->len, sizeof c->buf - c->len, "%s\n", part ? part : "-");
    if (n > 0)
        c->len = c->len + (size_t)n < sizeof c->buf ? c->len + (size_t)n : sizeof c->buf - 1;
}

static void derive_id(const struct canon *c, char *out)
{
    unsigned char in[sizeof id_namespace + sizeof c->buf], d[SHA_DIGEST_LENGTH];
    memcpy(in, id_namespace, sizeof id_namespace);
    memcpy(in + sizeof id_namespace, c->buf, c->len);
    SHA1(in, sizeof id_namespace + c->len, d);
    d[6] = (unsigned char)((d[6] & 0x0f) | 0x50);       /* version 5 */
    d[8] = (unsigned char)((d[8] & 0x3f) | 0x80);       /* RFC 4122 variant */
    snprintf(out, SVC_XAPI_UUID_LEN + 1,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", d[0], d[1],
             d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14], d[15]);
}

/* A contextActivities member: an array of activities or a single one; the
 * first whose id is a course's activity gives the course. */
static long course_from_context(const struct svc_catalog *cat, const json_t *ctx, const char *key)
{
    const json_t *v = json_object_get(json_object_get(ctx, "contextActivities"), key);
    if (json_is_object(v)) {
        const char *id = str_at(v, "id");
        return id ? svc_catalog_find_activity(cat, id) : -1;
    }
    size_t i;
    const json_t *a;
    json_array_foreach(v, i, a) {
        const char *id = str_at(a, "id");
        long j = id ? svc_catalog_find_activity(cat, id) : -1;
        if (j >= 0)
            return j;
    }
    return -1;
}

/* Is `home` one of the comma-separated `list` (a trailing '/' aside)? */
static bool home_allowed(const char *list, const char *home)
{
    if (list == NULL || list[0] == '\0')
        return true;
    size_t n = strlen(home);
    if (n > 0 && home[n - 1] == '/')
        n--;
    for (const char *p = list; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        size_t l = len > 0 && p[len - 1] == '/' ? len - 1 : len;
        if (l == n && strncmp(p, home, n) == 0)
            return true;
        p += len + (end != NULL);
    }
    return false;
}

static int read_statement(const struct svc_catalog *cat, const struct svc_xapi_conf *conf,
                          const json_t *st, int64_t now, struct reader *rd,
                          struct svc_xapi_stmt *out)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(st))
        return fail(rd, "statement", "not a JSON object");
    struct canon canon = { .len = 0 };

    /* actor */
    const json_t *actor = json_object_get(st, "actor");
    if (!json_is_object(actor))
        return fail(rd, "actor", "missing");
    const json_t *account = json_object_get(actor, "account");
    const char *name = NULL;
    bool home_ok = true;
    if (account != NULL) {
        name = str_at(account, "name");
        const char *home = str_at(account, "homePage");
        if (name == NULL || home == NULL)
            return fail(rd, "actor.account", "needs homePage and name");
        home_ok = home_allowed(conf->home_pages, home);
        char part[1024];
        snprintf(part, sizeof part, "account|%s|%s", home, name);
        canon_add(&canon, part);
    } else {
        const char *kinds[] = { "mbox", "mbox_sha1sum", "openid" };
        const char *ident = NULL;
        for (size_t i = 0; i < 3 && ident == NULL; i++)
            if ((ident = str_at(actor, kinds[i])) != NULL) {
                char part[1024];
                snprintf(part, sizeof part, "%s|%s", kinds[i], ident);
                canon_add(&canon, part);
                if (i < 2 && (!svc_xapi_mailbox(ident, out->mailbox) ||
                              (i == 0) != (strncmp(ident, "mailto:", 7) == 0)))
                    return fail(rd, i == 0 ? "actor.mbox" : "actor.mbox_sha1sum",
                                i == 0 ? "not a mailto: IRI" : "not 40 hex digits");
            }
        if (ident == NULL && json_object_get(actor, "member") == NULL)
            return fail(rd, "actor", "no identifier (account, mbox, mbox_sha1sum or openid)");
        if (ident == NULL)
            canon_add(&canon, "group");
    }

    /* verb */
    const json_t *verb = json_object_get(st, "verb");
    const char *verb_id = json_is_object(verb) ? str_at(verb, "id") : NULL;
    if (verb_id == NULL)
        return fail(rd, "verb.id", "missing");
    canon_add(&canon, verb_id);

    /* object */
    const json_t *object = json_object_get(st, "object");
    const char *object_id = json_is_object(object) ? str_at(object, "id") : NULL;
    if (object_id == NULL)
        return fail(rd, "object.id", "missing");
    canon_add(&canon, object_id);

    /* result */
    const json_t *result = json_object_get(st, "result");
    if (result != NULL && !json_is_object(result))
        return fail(rd, "result", "not an object");
    const json_t *score = json_object_get(result, "score");
    bool has_score = false;
    double y = 0;
    char part[256];
    if (score != NULL) {
        if (!json_is_object(score))
            return fail(rd, "result.score", "not an object");
        const json_t *scaled = json_object_get(score, "scaled"), *raw = json_object_get(score, "raw");
        const json_t *min = json_object_get(score, "min"), *max = json_object_get(score, "max");
        if (scaled && !json_is_number(scaled))
            return fail(rd, "result.score.scaled", "not a number");
        if (scaled) {
            double v = json_number_value(scaled);
            if (!(v >= -1 && v <= 1))
                return fail(rd, "result.score.scaled", "%g is outside [-1, 1]", v);
            y = v < 0 ? 0 : v;
            has_score = true;
        }
        if ((raw && !json_is_number(raw)) || (min && !json_is_number(min)) ||
            (max && !json_is_number(max)))
            return fail(rd, "result.score", "raw, min and max must be numbers");
        if (min && max && !(json_number_value(min) < json_number_value(max)))
            return fail(rd, "result.score.min", "must be below max");
        if (raw) {
            double r = json_number_value(raw);
            if ((min && r < json_number_value(min)) || (max && r > json_number_value(max)))
                return fail(rd, "result.score.raw", "%g is outside [min, max]", r);
            if (!has_score && min && max) {
                double lo = json_number_value(min), hi = json_number_value(max);
                y = (r - lo) / (hi - lo);
                has_score = true;
            }
        }
        snprintf(part, sizeof part, "score|%.9g|%.9g|%.9g|%.9g",
                 scaled ? json_number_value(scaled) : NAN, raw ? json_number_value(raw) : NAN,
                 min ? json_number_value(min) : NAN, max ? json_number_value(max) : NAN);
        canon_add(&canon, part);
    } else {
        canon_add(&canon, NULL);
    }
    const json_t *success = json_object_get(result, "success");
    const json_t *completion = json_object_get(result, "completion");
    snprintf(part, sizeof part, "%s|%s", success ? (json_is_true(success) ? "t" : "f") : "-",
             completion ? (json_is_true(completion) ? "t" : "f") : "-");
    canon_add(&canon, part);
    const json_t *dur = json_object_get(result, "duration");
    if (dur != NULL) {
        int64_t secs = json_is_string(dur) ? svc_xapi_duration(json_string_value(dur)) : -1;
        if (secs < 0)
            return fail(rd, "result.duration", "not an ISO 8601 duration (e.g. PT14M30S)");
        out->duration_s = (uint32_t)(secs > UINT32_MAX ? UINT32_MAX : secs);
    }

    /* time */
    const char *ts = str_at(st, "timestamp"), *stored = str_at(st, "stored");
    if (json_object_get(st, "timestamp") && ts == NULL)
        return fail(rd, "timestamp", "not a string");
    int64_t at = now;
    if (ts) {
        if ((at = svc_xapi_time(ts)) < 0)
            return fail(rd, "timestamp", "'%.60s' is not an ISO 8601 time", ts);
        snprintf(part, sizeof part, "%lld", (long long)at);
        canon_add(&canon, part);
    } else {
        canon_add(&canon, NULL);
        if (stored && (at = svc_xapi_time(stored)) < 0)
            return fail(rd, "stored", "'%.60s' is not an ISO 8601 time", stored);
    }
    if (at <= 0)
        at = now;

    /* the content's digest, and the id */
    unsigned char dg[SHA_DIGEST_LENGTH];
    SHA1((const unsigned char *)canon.buf, canon.len, dg);
    for (int i = 0; i < SHA_DIGEST_LENGTH; i++)
        snprintf(out->digest + 2 * i, 3, "%02x", dg[i]);
    const json_t *idv = json_object_get(st, "id");
    if (idv != NULL) {
        if (!json_is_string(idv) || !svc_xapi_uuid(json_string_value(idv), out->id))
            return fail(rd, "id", "not a UUID");
    } else {
        derive_id(&canon, out->id);
        out->derived = true;
    }

    /* what it means for the learner */
    enum verb v = verb_of(verb_id);
    if (v == V_VOIDED) {
        const char *type = str_at(object, "objectType");
        if (type == NULL || strcmp(type, "StatementRef") != 0 || !svc_xapi_uuid(object_id, out->voids))
            return fail(rd, "object", "a voiding statement's object is a StatementRef with the "
                        "voided statement's id");
        out->outcome = SVC_XAPI_voided;
        out->event.at = at;
        return 0;
    }
    long course = svc_catalog_find_activity(cat, object_id);
    const json_t *context = json_object_get(st, "context");
    if (course < 0)
        course = course_from_context(cat, context, "parent");
    if (course < 0)
        course = course_from_context(cat, context, "grouping");
    out->outcome = SVC_XAPI_applied;
    if (name == NULL && out->mailbox[0])
        ;                               /* the learner is looked up by its mailbox */
    else if (name == NULL || !home_ok || !svc_keys_valid_id(name))
        out->outcome = SVC_XAPI_ignored_learner;
    else
        snprintf(out->learner, sizeof out->learner, "%s", name);
    enum rs_event_kind kind = RS_EVENT_STARTED;
    bool scored = false;
    switch (v) {
    case V_PASSED:
    case V_MASTERED:
    case V_FAILED:
    case V_WAIVED:
        kind = RS_EVENT_ASSESSED;
        scored = true;
        if (!has_score && course >= 0)
            y = v == V_FAILED ? conf->fail_score : rs_catalog_course_mastery(cat->cat, (size_t)course);
        if (v == V_WAIVED && course >= 0)
            y = rs_catalog_course_mastery(cat->cat, (size_t)course);
        break;
    case V_SCORED:
        kind = RS_EVENT_ASSESSED;
        scored = true;
        if (!has_score)
            out->outcome = SVC_XAPI_ignored_verb;       /* nothing to assess */
        break;
    case V_COMPLETED:
        kind = has_score ? RS_EVENT_ASSESSED : RS_EVENT_COMPLETED;
        scored = has_score;
        break;
    case V_PROGRESSED:
        kind = json_is_true(completion) ? RS_EVENT_COMPLETED : RS_EVENT_STARTED;
        break;
    case V_STARTED:
    case V_VOIDED:              /* read above */
        break;
    case V_OTHER:
        out->outcome = SVC_XAPI_ignored_verb;
        break;
    }
    if (out->outcome == SVC_XAPI_applied && course < 0)
        out->outcome = SVC_XAPI_ignored_activity;
    out->event = (struct rs_event){
        .course = course >= 0 ? (uint32_t)course : 0, .kind = kind, .has_score = scored,
        .score = (float)(y < 0 ? 0 : y > 1 ? 1 : y), .at = at,
    };
    return 0;
}

bool svc_xapi_mailbox(const char *s, char *out)
{
    size_t n = strlen(s);
    if (strncmp(s, "mailto:", 7) == 0) {
        const char *at = strchr(s + 7, '@');
        if (at == NULL || at == s + 7 || at[1] == '\0' || n > 7 + 320)
            return false;
        unsigned char dg[SHA_DIGEST_LENGTH];
        SHA1((const unsigned char *)s, n, dg);
        for (int i = 0; i < SHA_DIGEST_LENGTH; i++)
            snprintf(out + 2 * i, 3, "%02x", dg[i]);
        return true;
    }
    if (n != 40 || !hex40(s))
        return false;
    for (size_t i = 0; i <= n; i++)
        out[i] = (char)tolower((unsigned char)s[i]);
    return true;
}

/* ---------------------------------------------------------------- index */

int svc_xapi_index_parse(const char *v, size_t len, struct svc_xapi_index *out)
{
    memset(out, 0, sizeof *out);
    if (len == 40 && hex40(v)) {        /* the first form: the digest alone */
        out->state = 'A';
        memcpy(out->digest, v, 40);
        return 0;
    }
    if (len < 42 || (v[0] != 'A' && v[0] != 'V') || v[41] != ' ' || len - 42 > SVC_MAX_ID)
        return -1;
    bool unseen = strncmp(v + 1, "----------------------------------------", 40) == 0;
    if (!unseen && !hex40(v + 1))
        return -1;
    memcpy(out->learner, v + 42, len - 42);
    if (out->learner[0] && (strlen(out->learner) != len - 42 || !svc_keys_valid_id(out->learner))) {
        memset(out, 0, sizeof *out);
        return -1;
    }
    out->state = v[0];
    if (!unseen)
        memcpy(out->digest, v + 1, 40);
    return 0;
}

void svc_xapi_index_format(const struct svc_xapi_index *ix, char *out)
{
    snprintf(out, SVC_XAPI_INDEX_MAX, "%c%s %s", ix->state,
             ix->digest[0] ? ix->digest : "----------------------------------------", ix->learner);
}

static int by_id(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int svc_xapi_parse(const struct svc_catalog *cat, const struct svc_xapi_conf *conf,
                   const char *json, size_t len, bool single, int64_t now,
                   struct svc_xapi_batch *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    json_error_t je;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL) {
        snprintf(err, errlen, "not JSON: %s at line %d column %d", je.text, je.line, je.column);
        return -1;
    }
    int rc = -1;
    size_t n = json_is_array(root) ? json_array_size(root) : 1;
    const char **ids = NULL;
    if (single && !json_is_object(root)) {
        snprintf(err, errlen, "one statement (a JSON object) expected");
        goto out;
    }
    if (n == 0 || n > conf->max_statements) {
        snprintf(err, errlen, "%zu statements: send between 1 and %zu per request (lower the "
                 "sender's batch size)", n, conf->max_statements);
        goto out;
    }
    out->stmts = calloc(n, sizeof *out->stmts);
    ids = calloc(n, sizeof *ids);
    if (out->stmts == NULL || ids == NULL) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    struct reader rd = { err, errlen, 0 };
    for (size_t i = 0; i < n; i++) {
        rd.index = i;
        const json_t *st = json_is_array(root) ? json_array_get(root, i) : root;
        if (read_statement(cat, conf, st, now, &rd, &out->stmts[i]) != 0)
            goto out;
        ids[i] = out->stmts[i].id;
    }
    out->n = n;
    qsort(ids, n, sizeof *ids, by_id);
    for (size_t i = 1; i < n; i++)
        if (strcmp(ids[i - 1], ids[i]) == 0) {
            snprintf(err, errlen, "statement id %s appears twice in the batch", ids[i]);
            goto out;
        }
    rc = 0;
out:
    if (rc != 0)
        svc_xapi_batch_free(out);
    free(ids);
    json_decref(root);
    return rc;
}

void svc_xapi_batch_free(struct svc_xapi_batch *b)
{
    free(b->stmts);
    b->stmts = NULL;
    b->n = 0;
}
