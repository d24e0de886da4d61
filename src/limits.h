/*
 * limits.h: per-job resource limits (--limit-mem, --limit-cpu,
 * --limit-procs, --limit-files) and how they are enforced.
 *
 * Owns the choice of mechanism, the run's cgroup v2 subtree and each
 * job's cgroup.  Memory and processes are limited by a cgroup of the
 * job's own (memory.max, pids.max) when prun runs where it can make one
 * (a delegated subtree, or the root), else by setrlimit(2); CPU time and
 * open files always by setrlimit(2).  The supervisor makes the subtree at
 * the start and removes it at the end; a worker makes each job's cgroup
 * before the job starts and removes it after, noting an OOM kill.  The
 * limits are applied in the job's child process by spawn.c, from a
 * struct job_limits prepared here before the fork.  Nothing here starts,
 * signals or waits for a process, and a missing cgroup never fails a run.
 */
#ifndef PRUN_LIMITS_H
#define PRUN_LIMITS_H

#include <sys/resource.h>

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "prun.h"
#include "proto.h"

/* For tests only: make job cgroups even with no controller to use. */
#define LIMITS_TEST_CGROUP_ENV "PRUN_TEST_CGROUP_ANY"

/* What the workers need to know of the run's cgroup subtree. */
struct limits_env {
	const char *cgdir; /* where job cgroups go, or NULL: none */
	int cg_memory; /* memory.max enforces --limit-mem */
	int cg_pids; /* pids.max enforces --limit-procs */
	const char *pids1dir; /* v1 pids cgroup for jobs, or NULL */
};

#define LIMITS_MAX_RL 4

/* One job's limits, ready for the child to apply with system calls only. */
struct job_limits {
	int nice_set;
	int nice;
	int nrl;
	int rl_res[LIMITS_MAX_RL];
	struct rlimit rl[LIMITS_MAX_RL];
	int cg_procs_fd; /* the job cgroup's cgroup.procs, or -1 */
	int cg1_procs_fd; /* its v1 pids cgroup's cgroup.procs, or -1 */
	char cg1path[PATH_MAX + 64];
	int cg_memory;
	char cgpath[PATH_MAX + 64];
};

/*
 * Say in a sentence which mechanism enforces each limit here, or why
 * cgroups can't be used (for --help and for the run's own choice).
 */
void limits_describe(char *, size_t);

/*
 * The run's cgroup subtree, when a limit asked for can use one; NULL
 * when setrlimit will do (no --limit-mem or --limit-procs, --no-cgroup,
 * or no usable cgroup v2).  Warns, and returns NULL, when setting one up
 * fails midway.
 */
struct cgroup_run *cgroup_run_new(const struct prun_opts *);
void cgroup_run_env(const struct cgroup_run *, struct limits_env *);
/* Remove the subtree (after every worker is gone) and free it. */
void cgroup_run_free(struct cgroup_run *);

/*
 * Worker: prepare job seq's limits from its JOB frame, making its cgroup
 * when env has a subtree.  Returns 0, or -1 with errno when the cgroup
 * could not be made.  A job with no limits leaves lim empty.
 */
int limits_prepare(const struct limits_env *, const struct msg_job *,
    struct job_limits *);

/*
 * Worker, once the job and all it left behind are reaped: remove its
 * cgroup; returns DONE_F_OOM when the OOM killer struck in it, else 0.
 */
uint32_t limits_finish(struct job_limits *);

#endif
