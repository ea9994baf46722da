/* SPDX-License-Identifier: MIT
 * The stored form of a learner: the value of P{ID}:l in Redis. A compact
 * binary form (layout in svc_stored.c) that keeps capabilities and scores
 * to 1e-6 and times to the second; the first form (an 8-byte version, then
 * the Learner protobuf) is still read. Every daemon sharing a Redis reads
 * what the others write, so the bytes are pinned by golden tests. */
#ifndef SVC_STORED_H
#define SVC_STORED_H

#include <stddef.h>

#include "recsys.h"

/* Encode `l`, first rounding `l` itself to the stored precision, so what
 * the caller answers is what a later read returns. A malloc'ed buffer of
 * *len bytes, or NULL on ENOMEM. */
char *svc_stored_encode(const struct rs_catalog *cat, struct rs_learner *l, size_t *len);

/* Decode either form: 0 and an initialised learner (deinit it), or -1 if
 * unreadable. Lenient: attempts at courses no longer in the catalog are
 * dropped, as is a target that is gone. */
int svc_stored_decode(const struct rs_catalog *cat, const char *data, size_t len,
                      struct rs_learner *out);

/* Round capabilities and attempt scores to the stored precision. */
void svc_stored_round(struct rs_learner *l);

/* The length of a stored value's version prefix: the token a conditional
 * write compares (svc_store_write's `expect`); 0 if unreadable. */
size_t svc_stored_token(const char *data, size_t len);

#endif
