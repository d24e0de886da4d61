/*
 * Command-file reader: streams logical lines out of the input files.
 */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prun.h"
#include "cmdfile.h"
#include "xmalloc.h"

#define READ_CHUNK 65536

struct cmdfile {
	char **paths; /* NULL entry: stdin */
	int npaths;
	int cur; /* index of the open input */
	int fd; /* its descriptor, -1 before the first read */
	int always_ready; /* reads never block (regular file, /dev/null) */
	int readable; /* the caller saw the fd become readable */
	int eof; /* the open input hit end of file */
	int all_regular;
	unsigned long lineno; /* physical lines consumed in the open input */
	struct framebuf in; /* bytes read, not yet parsed */
	struct framebuf cmd; /* the command being returned */
};

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

int
cmdparse(const char *p, size_t len, int eof, struct framebuf *out,
    struct cmdparse_res *res)
{
	size_t pos = 0, start = 0, end, next, ll, nbs, i;
	const char *l, *nl;
	unsigned long lines = 0, startlines = 0;
	int joining = 0;

	memset(res, 0, sizeof(*res));
again:
	for (;;) {
		nl = pos < len ? memchr(p + pos, '\n', len - pos) : NULL;
		if (nl == NULL) {
			if (!eof || pos == len) {
				/* Drop what was skipped; reparse the rest. */
				if (joining && eof && pos == len)
					break;
				res->consumed = joining ? start : pos;
				res->lines = joining ? startlines : lines;
				out->wpos = out->rpos = 0;
				return 0;
			}
			end = next = len;
		} else {
			end = (size_t)(nl - p);
			next = end + 1;
		}
		lines++;
		l = p + pos;
		ll = end - pos;
		if (ll > 0 && l[ll - 1] == '\r')
			ll--;
		if (!joining) {
			for (i = 0; i < ll && is_blank(l[i]); i++)
				;
			if (i == ll || l[i] == '#') {
				pos = next;
				continue;
			}
			start = pos;
			startlines = lines - 1;
			res->first = startlines;
		}
		if (memchr(l, '\0', ll) != NULL) {
			/* Skip the whole physical line. */
			res->consumed = next;
			res->lines = lines;
			res->errstr = "NUL byte in command";
			return -1;
		}
		for (nbs = 0; nbs < ll && l[ll - 1 - nbs] == '\\'; nbs++)
			;
		if (nbs % 2 == 1) {
			memcpy(fb_reserve(out, ll - 1), l, ll - 1);
			fb_commit(out, ll - 1);
			joining = 1;
			pos = next;
			if (pos == len && eof)
				break;
			continue;
		}
		memcpy(fb_reserve(out, ll), l, ll);
		fb_commit(out, ll);
		pos = next;
		break;
	}
	/*
	 * A join may end in nothing but blanks: nothing to run, so go on to
	 * the next line (returning 0 here would read as "no more input").
	 */
	for (i = out->rpos; i < out->wpos && is_blank((char)out->buf[i]); i++)
		;
	if (i == out->wpos) {
		out->wpos = out->rpos = 0;
		joining = 0;
		goto again;
	}
	res->consumed = pos;
	res->lines = lines;
	return 1;
}

/* Open input i, or stdin; exit 255 naming it when it can't be read. */
static int
open_input(const char *path)
{
	struct stat st;
	int fd;

	if (path == NULL)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		err(PRUN_EXIT_ERROR, "%s", path);
	if (fstat(fd, &st) == -1)
		err(PRUN_EXIT_ERROR, "%s", path ? path : "stdin");
	if (S_ISDIR(st.st_mode))
		errx(PRUN_EXIT_ERROR, "%s: Is a directory",
		    path ? path : "stdin");
	return fd;
}

struct cmdfile *
cmdfile_open(char **files, int nfiles)
{
	struct cmdfile *cf;
	struct stat st;
	int i, fd;

	cf = xcalloc(1, sizeof(*cf));
	cf->npaths = nfiles > 0 ? nfiles : 1;
	cf->paths = xcalloc((size_t)cf->npaths, sizeof(*cf->paths));
	cf->all_regular = 1;
	for (i = 0; i < nfiles; i++)
		if (strcmp(files[i], "-") != 0)
			cf->paths[i] = files[i];
	/* Check every input now, so a bad one stops prun before any job. */
	for (i = 0; i < cf->npaths; i++) {
		fd = open_input(cf->paths[i]);
		if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))
			cf->all_regular = 0;
		if (i == 0)
			cf->fd = fd;
		else if (fd != STDIN_FILENO)
			close(fd);
	}
	cf->always_ready = cf->paths[0] != NULL && fstat(cf->fd, &st) == 0 &&
	    S_ISREG(st.st_mode);
	fb_init(&cf->in);
	fb_init(&cf->cmd);
	return cf;
}

void
cmdfile_close(struct cmdfile *cf)
{
	if (cf == NULL)
		return;
	if (cf->fd > STDIN_FILENO)
		close(cf->fd);
	fb_free(&cf->in);
	fb_free(&cf->cmd);
	free(cf->paths);
	free(cf);
}

int
cmdfile_fd(const struct cmdfile *cf)
{
	return cf->fd;
}

void
cmdfile_readable(struct cmdfile *cf)
{
	cf->readable = 1;
}

void
cmdfile_always_readable(struct cmdfile *cf)
{
	cf->always_ready = 1;
}

int
cmdfile_all_regular(const struct cmdfile *cf)
{
	return cf->all_regular;
}

static const char *
display_name(const struct cmdfile *cf)
{
	return cf->paths[cf->cur] ? cf->paths[cf->cur] : "stdin";
}

/* Move to the next input; 0 when there is none. */
static int
next_input(struct cmdfile *cf)
{
	struct stat st;

	if (cf->fd > STDIN_FILENO)
		close(cf->fd);
	cf->fd = -1;
	if (cf->cur + 1 >= cf->npaths)
		return 0;
	cf->cur++;
	cf->fd = open_input(cf->paths[cf->cur]);
	cf->always_ready = cf->paths[cf->cur] != NULL &&
	    fstat(cf->fd, &st) == 0 && S_ISREG(st.st_mode);
	cf->readable = 0;
	cf->eof = 0;
	cf->lineno = 0;
	fb_consume(&cf->in, fb_len(&cf->in));
	return 1;
}

/*
 * A line over PRUN_MAX_CMD: an error naming it, and the end of all input,
 * since the rest can't be trusted (the same however the bytes were read).
 */
static void
too_long(struct cmdfile *cf, unsigned long lineno, char *errbuf, size_t errlen)
{
	snprintf(errbuf, errlen, "%s:%lu: line longer than %u bytes",
	    display_name(cf), lineno, PRUN_MAX_CMD);
	cf->cur = cf->npaths;
	if (cf->fd > STDIN_FILENO)
		close(cf->fd);
	cf->fd = -1;
}

/*
 * Return the next command.  errbuf receives a one-line message for
 * CMD_ERROR (a line that cannot run, or a read error).
 */
int
cmdfile_next(struct cmdfile *cf, struct cmdline *line, char *errbuf,
    size_t errlen)
{
	struct cmdparse_res res;
	ssize_t n;
	int r;

	for (;;) {
		if (cf->fd == -1)
			return CMD_EOF;
		cf->cmd.rpos = cf->cmd.wpos = 0;
		r = cmdparse((const char *)cf->in.buf + cf->in.rpos,
		    fb_len(&cf->in), cf->eof, &cf->cmd, &res);
		fb_consume(&cf->in, res.consumed);
		if (r == 1 && fb_len(&cf->cmd) > PRUN_MAX_CMD) {
			/* It came whole in one read: as if it had not. */
			too_long(cf, cf->lineno + res.first + 1, errbuf,
			    errlen);
			return CMD_ERROR;
		}
		if (r == 1) {
			line->file = display_name(cf);
			line->lineno = cf->lineno + res.first + 1;
			cf->lineno += res.lines;
			*fb_reserve(&cf->cmd, 1) = '\0';
			line->cmd = (const char *)cf->cmd.buf;
			line->len = fb_len(&cf->cmd);
			return CMD_OK;
		}
		if (r == -1) {
			snprintf(errbuf, errlen, "%s:%lu: %s", display_name(cf),
			    cf->lineno + res.lines, res.errstr);
			cf->lineno += res.lines;
			return CMD_ERROR;
		}
		cf->lineno += res.lines;
		if (cf->eof) {
			if (!next_input(cf))
				return CMD_EOF;
			continue;
		}
		if (fb_len(&cf->in) > PRUN_MAX_CMD + 2) {
			too_long(cf, cf->lineno + 1, errbuf, errlen);
			return CMD_ERROR;
		}
		if (!cf->always_ready && !cf->readable)
			return CMD_AGAIN;
		cf->readable = 0;
		n = read(cf->fd, fb_reserve(&cf->in, READ_CHUNK), READ_CHUNK);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return CMD_AGAIN;
			snprintf(errbuf, errlen, "%s: %s", display_name(cf),
			    strerror(errno));
			cf->eof = 1;
			fb_consume(&cf->in, fb_len(&cf->in));
			return CMD_ERROR;
		}
		if (n == 0)
			cf->eof = 1;
		else
			fb_commit(&cf->in, (size_t)n);
	}
}
