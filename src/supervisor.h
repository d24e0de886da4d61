/*
 * supervisor.h: the parent process.
 *
 * The supervisor owns the worker table, the queue of jobs read but not yet
 * run, the running jobs, the event loop, and shutdown.  It is the only
 * code that forks workers and the only one that decides when a job starts,
 * is killed or is finished.  It never runs a job itself and never prints
 * job output except through output.c.
 */
#ifndef PRUN_SUPERVISOR_H
#define PRUN_SUPERVISOR_H

#include "prun.h"

/* Run every job; returns prun's exit status. */
int supervisor_run(const struct prun_opts *);

#endif
