/* SPDX-License-Identifier: MIT
 * A link-time fake of svc_store.h (and of the two push calls operations
 * make) for unit tests of the logic above the store: learners kept in
 * memory with the write script's rules (DUP, CONFLICT on a changed version
 * token, watched), and every command queued until the test runs it, so a
 * test decides what happens between a read and its write. */
#ifndef FAKE_STORE_H
#define FAKE_STORE_H

#include <stdbool.h>
#include <stddef.h>

void fake_store_reset(void);
/* Set (or, value NULL, remove) a learner's stored value, as another writer would. */
void fake_store_set(const char *id, const char *value, size_t len);
/* The stored value, or NULL. */
const char *fake_store_value(const char *id, size_t *len);
/* The learner has open streams somewhere: its writes answer watched. */
void fake_store_set_watched(const char *id, bool watched);
/* Commands submitted and not yet run. */
size_t fake_store_pending(void);
/* Run the oldest submitted command (its callback runs now); false if none. */
bool fake_store_run(void);
/* Run commands until none is left; returns how many ran. */
size_t fake_store_run_all(void);
/* The next command run answers `status` (an svc_store_status) instead. */
void fake_store_fail_next(int status);

extern bool fake_store_down;        /* submits fail at once (no connection) */
extern int fake_push_published;     /* svc_push_publish calls */
extern size_t fake_push_last_lessons;   /* lessons in the last one */
extern int fake_push_failed;        /* svc_push_count_failure calls */

#endif
