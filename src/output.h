/*
 * output.h: the only writer of job output to prun's stdout and stderr.
 *
 * Owns the order in which finished jobs are printed (completion order, or
 * input order with -k) and the jobs waiting for their turn, with their
 * spool files.  Takes ownership of each finished job handed to it and
 * frees it once printed.  It never reads the command file, never talks to
 * workers and never holds a job's output in memory: spools are copied to
 * stdout with sendfile(2).
 */
#ifndef PRUN_OUTPUT_H
#define PRUN_OUTPUT_H

#include <stddef.h>

#include "job.h"
#include "prun.h"

struct output;

struct output *output_new(const struct prun_opts *);
void output_free(struct output *);

/*
 * A job is done (for good: no retry follows).  Prints it now, or keeps it
 * until the jobs dispatched before it are printed (-k).  Returns -1 with
 * errno set when stdout or stderr failed (EPIPE: the reader went away).
 */
int output_job_done(struct output *, struct job *);

/* A dispatched job that will never be printed (-k must not wait for it). */
int output_job_skip(struct output *, uint64_t);

/* Jobs waiting for their turn (-k). */
size_t output_waiting(const struct output *);

#endif
