/* SPDX-License-Identifier: MIT
 * The team snapshot and the cockpit's statistics over it: pure functions,
 * no I/O (the builder that reads Redis is svc_team_builder.c).
 *
 * A snapshot is every learner's effective capability at its build time in
 * one L x D matrix, with tier, target, what decay took, which tags fell
 * below the target since they were practised, and the courses passed
 * (the TeamSnapshot message, also its stored form). Team demand is built
 * apart, after the snapshot (a learner's next lessons cost a path each,
 * far more than its row of the matrix, and the snapshot should not wait
 * for them): the same message holding ids, tiers, targets and each
 * learner's next SVC_TEAM_LESSONS lessons only. A struct svc_team wraps
 * either for serving: immutable, reference-counted atomically, shared by
 * every worker; each request computes its statistics from it with its
 * filters. */
#ifndef SVC_TEAM_H
#define SVC_TEAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/skillpath.pb-c.h"
#include "recsys.h"

struct svc_catalog;
struct svc_team;

/* ---------------------------------------------------------------- building */

#define SVC_TEAM_LESSONS 10             /* next lessons kept per learner: demand's k at most */
#define SVC_TEAM_NO_LESSON 0xFFFFFFFFu  /* past the end of a learner's lessons */
/* Demand computes every learner's lessons at least this often; between,
 * a learner whose stored value is unchanged keeps its lessons (as of their
 * computation: decay moves on, slowly — a 247-day half-life). */
#define SVC_TEAM_DEMAND_FULL_S 3600

enum svc_team_kind {
    SVC_TEAM_SNAPSHOT,                  /* the matrix and the rest: summary, at-risk */
    SVC_TEAM_DEMAND,                    /* the next lessons: demand */
};

/* Learners go in one by one; finish makes the message. */
struct svc_team_acc;
/* For catalog `c` (borrowed until finish) at unix time `now`. NULL on ENOMEM. */
struct svc_team_acc *svc_team_acc_create(const struct svc_catalog *c, enum svc_team_kind kind,
                                         int64_t now);
/* Add learner `id` (copied). For demand, its next SVC_TEAM_LESSONS lessons
 * are what GET /v1/learners/{id}/next?n=10 gives at `now`: learners are
 * scored in chunks (one sgemm each), then each path built from its own
 * scores — unless the previous demand (svc_team_acc_reuse) holds the
 * learner with the same fingerprint `fp` (of its stored value; 0: none):
 * then its lessons are kept from there, as of that demand's computation.
 * 0, or -1 on ENOMEM. */
int svc_team_acc_add(struct svc_team_acc *a, const char *id, const struct rs_learner *l, uint64_t fp);
/* Demand: keep the lessons of learners unchanged since `prev` (a demand of
 * the same catalog, borrowed until finish; its full_at carries over: the
 * caller decides when a full computation is due instead). 0, or -1 on
 * ENOMEM; a `prev` that cannot serve (no fingerprints, another catalog) is
 * ignored. */
int svc_team_acc_reuse(struct svc_team_acc *a, const struct svc_team *prev);
/* Demand: learners whose lessons were kept, and computed, so far. */
void svc_team_acc_counts(const struct svc_team_acc *a, size_t *reused, size_t *computed);
/* Learners added so far. */
size_t svc_team_acc_count(const struct svc_team_acc *a);
/* The snapshot (free with svc_team_snapshot_free); the accumulator is
 * freed either way. NULL on ENOMEM. */
Skillpath__V1__TeamSnapshot *svc_team_acc_finish(struct svc_team_acc *a, const char *builder,
                                                 uint32_t build_ms);
void svc_team_acc_free(struct svc_team_acc *a);     /* NULL is a no-op */
/* Free a snapshot made by svc_team_acc_finish. */
void svc_team_snapshot_free(Skillpath__V1__TeamSnapshot *s);

/* ---------------------------------------------------------------- serving */

struct svc_team {
    _Atomic int refs;
    enum svc_team_kind kind;
    Skillpath__V1__TeamSnapshot *pb;    /* owned: unpacked from Redis */
    size_t L, D, review_bytes;
    float *gap;                         /* L: weighted gap to the learner's own target (snapshot) */
};

/* Wrap a snapshot or demand unpacked with skillpath__v1__team_snapshot__unpack
 * (owned from here, freed on failure), checked against catalog `c` as that
 * kind: its dimension, column lengths, target and course indices. NULL
 * with the reason in err. */
struct svc_team *svc_team_create(Skillpath__V1__TeamSnapshot *pb, const struct svc_catalog *c,
                                 enum svc_team_kind kind, char *err, size_t errlen);
struct svc_team *svc_team_ref(struct svc_team *t);
void svc_team_unref(struct svc_team *t);           /* NULL is a no-op */

/* Which learners, which tags. */
struct svc_team_filter {
    int tier;                           /* an rs_tier, 0 any */
    long target;                        /* a target index, -1 any */
    long module;                        /* a module index, -1 any: narrows tags, not learners */
};

/* The summary and the at-risk list take a snapshot; demand takes demand. */

/* The summary (free with svc_team_summary_free). NULL on ENOMEM. */
Skillpath__V1__TeamSummary *svc_team_summary(const struct svc_team *t, const struct svc_catalog *c,
                                             const struct svc_team_filter *f);
void svc_team_summary_free(Skillpath__V1__TeamSummary *s);

/* Course demand: for each course, the learners (after the filters) who
 * would take it within their next k lessons (k at most the snapshot's),
 * and for whom it is the very next; most wanted first, only courses
 * someone wants; a module filter narrows the courses (free with
 * svc_team_demand_free). NULL on ENOMEM. */
Skillpath__V1__TeamDemand *svc_team_demand(const struct svc_team *t, const struct svc_catalog *c,
                                           const struct svc_team_filter *f, size_t k);
void svc_team_demand_free(Skillpath__V1__TeamDemand *s);

enum svc_team_sort { SVC_TEAM_BY_GAP, SVC_TEAM_BY_DECAY };
/* The `limit` learners furthest from their target (or losing most to
 * decay), ties by id (free with svc_team_at_risk_free). NULL on ENOMEM. */
Skillpath__V1__AtRiskList *svc_team_at_risk(const struct svc_team *t, const struct svc_catalog *c,
                                            const struct svc_team_filter *f, enum svc_team_sort by,
                                            size_t limit);
void svc_team_at_risk_free(Skillpath__V1__AtRiskList *s);

/* CSV for spreadsheets: UTF-8 with a byte-order mark (Excel then shows the
 * Chinese names), a header line, fields quoted when they need it. The
 * summary's table is its tags. malloc'ed, length in *len; NULL on ENOMEM. */
char *svc_team_summary_csv(const Skillpath__V1__TeamSummary *s, size_t *len);
char *svc_team_at_risk_csv(const Skillpath__V1__AtRiskList *s, size_t *len);
char *svc_team_demand_csv(const Skillpath__V1__TeamDemand *s, size_t *len);

/* The p-quantile (0..1) of v[0..n) by linear interpolation between order
 * statistics; reorders v. 0 for n = 0. */
float svc_team_quantile(float *v, size_t n, double p);

#endif
