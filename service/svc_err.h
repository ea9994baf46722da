/* SPDX-License-Identifier: MIT
 * What went wrong, as a kind: operations and resources report kinds, and
 * one table in the transport (svc_http.c) turns a kind into its HTTP status
 * and error code. Nothing below the transport knows HTTP. */
#ifndef SVC_ERR_H
#define SVC_ERR_H

#define SVC_ERRS(X)                                                                    \
    X(OK, 200, "ok")                                                                   \
    X(INVALID, 400, "invalid_argument")        /* the request is malformed or wrong */ \
    X(UNAUTHENTICATED, 401, "unauthenticated") /* no key, or an unknown one */          \
    X(FORBIDDEN, 403, "permission_denied")     /* the key lacks the route's scope */    \
    X(NOT_FOUND, 404, "not_found")             /* no such route, learner or course */   \
    X(METHOD, 405, "method_not_allowed")       /* the route exists, not this method */  \
    X(CONFLICT, 409, "conflict")               /* an id already used for other content */ \
    X(TOO_LARGE, 413, "payload_too_large")                                             \
    X(URI_TOO_LONG, 414, "uri_too_long")                                               \
    X(MEDIA_TYPE, 415, "unsupported_media_type")                                       \
    X(HEADERS_TOO_LARGE, 431, "request_header_fields_too_large")                       \
    X(INTERNAL, 500, "internal")               /* out of memory, unreadable data */    \
    X(UNAVAILABLE, 503, "unavailable")         /* Redis down or slow, no catalog yet */

enum svc_err {
#define SVC_ERR_ENUM(kind, status, code) SVC_ERR_##kind,
    SVC_ERRS(SVC_ERR_ENUM)
#undef SVC_ERR_ENUM
    SVC_ERR_COUNT
};

#endif
