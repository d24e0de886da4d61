/*
 * report.h: the fan-out from the supervisor to the records a run leaves
 * besides job output: the JUnit XML report (--junit) and the JSON event
 * stream (--json).  Any other per-job record of the run hooks in here.
 *
 * Owns the open reports.  The supervisor calls it at five points: the run
 * starts, a job starts, a job ends, a job will not run, the run ends.  It
 * reads jobs and never changes them, never prints job output, and keeps
 * nothing per job in memory: each event goes to its files as it happens.
 *
 * Every call returns 0, or -1 with errno set when a report could not be
 * written; the message has then been printed (once per report) and that
 * report is given up.  EPIPE means the reader of stdout went away.
 */
#ifndef PRUN_REPORT_H
#define PRUN_REPORT_H

#include <stdint.h>

#include "job.h"
#include "prun.h"

/* The run as it starts. */
struct report_run {
	int jobs; /* -j, resolved */
	int workers; /* workers forked (fewer for a short input) */
	int64_t total; /* jobs in the input, or -1 if not known yet */
	uint64_t start_real_ns; /* epoch */
};

/* The run as it ends. */
struct report_end {
	uint64_t ok; /* jobs that succeeded */
	uint64_t failed; /* jobs that failed, started or not */
	uint64_t skipped; /* jobs not run: the run stopped before them */
	uint64_t wall_ns;
	int exit_status; /* prun's; report_run_end may make it 255 */
	int signal; /* the signal that stopped the run, or 0 */
	const char *stopped; /* why the run stopped early, or NULL */
};

struct report;

/* Open the reports the options ask for; exits 255 if one can't be made. */
struct report *report_open(const struct prun_opts *);
void report_free(struct report *);

/* Does any report want the jobs a stopped run did not run? */
int report_active(const struct report *);

int report_run_start(struct report *, const struct report_run *);
int report_job_start(struct report *, const struct job *);

/* j ended; with `retrying`, another attempt of it follows. */
int report_job_end(struct report *, const struct job *, int);

/* j will not run: the run stopped (why: end->stopped) before it. */
int report_job_skip(struct report *, const struct job *, const char *);

/*
 * The run is over: the reports are finished and closed.  If one could not
 * be finished, end->exit_status becomes 255 before the JSON stream's last
 * event tells it.
 */
int report_run_end(struct report *, struct report_end *);

#endif
