/*
 * prun.h: what cuts across modules: the version, limits, exit statuses and
 * the parsed command line (struct prun_opts).
 *
 * main.c fills struct prun_opts once; every other module reads it and must
 * never change it.  Nothing here has a body.
 */
#ifndef PRUN_PRUN_H
#define PRUN_PRUN_H

#include <stdint.h>
#include <sys/types.h>

#include "compat.h"

#define PRUN_VERSION "0.1.0"

/* Exit statuses, as GNU parallel's. */
#define PRUN_EXIT_OK 0
#define PRUN_EXIT_MANY_FAILED 101 /* more than 100 jobs failed */
#define PRUN_EXIT_ERROR 255 /* prun's own error */
#define PRUN_EXIT_SIGHUP 129
#define PRUN_EXIT_SIGINT 130
#define PRUN_EXIT_SIGTERM 143

/* Limits. */
#define PRUN_MAX_WORKERS 65536
#define PRUN_MAX_CMD (16u * 1024 * 1024) /* one command, in bytes */
#define PRUN_MAX_FRAME (PRUN_MAX_CMD + 4096u) /* one wire frame */

/* How a job's output reaches prun's stdout and stderr. */
enum prun_outmode {
	OUT_GROUP, /* spooled, printed whole when the job ends */
	OUT_LINE, /* --line-buffer: whole lines as they arrive */
	OUT_UNGROUP /* -u: the job writes to prun's stdout directly */
};

/* A partial line longer than this is passed on in pieces (--line-buffer). */
#define PRUN_LINE_MAX (64u * 1024)

/*
 * --termseq: how a job is stopped (timeout, --halt now, a signal): send
 * step[0].sig to its process group, wait up to step[0].ms for it to end,
 * send step[1].sig, and so on (GNU parallel's SIG,MS,SIG,MS,... format).
 * A job still running after the last step gets SIGKILL.  Parsed by
 * parse_termseq() in parse.c; termseq_default() gives
 * TERM,200,TERM,100,TERM,50,KILL,25.
 */
#define PRUN_TERMSEQ_MAX 32
struct termseq_step {
	int sig;
	uint32_t ms; /* wait after sending sig before the next step */
};
struct termseq {
	int n; /* steps, >= 1 */
	struct termseq_step step[PRUN_TERMSEQ_MAX];
};

/* --halt: when to stop, and on what count (GNU parallel's meaning). */
enum halt_when {
	HALT_NEVER,
	HALT_SOON, /* start no new job; let running ones finish */
	HALT_NOW /* also stop running jobs (--termseq) */
};
enum halt_why { HALT_FAIL, HALT_SUCCESS, HALT_DONE };
struct halt_policy {
	enum halt_when when;
	enum halt_why why;
	uint64_t count; /* N, when !pct */
	double pct; /* N% as 0..1, when pct */
	int is_pct;
};

/* Which CI system's collapsible log sections wrap each job's output. */
enum prun_ci {
	CI_NONE,
	CI_GITHUB, /* ::group::NAME ... ::endgroup:: */
	CI_GITLAB /* ESC[0Ksection_start:T:NAME ... section_end */
};
/* --jobserver, --no-jobserver, or neither (take part when make offers). */
enum prun_jobserver { JS_AUTO, JS_ON, JS_OFF };

struct prun_opts {
	char **files; /* command files; none means stdin */
	int nfiles;
	long ncpu; /* online CPUs, >= 1: read once, it costs a file read */
	int jobs; /* -j, resolved to a worker count >= 1 */
	int jobs_unlimited; /* -j 0: as many as limits allow */
	const char *shell; /* --shell, default /bin/sh */
	int shell_always; /* --shell-always: never exec without the shell */
	int keep_order; /* -k */
	enum prun_outmode outmode;
	const char *tmpdir; /* --tmpdir, else $TMPDIR, else /tmp */
	int max_jobs_per_worker; /* 0: no limit */
	char *argv0; /* where the process title lives (worker.c) */
	size_t argv0_len; /* strlen of the original argv[0] */
	int quiet; /* -q */
	struct termseq termseq; /* --termseq */

	/* Failure policy and accounting (0 or NULL: not given). */
	const char *joblog; /* --joblog, without a leading '+' */
	int joblog_append; /* --joblog +FILE */
	int resume; /* --resume */
	int resume_failed; /* --resume-failed */
	int retries; /* --retries: tries in all; 0 unlimited */
	int retries_set;
	uint64_t retry_delay_ns; /* --retry-delay, doubled at each try */
	uint64_t timeout_ns; /* --timeout DURATION */
	double timeout_pct; /* --timeout N%, as a factor of the median */
	uint64_t deadline_ns; /* --deadline */
	uint64_t delay_ns; /* --delay */
	struct halt_policy halt; /* --halt, --halt-on-error */
	const char *results; /* --results DIR */
	int dry_run; /* --dry-run */
	int out_fd; /* where job stdout goes: 1, or 2 with --json - */
	enum prun_ci ci_groups; /* --ci-groups, or detected */
	const char *junit; /* --junit FILE, or NULL */
	const char *json; /* --json FILE ("-": stdout), or NULL */
	const char *tagstring; /* --tag ("{}") or --tagstring; NULL: none */
	int progress; /* PROGRESS_* bits: --bar, --progress, --eta */

	/* The machine: admission, niceness, limits, pinning, make. */
	double load_max; /* --load, in runnable tasks; 0: none */
	uint64_t memfree; /* --memfree, bytes; 0: none */
	int noswap; /* --noswap */
	int nice_set; /* --nice given */
	int nice; /* the jobs' absolute niceness */
	uint64_t limit_mem; /* --limit-mem, bytes; 0: none */
	const char *limit_mem_arg; /* as given, for messages */
	uint64_t limit_cpu; /* --limit-cpu, seconds */
	uint64_t limit_procs; /* --limit-procs */
	uint64_t limit_files; /* --limit-files */
	int no_cgroup; /* --no-cgroup: setrlimit only */
	int pin; /* --pin */
	enum prun_jobserver jobserver;
	int jobserver_serve; /* --jobserver-serve */
};

/* What --bar, --progress and --eta ask for (prun_opts.progress). */
#define PROGRESS_BAR 0x1
#define PROGRESS_LIST 0x2 /* --progress */
#define PROGRESS_ETA 0x4

#endif
