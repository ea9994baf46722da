/* SPDX-License-Identifier: MIT
 * xAPI statements (Experience API 1.0.3, IEEE 9274.1.1 "2.0") read as
 * learning events: the parser and the mapping, no I/O (svc_res_xapi.c
 * serves them). A statement is checked as a whole batch is: one malformed
 * statement refuses the batch, naming its index and field. What can be read
 * but not used (an unknown learner or activity, a verb that teaches
 * nothing) is an outcome, not an error: an LMS sends its whole firehose. */
#ifndef SVC_XAPI_H
#define SVC_XAPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "recsys.h"
#include "svc_keys.h"
#include "svc_stats.h"

struct svc_catalog;

#define SVC_XAPI_UUID_LEN 36

/* One statement, read and mapped. */
struct svc_xapi_stmt {
    char id[SVC_XAPI_UUID_LEN + 1];     /* its id, lowercase; derived (v5) when it had none */
    bool derived;                       /* the id was derived from the content */
    char digest[41];                    /* SHA-1 of its canonical content, hex: what a
                                         * statement sent again under its id must match */
    enum svc_xapi_outcome outcome;      /* applied (if the learner exists), or why ignored */
    char learner[SVC_MAX_ID + 1];       /* actor.account.name; "" until looked up ... */
    char mailbox[41];                   /* ... for an actor named by mbox or mbox_sha1sum:
                                         * its mbox_sha1sum, lowercase hex */
    struct rs_event event;              /* what it teaches (outcome applied) */
    char voids[SVC_XAPI_UUID_LEN + 1];  /* a voiding statement: the statement it voids */
    uint32_t duration_s;                /* result.duration */
};

struct svc_xapi_batch {
    struct svc_xapi_stmt *stmts;
    size_t n;
};

struct svc_xapi_conf {
    size_t max_statements;              /* per batch: more is refused */
    float fail_score;                   /* a failed/ without a score is assessed at this */
    const char *home_pages;             /* NULL or "": any account homePage; else the
                                         * comma-separated ones whose names are learners */
};

/* What the daemon does with statements beyond reading them (options
 * xapi-*). */
struct svc_xapi_ingest {
    const char *home_pages;             /* as svc_xapi_conf's */
    float fail_score;                   /* as svc_xapi_conf's */
    bool create_learners;               /* an unknown account becomes a learner ... */
    enum rs_tier new_tier;              /* ... of this tier ... */
    const char *new_target;             /* ... and target ("" or NULL: none) */
};

/* Read `json` (one statement or an array of them) against catalog `cat`:
 * 0 with every statement in *out (free with svc_xapi_batch_free), or -1 with
 * the reason in err ("statements[2].result.score.scaled: ..."). `now` is the
 * time of a statement with neither timestamp nor stored. `single` (PUT)
 * refuses an array. */
int svc_xapi_parse(const struct svc_catalog *cat, const struct svc_xapi_conf *conf,
                   const char *json, size_t len, bool single, int64_t now,
                   struct svc_xapi_batch *out, char *err, size_t errlen);
void svc_xapi_batch_free(struct svc_xapi_batch *b);

/* A statement's index entry (P xs:ID): what a statement id was used for.
 * Written "A<digest> <learner>" when applied, "V<digest> <learner>" once
 * voided (40 '-' for a digest never seen: voided before it came); a bare
 * 40-digit digest (the first form) reads as applied, learner unknown. */
struct svc_xapi_index {
    char state;                         /* 'A' applied, 'V' voided */
    char digest[41];                    /* "" unknown */
    char learner[SVC_MAX_ID + 1];       /* "" unknown */
};
#define SVC_XAPI_INDEX_MAX (1 + 40 + 1 + SVC_MAX_ID + 1)
/* 0, or -1 when `v` is no index entry. */
int svc_xapi_index_parse(const char *v, size_t len, struct svc_xapi_index *out);
/* Writes at most SVC_XAPI_INDEX_MAX bytes. */
void svc_xapi_index_format(const struct svc_xapi_index *ix, char *out);

/* An xAPI mailbox as the lookup names it: a "mailto:" IRI becomes the
 * SHA-1 hex of the whole IRI (what mbox_sha1sum is), an mbox_sha1sum (40 hex
 * digits) its lowercase; written to out (41 bytes). false when `s` is
 * neither. */
bool svc_xapi_mailbox(const char *s, char *out);

/* Is `s` a UUID (8-4-4-4-12 hex digits)? Writes it lowercase to out (37
 * bytes) when it is. */
bool svc_xapi_uuid(const char *s, char *out);

/* An ISO 8601 / RFC 3339 time ("2026-12-02T10:00:00Z", "+08:00", a
 * fraction, or no offset: UTC) as unix seconds; -1 if it is not one. */
int64_t svc_xapi_time(const char *s);

/* An ISO 8601 duration ("PT14M30S", "P4W", "PT0H0M4.5S") in whole seconds
 * (years 365 days, months 30); -1 if it is not one. */
int64_t svc_xapi_duration(const char *s);

#endif
