/* SPDX-License-Identifier: MIT
 * bench_reply: what one recommend request costs skillpathd's own code, stage
 * by stage, without the network: the parts `make bench` cannot separate.
 * On the demo catalog, over 1,000 learners in the stored form `skillpath-bench
 * seed` writes (10 attempts each), each stage calls the function the daemon
 * calls for it (no copy of its steps): the codec, the stored-form decoder and
 * the recommend pipeline's stages (svc_recommend.c), in the daemon's order:
 *   request   decode the JSON request body (svc_codec_decode)
 *   learner   decode the stored learner, compact form (svc_stored_decode)
 *   path      resolve the query and build a 10-item path (svc_recommend_path)
 *   to_pb     the path as a RecommendResponse message (svc_model_path_to_pb,
 *             the rest of svc_recommend_run)
 *   json      encode it as JSON (the default reply)
 *   protobuf  encode it as protobuf (the baseline: the cheapest encoding)
 * Prints ns per request of each stage (best of 5 samples), the JSON/protobuf
 * ratio, and the bytes of each encoding.
 *   bench_reply [--catalog deploy/demo/catalog.json] [--only STAGE]
 * --only times one stage (and runs the ones it reads from once): for a
 * profiler. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_clock.h"
#include "bench_seed.h"
#include "proto/skillpath.pb-c.h"
#include "recsys.h"
#include "svc_catalog.h"
#include "svc_codec.h"
#include "svc_json.h"
#include "svc_model.h"
#include "svc_stored.h"
#include "svc_recommend.h"

#define LEARNERS 1000
#define SAMPLES 5

struct ctx {
    const struct rs_catalog *cat;
    struct rs_model model;
    struct rs_path_ws *ws;
    char *stored[LEARNERS];
    size_t stored_len[LEARNERS];
    char ids[LEARNERS][16];
    char body[LEARNERS][64];
    struct rs_learner learner[LEARNERS];
    struct rs_path path[LEARNERS];
    Skillpath__V1__RecommendResponse *resp[LEARNERS];
    size_t bytes;
    int64_t now;
};

enum stage { S_REQUEST, S_LEARNER, S_PATH, S_TO_PB, S_JSON, S_PROTOBUF, S_COUNT };
static const char *const stage_names[S_COUNT] = { "request", "learner", "path", "to_pb", "json",
                                                  "protobuf" };

/* One stage over every learner; returns -1 on any failure. */
static int run_stage(struct ctx *c, enum stage s)
{
    char err[256];
    c->bytes = 0;
    for (size_t i = 0; i < LEARNERS; i++) {
        switch (s) {
        case S_REQUEST: {
            ProtobufCMessage *m = svc_codec_decode(SVC_ENC_JSON, &skillpath__v1__recommend_request__descriptor,
                                                   c->body[i], strlen(c->body[i]), err, sizeof err);
            if (m == NULL)
                return -1;
            protobuf_c_message_free_unpacked(m, NULL);
            break;
        }
        case S_LEARNER:
            rs_learner_deinit(&c->learner[i]);
            if (svc_stored_decode(c->cat, c->stored[i], c->stored_len[i], &c->learner[i]) != 0)
                return -1;
            break;
        case S_PATH: {
            Skillpath__V1__RecommendRequest req;
            skillpath__v1__recommend_request__init(&req);
            req.max_items = 10;
            rs_path_deinit(&c->path[i]);
            struct svc_recommend_ctx x = { .cat = c->cat, .model = &c->model, .ws = c->ws,
                                           .now = c->now };
            if (svc_recommend_path(&x, &req, &c->learner[i], &c->path[i], err, sizeof err) !=
                SVC_RECOMMEND_OK)
                return -1;
            break;
        }
        case S_TO_PB:
            svc_model_path_free(c->resp[i]);
            c->resp[i] = svc_model_path_to_pb(c->cat, &c->path[i], c->ids[i]);
            if (c->resp[i] == NULL)
                return -1;
            break;
        case S_JSON:
        case S_PROTOBUF: {
            size_t len = 0;
            void *out = svc_codec_encode(s == S_JSON ? SVC_ENC_JSON : SVC_ENC_PROTOBUF,
                                         &c->resp[i]->base, &len);
            if (out == NULL)
                return -1;
            c->bytes += len;
            free(out);
            break;
        }
        default:
            return -1;
        }
    }
    return 0;
}

/* Best ns per request of stage s over SAMPLES runs of enough rounds. */
static double time_stage(struct ctx *c, enum stage s)
{
    if (run_stage(c, s) != 0)                       /* warm, and fill what later stages read */
        return -1;
    double best = 0;
    for (int k = 0; k < SAMPLES; k++) {
        int rounds = 0;
        double t0 = bench_now_s(), t;
        do {
            if (run_stage(c, s) != 0)
                return -1;
            rounds++;
        } while ((t = bench_now_s() - t0) < 0.1);
        double ns = t * 1e9 / ((double)rounds * LEARNERS);
        if (k == 0 || ns < best)
            best = ns;
    }
    return best;
}

int main(int argc, char **argv)
{
    const char *catalog = "deploy/demo/catalog.json";
    int only = -1;
    for (int i = 1; i < argc; i += 2) {
        if (i + 1 < argc && strcmp(argv[i], "--catalog") == 0) {
            catalog = argv[i + 1];
            continue;
        }
        for (int s = 0; s < S_COUNT && i + 1 < argc && strcmp(argv[i], "--only") == 0; s++)
            if (strcmp(argv[i + 1], stage_names[s]) == 0)
                only = s;
        if (only < 0) {
            fprintf(stderr, "usage: bench_reply [--catalog FILE] [--only request|learner|path|to_pb|json|protobuf]\n");
            return 2;
        }
    }
    rs_blas_setup();                                /* as the daemon: BLAS on the calling thread */
    static char err[65536];
    struct svc_catalog *snap = svc_catalog_load(catalog, err, sizeof err);
    if (snap == NULL) {
        fprintf(stderr, "bench_reply: %s\n", err);
        return 1;
    }
    struct ctx *c = calloc(1, sizeof *c);
    if (c == NULL)
        return 1;
    c->cat = snap->cat;
    rs_model_default(&c->model);
    c->ws = rs_path_ws_create(c->cat);
    c->now = (int64_t)time(NULL);
    int rc = c->ws ? 0 : 1;
    for (size_t i = 0; i < LEARNERS && rc == 0; i++) {
        struct rs_learner l;
        snprintf(c->ids[i], sizeof c->ids[i], "b%07zu", i);
        snprintf(c->body[i], sizeof c->body[i], "{\"learnerId\":\"%s\",\"maxItems\":10}", c->ids[i]);
        if (bench_seed_learner(c->cat, 1, i, 10, c->now, &l) != 0) {
            rc = 1;
            break;
        }
        c->stored[i] = svc_stored_encode(c->cat, &l, &c->stored_len[i]);
        rs_learner_deinit(&l);
        rc = c->stored[i] ? 0 : 1;
    }
    double ns[S_COUNT], total = 0;
    size_t bytes[S_COUNT] = {0};
    for (int s = 0; s < S_COUNT && rc == 0; s++) {
        if (only >= 0 && s != only) {               /* fill what later stages read */
            ns[s] = 0;
            rc = s < only ? run_stage(c, (enum stage)s) : 0;
            continue;
        }
        ns[s] = time_stage(c, (enum stage)s);
        bytes[s] = c->bytes / LEARNERS;
        rc = ns[s] < 0;
    }
    if (rc == 0) {
        printf("# one recommend request on %s (%zu courses), %d learners, best of %d\n", catalog,
               rs_catalog_n_courses(c->cat), LEARNERS, SAMPLES);
        for (int s = 0; s < S_COUNT; s++) {
            printf("stage_%-9s %9.0f ns/request", stage_names[s], ns[s]);
            if (bytes[s])
                printf("  %5zu B", bytes[s]);
            printf("\n");
            if (s != S_PROTOBUF)
                total += ns[s];
        }
        printf("total_json_reply  %9.0f ns/request\n", total);
        if (only < 0)
            printf("ratio_json_vs_protobuf_encode %.2f\n", ns[S_JSON] / ns[S_PROTOBUF]);
    } else {
        fprintf(stderr, "bench_reply: a stage failed\n");
    }
    for (size_t i = 0; i < LEARNERS; i++) {
        free(c->stored[i]);
        rs_learner_deinit(&c->learner[i]);
        rs_path_deinit(&c->path[i]);
        svc_model_path_free(c->resp[i]);
    }
    rs_path_ws_destroy(c->ws);
    free(c);
    svc_catalog_unref(snap);
    return rc;
}
