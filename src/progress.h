/*
 * progress.h: --bar, --progress and --eta on stderr.
 *
 * Owns the progress display: the counts it shows, its redraw timer, the
 * terminal width, and the one line it may keep on the terminal.  It is fed
 * by the supervisor at the points where a job starts and ends, and told
 * before job output is written so that it can erase its line first.  It
 * never writes to stdout, never reads input and never touches jobs.
 *
 * On a terminal (stderr a TTY, TERM not "dumb", not -u) the line is redrawn in
 * place at most ten times a second, fits the terminal's width (re-read on
 * SIGWINCH) and is in colour unless NO_COLOR is set; --bar erases itself
 * at the end, --progress and --eta leave their last state.  Anywhere else
 * (a CI log, a file) there are no escape sequences and no carriage
 * returns: a plain line is printed at every tenth of the jobs done, or
 * every ten seconds when the total is unknown or progress is slow, and
 * once at the end.
 */
#ifndef PRUN_PROGRESS_H
#define PRUN_PROGRESS_H

#include <stdint.h>

#include "evloop.h"
#include "prun.h"

struct progress;

/*
 * NULL when opts asks for no progress.  total is the number of jobs the
 * run will have, or -1 when it is not known.
 */
struct progress *progress_new(const struct prun_opts *, struct evloop *,
    int64_t);
void progress_free(struct progress *);

void progress_job_started(struct progress *);
void progress_job_skipped(struct progress *); /* counted, never run */
void progress_job_requeued(struct progress *); /* an attempt ended: retry */
void progress_job_done(struct progress *, int); /* failed or not */

/* Output is about to be written to fd: take the line off the terminal. */
void progress_prewrite(struct progress *, int);

/* The terminal changed size (SIGWINCH). */
void progress_resize(struct progress *);

/* The run is over: last update; --bar erases itself. */
void progress_finish(struct progress *);

#endif
