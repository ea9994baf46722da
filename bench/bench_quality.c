/* SPDX-License-Identifier: MIT
 * bench_quality: what learners know after following a policy's lessons, on
 * a simulated cohort (`make bench-quality`; README, "Path quality").
 *
 * THE SIMULATED LEARNER (assumptions, stated once)
 * - A hidden ability θ_k in [0,1] per tag: the cohort's prior mean μ_k
 *   (0.15-0.35, per catalog) plus N(0, 0.12) per learner. The service starts
 *   from μ (what a tier profile knows), not from θ.
 * - One lesson a day. A session of course j raises each tag it teaches:
 *   Δθ_k = γ·a_jk·(1 − θ_k)·ready_j·fit_j·(1 + ρ·related), with γ = 0.35;
 *   ready_j = Π over j's prerequisites p of min(1, level_θ(p)/mastery_p)²
 *   (a course built on what the learner does not know teaches little);
 *   fit_j = 0.5 + 0.5·exp(−((d_j − level_θ(j) − 0.1)/0.35)²) (too easy or too
 *   hard teaches less); ρ = 0.25 when j is related to the previous lesson
 *   (itself, a prerequisite, a dependent, a sibling), else 0.
 * - Forgetting: the part of θ above 0.2 halves every 247 days since the tag
 *   was last practised, as the service assumes (the programme's measure).
 * - After each lesson an assessment of 10 items with difficulties spread
 *   over [0,1] (item response: P(correct) = 1/(1 + e^(−8(level_θ(j) − b)))):
 *   the score is noisy evidence of the ability, not the ability. It goes
 *   to the service as an ASSESSED event; the service's estimate moves.
 *
 * POLICIES: random (a random course not mastered whose prerequisites are met,
 * closing some gap), topological (the first such course in the catalog's
 * topological order), legacy (the sequencer before issue 11, with its fixed
 * 0.5 update) and new (rs_path_build with the evidence-weighted update that
 * predicts what the lesson taught before the score corrects it).
 * Step mode also runs two references, not baselines, to tell what is left
 * to gain and where: rules_true (the rules planning from the true ability
 * instead of the estimate: what estimation costs) and sim_greedy (each
 * lesson the course with the best expected gain per minute by this
 * simulator's own learning rule, on the service's estimate: a policy that
 * knows the model it is judged by).
 * Step mode asks for n = 1 before each lesson; path mode asks for 10 and
 * follows them (feedback still updates the estimate), then asks again.
 *
 * METRIC: the normalised gain toward the target of the true ability,
 * (G_0 − G_t)/G_0 with G the weighted gap of θ (decayed to the day), after
 * 10, 20 and 40 lessons, mean ± standard error; the share of empty answers
 * while the estimated gap is above tolerance; of immediate retakes (a course
 * right after itself); of consecutive lessons not related in the graph; and
 * how well the service's estimate follows the truth: the mean (bias) and
 * mean absolute difference between the estimated and the true level of
 * each course just assessed, after its update.
 * Fixed seeds: the same cohort for every policy.
 *
 *   bench_quality [--learners 1000] [--catalog deploy/demo/catalog.json]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recsys.h"
#include "svc_catalog.h"

#define LESSONS 40
#define PATH_LEN 10
#define DAY 86400
#define T0 1767225600

/* The policies compared, then two references in step mode (not baselines):
 * what the rules would do knowing the true ability, and what a policy that
 * knows the simulator's learning rule does on the service's estimate. */
enum policy { P_RANDOM, P_TOPO, P_LEGACY, P_NEW, N_POLICIES, P_TRUE = N_POLICIES, P_SIM, N_ALL };
static const char *policy_name[] = { "random", "topological", "legacy", "new", "rules_true",
                                     "sim_greedy" };
enum mode { M_STEP, M_PATH, N_MODES };
static const char *mode_name[] = { "step", "path" };

struct result {
    double ng[3][2];                /* after 10/20/40: sum, sum of squares */
    long answers, empty, lessons, retakes, pairs, unrelated;
    double bias, abs_err;           /* estimated − true level of each course taken, after its update */
};

struct sim {
    const struct rs_catalog *cat;
    size_t N, D;
    float *mu;                      /* D: the cohort's prior mean */
    uint8_t *related;               /* N x N: related in the graph */
    struct rs_path_ws *ws;
    struct rs_model model_new, model_legacy;
    const float *theta;             /* the learner being simulated, for the references: */
    const int64_t *theta_at;        /* its true ability and when each tag was practised */
    long prev;                      /* its previous lesson, or -1 */
};

static double learn_rate(const struct sim *s, const float *eff, uint32_t j, long prev);

static uint64_t next(uint64_t *s) { return rs_synth_next(s); }
static double unif(uint64_t *s) { return (double)(next(s) >> 11) / 9007199254740992.0; }
static double gauss(uint64_t *s)
{
    double u = unif(s) + 1e-12, v = unif(s);
    return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

static double level_of(const struct rs_catalog *cat, const float *x, size_t j)
{
    return rs_course_level(cat, x, j);
}

/* The weighted gap of x to target t. */
static double gap(const struct sim *s, const float *x, const float *t)
{
    return rs_learner_gap(x, t, rs_catalog_tag_weights(s->cat), s->D, NULL);
}

/* θ decayed to `now` (the model's own decay). */
static void true_effective(const struct sim *s, const float *theta, const int64_t *at,
                           int64_t now, float *out)
{
    struct rs_learner l = { .dim = s->D, .capability = (float *)theta, .practiced_at = (int64_t *)at };
    rs_learner_effective(&s->model_new, &l, now, out);
}

/* A course the baselines may take: not mastered in the estimate, every
 * prerequisite mastered, some covered tag below target. */
static bool eligible(const struct sim *s, const float *chat, const float *t, size_t j)
{
    if (rs_course_mastered(s->cat, chat, j))
        return false;
    const uint32_t *pre;
    size_t np = rs_graph_prerequisites(s->cat, j, &pre);
    for (size_t i = 0; i < np; i++)
        if (!rs_course_mastered(s->cat, chat, pre[i]))
            return false;
    const float *a = rs_catalog_course_coverage(s->cat, j);
    for (size_t k = 0; k < s->D; k++)
        if (a[k] > 0 && chat[k] < t[k])
            return true;
    return false;
}

/* The baselines' lessons: up to n, planned on a copy of the estimate in
 * which each planned course counts as mastered (its tags raised to its
 * mastery score). */
static size_t baseline_plan(const struct sim *s, enum policy p, const float *chat0,
                            const float *t, uint64_t *rng, size_t n, uint32_t *out)
{
    float *chat = malloc(s->D * sizeof *chat);
    uint32_t *pool = malloc(s->N * sizeof *pool);
    memcpy(chat, chat0, s->D * sizeof *chat);
    const uint32_t *topo = rs_graph_topo_order(s->cat);
    size_t got = 0;
    while (got < n) {
        long pick = -1;
        if (p == P_TOPO) {
            for (size_t i = 0; i < s->N && pick < 0; i++)
                if (eligible(s, chat, t, topo[i]))
                    pick = topo[i];
        } else {
            size_t m = 0;
            for (size_t j = 0; j < s->N; j++)
                if (eligible(s, chat, t, j))
                    pool[m++] = (uint32_t)j;
            if (m)
                pick = pool[next(rng) % m];
        }
        if (pick < 0)
            break;
        out[got++] = (uint32_t)pick;
        const float *a = rs_catalog_course_coverage(s->cat, (size_t)pick);
        float mastery = rs_catalog_course_mastery(s->cat, (size_t)pick);
        for (size_t k = 0; k < s->D; k++)
            if (a[k] > 0 && chat[k] < mastery + 0.01f)
                chat[k] = mastery + 0.01f;
    }
    free(chat);
    free(pool);
    return got;
}

static size_t plan(struct sim *s, enum policy p, const struct rs_learner *est, size_t target,
                   int64_t now, uint64_t *rng, size_t n, uint32_t *out)
{
    const float *t = rs_catalog_target_level(s->cat, target);
    if (p == P_RANDOM || p == P_TOPO) {
        float *chat = malloc(s->D * sizeof *chat);
        rs_learner_effective(&s->model_new, est, now, chat);
        size_t got = baseline_plan(s, p, chat, t, rng, n, out);
        free(chat);
        return got;
    }
    if (p == P_SIM) {       /* the best expected gain per minute by the simulator's rule */
        float *eff = malloc(s->D * sizeof *eff);
        rs_learner_effective(&s->model_new, est, now, eff);
        const float *w = rs_catalog_tag_weights(s->cat);
        double best = 0;
        long pick = -1;
        for (uint32_t j = 0; j < s->N; j++) {
            const float *a = rs_catalog_course_coverage(s->cat, j);
            double rate = learn_rate(s, eff, j, s->prev), g = 0;
            for (size_t k = 0; k < s->D; k++)
                if (a[k] > 0 && eff[k] < t[k]) {
                    double d = rate * a[k] * (1 - eff[k]), left = t[k] - eff[k];
                    g += w[k] * (d < left ? d : left);
                }
            g /= rs_catalog_course_duration(s->cat, j);
            if (g > best) {
                best = g;
                pick = j;
            }
        }
        free(eff);
        if (pick < 0 || n == 0)
            return 0;
        out[0] = (uint32_t)pick;
        return 1;
    }
    struct rs_learner truth;        /* the estimate, its capability replaced by the truth */
    if (p == P_TRUE) {
        rs_learner_init(&truth, s->D);
        rs_learner_copy(&truth, est);
        memcpy(truth.capability, s->theta, s->D * sizeof(float));
        memcpy(truth.practiced_at, s->theta_at, s->D * sizeof(int64_t));
        est = &truth;
    }
    struct rs_path_query q = { .learner = est, .target = target, .max_items = n, .now = now };
    struct rs_path path = {0};
    int rc = rs_path_build(s->cat, p == P_LEGACY ? &s->model_legacy : &s->model_new, &q, s->ws,
                           &path, NULL, 0);
    if (p == P_TRUE)
        rs_learner_deinit(&truth);
    size_t got = 0;
    if (rc == 0)
        for (; got < path.n_items; got++)
            out[got] = path.items[got].course;
    rs_path_deinit(&path);
    return got;
}

/* The simulated learning rule: a session of course j moves each tag k it
 * teaches this times a_jk·(1 − θ_k), for a learner at eff (decayed θ). */
static double learn_rate(const struct sim *s, const float *eff, uint32_t j, long prev)
{
    double ready = 1;
    const uint32_t *pre;
    size_t np = rs_graph_prerequisites(s->cat, j, &pre);
    for (size_t i = 0; i < np; i++) {
        double r = level_of(s->cat, eff, pre[i]) / rs_catalog_course_mastery(s->cat, pre[i]);
        r = r < 1 ? r : 1;
        ready *= r * r;
    }
    double lvl = level_of(s->cat, eff, j);
    double z = (rs_catalog_course_difficulty(s->cat, j) - lvl - 0.1) / 0.35;
    double fit = 0.5 + 0.5 * exp(-z * z);
    double rel = prev >= 0 && s->related[(size_t)prev * s->N + j] ? 1.25 : 1.0;
    return 0.35 * ready * fit * rel;
}

/* A session of course j for the hidden learner, then its assessment score. */
static float session(const struct sim *s, float *theta, int64_t *at, int64_t now, uint32_t j,
                     long prev, uint64_t *rng)
{
    float *eff = malloc(s->D * sizeof *eff);
    true_effective(s, theta, at, now, eff);
    double rate = learn_rate(s, eff, j, prev);
    const float *a = rs_catalog_course_coverage(s->cat, j);
    for (size_t k = 0; k < s->D; k++) {
        if (a[k] <= 0)
            continue;
        double x = eff[k] + rate * a[k] * (1 - eff[k]);
        theta[k] = (float)(x > 1 ? 1 : x);
        at[k] = now;
        eff[k] = theta[k];
    }
    double ability = level_of(s->cat, eff, j);
    int correct = 0;
    for (int i = 0; i < 10; i++) {
        double b = (i + 0.5) / 10;
        correct += unif(rng) < 1 / (1 + exp(-8 * (ability - b)));
    }
    free(eff);
    return (float)correct / 10;
}

static void run(struct sim *s, enum policy p, enum mode md, size_t n_learners, uint64_t seed,
                struct result *r)
{
    memset(r, 0, sizeof *r);
    const struct rs_model *model = p == P_LEGACY ? &s->model_legacy : &s->model_new;
    float *theta = malloc(s->D * sizeof *theta), *eff = malloc(s->D * sizeof *eff);
    int64_t *at = malloc(s->D * sizeof *at);
    uint32_t plan_buf[PATH_LEN];
    for (size_t li = 0; li < n_learners; li++) {
        uint64_t rng = seed * 1000003 + li;         /* the same cohort for every policy */
        size_t target = next(&rng) % rs_catalog_n_targets(s->cat);
        for (size_t k = 0; k < s->D; k++) {
            double x = s->mu[k] + 0.12 * gauss(&rng);
            theta[k] = (float)(x < 0 ? 0 : x > 1 ? 1 : x);
            at[k] = 0;
        }
        uint64_t prng = rng ^ 0xABCDEF;             /* policy draws apart from the learner's */
        struct rs_learner est;
        rs_learner_init(&est, s->D);
        est.target = (long)target;
        est.tier = RS_TIER_ANY;
        memcpy(est.capability, s->mu, s->D * sizeof(float));
        const float *t = rs_catalog_target_level(s->cat, target);
        double g0 = gap(s, theta, t);
        size_t planned = 0, used = 0;
        long prev = -1;
        for (int lesson = 0; lesson < LESSONS; lesson++) {
            int64_t now = T0 + (int64_t)lesson * DAY;
            if (used == planned) {
                s->theta = theta;
                s->theta_at = at;
                s->prev = prev;
                planned = plan(s, p, &est, target, now, &prng, md == M_STEP ? 1 : PATH_LEN, plan_buf);
                used = 0;
                r->answers++;
                float *chat = malloc(s->D * sizeof *chat);
                rs_learner_effective(model, &est, now, chat);
                if (planned == 0 && gap(s, chat, t) >= s->model_new.gap_tolerance)
                    r->empty++;
                free(chat);
            }
            if (planned > used) {
                uint32_t j = plan_buf[used++];
                float y = session(s, theta, at, now, j, prev, &rng);
                struct rs_event ev = { .course = j, .kind = RS_EVENT_ASSESSED, .has_score = true,
                                       .score = y, .at = now };
                struct rs_learner nx;
                rs_learner_init(&nx, s->D);
                if (rs_learner_apply(s->cat, model, &est, &ev, &nx, NULL, 0) == 0) {
                    rs_learner_deinit(&est);
                    est = nx;
                } else {
                    rs_learner_deinit(&nx);
                }
                double err = level_of(s->cat, est.capability, j) - level_of(s->cat, theta, j);
                r->bias += err;
                r->abs_err += fabs(err);
                r->lessons++;
                if (prev >= 0) {
                    r->pairs++;
                    r->retakes += prev == (long)j;
                    r->unrelated += !s->related[(size_t)prev * s->N + j];
                }
                prev = j;
            } else {
                used = planned = 0;                 /* nothing to take: a lost day */
            }
            int after = lesson + 1, slot = after == 10 ? 0 : after == 20 ? 1 : after == 40 ? 2 : -1;
            if (slot >= 0) {
                true_effective(s, theta, at, T0 + (int64_t)after * DAY, eff);
                double ng = g0 > 0 ? (g0 - gap(s, eff, t)) / g0 : 0;
                r->ng[slot][0] += ng;
                r->ng[slot][1] += ng * ng;
            }
        }
        rs_learner_deinit(&est);
    }
    free(theta);
    free(eff);
    free(at);
}

static void mean_se(const double *acc, size_t n, double *mean, double *se)
{
    *mean = acc[0] / (double)n;
    double var = acc[1] / (double)n - *mean * *mean;
    *se = sqrt((var > 0 ? var : 0) / (double)n);
}

static struct rs_model overrides;   /* the new policy's settings (flags) */

static int bench_catalog(const char *name, const struct rs_catalog *cat, size_t n_learners,
                         uint64_t seed, int *fails)
{
    struct sim s = { .cat = cat, .N = rs_catalog_n_courses(cat), .D = rs_catalog_n_tags(cat) };
    s.mu = malloc(s.D * sizeof *s.mu);
    s.related = calloc(s.N * s.N, 1);
    uint8_t *mark = calloc(s.N, 1);
    uint32_t *rel = malloc(s.N * sizeof *rel);
    uint64_t st = seed;
    for (size_t k = 0; k < s.D; k++)
        s.mu[k] = (float)(0.15 + 0.2 * unif(&st));
    for (size_t j = 0; j < s.N; j++) {
        size_t n = rs_graph_related(cat, j, mark, rel, s.N);
        for (size_t i = 0; i < n; i++) {
            s.related[j * s.N + rel[i]] = 1;
            s.related[rel[i] * s.N + j] = 1;
        }
    }
    s.ws = rs_path_ws_create(cat);
    s.model_new = overrides;
    s.model_new.sequencer = RS_SEQUENCER_RULES;
    rs_model_default(&s.model_legacy);
    s.model_legacy.sequencer = RS_SEQUENCER_LEGACY;
    s.model_legacy.prior_evidence = 1e9f;           /* the fixed update: 0.5·a of the way */
    s.model_legacy.rate_floor = 0.5f;
    s.model_legacy.lesson_gain = 0;                 /* ... with no prediction */
    printf("\n# %s: %zu courses, %zu tags, %zu targets, %zu learners, %d lessons\n", name, s.N, s.D,
           rs_catalog_n_targets(cat), n_learners, LESSONS);
    printf("%-5s %-12s %15s %15s %15s %7s %8s %10s %13s\n", "mode", "policy", "gain@10", "gain@20",
           "gain@40", "empty", "retakes", "unrelated", "est.bias/err");
    double new_gain[N_MODES][3], new_unrelated[N_MODES];
    for (int md = 0; md < N_MODES; md++) {
        double best_base[3] = {0}, newv[3] = {0};
        for (int p = 0; p < (md == M_STEP ? N_ALL : N_POLICIES); p++) {
            struct result r;
            run(&s, (enum policy)p, (enum mode)md, n_learners, seed, &r);
            printf("%-5s %-12s", mode_name[md], policy_name[p]);
            for (int slot = 0; slot < 3; slot++) {
                double mean, se;
                mean_se(r.ng[slot], n_learners, &mean, &se);
                printf("  %6.3f ± %5.3f", mean, se);
                if (p == P_NEW)
                    newv[slot] = mean;
                else if (p < N_POLICIES && mean > best_base[slot])
                    best_base[slot] = mean;
                else if (p >= N_POLICIES)
                    newv[slot] = mean;      /* a reference's, for its line below */
            }
            double empty = r.answers ? (double)r.empty / (double)r.answers : 0;
            double retakes = r.pairs ? (double)r.retakes / (double)r.pairs : 0;
            double unrelated = r.pairs ? (double)r.unrelated / (double)r.pairs : 0;
            double lessons = r.lessons ? (double)r.lessons : 1;
            printf(" %6.1f%% %7.1f%% %9.1f%% %+6.3f/%5.3f\n", 100 * empty, 100 * retakes, 100 * unrelated,
                   r.bias / lessons, r.abs_err / lessons);
            if (p >= N_POLICIES)
                printf("reference_%s_%s_%s_vs_best_baseline gain@10 %.2f gain@20 %.2f gain@40 %.2f\n",
                       policy_name[p], name, mode_name[md], newv[0] / best_base[0],
                       newv[1] / best_base[1], newv[2] / best_base[2]);
            if (p == P_NEW) {
                char key[96];
                snprintf(key, sizeof key, "%s_%s", name, mode_name[md]);
                printf("ratio_new_vs_best_baseline_%s gain@10 %.2f gain@20 %.2f gain@40 %.2f\n", key,
                       newv[0] / best_base[0], newv[1] / best_base[1], newv[2] / best_base[2]);
                printf("new_%s empty_answers %.4f unrelated_pairs %.3f\n", key, empty, unrelated);
                memcpy(new_gain[md], newv, sizeof newv);
                new_unrelated[md] = unrelated;
                for (int slot = 0; slot < 3; slot++)
                    *fails += newv[slot] <= best_base[slot];
                *fails += empty > 0;
                *fails += unrelated > 0.10;
            }
        }
    }
    /* The thread of study against what is learnt: the rules again with a
     * stronger continuity, on the same cohort. */
    static const float stronger[] = { 0.7f, 0.9f, 0.99f };
    const struct rs_model as_set = s.model_new;
    printf("# the rules with a stronger thread of study (continuity; this run's is %.2f)\n",
           (double)as_set.continuity);
    for (int md = 0; md < N_MODES; md++)
        for (size_t c = 0; c < sizeof stronger / sizeof *stronger; c++) {
            struct result r;
            s.model_new.continuity = stronger[c];
            run(&s, P_NEW, (enum mode)md, n_learners, seed, &r);
            double g[3], se, unrelated = r.pairs ? (double)r.unrelated / (double)r.pairs : 0;
            printf("%-5s c=%-10.2f", mode_name[md], (double)stronger[c]);
            for (int slot = 0; slot < 3; slot++) {
                mean_se(r.ng[slot], n_learners, &g[slot], &se);
                printf("  %6.3f ± %5.3f", g[slot], se);
            }
            printf(" %7s %7.1f%% %9.1f%%\n", "", 100.0 * (double)r.retakes / (double)(r.pairs ? r.pairs : 1),
                   100 * unrelated);
            printf("continuity_%s_%s %.2f unrelated_pairs %.3f (at %.2f: %.3f) gain@20_vs_set %.2f\n",
                   name, mode_name[md], (double)stronger[c], unrelated, (double)as_set.continuity,
                   new_unrelated[md], g[1] / new_gain[md][1]);
        }
    s.model_new = as_set;
    rs_path_ws_destroy(s.ws);
    free(s.mu);
    free(s.related);
    free(mark);
    free(rel);
    return 0;
}

int main(int argc, char **argv)
{
    size_t n_learners = 1000;
    const char *catalog = "deploy/demo/catalog.json";
    rs_model_default(&overrides);
    for (int i = 1; i < argc; i++) {
        float *f = NULL;
        if (i + 1 < argc && strcmp(argv[i], "--continuity") == 0)
            f = &overrides.continuity;
        else if (i + 1 < argc && strcmp(argv[i], "--session-gain") == 0)
            f = &overrides.session_gain;
        else if (i + 1 < argc && strcmp(argv[i], "--rate-floor") == 0)
            f = &overrides.rate_floor;
        else if (i + 1 < argc && strcmp(argv[i], "--prior-evidence") == 0)
            f = &overrides.prior_evidence;
        else if (i + 1 < argc && strcmp(argv[i], "--lesson-gain") == 0)
            f = &overrides.lesson_gain;
        else if (i + 1 < argc && strcmp(argv[i], "--retake-factor") == 0)
            f = &overrides.retake_factor;
        if (f) {
            *f = strtof(argv[++i], NULL);
        } else if (i + 1 < argc && strcmp(argv[i], "--max-sessions") == 0) {
            overrides.max_sessions = (unsigned)strtoul(argv[++i], NULL, 10);
        } else if (i + 1 < argc && strcmp(argv[i], "--learners") == 0) {
            n_learners = (size_t)strtoul(argv[++i], NULL, 10);
        } else if (i + 1 < argc && strcmp(argv[i], "--catalog") == 0) {
            catalog = argv[++i];
        } else {
            fprintf(stderr, "usage: bench_quality [--learners N] [--catalog FILE] [--continuity X]\n"
                            "         [--session-gain X] [--rate-floor X] [--prior-evidence X] [--lesson-gain X]\n"
                            "         [--retake-factor X] [--max-sessions N]\n");
            return 2;
        }
    }
    if (n_learners == 0)
        n_learners = 1;
    rs_blas_setup();
    char err[4096];
    struct svc_catalog *demo = svc_catalog_load(catalog, err, sizeof err);
    if (demo == NULL) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    printf("# bench_quality: normalised gain toward the target of the true ability (mean ± s.e.),\n"
           "# the share of empty answers while a gap remains, of immediate retakes, of unrelated pairs,\n"
           "# and the estimate's bias / mean error on the course just assessed\n");
    int fails = 0;
    bench_catalog("demo", demo->cat, n_learners, 11, &fails);
    svc_catalog_unref(demo);
    const struct { const char *name; size_t n, d; unsigned pre, cover; } synth[] = {
        { "synthetic_deep", 80, 12, 1, 2 },
        { "synthetic_wide", 200, 28, 3, 4 },
    };
    for (size_t i = 0; i < sizeof synth / sizeof *synth; i++) {
        struct rs_synth_params sp = { .n_courses = synth[i].n, .n_tags = synth[i].d, .n_targets = 3,
                                      .seed = 7 + i, .max_prereqs = synth[i].pre,
                                      .max_cover = synth[i].cover };
        struct rs_synth *sy = rs_synth_create(&sp);
        struct rs_catalog *cat = sy ? rs_catalog_create(rs_synth_def(sy), err, sizeof err, NULL) : NULL;
        if (cat == NULL) {
            fprintf(stderr, "synthetic catalog: %s\n", err);
            return 2;
        }
        bench_catalog(synth[i].name, cat, n_learners, 23 + i, &fails);
        rs_catalog_destroy(cat);
        rs_synth_destroy(sy);
    }
    printf("\ntargets_missed %d\n", fails);
    return 0;
}
