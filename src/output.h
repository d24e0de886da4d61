/*
 * output.h: the only writer of job output to prun's stdout and stderr.
 *
 * Owns the order in which jobs are printed (completion order, or input
 * order with -k), the jobs waiting for their turn with their spool files,
 * the --tag/--tagstring prefixes and, with --line-buffer, the read ends of
 * the running jobs' output pipes with each stream's partial last line.
 * Takes ownership of each finished job handed to it and frees it once
 * printed.  It never reads the command file, never talks to workers and
 * never holds a job's output whole in memory: spools are copied with
 * sendfile(2) or splice(2) or read in chunks, and a --line-buffer stream holds at most
 * PRUN_LINE_MAX bytes of a line not yet ended (a longer line is passed on
 * in pieces).
 */
#ifndef PRUN_OUTPUT_H
#define PRUN_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include "evloop.h"
#include "job.h"
#include "prun.h"

struct output;

/* What the owner of the output wants to hear about. */
struct output_hooks {
	/* About to write to fd (1 or 2): a chance to erase a progress bar. */
	void (*prewrite)(void *, int);
	/*
	 * Output failed while reading a job's pipe (what failed, errno;
	 * EPIPE: the reader went away).  Called once: all later output is
	 * dropped.  Failures inside output_job_done() are returned instead.
	 */
	void (*error)(void *, const char *, int);
	/*
	 * Writing a finished job's output failed outside output_job_done()
	 * (to a pipe on stdout, which takes it as it can): errno; EPIPE, the
	 * reader went away.  All later output is dropped.
	 */
	void (*write_failed)(void *, int);
	void *arg;
};

struct output *output_new(const struct prun_opts *, struct evloop *,
    const struct output_hooks *);
void output_free(struct output *);

/*
 * --line-buffer: job j's attempt started; out and err are the read ends of
 * its stdout and stderr pipes (-1 if none), which output reads from now
 * on.  In other modes they are closed.
 */
void output_job_started(struct output *, struct job *, int, int);

/*
 * j's processes are gone: take in what its pipes still hold (counting it
 * in out_bytes/err_bytes) and close them.  Does nothing without pipes.
 */
void output_job_exited(struct output *, struct job *);

/*
 * j's try failed and it will run again (--retries).  With --line-buffer,
 * what the try printed live stays printed, its unfinished line too; what
 * it spooled (-k, not yet its turn) is dropped, as grouped output drops a
 * failed try's spool files: only the last try counts.
 */
void output_job_retry(struct output *, struct job *);

/*
 * A job is done (for good: no retry follows).  Prints it now, or keeps it
 * until the jobs dispatched before it are printed (-k); into a pipe on
 * stdout, as the pipe takes it (see output_flush()).  Returns -1 with
 * errno set when stdout or stderr failed (EPIPE: the reader went away).
 */
int output_job_done(struct output *, struct job *);

/*
 * The run is over: write what the pipe on stdout has not yet taken,
 * waiting for its reader.  -1 with errno set when that fails.
 */
int output_flush(struct output *);

/* A dispatched job that will never be printed (-k must not wait for it). */
int output_job_skip(struct output *, uint64_t);

/* Jobs waiting for their turn (-k). */
size_t output_waiting(const struct output *);

#endif
