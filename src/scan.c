/*
 * Reading the command file without running it.
 */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmdfile.h"
#include "fd.h"
#include "scan.h"

/* The next command, blocking; CMD_OK, CMD_EOF or CMD_ERROR. */
static int
next_blocking(struct cmdfile *cf, struct cmdline *line, char *errbuf,
    size_t errlen)
{
	struct pollfd pfd;
	int r;

	while ((r = cmdfile_next(cf, line, errbuf, errlen)) == CMD_AGAIN) {
		pfd.fd = cmdfile_fd(cf);
		pfd.events = POLLIN;
		if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
			err(PRUN_EXIT_ERROR, "poll");
		if (pfd.revents & POLLNVAL)
			cmdfile_always_readable(cf);
		cmdfile_readable(cf);
	}
	return r;
}

int
scan_dry_run(const struct prun_opts *o, const struct seqset *skip)
{
	struct cmdfile *cf;
	struct cmdline line;
	char errbuf[1024];
	uint64_t seq = 0;
	int r, status = 0;

	cf = cmdfile_open(o->files, o->nfiles);
	while (
	    (r = next_blocking(cf, &line, errbuf, sizeof(errbuf))) != CMD_EOF) {
		if (r == CMD_ERROR) {
			fflush(stdout);
			warnx("%s", errbuf);
			status = PRUN_EXIT_ERROR;
			continue;
		}
		if (seqset_has(skip, ++seq))
			continue;
		if (fwrite(line.cmd, 1, line.len, stdout) != line.len ||
		    putchar('\n') == EOF)
			break;
	}
	cmdfile_close(cf);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		if (errno != EPIPE)
			warn("stdout");
		status = PRUN_EXIT_ERROR;
	}
	return status;
}

/* Make stdin seekable: copy a pipe or terminal to an unlinked file. */
static void
spool_stdin(const char *tmpdir)
{
	struct stat st;
	char buf[65536];
	ssize_t n;
	int fd;

	if (fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode))
		return;
	if ((fd = fd_spool_open(tmpdir)) == -1)
		err(PRUN_EXIT_ERROR, "%s: cannot spool stdin", tmpdir);
	for (;;) {
		n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			struct pollfd pfd = { .fd = STDIN_FILENO,
				.events = POLLIN };

			poll(&pfd, 1, -1);
			continue;
		}
		if (n == -1)
			err(PRUN_EXIT_ERROR, "stdin");
		if (n == 0)
			break;
		if (fd_write_all(fd, buf, (size_t)n) == -1)
			err(PRUN_EXIT_ERROR, "%s: spooling stdin", tmpdir);
	}
	if (dup2(fd, STDIN_FILENO) == -1)
		err(PRUN_EXIT_ERROR, "dup2");
	close(fd);
	lseek(STDIN_FILENO, 0, SEEK_SET);
}

uint64_t
scan_count(const struct prun_opts *o)
{
	struct cmdfile *cf;
	struct cmdline line;
	char errbuf[1024];
	uint64_t n = 0;
	off_t off;
	int i, uses_stdin = o->nfiles == 0, r;

	for (i = 0; i < o->nfiles; i++)
		if (strcmp(o->files[i], "-") == 0)
			uses_stdin = 1;
	if (uses_stdin)
		spool_stdin(o->tmpdir);
	off = uses_stdin ? lseek(STDIN_FILENO, 0, SEEK_CUR) : 0;
	cf = cmdfile_open(o->files, o->nfiles);
	while (
	    (r = next_blocking(cf, &line, errbuf, sizeof(errbuf))) != CMD_EOF)
		if (r == CMD_OK)
			n++;
	cmdfile_close(cf);
	if (uses_stdin && lseek(STDIN_FILENO, off, SEEK_SET) == -1)
		err(PRUN_EXIT_ERROR, "stdin");
	return n;
}
