/* SPDX-License-Identifier: MIT
 * libFuzzer target: xAPI statement bodies (svc_xapi.c), as POST and PUT
 * /xapi/statements read them. The first byte's low bit: PUT (one statement);
 * the rest is the body. Whatever is accepted must hold: every id a
 * lowercase UUID, distinct in the batch; a statement to apply names a valid
 * learner id (or a lowercase mbox_sha1sum to look it up by), a course of the catalog, an event kind, a score in [0,1] and a
 * positive time; reading the same body again gives the same ids (derived
 * ids are deterministic); a voiding names a lowercase UUID. The body is
 * also read as a statement index entry: one that reads writes back the
 * same. Run from the repository root (it loads the demo
 * catalog). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "svc_catalog.h"
#include "svc_keys.h"
#include "svc_xapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct svc_xapi_index ix;
    if (svc_xapi_index_parse((const char *)data, size, &ix) == 0) {
        char back[SVC_XAPI_INDEX_MAX];
        svc_xapi_index_format(&ix, back);
        struct svc_xapi_index again;
        if (svc_xapi_index_parse(back, strlen(back), &again) != 0 || again.state != ix.state ||
            strcmp(again.digest, ix.digest) != 0 || strcmp(again.learner, ix.learner) != 0)
            abort();
    }
    const struct svc_catalog *cat = fuzz_demo_snapshot("fuzz_xapi");
    const struct svc_xapi_conf conf = { .max_statements = 50, .fail_score = 0 };
    bool put = data[0] & 1;
    const char *json = (const char *)data + 1;
    size_t len = size - 1;
    char err[512];
    struct svc_xapi_batch a, b;
    if (svc_xapi_parse(cat, &conf, json, len, put, 1767225600, &a, err, sizeof err) != 0) {
        if (err[0] == '\0' || a.stmts != NULL)
            abort();                    /* a refusal says why and holds nothing */
        return 0;
    }
    if (a.n == 0 || (put && a.n != 1))
        abort();
    for (size_t i = 0; i < a.n; i++) {
        const struct svc_xapi_stmt *s = &a.stmts[i];
        char id[SVC_XAPI_UUID_LEN + 1];
        if (!svc_xapi_uuid(s->id, id) || strcmp(id, s->id) != 0)
            abort();
        for (size_t j = 0; j < i; j++)
            if (strcmp(a.stmts[j].id, s->id) == 0)
                abort();
        if (s->outcome >= SVC_XAPI_COUNT)
            abort();
        if (s->outcome == SVC_XAPI_voided && (!svc_xapi_uuid(s->voids, id) || strcmp(id, s->voids) != 0))
            abort();                    /* a voiding names a statement */
        if (s->outcome != SVC_XAPI_applied)
            continue;
        char mb[41];
        bool by_mailbox = s->learner[0] == '\0' && svc_xapi_mailbox(s->mailbox, mb) &&
                          strcmp(mb, s->mailbox) == 0;
        if ((!svc_keys_valid_id(s->learner) && !by_mailbox) ||
            s->event.course >= rs_catalog_n_courses(cat->cat) ||
            s->event.kind < RS_EVENT_STARTED || s->event.kind > RS_EVENT_ASSESSED ||
            !(s->event.score >= 0 && s->event.score <= 1) || s->event.at <= 0)
            abort();
    }
    if (svc_xapi_parse(cat, &conf, json, len, put, 1767225600, &b, err, sizeof err) != 0 || b.n != a.n)
        abort();
    for (size_t i = 0; i < a.n; i++)
        if (strcmp(a.stmts[i].id, b.stmts[i].id) != 0)
            abort();
    svc_xapi_batch_free(&a);
    svc_xapi_batch_free(&b);
    return 0;
}
