/* SPDX-License-Identifier: MIT
 * The recommend pipeline: learner -> query -> workspace -> path -> response.
 * One implementation, called by the daemon (recommend, next lessons, push),
 * the CLI and bench_reply. No I/O: it never answers anyone; it returns a
 * status and, for a refusal, a message naming the field. */
#ifndef SVC_RECOMMEND_H
#define SVC_RECOMMEND_H

#include <stddef.h>
#include <stdint.h>

#include "proto/skillpath.pb-c.h"
#include "recsys.h"

struct svc_catalog;

enum svc_recommend_status {
    SVC_RECOMMEND_OK = 0,
    SVC_RECOMMEND_INVALID = 1,  /* the request does not fit the catalog or learner: err says why */
    SVC_RECOMMEND_NOMEM = 2,
};

/* What every stage reads. Borrowed; `ws` is the caller thread's scratch for `cat`. */
struct svc_recommend_ctx {
    const struct rs_catalog *cat;
    const struct rs_model *model;
    struct rs_path_ws *ws;
    int64_t now;                /* unix seconds; a request's own `now` (non-zero) wins */
};

/* Stage 1-3: resolve the request against the catalog and learner `l`, and
 * build the path into `out` (zeroed; rs_path_deinit() it, also on failure). */
enum svc_recommend_status svc_recommend_path(const struct svc_recommend_ctx *x,
                                             const Skillpath__V1__RecommendRequest *req,
                                             const struct rs_learner *l, struct rs_path *out,
                                             char *err, size_t errlen);

/* The whole pipeline: the RecommendResponse for `l`, in *out (free it with
 * svc_model_path_free() before the catalog and `learner_id`, which it borrows). */
enum svc_recommend_status svc_recommend_run(const struct svc_recommend_ctx *x,
                                            const Skillpath__V1__RecommendRequest *req,
                                            const struct rs_learner *l, const char *learner_id,
                                            Skillpath__V1__RecommendResponse **out, char *err,
                                            size_t errlen);

/* A learner's next lessons: the first `n` items of the path to its own
 * target, as a NextLessons message. A learner without a target has none:
 * an empty message, not a failure. Strings are borrowed from the catalog
 * and `id`; release with svc_recommend_lessons_deinit(). */
struct svc_lessons {
    Skillpath__V1__NextLessons msg;
    Skillpath__V1__Lesson *items;       /* msg.lessons points into these */
    Skillpath__V1__Lesson **ptrs;
};
enum svc_recommend_status svc_recommend_next(const struct svc_recommend_ctx *x,
                                             const struct rs_learner *l, const char *id,
                                             uint32_t n, struct svc_lessons *out, char *err,
                                             size_t errlen);
void svc_recommend_lessons_deinit(struct svc_lessons *ls);

/* A loop's path scratch, sized for the catalog it holds a reference to and
 * remade when asked for another one, so a catalog at a reused address is
 * never mistaken for the one the scratch was sized for. Caller's storage,
 * zero-initialised; one thread. */
struct svc_recommend_scratch {
    struct rs_path_ws *ws;
    struct svc_catalog *cat;    /* a reference */
};
/* The scratch for `c`, or NULL when out of memory. */
struct rs_path_ws *svc_recommend_scratch_for(struct svc_recommend_scratch *s, struct svc_catalog *c);
void svc_recommend_scratch_deinit(struct svc_recommend_scratch *s);

#endif
