/* SPDX-License-Identifier: MIT
 * The resources: one file each — learners (svc_res_learners.c: read, write,
 * delete, recommend, next lessons, stream), events (svc_res_events.c),
 * xAPI statements (svc_res_xapi.c),
 * catalog (svc_res_catalog.c: catalog and courses), ops (svc_res_ops.c:
 * health, readiness, metrics). A handler parses what the transport has not
 * (query parameters, cross-field rules), calls one operation, and renders
 * its completion; the transport's route table (svc_http.c) names them. */
#ifndef SVC_RES_H
#define SVC_RES_H

struct svc_req;

void svc_res_learner_get(struct svc_req *r);
void svc_res_learner_put(struct svc_req *r);
void svc_res_learner_delete(struct svc_req *r);
void svc_res_recommend(struct svc_req *r);
void svc_res_next(struct svc_req *r);
void svc_res_stream(struct svc_req *r);

void svc_res_events(struct svc_req *r);

void svc_res_xapi_about(struct svc_req *r);
void svc_res_xapi_statements(struct svc_req *r);

void svc_res_catalog_get(struct svc_req *r);
void svc_res_catalog_put(struct svc_req *r);
void svc_res_course_get(struct svc_req *r);
void svc_res_courses_search(struct svc_req *r);
void svc_res_team_summary(struct svc_req *r);
void svc_res_team_learners(struct svc_req *r);
void svc_res_team_demand(struct svc_req *r);
void svc_res_ui_redirect(struct svc_req *r);
void svc_res_ui_index(struct svc_req *r);
void svc_res_ui_file(struct svc_req *r);
void svc_res_ui_vendor(struct svc_req *r);

void svc_res_healthz(struct svc_req *r);
void svc_res_readyz(struct svc_req *r);
void svc_res_metrics(struct svc_req *r);

#endif
