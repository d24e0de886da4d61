/*
 * admit.h: whether the machine lets one more job start now.
 *
 * Owns --load, --memfree, --noswap and the make jobserver tokens: the
 * readings of /proc (through procfs.c), the tokens held (through
 * jobserver.c), the timer that re-checks a "no" and the notice for stderr
 * when prun waits with nothing running.  The supervisor asks before each
 * start and tells how many jobs run; admission never starts, kills or
 * queues a job itself: it calls the supervisor's wake callback when the
 * answer may have changed, and answers admit_memory_low() when the
 * youngest job should go.
 */
#ifndef PRUN_ADMIT_H
#define PRUN_ADMIT_H

#include <stdint.h>

#include "evloop.h"
#include "jobserver.h"
#include "prun.h"

struct admit;

typedef void admit_wake_cb(void *);

/* Takes ownership of js (may be NULL). */
struct admit *admit_new(const struct prun_opts *, struct evloop *,
    struct jobserver *, admit_wake_cb *, void *);

/* Gives every token back. */
void admit_free(struct admit *);

/*
 * May a job start now, with nrunning jobs running?  1: yes (a token it
 * needs is taken).  0: not now; wake is called when that may change.
 */
int admit_try(struct admit *, int);

/*
 * nrunning jobs run now (after starts, ends or a "no"): give back tokens
 * beyond the jobs that need them, and keep the memory watch going.
 */
void admit_settle(struct admit *, int);

/*
 * --memfree: is available memory below half of it, so the youngest job
 * must be killed and run again later?  Fills buf with a reason.
 */
int admit_memory_low(struct admit *, char *, size_t);

/*
 * After a "no" from admit_try(): why jobs wait, when it is news to say on
 * stderr (once a while passed with nothing running), else NULL.  The
 * supervisor prints it, so that the progress line is taken off first.
 */
const char *admit_notice(struct admit *);

/* Does admission hold a job back at all (to skip the calls when not)? */
int admit_active(const struct admit *);

#endif
