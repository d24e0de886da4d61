/*
 * Job records: creation, release and what their status means.
 */
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "job.h"
#include "proto.h"
#include "xmalloc.h"

struct job *
job_new(uint64_t seq, const char *cmd, size_t len)
{
	struct job *j;

	j = xcalloc(1, sizeof(*j));
	j->seq = seq;
	j->cmd = xmemdup(cmd, len);
	j->cmdlen = len;
	j->attempt = 1;
	j->outfd = j->errfd = -1;
	return j;
}

void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	if (j->outfd != -1)
		close(j->outfd);
	if (j->errfd != -1)
		close(j->errfd);
	free(j->cmd);
	free(j);
}

/* Forget a finished try's result before the job runs again. */
void
job_reset_result(struct job *j)
{
	j->pid = 0;
	j->start_real_ns = j->runtime_ns = 0;
	j->wstatus = j->spawn_errno = j->stage = 0;
	j->killed_sig = j->timed_out = j->lost = j->aborted = 0;
	j->tkind = j->termstep = 0;
	j->out_bytes = j->err_bytes = 0;
}

/* Did the job fail: not started, non-zero exit, or killed by a signal? */
int
job_failed(const struct job *j)
{
	if (j->stage != STAGE_RAN || j->lost || j->timed_out)
		return 1;
	return !WIFEXITED(j->wstatus) || WEXITSTATUS(j->wstatus) != 0;
}

/* The exit value as GNU parallel's joblog shows it (-1 on a timeout). */
int
job_exitval(const struct job *j)
{
	if (j->timed_out)
		return -1;
	if (j->stage != STAGE_RAN)
		return j->stage == STAGE_EXEC && j->spawn_errno == 2 ? 127 :
		    j->stage == STAGE_EXEC                           ? 126 :
								       255;
	if (WIFEXITED(j->wstatus))
		return WEXITSTATUS(j->wstatus);
	return 0;
}

/* The signal that ended it, or 0. */
int
job_termsig(const struct job *j)
{
	if (j->stage != STAGE_RAN)
		return 0;
	if (WIFSIGNALED(j->wstatus))
		return WTERMSIG(j->wstatus);
	return 0;
}

/*
 * What reports and CI log groups call the job: its command line.  Its
 * length goes to *lenp.
 */
const char *
job_name(const struct job *j, size_t *lenp)
{
	*lenp = j->cmdlen;
	return j->cmd;
}

/*
 * How the job ended, in a few words for people: "exit status 2", "killed
 * by signal 9 (SIGKILL)", "timed out", ...
 */
void
job_describe(const struct job *j, char *buf, size_t size)
{
	const char *name;
	int sig;

	if (j->lost)
		snprintf(buf, size, "its worker died while it ran");
	else if (j->stage != STAGE_RAN)
		snprintf(buf, size, "could not be started: %s",
		    strerror(j->spawn_errno));
	else if ((sig = job_termsig(j)) != 0) {
		name = sigabbrev_np(sig);
		snprintf(buf, size, "%skilled by signal %d (SIG%s)",
		    j->timed_out   ? "timed out: " :
			j->aborted ? "the run halted: " :
				     "",
		    sig, name ? name : "?");
	} else if (j->timed_out)
		snprintf(buf, size, "timed out: exit status %d",
		    WIFEXITED(j->wstatus) ? WEXITSTATUS(j->wstatus) : 0);
	else
		snprintf(buf, size, "exit status %d", job_exitval(j));
}
