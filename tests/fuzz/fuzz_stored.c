/* SPDX-License-Identifier: MIT
 * libFuzzer target: the stored learner form (what Redis hands the daemon).
 * Each input is read twice: as a raw value, and as edits to a valid value
 * (its first 8 bytes seed a learner, the rest are (position, xor) pairs),
 * which reaches deep into the decoder. Whatever decodes must be a valid
 * learner (rs_learner_check) and must survive encode -> decode unchanged.
 * Run from the repository root (it loads the demo catalog). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "recsys.h"
#include "svc_model.h"
#include "svc_stored.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same(const struct rs_learner *a, const struct rs_learner *b)
{
    if (a->dim != b->dim || a->tier != b->tier || a->target != b->target ||
        a->version != b->version || a->n_attempts != b->n_attempts ||
        memcmp(a->capability, b->capability, a->dim * sizeof(float)) != 0 ||
        memcmp(a->practiced_at, b->practiced_at, a->dim * sizeof(int64_t)) != 0)
        abort();
    for (size_t i = 0; i < a->n_attempts; i++)
        if (a->attempts[i].course != b->attempts[i].course ||
            a->attempts[i].score != b->attempts[i].score ||
            a->attempts[i].passed != b->attempts[i].passed || a->attempts[i].at != b->attempts[i].at)
            abort();
}

static void check(const struct rs_catalog *cat, const uint8_t *v, size_t n)
{
    struct rs_learner l, back;
    if (svc_stored_decode(cat, (const char *)v, n, &l) != 0)
        return;
    char err[256];
    if (rs_learner_check(cat, &l, err, sizeof err) != 0) {
        fprintf(stderr, "decoded an invalid learner: %s\n", err);
        abort();
    }
    size_t len;
    char *again = svc_stored_encode(cat, &l, &len);
    if (again == NULL)
        abort();
    if (svc_stored_decode(cat, again, len, &back) != 0)
        abort();
    same(&l, &back);
    free(again);
    rs_learner_deinit(&l);
    rs_learner_deinit(&back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct rs_catalog *cat = fuzz_demo_catalog("fuzz_stored");
    check(cat, data, size);
    if (size < 8)
        return 0;
    uint64_t seed;
    memcpy(&seed, data, 8);
    struct rs_learner l;
    if (rs_synth_learner(cat, seed, 1767225600, &l) != 0)
        return 0;
    for (size_t i = 0; i < 10; i++) {
        uint32_t j = (uint32_t)((seed >> (i * 6)) % rs_catalog_n_courses(cat));
        struct rs_attempt a = { j, (float)((seed >> i) % 1000) / 1000, (seed >> i) & 1,
                                1767225600 - (int64_t)(i * 86400), (uint16_t)((seed >> i) % 5) };
        rs_learner_set_attempt(&l, &a);
    }
    l.version = seed % 100000;
    size_t len;
    uint8_t *v = (uint8_t *)svc_stored_encode(cat, &l, &len);
    rs_learner_deinit(&l);
    if (v == NULL)
        return 0;
    for (size_t i = 8; i + 1 < size; i += 2)
        v[data[i] % len] ^= data[i + 1];
    check(cat, v, size % 2 ? len - data[size - 1] % (len + 1) : len);    /* odd: truncated */
    free(v);
    return 0;
}
