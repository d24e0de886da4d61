/*
 * job.h: one job's record, from the command line it came from to its
 * result.
 *
 * The supervisor creates, changes and hands on jobs; output.c frees them
 * once printed.  Functions here only derive facts from a record: they do
 * no I/O and never change state.
 */
#ifndef PRUN_JOB_H
#define PRUN_JOB_H

#include <sys/queue.h>
#include <sys/types.h>
#include <stdint.h>

#include "evloop.h"

enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE };

struct wslot;
struct lbjob;

/* What a job's one timer is armed for (they never overlap). */
enum job_timer {
	JT_NONE,
	JT_TIMEOUT, /* running: --timeout */
	JT_TERMSEQ, /* being stopped: the next --termseq step */
	JT_RETRY /* between tries: --retry-delay */
};

struct job {
	uint64_t seq; /* 1, 2, 3... in input order ({#}) */
	uint64_t ord; /* dispatch order, which -k prints in */
	char *cmd; /* NUL-terminated */
	size_t cmdlen;
	enum job_state state;
	int attempt; /* 1 for the first try */
	int slot; /* worker slot that ran it ({%}) */
	pid_t pid; /* its main process, once STARTED */
	struct wslot *w;

	uint64_t start_mono; /* supervisor's clock at dispatch */
	uint64_t start_real_ns; /* when it started, epoch */
	uint64_t runtime_ns;
	int wstatus; /* raw wait status, when stage is STAGE_RAN */
	int spawn_errno; /* why it could not start */
	int stage; /* enum done_stage */
	int killed_sig; /* signal prun sent it (timeout, interrupt), or 0 */
	int timed_out;
	int lost; /* its worker died under it */
	int spool_full; /* its spool filled up: output may be incomplete */
	int aborted; /* stopped because the whole run stops (--halt now):
			 neither logged nor counted, so --resume reruns it */
	int tkind; /* what its timer is armed for: enum job_timer */
	int termstep; /* the --termseq step sent last */
	int oom; /* the OOM killer struck in its cgroup */
	int evicted; /* killed for --memfree, to run again */
	int requeued; /* that happened: it was dispatched before */

	int outfd; /* spooled stdout, or -1 */
	int errfd; /* spooled stderr, or -1 */
	uint64_t out_bytes;
	uint64_t err_bytes;
	struct lbjob *lb; /* --line-buffer state: output.c's alone */

	struct ev_timer timer; /* its timeout, retry delay... */
	TAILQ_ENTRY(job) entry;
	TAILQ_ENTRY(job) oentry; /* output.c's queue for a pipe on stdout */
};

TAILQ_HEAD(jobq, job);

struct job *job_new(uint64_t, const char *, size_t);
void job_free(struct job *);
void job_reset_result(struct job *);
int job_failed(const struct job *);
int job_exitval(const struct job *);
int job_termsig(const struct job *);
char *job_tag(const struct job *, const char *, size_t *);
char *job_title(const struct job *, const char *, size_t *);
void job_describe(const struct job *, char *, size_t);
const char *job_cmd_vis(const struct job *, char *, size_t);

#endif
