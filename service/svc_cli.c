/* SPDX-License-Identifier: MIT
 * build/skillpath: the core from the command line, no daemon. Ten
 * commands — validate, recommend, apply, synth, team, encode, decode,
 * keyslot (no Redis), migrate-keys and cluster-map (Redis: svc_migrate.h,
 * svc_cluster.h) — whose synopsis is
 * `usage` below (printed by every usage error); recommend runs the daemon's
 * own pipeline (svc_recommend.c).
 * Exit status: 0 ok; 1 the catalog is invalid (validate) or Redis failed
 * (migrate-keys); 2 bad input or usage. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "svc_codec.h"
#include "svc_json.h"
#include "svc_model.h"
#include "svc_cluster.h"
#include "svc_migrate.h"
#include "svc_recommend.h"

#define EXIT_INVALID 1
#define EXIT_BAD_INPUT 2
#define MAX_FILE (64u << 20)
#define ERRLEN 65536

static const char usage[] =
    "usage:\n"
    "  skillpath validate CATALOG\n"
    "  skillpath recommend --catalog F --learner F [--learner-id ID] [--target ID] [--n 10]\n"
    "                      [--budget-min M] [--now UNIX] [--exclude ID,..] [--modules M,..] [--json]\n"
    "                      [--model NAME=VALUE,..]\n"
    "  skillpath apply --catalog F --learner F [--learner-id ID] --event F [--model NAME=VALUE,..]\n"
    "  skillpath synth --courses N --tags D [--targets T] [--seed S]\n"
    "  skillpath team --catalog F [--learners 1200] [--seed S] [--now UNIX]\n"
    "  skillpath encode TYPE < JSON > PROTOBUF      (TYPE: Learner, Event, EventBatch, ...)\n"
    "  skillpath decode TYPE < PROTOBUF > JSON\n"
    "  skillpath migrate-keys --redis HOST:PORT [--prefix skillpath:] [--dry-run]\n"
    "                      (keys to the hash-tagged schema; daemons stopped)\n"
    "  skillpath keyslot KEY...                   (each key's Redis Cluster hash slot)\n"
    "  skillpath cluster-map --redis HOST:PORT    (which primary serves which slots)\n"
    "Files are JSON (the proto3 mapping of skillpath.v1 Catalog, Learner or LearnerList, Event).\n"
    "--model overrides the catalog's model settings for an experiment (names as in the\n"
    "Model message: continuity=0.5,session_gain=0.4,sequencer=legacy, ...).\n"
    "Exit status: 0 ok, 1 invalid catalog (validate) or Redis failed (migrate-keys),\n"
    "2 bad input or usage.\n";

static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad(const char *fmt, ...)
{
    va_list ap;
    fputs("skillpath: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return EXIT_BAD_INPUT;
}

static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    return svc_codec_read_file(path, MAX_FILE, len, err, errlen);
}

/* Read and decode a JSON file as `desc`; NULL after printing "FILE: problem". */
static ProtobufCMessage *load(const char *path, const ProtobufCMessageDescriptor *desc)
{
    char err[512];
    size_t len;
    char *buf = read_file(path, &len, err, sizeof err);
    if (buf == NULL) {
        bad("%s: %s", path, err);
        return NULL;
    }
    ProtobufCMessage *m = svc_json_decode(desc, buf, len, err, sizeof err);
    free(buf);
    if (m == NULL)
        bad("%s: %s", path, err);
    return m;
}

static void print_json(const ProtobufCMessage *m)
{
    char *s = svc_json_encode(m, SVC_JSON_PRETTY, NULL);
    if (s == NULL) {
        bad("out of memory");
        exit(EXIT_BAD_INPUT);
    }
    puts(s);
    free(s);
}

/* Decode and validate a catalog file; every problem on stderr. With pb_out,
 * the decoded message is handed over too (the caller frees it). */
/* Load and validate a catalog file, its model settings too (into *model,
 * defaults filled in; `overrides`, the --model flag, applied on top). */
static struct rs_catalog *load_catalog(const char *path, int *status,
                                       Skillpath__V1__Catalog **pb_out, struct rs_model *model,
                                       const char *overrides)
{
    *status = EXIT_BAD_INPUT;
    Skillpath__V1__Catalog *pb =
        (Skillpath__V1__Catalog *)load(path, &skillpath__v1__catalog__descriptor);
    if (pb == NULL)
        return NULL;
    char *err = malloc(ERRLEN);
    size_t nerr = 0;
    struct rs_catalog *cat = err ? svc_model_catalog(pb, err, ERRLEN, &nerr) : NULL;
    if (cat && svc_model_settings_from_pb(pb->model, model, err, ERRLEN) != 0) {
        rs_catalog_destroy(cat);
        cat = NULL;
        nerr = 1;
    }
    if (cat && overrides && svc_model_settings_parse(overrides, model, err, ERRLEN) != 0) {
        rs_catalog_destroy(cat);
        protobuf_c_message_free_unpacked(&pb->base, NULL);
        fprintf(stderr, "skillpath: %s\n", err);
        free(err);
        return NULL;
    }
    if (cat == NULL) {
        *status = nerr ? EXIT_INVALID : EXIT_BAD_INPUT;
        char *line = err, *save = NULL;
        for (line = strtok_r(err, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
            fprintf(stderr, "%s: %s\n", path, line);
        if (nerr)
            fprintf(stderr, "%s: %zu error%s\n", path, nerr, nerr == 1 ? "" : "s");
    }
    free(err);
    if (cat && pb_out)
        *pb_out = pb;
    else
        protobuf_c_message_free_unpacked(&pb->base, NULL);
    return cat;
}

/* A learner file holds a Learner or a LearnerList ({"learners": [...]}): pick
 * `id` from a list, or its first learner. */
static Skillpath__V1__Learner *load_learner(const char *path, const char *id,
                                            ProtobufCMessage **owner)
{
    char err[512];
    size_t len;
    char *buf = read_file(path, &len, err, sizeof err);
    if (buf == NULL) {
        bad("%s: %s", path, err);
        return NULL;
    }
    const char *p = buf;
    while (p < buf + len && strchr(" \t\r\n{", *p))
        p++;
    bool list = strncmp(p, "\"learners\"", 10) == 0;
    ProtobufCMessage *m = svc_json_decode(list ? &skillpath__v1__learner_list__descriptor
                                               : &skillpath__v1__learner__descriptor,
                                          buf, len, err, sizeof err);
    free(buf);
    if (m == NULL) {
        bad("%s: %s", path, err);
        return NULL;
    }
    *owner = m;
    if (!list) {
        if (id && strcmp(id, ((Skillpath__V1__Learner *)m)->id) != 0) {
            bad("%s: holds learner '%s', not '%s'", path, ((Skillpath__V1__Learner *)m)->id, id);
            goto fail;
        }
        return (Skillpath__V1__Learner *)m;
    }
    Skillpath__V1__LearnerList *ll = (Skillpath__V1__LearnerList *)m;
    for (size_t i = 0; i < ll->n_learners; i++)
        if (id == NULL || strcmp(ll->learners[i]->id, id) == 0)
            return ll->learners[i];
    bad("%s: %s", path, id ? "no learner with that id" : "learners: empty list");
fail:
    protobuf_c_message_free_unpacked(m, NULL);
    *owner = NULL;
    return NULL;
}

/* ---------------------------------------------------------------- commands */

static int cmd_validate(int argc, char **argv)
{
    if (argc != 2) {
        fputs(usage, stderr);
        return EXIT_BAD_INPUT;
    }
    int status;
    struct rs_model model;
    struct rs_catalog *cat = load_catalog(argv[1], &status, NULL, &model, NULL);
    if (cat == NULL)
        return status;
    printf("%s: valid: version %s, %zu tags, %zu courses, %zu targets, %zu modules\n", argv[1],
           rs_catalog_version(cat), rs_catalog_n_tags(cat), rs_catalog_n_courses(cat),
           rs_catalog_n_targets(cat), rs_catalog_n_modules(cat));
    rs_catalog_destroy(cat);
    return 0;
}

struct opts {
    const char *catalog, *learner, *learner_id, *target, *event;
    const char *exclude, *modules, *model;
    unsigned long n, budget;
    int64_t now;
    bool json;
};

static int parse_ulong(const char *name, const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (s[0] == '\0' || s[0] == '-' || *end != '\0' || errno || v > max)
        return bad("--%s: '%s' is not a whole number in [0, %lu]", name, s, max);
    *out = v;
    return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
    static const struct option longs[] = {
        {"catalog", required_argument, 0, 'c'}, {"learner", required_argument, 0, 'l'},
        {"learner-id", required_argument, 0, 'i'}, {"target", required_argument, 0, 't'},
        {"event", required_argument, 0, 'e'}, {"n", required_argument, 0, 'n'},
        {"budget-min", required_argument, 0, 'b'}, {"now", required_argument, 0, 'w'},
        {"exclude", required_argument, 0, 'x'}, {"modules", required_argument, 0, 'm'},
        {"json", no_argument, 0, 'j'}, {"model", required_argument, 0, 'M'}, {0, 0, 0, 0},
    };
    unsigned long v;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
        switch (c) {
        case 'c': o->catalog = optarg; break;
        case 'l': o->learner = optarg; break;
        case 'i': o->learner_id = optarg; break;
        case 't': o->target = optarg; break;
        case 'e': o->event = optarg; break;
        case 'x': o->exclude = optarg; break;
        case 'm': o->modules = optarg; break;
        case 'M': o->model = optarg; break;
        case 'j': o->json = true; break;
        case 'n':
            if (parse_ulong("n", optarg, RS_PATH_MAX_ITEMS, &o->n))
                return -1;
            break;
        case 'b':
            if (parse_ulong("budget-min", optarg, 100000, &o->budget))
                return -1;
            break;
        case 'w':
            if (parse_ulong("now", optarg, (unsigned long)INT64_MAX, &v))
                return -1;
            o->now = (int64_t)v;
            break;
        default:
            bad("%s: unknown option or missing value\n%s", argv[optind - 1], usage);
            return -1;
        }
    }
    if (optind != argc) {
        bad("unexpected argument '%s'\n%s", argv[optind], usage);
        return -1;
    }
    if (o->catalog == NULL || o->learner == NULL) {
        bad("--catalog and --learner are required\n%s", usage);
        return -1;
    }
    return 0;
}

/* Split "a,b,c" into a malloc'ed array of pointers into a copy of s. */
static char **split(const char *s, size_t *n, char **copy)
{
    *n = 0;
    *copy = NULL;
    if (s == NULL)
        return NULL;
    *copy = strdup(s);
    char **v = calloc(strlen(s) / 2 + 2, sizeof *v);
    if (!*copy || !v) {
        free(*copy);
        free(v);
        *copy = NULL;
        return NULL;
    }
    char *save = NULL;
    for (char *t = strtok_r(*copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
        v[(*n)++] = t;
    return v;
}

static void print_table(const struct rs_catalog *cat, const struct rs_learner *l,
                        const char *learner_id, size_t target, const struct rs_path *p)
{
    printf("learner %s (%s) -> target %s %s\n", learner_id, svc_model_tier_name(l->tier),
           rs_catalog_target_id(cat, target), rs_catalog_target_name(cat, target));
    printf("weighted gap %.3f -> %.3f expected after %zu lesson%s, %u min\n\n",
           (double)p->gap_before, (double)p->gap_after, p->n_items, p->n_items == 1 ? "" : "s",
           p->total_min);
    if (p->n_items == 0) {
        printf("nothing to recommend: %s\n", svc_model_status_text(p->status));
        return;
    }
    printf(" #  %-10s %4s  %-12s %6s  %s\n", "course", "min", "reason", "gain", "title");
    for (size_t i = 0; i < p->n_items; i++) {
        const struct rs_path_item *it = &p->items[i];
        printf("%2zu  %-10s %4u  %-12s %6.3f  %s\n", i + 1, rs_catalog_course_id(cat, it->course),
               it->duration_min, svc_model_reason_name(it->reason), (double)it->gain,
               rs_catalog_course_title(cat, it->course));
        for (size_t c = 0; c < it->n_changes; c++) {
            const struct rs_tag_change *tc = &p->changes[it->first_change + c];
            printf("%s%s %.2f->%.2f", c ? ", " : "      closes: ", rs_catalog_tag_id(cat, tc->tag),
                   (double)tc->before, (double)tc->after);
        }
        if (it->n_changes)
            putchar('\n');
    }
    printf("\n%s\n", svc_model_status_text(p->status));
}

static int cmd_recommend(int argc, char **argv)
{
    struct opts o = { .now = 0 };
    if (parse_opts(argc, argv, &o))
        return EXIT_BAD_INPUT;
    if (o.event)
        return bad("recommend takes no --event");
    int status = EXIT_BAD_INPUT;
    ProtobufCMessage *owner = NULL;
    Skillpath__V1__RecommendRequest req;
    skillpath__v1__recommend_request__init(&req);
    char *ex_copy = NULL, *mod_copy = NULL;
    char err[512];
    struct rs_learner l = { .target = -1 };
    struct rs_path path = {0};
    struct rs_path_ws *ws = NULL;
    struct rs_model m;

    struct rs_catalog *cat = load_catalog(o.catalog, &status, NULL, &m, o.model);
    if (cat == NULL)
        return status == EXIT_INVALID ? EXIT_BAD_INPUT : status;
    Skillpath__V1__Learner *lpb = load_learner(o.learner, o.learner_id, &owner);
    if (lpb == NULL)
        goto out;
    if (svc_model_learner_from_pb(cat, lpb, true, &l, err, sizeof err)) {
        bad("%s: %s", o.learner, err);
        goto out;
    }
    req.target_id = (char *)(o.target ? o.target : "");
    req.max_items = (uint32_t)o.n;
    req.time_budget_min = (uint32_t)o.budget;
    req.now = o.now ? o.now : (int64_t)time(NULL);
    req.exclude = split(o.exclude, &req.n_exclude, &ex_copy);
    req.modules = split(o.modules, &req.n_modules, &mod_copy);
    ws = rs_path_ws_create(cat);
    if (ws == NULL) {
        bad("out of memory");
        goto out;
    }
    /* The daemon's pipeline (svc_recommend.c): the path, then its message. */
    struct svc_recommend_ctx x = { .cat = cat, .model = &m, .ws = ws, .now = req.now };
    enum svc_recommend_status st = svc_recommend_path(&x, &req, &l, &path, err, sizeof err);
    if (st == SVC_RECOMMEND_NOMEM) {
        bad("out of memory");
        goto out;
    }
    if (st != SVC_RECOMMEND_OK) {
        bad("%s", err);         /* it names the field: targetId, maxItems, exclude[i], ... */
        goto out;
    }
    if (o.json) {
        Skillpath__V1__RecommendResponse *r = svc_model_path_to_pb(cat, &path, lpb->id);
        if (r == NULL) {
            bad("out of memory");
            goto out;
        }
        print_json(&r->base);
        svc_model_path_free(r);
    } else {
        size_t target = 0;
        if (req.target_id[0])
            rs_catalog_find_target(cat, req.target_id, &target);
        else
            target = (size_t)l.target;
        print_table(cat, &l, lpb->id, target, &path);
    }
    status = 0;
out:
    rs_path_deinit(&path);
    rs_path_ws_destroy(ws);
    free(req.exclude);
    free(req.modules);
    free(ex_copy);
    free(mod_copy);
    rs_learner_deinit(&l);
    if (owner)
        protobuf_c_message_free_unpacked(owner, NULL);
    rs_catalog_destroy(cat);
    return status;
}

static int cmd_apply(int argc, char **argv)
{
    struct opts o = {0};
    if (parse_opts(argc, argv, &o))
        return EXIT_BAD_INPUT;
    if (o.event == NULL)
        return bad("apply needs --event\n%s", usage);
    int status = EXIT_BAD_INPUT;
    ProtobufCMessage *owner = NULL;
    Skillpath__V1__Event *ev = NULL;
    Skillpath__V1__Learner *out_pb = NULL;
    struct rs_learner l = { .target = -1 }, next = { .target = -1 };
    struct rs_event e;
    struct rs_model m;
    char err[512];

    struct rs_catalog *cat = load_catalog(o.catalog, &status, NULL, &m, o.model);
    if (cat == NULL)
        return status == EXIT_INVALID ? EXIT_BAD_INPUT : status;
    Skillpath__V1__Learner *lpb = load_learner(o.learner, o.learner_id, &owner);
    if (lpb == NULL)
        goto out;
    if (svc_model_learner_from_pb(cat, lpb, true, &l, err, sizeof err)) {
        bad("%s: %s", o.learner, err);
        goto out;
    }
    ev = (Skillpath__V1__Event *)load(o.event, &skillpath__v1__event__descriptor);
    if (ev == NULL)
        goto out;
    if (ev->learner_id[0] && strcmp(ev->learner_id, lpb->id) != 0) {
        bad("%s: learnerId: '%s' is not the learner '%s'", o.event, ev->learner_id, lpb->id);
        goto out;
    }
    if (svc_model_event_from_pb(cat, ev, &e, err, sizeof err)) {
        bad("%s: %s", o.event, err);
        goto out;
    }
    if (rs_learner_init(&next, l.dim) ||
        rs_learner_apply(cat, &m, &l, &e, &next, err, sizeof err)) {
        bad("%s: %s", o.event, err);
        goto out;
    }
    out_pb = svc_model_learner_to_pb(cat, &next, lpb->id);
    if (out_pb == NULL) {
        bad("out of memory");
        goto out;
    }
    print_json(&out_pb->base);
    status = 0;
out:
    if (out_pb)
        protobuf_c_message_free_unpacked(&out_pb->base, NULL);
    if (ev)
        protobuf_c_message_free_unpacked(&ev->base, NULL);
    rs_learner_deinit(&l);
    rs_learner_deinit(&next);
    if (owner)
        protobuf_c_message_free_unpacked(owner, NULL);
    rs_catalog_destroy(cat);
    return status;
}

/* A synthetic catalog as JSON, for load tests and experiments. */
static int cmd_synth(int argc, char **argv)
{
    unsigned long n = 0, d = 0, t = 3, seed = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        unsigned long *dst = strcmp(a, "--courses") == 0 ? &n : strcmp(a, "--tags") == 0 ? &d
                           : strcmp(a, "--targets") == 0 ? &t : strcmp(a, "--seed") == 0 ? &seed
                           : NULL;
        if (dst == NULL || i + 1 >= argc) {
            bad("synth: bad argument '%s'\n%s", a, usage);
            return EXIT_BAD_INPUT;
        }
        if (parse_ulong(a + 2, argv[++i], 10000000, dst))
            return EXIT_BAD_INPUT;
    }
    if (n == 0 || d == 0 || t == 0)
        return bad("synth: --courses, --tags and --targets must be positive\n%s", usage);
    struct rs_synth_params sp = { .n_courses = n, .n_tags = d, .n_targets = t, .seed = seed,
                                  .max_prereqs = 3, .max_cover = 4 };
    struct rs_synth *s = rs_synth_create(&sp);
    if (s == NULL)
        return bad("out of memory");
    const struct rs_catalog_def *def = rs_synth_def(s);
    /* Emit through the wire types so the output is exactly the mapping. */
    Skillpath__V1__Catalog c;
    skillpath__v1__catalog__init(&c);
    Skillpath__V1__Tag *tags = calloc(d, sizeof *tags), **tagp = calloc(d, sizeof *tagp);
    Skillpath__V1__Course *cs = calloc(n, sizeof *cs), **csp = calloc(n, sizeof *csp);
    Skillpath__V1__Target *ts = calloc(t, sizeof *ts), **tsp = calloc(t, sizeof *tsp);
    int status = EXIT_BAD_INPUT;
    if (!tags || !tagp || !cs || !csp || !ts || !tsp) {
        bad("out of memory");
        goto out;
    }
    c.version = (char *)def->version;
    for (size_t k = 0; k < d; k++) {
        skillpath__v1__tag__init(&tags[k]);
        tags[k].id = (char *)def->tags[k].id;
        tags[k].name = (char *)def->tags[k].name;
        tags[k].module = (char *)def->tags[k].module;
        tags[k].weight = def->tags[k].weight;
        tagp[k] = &tags[k];
    }
    for (size_t j = 0; j < n; j++) {
        const struct rs_course_def *cd = &def->courses[j];
        skillpath__v1__course__init(&cs[j]);
        cs[j].id = (char *)cd->id;
        cs[j].title = (char *)cd->title;
        cs[j].module = (char *)cd->module;
        cs[j].tier = (Skillpath__V1__Tier)cd->tier;
        cs[j].difficulty = cd->difficulty;
        cs[j].duration_min = cd->duration_min;
        cs[j].coverage = (float *)cd->coverage;
        cs[j].n_coverage = cd->n_coverage;
        cs[j].prerequisites = (char **)cd->prerequisites;
        cs[j].n_prerequisites = cd->n_prerequisites;
        csp[j] = &cs[j];
    }
    for (size_t i = 0; i < t; i++) {
        skillpath__v1__target__init(&ts[i]);
        ts[i].id = (char *)def->targets[i].id;
        ts[i].name = (char *)def->targets[i].name;
        ts[i].level = (float *)def->targets[i].level;
        ts[i].n_level = def->targets[i].n_level;
        tsp[i] = &ts[i];
    }
    c.tags = tagp;
    c.n_tags = d;
    c.courses = csp;
    c.n_courses = n;
    c.targets = tsp;
    c.n_targets = t;
    char *json = svc_json_encode(&c.base, SVC_JSON_COMPACT, NULL);
    if (json == NULL) {
        bad("out of memory");
        goto out;
    }
    puts(json);
    free(json);
    status = 0;
out:
    free(tags);
    free(tagp);
    free(cs);
    free(csp);
    free(ts);
    free(tsp);
    rs_synth_destroy(s);
    return status;
}


/* ---------------------------------------------------------------- wire tools */

/* JSON on stdin -> protobuf on stdout, or back: for curl, tests and debugging. */
static int cmd_convert(int argc, char **argv, bool to_protobuf)
{
    if (argc != 2)
        return bad("%s needs a TYPE\n%s", argv[0], usage);
    const ProtobufCMessageDescriptor *d = svc_codec_find_type(argv[1]);
    if (d == NULL)
        return bad("%s: unknown type '%s' (a message of proto/skillpath.proto)", argv[0], argv[1]);
    char err[512];
    size_t len;
    char *buf = read_file("/dev/stdin", &len, err, sizeof err);
    if (buf == NULL)
        return bad("stdin: %s", err);
    ProtobufCMessage *m = to_protobuf ? svc_json_decode(d, buf, len, err, sizeof err)
                                      : protobuf_c_message_unpack(d, NULL, len, (uint8_t *)buf);
    free(buf);
    if (m == NULL)
        return bad("stdin: %s", to_protobuf ? err : "not a valid protobuf message of that type");
    int status = 0;
    if (to_protobuf) {
        size_t n = protobuf_c_message_get_packed_size(m);
        uint8_t *out = malloc(n + 1);
        if (out == NULL)
            status = bad("out of memory");
        else {
            protobuf_c_message_pack(m, out);
            if (fwrite(out, 1, n, stdout) != n)
                status = bad("stdout: write failed");
        }
        free(out);
    } else {
        print_json(m);
    }
    protobuf_c_message_free_unpacked(m, NULL);
    return status;
}

/* ---------------------------------------------------------------- demo team */

/* A team with a realistic spread: tiers as in the programme's pilot class
 * (1/3 new hires, 1/2 core staff, 1/6 managers), targets that fit each tier,
 * and progress simulated through the learner model itself: each learner
 * takes a few to a few dozen courses of their tier over the past 300 days,
 * in prerequisite order, with scores around their level. Prints one line per
 * learner: the id, a tab, the Learner JSON (ready for PUT /v1/learners/ID). */
static int cmd_team(int argc, char **argv)
{
    struct opts o = { .n = 0 };
    unsigned long learners = 1200, seed = 1;
    int64_t now = (int64_t)time(NULL);
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc)
            return bad("team: %s needs a value\n%s", argv[i], usage);
        unsigned long v;
        if (strcmp(argv[i], "--catalog") == 0)
            o.catalog = argv[++i];
        else if (strcmp(argv[i], "--learners") == 0) {
            if (parse_ulong("learners", argv[++i], 1000000, &learners))
                return EXIT_BAD_INPUT;
        } else if (strcmp(argv[i], "--seed") == 0) {
            if (parse_ulong("seed", argv[++i], ULONG_MAX, &seed))
                return EXIT_BAD_INPUT;
        } else if (strcmp(argv[i], "--now") == 0) {
            if (parse_ulong("now", argv[++i], (unsigned long)INT64_MAX, &v))
                return EXIT_BAD_INPUT;
            now = (int64_t)v;
        } else
            return bad("team: unknown option '%s'\n%s", argv[i], usage);
    }
    if (o.catalog == NULL)
        return bad("team: --catalog is required\n%s", usage);
    int status;
    Skillpath__V1__Catalog *pb = NULL;
    struct rs_model m;
    struct rs_catalog *cat = load_catalog(o.catalog, &status, &pb, &m, NULL);
    if (cat == NULL)
        return status == EXIT_INVALID ? EXIT_BAD_INPUT : status;
    static const char *const targets[4][5] = {
        { 0 },
        { "pro-1", "pro-2", "cert-junior", "pro-1", "pro-2" },
        { "pro-2", "pro-3", "mgt-1", "cert-senior", "pro-3" },
        { "mgt-2", "mgt-3", "mgt-4", "pro-4", "cert-expert" },
    };
    size_t D = rs_catalog_n_tags(cat), N = rs_catalog_n_courses(cat);
    const uint32_t *topo = rs_graph_topo_order(cat);
    uint64_t st = seed * 0x9E3779B97F4A7C15ULL + 7;
    status = 0;
    for (unsigned long i = 0; i < learners && status == 0; i++) {
        unsigned long r6 = i % 6;
        enum rs_tier tier = r6 < 2 ? RS_TIER_NEW_HIRE : r6 < 5 ? RS_TIER_CORE_STAFF : RS_TIER_MANAGER;
        const char *target = targets[tier][rs_synth_next(&st) % 5];
        char id[32];
        snprintf(id, sizeof id, "%s-%04lu", tier == RS_TIER_NEW_HIRE ? "nh" :
                 tier == RS_TIER_CORE_STAFF ? "cs" : "mg", i + 1);
        struct rs_learner l = { .target = -1 }, next = { .target = -1 };
        if (rs_learner_init(&l, D) || rs_learner_init(&next, D)) {
            status = bad("out of memory");
            break;
        }
        size_t ti;
        l.target = rs_catalog_find_target(cat, target, &ti) == 0 ? (long)ti : -1;
        l.tier = tier;
        const float *prof = NULL;
        for (size_t p = 0; pb && p < pb->n_profiles; p++)
            if ((int)pb->profiles[p]->tier == (int)tier)
                prof = pb->profiles[p]->capability;
        for (size_t k = 0; k < D; k++) {
            float base = prof ? prof[k] : 0.2f;
            float c = base + (rs_synth_uniform(&st) - 0.4f) * 0.2f;
            l.capability[k] = c < 0 ? 0 : c > 1 ? 1 : c;
        }
        /* Courses of the learner's tier and below, in prerequisite order. */
        size_t taken = 2 + rs_synth_next(&st) % (tier == RS_TIER_NEW_HIRE ? 10 : 30);
        int64_t at = now - 300 * 86400 + (int64_t)(rs_synth_next(&st) % (30 * 86400));
        float skill = 0.55f + 0.35f * rs_synth_uniform(&st);
        for (size_t t = 0; t < N && taken > 0; t++) {
            uint32_t j = topo[t];
            if ((int)rs_catalog_course_tier(cat, j) > (int)tier || rs_synth_uniform(&st) < 0.5f)
                continue;
            const uint32_t *pre;
            size_t np = rs_graph_prerequisites(cat, j, &pre);
            bool ready = true;
            for (size_t q = 0; q < np; q++) {
                const struct rs_attempt *a = rs_learner_find_attempt(&l, pre[q]);
                ready &= a && a->passed;
            }
            if (!ready)
                continue;
            at += (int64_t)(1 + rs_synth_next(&st) % 9) * 86400;
            if (at >= now)
                break;
            float y = skill + (rs_synth_uniform(&st) - 0.5f) * 0.4f;
            struct rs_event e = { .course = j, .kind = RS_EVENT_ASSESSED, .has_score = true,
                                  .score = y < 0 ? 0 : y > 1 ? 1 : y, .at = at };
            char err[256];
            if (rs_learner_apply(cat, &m, &l, &e, &next, err, sizeof err) == 0)
                rs_learner_copy(&l, &next);
            taken--;
        }
        l.version = 0;
        Skillpath__V1__Learner *out = svc_model_learner_to_pb(cat, &l, id);
        char *json = out ? svc_json_encode(&out->base, SVC_JSON_COMPACT, NULL) : NULL;
        if (json == NULL)
            status = bad("out of memory");
        else
            printf("%s\t%s\n", id, json);
        free(json);
        if (out)
            protobuf_c_message_free_unpacked(&out->base, NULL);
        rs_learner_deinit(&l);
        rs_learner_deinit(&next);
    }
    if (pb)
        protobuf_c_message_free_unpacked(&pb->base, NULL);
    rs_catalog_destroy(cat);
    return status;
}

/* skillpath keyslot KEY...: "SLOT KEY" a line (svc_cluster.h). */
static int cmd_keyslot(int argc, char **argv)
{
    if (argc < 2)
        return bad("keyslot needs a KEY\n%s", usage);
    for (int i = 1; i < argc; i++)
        printf("%u %s\n", (unsigned)svc_cluster_slot(argv[i], strlen(argv[i])), argv[i]);
    return 0;
}

/* --redis HOST:PORT into host (cap bytes) and *port; false when malformed. */
static bool host_port(const char *redis, char *host, size_t cap, int *port)
{
    const char *colon = redis ? strrchr(redis, ':') : NULL;
    char *end = NULL;
    long p = colon ? strtol(colon + 1, &end, 10) : 0;
    if (colon == NULL || colon == redis || end == colon + 1 || *end || p < 1 || p > 65535 ||
        (size_t)(colon - redis) >= cap)
        return false;
    snprintf(host, cap, "%.*s", (int)(colon - redis), redis);
    *port = (int)p;
    return true;
}

/* skillpath cluster-map --redis HOST:PORT: the slot map as the store reads
 * it — a line per primary with its slot ranges, then the slots covered. */
static int cmd_cluster_map(int argc, char **argv)
{
    char host[256];
    int port;
    if (argc != 3 || strcmp(argv[1], "--redis") != 0 || !host_port(argv[2], host, sizeof host, &port))
        return bad("cluster-map: --redis HOST:PORT is required\n%s", usage);
    struct timeval tv = { 5, 0 };
    redisContext *rc = redisConnectWithTimeout(host, port, tv);
    if (rc == NULL || rc->err) {
        fprintf(stderr, "cluster-map: cannot connect to %s: %s\n", argv[2], rc ? rc->errstr : "out of memory");
        redisFree(rc);
        return EXIT_INVALID;
    }
    redisSetTimeout(rc, tv);
    redisReply *r = redisCommand(rc, "CLUSTER SLOTS");
    static struct svc_cluster_map m;
    char err[256];
    svc_cluster_map_free(&m);
    int rcode = svc_cluster_map_read(&m, r, host, err, sizeof err);
    freeReplyObject(r);
    redisFree(rc);
    if (rcode != 0) {
        fprintf(stderr, "cluster-map: %s\n", err);
        return EXIT_INVALID;
    }
    for (size_t k = 0; k < m.n_nodes; k++) {
        size_t n = 0;
        printf("%s:%d %s", m.nodes[k].host, m.nodes[k].port, m.nodes[k].id[0] ? m.nodes[k].id : "-");
        for (size_t s = 0; s < SVC_CLUSTER_SLOTS; s++) {
            if (m.owner[s] != k || (s > 0 && m.owner[s - 1] == k))
                continue;
            size_t e = s;
            while (e + 1 < SVC_CLUSTER_SLOTS && m.owner[e + 1] == k)
                e++;
            printf(" %zu-%zu", s, e);
            n += e - s + 1;
        }
        printf(" (%zu slots)\n", n);
    }
    printf("covered %zu of %d slots by %zu primaries\n", m.covered, SVC_CLUSTER_SLOTS, m.n_nodes);
    svc_cluster_map_free(&m);
    return 0;
}

/* skillpath migrate-keys: svc_migrate.h. */
static int cmd_migrate(int argc, char **argv)
{
    const char *redis = NULL, *prefix = "skillpath:";
    bool dry_run = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dry-run") == 0) {
            dry_run = true;
        } else if ((strcmp(argv[i], "--redis") == 0 || strcmp(argv[i], "--prefix") == 0) && i + 1 < argc) {
            if (argv[i][2] == 'r')
                redis = argv[++i];
            else
                prefix = argv[++i];
        } else {
            return bad("migrate-keys: unknown option or missing value '%s'\n%s", argv[i], usage);
        }
    }
    char host[256];
    int port;
    if (!host_port(redis, host, sizeof host, &port))
        return bad("migrate-keys: --redis HOST:PORT is required\n%s", usage);
    if (strpbrk(prefix, "{}"))
        return bad("migrate-keys: the prefix '%s' holds a brace\n", prefix);
    struct timeval tv = { 5, 0 };
    redisContext *rc = redisConnectWithTimeout(host, port, tv);
    if (rc == NULL || rc->err) {
        fprintf(stderr, "migrate-keys: cannot connect to %s: %s\n", redis, rc ? rc->errstr : "out of memory");
        redisFree(rc);
        return EXIT_INVALID;
    }
    redisSetTimeout(rc, tv);
    struct svc_migrate_counts n;
    char err[512];
    int rcode = svc_migrate_keys(rc, prefix, dry_run, &n, err, sizeof err);
    redisFree(rc);
    size_t total = 0;
    for (size_t k = 0; k < SVC_MIGRATE_KINDS; k++)
        total += n.renamed[k];
    printf("migrate-keys: %s %zu keys: %zu learners, %zu seen sets, %zu event streams, %zu stream counters, "
           "%zu catalog keys, %zu team keys; %zu conflicts (the new key exists: kept, the old one left); "
           "%zu skipped\n",
           dry_run ? "would rename" : "renamed", total, n.renamed[0], n.renamed[1], n.renamed[2], n.renamed[3],
           n.renamed[4], n.renamed[5], n.conflicts, n.skipped);
    if (rcode != 0) {
        fprintf(stderr, "migrate-keys: stopped: %s (run it again to go on)\n", err);
        return EXIT_INVALID;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_BAD_INPUT : 0;
    }
    rs_blas_setup();
    const char *cmd = argv[1];
    if (strcmp(cmd, "validate") == 0)
        return cmd_validate(argc - 1, argv + 1);
    if (strcmp(cmd, "recommend") == 0)
        return cmd_recommend(argc - 1, argv + 1);
    if (strcmp(cmd, "apply") == 0)
        return cmd_apply(argc - 1, argv + 1);
    if (strcmp(cmd, "synth") == 0)
        return cmd_synth(argc - 1, argv + 1);
    if (strcmp(cmd, "team") == 0)
        return cmd_team(argc - 1, argv + 1);
    if (strcmp(cmd, "encode") == 0)
        return cmd_convert(argc - 1, argv + 1, true);
    if (strcmp(cmd, "decode") == 0)
        return cmd_convert(argc - 1, argv + 1, false);
    if (strcmp(cmd, "migrate-keys") == 0)
        return cmd_migrate(argc - 1, argv + 1);
    if (strcmp(cmd, "keyslot") == 0)
        return cmd_keyslot(argc - 1, argv + 1);
    if (strcmp(cmd, "cluster-map") == 0)
        return cmd_cluster_map(argc - 1, argv + 1);
    return bad("unknown command '%s'\n%s", cmd, usage);
}
