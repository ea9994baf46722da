/* SPDX-License-Identifier: MIT
 * `skillpath migrate-keys`: rename a store's keys from the schema before
 * hash tags (P l:I, P seen:I, P ev:I, P streams:I, P catalog:V, P team:X)
 * to today's (P{I}:l, ..., P{catalog}:V, P{team}:X; svc_keys.h). Blocking hiredis, for the CLI: run it with the
 * daemons stopped, on the single Redis the data lives on (RENAME cannot
 * move a key between a cluster's slots).
 *
 * Idempotent and resumable: it SCANs for keys of the old schema and
 * renames each with RENAMENX, so a second run (or a run after one cut
 * short) finds only what is left. A key whose new name exists already is
 * left alone and counted as a conflict (the new one was written by a
 * daemon of this version: it is the newer). */
#ifndef SVC_MIGRATE_H
#define SVC_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>

struct redisContext;

#define SVC_MIGRATE_KINDS 6

struct svc_migrate_counts {
    /* learners, seen sets, event streams, stream counters, catalog keys, team keys */
    size_t renamed[SVC_MIGRATE_KINDS];
    size_t conflicts;           /* old keys left: their new name was taken */
    size_t skipped;             /* old-looking keys whose id is not a valid id */
};

/* Migrate every old key under `prefix` (dry_run: count, rename nothing).
 * 0, or -1 with the reason in err (Redis failed; counts so far in *out). */
int svc_migrate_keys(struct redisContext *rc, const char *prefix, bool dry_run, struct svc_migrate_counts *out,
                     char *err, size_t errlen);

#endif
