/*
 * worker.h: the life of one prefork worker process.
 *
 * A worker owns its end of the socketpair, its spool files and the job it
 * is running.  It reads JOB frames, runs each job through spawn.c, and
 * answers STARTED and DONE; it obeys KILL and exits on SHUTDOWN, on EOF
 * (the supervisor is gone) or on SIGTERM, killing its job first.  It never
 * writes to prun's stdout or stderr except through a job in -u mode.
 */
#ifndef PRUN_WORKER_H
#define PRUN_WORKER_H

#include "prun.h"

__dead void worker_main(int, int, pid_t, const struct prun_opts *);

#endif
