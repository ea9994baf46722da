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

enum svc_auth_outcome {
    SVC_AUTH_OK = 0,
    SVC_AUTH_MISSING,           /* no "Bearer KEY" nor "Basic base64(user:KEY)" */
    SVC_AUTH_UNKNOWN,           /* a key we do not know */
    SVC_AUTH_NO_SCOPE,          /* a known key without the scope */
};

/* Check an Authorization header value ("Bearer KEY", or "Basic
 * base64(user:KEY)" as an LMS's LRS setting sends it; may be NULL) for a
 * scope: SVC_AUTH_OK, or why not with the reason (for the caller) in msg.
 * The transport decides what answer that is. */
enum svc_auth_outcome svc_auth_check(const struct svc_auth *a, const char *authorization,
                                     unsigned need, char *msg, size_t msglen);

size_t svc_auth_count(const struct svc_auth *a);

#endif
