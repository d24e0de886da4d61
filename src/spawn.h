/*
 * spawn.h: starting one job and killing everything it started.
 *
 * Owns the child side of fork/exec: a new process group, stdin from
 * /dev/null, the output descriptors, default signal dispositions and an
 * empty signal mask, nothing but 0, 1 and 2 open (and a jobserver's
 * descriptors), the job's cgroup, niceness and rlimits (prepared by
 * limits.c), then exec of the shell.
 * Only worker.c calls it.  It must never touch prun's own descriptors or
 * memory from the child beyond what vfork(2) allows: system calls on data
 * prepared before the fork.
 */
#ifndef PRUN_SPAWN_H
#define PRUN_SPAWN_H

#include <sys/types.h>

#include <signal.h>

struct job_limits;

/*
 * The signals whose disposition prun changed or inherited as other than
 * the default, found once before the workers are forked: a job's child
 * resets only those, not all 64 each time.
 */
struct spawn_sigs {
	sigset_t reset;
};

struct spawn_req {
	const char *shell;
	const char *cmd; /* NUL-terminated */
	size_t cmdlen;
	int fd_out; /* descriptor for the job's stdout */
	int fd_err; /* and stderr */
	char **envp;
	char **argv; /* exec these words directly, no shell (direct.h) */
	const struct job_limits *lim; /* or NULL */
	const struct spawn_sigs *sigs;
};

/* Note which signals a child must set back to SIG_DFL. */
void spawn_sigs_init(struct spawn_sigs *);

/* Start the job; its pid, or -1 with *errnum and *stage set. */
pid_t spawn_job(const struct spawn_req *, int *, int *);

/*
 * Signal the job's process group, and any descendant that left it (a
 * setsid() daemon), found by walking /proc from pid.
 */
void spawn_signal_tree(pid_t, int);

/*
 * Kill and reap whatever the worker still has as children once a job's
 * main process is reaped: orphans of the job, reparented to the worker (a
 * child subreaper).
 */
void spawn_reap_orphans(void);

/*
 * Kill and reap every child of the caller, and what they started, except
 * those in process group spare_pgid (0: spare none).  The supervisor uses
 * it for orphans adopted from a worker that died.
 */
void spawn_kill_orphans(pid_t);

#endif
