/*
 * Job records: creation, release and what their status means.
 */
#include <sys/wait.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* libbsd: NetBSD's strnvis() argument order (unused; quiets a warning). */
#define LIBBSD_NETBSD_VIS
#include <vis.h>

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
	j->spool_full = 0;
	j->tkind = j->termstep = 0;
	j->out_bytes = j->err_bytes = 0;
}

/* Did the job fail: not started, non-zero exit, or killed by a signal? */
int
job_failed(const struct job *j)
{
	if (j->stage != STAGE_RAN || j->lost || j->timed_out || j->spool_full)
		return 1;
	return !WIFEXITED(j->wstatus) || WEXITSTATUS(j->wstatus) != 0;
}

/*
 * The exit value as GNU parallel's joblog shows it: -1 on a timeout, unless
 * the job caught the signal and exited non-zero of its own accord, whose
 * status GNU parallel keeps.
 */
int
job_exitval(const struct job *j)
{
	if (j->timed_out) {
		if (j->stage == STAGE_RAN && WIFEXITED(j->wstatus) &&
		    WEXITSTATUS(j->wstatus) != 0)
			return WEXITSTATUS(j->wstatus);
		return -1;
	}
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
	/* The OOM killer's SIGKILL, though a shell above it lived on. */
	if (j->oom)
		return SIGKILL;
	return 0;
}

/*
 * --tagstring ts for j: {} is its command, {#} its sequence number, {%}
 * its slot; any other brace is copied as it is.  Returns a malloc'd
 * buffer of *lenp bytes, not NUL-terminated.
 */
char *
job_tag(const struct job *j, const char *ts, size_t *lenp)
{
	char *buf, num[32];
	size_t len = 0, cap = 64, n;
	const char *p;

	buf = xmalloc(cap);
	while (*ts != '\0') {
		if (strncmp(ts, "{}", 2) == 0) {
			p = j->cmd;
			n = j->cmdlen;
			ts += 2;
		} else if (strncmp(ts, "{#}", 3) == 0 ||
		    strncmp(ts, "{%}", 3) == 0) {
			if (ts[1] == '#')
				snprintf(num, sizeof(num), "%" PRIu64, j->seq);
			else
				snprintf(num, sizeof(num), "%d", j->slot);
			p = num;
			n = strlen(num);
			ts += 3;
		} else {
			p = ts;
			n = strcspn(ts + 1, "{") + 1;
			ts += n;
		}
		if (len + n > cap) {
			while (len + n > cap)
				cap *= 2;
			buf = xreallocarray(buf, cap, 1);
		}
		memcpy(buf + len, p, n);
		len += n;
	}
	*lenp = len;
	return buf;
}

/*
 * What reports and CI log sections call the job: its --tagstring when one
 * is given, else its command line.  A malloc'd buffer of *lenp bytes.
 */
char *
job_title(const struct job *j, const char *tagstring, size_t *lenp)
{
	if (tagstring != NULL)
		return job_tag(j, tagstring, lenp);
	*lenp = j->cmdlen;
	return xmemdup(j->cmd, j->cmdlen);
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
	else if (j->oom)
		snprintf(buf, size,
		    "killed by the OOM killer (signal 9, "
		    "SIGKILL) at its memory limit");
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
	else if (j->spool_full)
		snprintf(buf, size,
		    "output may be incomplete (spool full): "
		    "exit status %d",
		    job_exitval(j));
	else
		snprintf(buf, size, "exit status %d", job_exitval(j));
}

/*
 * The command for prun's own messages: control bytes, escape sequences and
 * bytes beyond ASCII made visible (strvis(3) C-style escapes), so that a
 * command can't drive the terminal through a warning; cut to fit size
 * (at least 8), with "..." when cut.  Job output is never passed here.
 */
const char *
job_cmd_vis(const struct job *j, char *buf, size_t size)
{
	size_t n, max = (size - 4) / 4; /* an escape takes up to 4 bytes */
	int cut;

	cut = j->cmdlen > max;
	n = cut ? max : j->cmdlen;
	if (strnvisx(buf, size, j->cmd, n,
		VIS_CSTYLE | VIS_OCTAL | VIS_TAB | VIS_NL | VIS_NOLOCALE) == -1)
		strlcpy(buf, "?", size);
	if (cut)
		strlcat(buf, "...", size);
	return buf;
}
