/*
 * worker.h: the life of one prefork worker process.
 *
 * A worker owns its end of the socketpair, its spool files and the job it
 * is running.  It reads JOB frames, runs each job through spawn.c, and
 * answers STARTED and DONE; it obeys KILL and exits on SHUTDOWN, on EOF
 * (the supervisor is gone) or on SIGTERM, killing its job first, and
 * after the DONE of a job marked as the last (JOB_F_LAST).  It never
 * writes to prun's stdout or stderr except through a job in -u mode.
 * With --pin it binds itself, and so its jobs, to one CPU.
 */
#ifndef PRUN_WORKER_H
#define PRUN_WORKER_H

#include "limits.h"
#include "prun.h"
#include "spawn.h"

/* What a worker inherits from the supervisor beside the options. */
struct worker_setup {
	int js_fds[2]; /* jobserver pipe the jobs get, or -1 */
	struct limits_env lenv; /* the run's cgroup subtree, if any */
	struct spawn_sigs sigs; /* what a job's child sets back to SIG_DFL */
};

__dead void worker_main(int, int, pid_t, const struct prun_opts *,
    const struct worker_setup *);

#endif
