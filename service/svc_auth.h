/* SPDX-License-Identifier: MIT
 * API keys: three scopes, keys kept only as SHA-256 digests and compared in
 * constant time. Immutable after creation; any thread may check. */
#ifndef SVC_AUTH_H
#define SVC_AUTH_H

#include <stddef.h>

enum svc_scope {
    SVC_SCOPE_APP = 1 << 0,     /* recommend, read learners, next lessons, catalog */
    SVC_SCOPE_INGEST = 1 << 1,  /* learning events */
    SVC_SCOPE_ADMIN = 1 << 2,   /* learner writes and deletes, catalog changes; implies the others */
};

struct svc_auth;

/* Keys from a file ("SCOPE KEY" or "SCOPE sha256:HEX" lines, '#' comments)
 * and/or a list "SCOPE:KEY,SCOPE:KEY" (from the environment). Plain keys must
 * be at least 16 characters. NULL with the problem in err; a configuration
 * with no key at all is an error too. */
struct svc_auth *svc_auth_create(const char *file, const char *list, char *err, size_t errlen);
void svc_auth_destroy(struct svc_auth *a);

/* Check an Authorization header value ("Bearer KEY", may be NULL) for a
 * scope. Returns 0, or 401 (missing or unknown key) or 403 (key lacks the
 * scope) with the reason in msg. */
int svc_auth_check(const struct svc_auth *a, const char *authorization, enum svc_scope need,
                   char *msg, size_t msglen);

size_t svc_auth_count(const struct svc_auth *a);

#endif
