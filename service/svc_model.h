/* SPDX-License-Identifier: MIT
 * Conversions between the wire messages (protobuf-c) and the core's types:
 * the only place that knows both. Every error names the field it is about. */
#ifndef SVC_MODEL_H
#define SVC_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/skillpath.pb-c.h"
#include "recsys.h"

/* Validate and build a catalog; as rs_catalog_create(). */
struct rs_catalog *svc_model_catalog(const Skillpath__V1__Catalog *pb, char *err, size_t errlen,
                                     size_t *n_errors);

/* Convert a Learner (initialises `out`; deinit it on success). Capability and
 * practiced_at must have one value per tag, or none (all zero). When
 * `strict`, attempts must name catalog courses and target_id, when given, a
 * catalog target; otherwise (stored learners, after a catalog change) those
 * are dropped. 0, or -1 with err naming the field. */
int svc_model_learner_from_pb(const struct rs_catalog *cat, const Skillpath__V1__Learner *pb,
                              bool strict, struct rs_learner *out, char *err, size_t errlen);

/* A new Learner message for `l` (free with protobuf_c_message_free_unpacked),
 * or NULL when out of memory. */
Skillpath__V1__Learner *svc_model_learner_to_pb(const struct rs_catalog *cat,
                                                const struct rs_learner *l, const char *id);

/* Convert an Event. 0, or -1 with err naming the field. */
int svc_model_event_from_pb(const struct rs_catalog *cat, const Skillpath__V1__Event *pb,
                            struct rs_event *out, char *err, size_t errlen);

/* The query part of a RecommendRequest, resolved against the catalog. The
 * arrays are malloc'ed: release with svc_model_query_deinit(). The target is
 * the request's, else the learner's. 0, or -1 with err naming the field. */
int svc_model_query_from_pb(const struct rs_catalog *cat, const Skillpath__V1__RecommendRequest *req,
                            const struct rs_learner *l, struct rs_path_query *q, char *err,
                            size_t errlen);
void svc_model_query_deinit(struct rs_path_query *q);

/* A RecommendResponse for a built path, or NULL when out of memory. Its
 * strings are borrowed from `cat` and `learner_id`: free it with
 * svc_model_path_free() (not protobuf_c_message_free_unpacked) before them. */
Skillpath__V1__RecommendResponse *svc_model_path_to_pb(const struct rs_catalog *cat,
                                                       const struct rs_path *p,
                                                       const char *learner_id);
void svc_model_path_free(Skillpath__V1__RecommendResponse *r);

/* Wire enum names of the core's values, for readable output. */
/* The model's settings from a catalog's Model (NULL: none): each field left
 * out or 0 keeps the default in *out (rs_model_default first), the result
 * checked. 0, or -1 with "model.FIELD: ..." in err. */
int svc_model_settings_from_pb(const Skillpath__V1__Model *pb, struct rs_model *out, char *err,
                               size_t errlen);

/* Apply "name=value[,name=value...]" (the Model's field names, snake_case;
 * sequencer=rules|legacy) to *m, for experiments (the CLI's --model), the
 * result checked. 0, or -1 with the reason in err. */
int svc_model_settings_parse(const char *assignments, struct rs_model *m, char *err, size_t errlen);

/* One line on why a path ends where it does, for people (the CLI). */
const char *svc_model_status_text(enum rs_path_status st);
const char *svc_model_reason_name(enum rs_reason r);
const char *svc_model_tier_name(enum rs_tier t);
/* A Tier's enum name ("CORE_STAFF") as an rs_tier, or -1. */
int svc_model_tier_value(const char *name);

#endif
