/*
 * --results DIR: one directory of files per job, for scripts to read.
 */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fd.h"
#include "results.h"
#include "xmalloc.h"

struct results {
	int dirfd;
	const char *path;
};

/* mkdir -p for the user's own DIR: its path is theirs to choose. */
static void
mkdirs(const char *path)
{
	char *p, *copy;

	copy = xstrdup(path);
	for (p = copy + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0777) == -1 && errno != EEXIST)
			err(PRUN_EXIT_ERROR, "--results %s: %s", path, copy);
		*p = '/';
	}
	if (mkdir(copy, 0777) == -1 && errno != EEXIST)
		err(PRUN_EXIT_ERROR, "--results %s", path);
	free(copy);
}

struct results *
results_open(const char *path)
{
	struct results *r;

	if (*path == '\0')
		errx(PRUN_EXIT_ERROR, "--results '': empty directory name");
	mkdirs(path);
	r = xcalloc(1, sizeof(*r));
	r->path = path;
	if ((r->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		err(PRUN_EXIT_ERROR, "--results %s", path);
	return r;
}

void
results_close(struct results *r)
{
	if (r == NULL)
		return;
	close(r->dirfd);
	free(r);
}

/*
 * Create name afresh in dirfd: whatever was there (a planted symlink or a
 * hard link to a file elsewhere) is unlinked, not written through.
 */
static int
create_at(int dirfd, const char *name)
{
	int fd;

	if (unlinkat(dirfd, name, 0) == -1 && errno != ENOENT)
		return -1;
	fd = openat(dirfd, name,
	    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
	return fd;
}

/* Write name with buf, then a newline. */
static int
write_line(int dirfd, const char *name, const void *buf, size_t len)
{
	int fd, r;

	if ((fd = create_at(dirfd, name)) == -1)
		return -1;
	r = fd_write_all(fd, buf, len);
	if (r == 0)
		r = fd_write_all(fd, "\n", 1);
	if (close(fd) == -1)
		r = -1;
	return r;
}

static int
write_str(int dirfd, const char *name, const char *s)
{
	return write_line(dirfd, name, s, strlen(s));
}

static int
copy_spool(int dirfd, const char *name, int spool, uint64_t len)
{
	int fd, r = 0;

	if ((fd = create_at(dirfd, name)) == -1)
		return -1;
	if (spool != -1 && len > 0)
		r = fd_copy_all(spool, fd, (off_t)len);
	if (close(fd) == -1)
		r = -1;
	return r;
}

int
results_write(struct results *r, const struct job *j)
{
	char name[32], buf[64];
	const char *what = name;
	struct stat st;
	uint64_t ms;
	int sfd;

	if (r == NULL)
		return 0;
	snprintf(name, sizeof(name), "%" PRIu64, j->seq);
	if (mkdirat(r->dirfd, name, 0777) == -1 && errno != EEXIST)
		goto fail;
	/* O_NOFOLLOW: a symlink planted as DIR/<seq> is refused. */
	sfd = openat(r->dirfd, name,
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sfd == -1 &&
	    fstatat(r->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode)) {
		warnx("--results %s/%s: a symlink, not followed", r->path,
		    name);
		return -1;
	}
	if (sfd == -1)
		goto fail;
	snprintf(buf, sizeof(buf), "%" PRIu64, j->seq);
	if (write_str(sfd, what = "seq", buf) == -1)
		goto fail_sub;
	if (write_line(sfd, what = "cmd", j->cmd, j->cmdlen) == -1)
		goto fail_sub;
	if (copy_spool(sfd, what = "stdout", j->outfd, j->out_bytes) == -1 ||
	    copy_spool(sfd, what = "stderr", j->errfd, j->err_bytes) == -1)
		goto fail_sub;
	snprintf(buf, sizeof(buf), "%d", job_exitval(j));
	if (write_str(sfd, what = "exitval", buf) == -1)
		goto fail_sub;
	snprintf(buf, sizeof(buf), "%d", job_termsig(j));
	if (write_str(sfd, what = "signal", buf) == -1)
		goto fail_sub;
	ms = (j->start_real_ns + 500000) / 1000000;
	snprintf(buf, sizeof(buf), "%" PRIu64 ".%03u", ms / 1000,
	    (unsigned)(ms % 1000));
	if (write_str(sfd, what = "starttime", buf) == -1)
		goto fail_sub;
	ms = j->runtime_ns / 1000000;
	snprintf(buf, sizeof(buf), "%" PRIu64 ".%03u", ms / 1000,
	    (unsigned)(ms % 1000));
	if (write_str(sfd, what = "runtime", buf) == -1)
		goto fail_sub;
	close(sfd);
	return 0;

fail_sub:
	warn("--results %s/%s/%s", r->path, name, what);
	close(sfd);
	return -1;
fail:
	warn("--results %s/%s", r->path, name);
	return -1;
}
