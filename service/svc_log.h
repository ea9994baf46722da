/* SPDX-License-Identifier: MIT
 * Logging: one key=value line per event on stderr. The level is checked
 * before anything is formatted. Never log payloads or secrets. */
#ifndef SVC_LOG_H
#define SVC_LOG_H

enum svc_log_level {
    SVC_LOG_DEBUG = 0,
    SVC_LOG_INFO = 1,
    SVC_LOG_WARN = 2,
    SVC_LOG_ERROR = 3,
};

/* The least severe level that is printed (default INFO). */
extern int svc_log_level;

/* Parse "debug", "info", "warn" or "error"; -1 if none. */
int svc_log_parse_level(const char *s);

void svc_log_write(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* svc_log(SVC_LOG_INFO, "msg=ready addr=%s", addr): adds ts= and level=. */
#define svc_log(level, ...)                                                    \
    do {                                                                       \
        if ((level) >= svc_log_level)                                          \
            svc_log_write((level), __VA_ARGS__);                               \
    } while (0)

#endif
