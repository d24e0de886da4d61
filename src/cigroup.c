/*
 * CI log sections: one collapsible section per job in the CI system's log.
 * GitHub Actions folds every group and offers no way to leave one open,
 * so a failed job's title says it failed; GitLab's sections are left
 * expanded unless marked collapsed, so only jobs that succeeded are.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cigroup.h"
#include "fd.h"

#define TITLE_MAX 200 /* bytes of the job's name shown in a title */

/*
 * Append j's title to buf: its name with control characters made spaces
 * (a title must stay on one line), cut to TITLE_MAX bytes at a character
 * boundary, then how it failed if it did.
 */
static void
title(const struct job *j, const char *tagstring, char *buf, size_t size)
{
	char how[128];
	char *name;
	size_t len, i, n = strlen(buf);

	name = job_title(j, tagstring, &len);
	for (i = 0; i < len && i < TITLE_MAX && n + 1 < size; i++) {
		unsigned char c = (unsigned char)name[i];

		buf[n++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	free(name);
	if (i < len) {
		/* Cut: don't leave half a UTF-8 character. */
		while (n > 0 && ((unsigned char)buf[n - 1] & 0xc0) == 0x80)
			n--;
		if (n > 0 && (unsigned char)buf[n - 1] >= 0xc0)
			n--;
		buf[n] = '\0';
		strlcat(buf, "...", size);
	} else
		buf[n] = '\0';
	if (job_failed(j)) {
		job_describe(j, how, sizeof(how));
		strlcat(buf, " (failed: ", size);
		strlcat(buf, how, size);
		strlcat(buf, ")", size);
	}
}

static uint64_t
start_sec(const struct job *j)
{
	return j->start_real_ns / 1000000000u;
}

int
cigroup_begin(const struct prun_opts *o, const struct job *j, int fd)
{
	char buf[TITLE_MAX + 512];

	switch (o->ci_groups) {
	case CI_GITHUB:
		strlcpy(buf, "::group::", sizeof(buf));
		title(j, o->tagstring, buf, sizeof(buf) - 1);
		break;
	case CI_GITLAB:
		snprintf(buf, sizeof(buf),
		    "\033[0Ksection_start:%" PRIu64 ":prun_%d_%" PRIu64 "%s"
		    "\r\033[0K",
		    start_sec(j), (int)getpid(), j->seq,
		    job_failed(j) ? "" : "[collapsed=true]");
		title(j, o->tagstring, buf, sizeof(buf) - 1);
		break;
	default:
		return 0;
	}
	strlcat(buf, "\n", sizeof(buf));
	return fd_write_all(fd, buf, strlen(buf));
}

/* End an unterminated last line of a spool's output on fd. */
static int
end_line(int spool, uint64_t len, int fd)
{
	char c;

	if (spool == -1 || len == 0)
		return 0;
	if (pread(spool, &c, 1, (off_t)len - 1) != 1 || c == '\n')
		return 0;
	return fd_write_all(fd, "\n", 1);
}

int
cigroup_end(enum prun_ci ci, const struct job *j, int fd, int errfd)
{
	char buf[128];

	if (ci == CI_NONE)
		return 0;
	if (end_line(j->outfd, j->out_bytes, fd) == -1 ||
	    end_line(j->errfd, j->err_bytes, errfd) == -1)
		return -1;
	if (ci == CI_GITHUB)
		strlcpy(buf, "::endgroup::\n", sizeof(buf));
	else
		snprintf(buf, sizeof(buf),
		    "\033[0Ksection_end:%" PRIu64 ":prun_%d_%" PRIu64
		    "\r\033[0K\n",
		    (j->start_real_ns + j->runtime_ns) / 1000000000u,
		    (int)getpid(), j->seq);
	return fd_write_all(fd, buf, strlen(buf));
}
