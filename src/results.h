/*
 * results.h: --results DIR, each finished job's files under DIR/<seq>/.
 *
 * Owns the descriptor of DIR and everything created under it.  Every path
 * is opened relative to that descriptor, never by a name built from the
 * command line, and without following symlinks, so a symlink planted in
 * DIR cannot send a write elsewhere and no command line can name a path
 * outside DIR.  Job output is copied from the spool descriptors; nothing
 * is run again.
 */
#ifndef PRUN_RESULTS_H
#define PRUN_RESULTS_H

#include "job.h"
#include "prun.h"

struct results;

/* Create (like mkdir -p) and open DIR; exits 255 when it can't. */
struct results *results_open(const char *);
void results_close(struct results *);

/*
 * Write DIR/<seq>/{seq,cmd,stdout,stderr,exitval,signal,starttime,
 * runtime}; -1 with a warning printed when that failed.
 */
int results_write(struct results *, const struct job *);

#endif
