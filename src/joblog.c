/*
 * The job log: GNU parallel's --joblog format, written row by row, and
 * read back for --resume and --resume-failed.
 */
#include <sys/stat.h>
#include <sys/uio.h>

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "prun.h"
#include "fd.h"
#include "joblog.h"
#include "xmalloc.h"

struct joblog {
	int fd;
	const char *path;
};

struct seqrun {
	uint64_t lo, hi; /* inclusive */
};

struct seqset {
	struct seqrun *r;
	size_t n, cap;
};

struct joblog *
joblog_open(const struct prun_opts *o)
{
	struct joblog *jl;
	struct stat st;
	int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC;

	if (o->joblog == NULL || o->dry_run)
		return NULL;
	jl = xcalloc(1, sizeof(*jl));
	jl->path = o->joblog;
	if (strcmp(o->joblog, "-") == 0) {
		jl->fd = STDOUT_FILENO;
		if (fd_write_all(jl->fd, JOBLOG_HEADER,
			strlen(JOBLOG_HEADER)) == -1)
			err(PRUN_EXIT_ERROR, "--joblog -");
		return jl;
	}
	if (!o->joblog_append && !o->resume && !o->resume_failed)
		flags |= O_TRUNC;
	if ((jl->fd = open(o->joblog, flags, 0666)) == -1)
		err(PRUN_EXIT_ERROR, "--joblog %s", o->joblog);
	if (fstat(jl->fd, &st) == -1)
		err(PRUN_EXIT_ERROR, "--joblog %s", o->joblog);
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		if (fd_write_all(jl->fd, JOBLOG_HEADER,
			strlen(JOBLOG_HEADER)) == -1)
			err(PRUN_EXIT_ERROR, "--joblog %s", o->joblog);
	}
	return jl;
}

void
joblog_close(struct joblog *jl)
{
	if (jl == NULL)
		return;
	if (jl->fd > STDERR_FILENO)
		close(jl->fd);
	free(jl);
}

/* Everything of the row before the command. */
static size_t
format_prefix(const struct job *j, char *buf, size_t len)
{
	uint64_t start_ms, run_ms;
	int n;

	/* Starttime: epoch seconds rounded to ms, as Perl's %.3f. */
	start_ms = (j->start_real_ns + 500000) / 1000000;
	/* JobRuntime: truncated to ms, then %10.3f, as GNU parallel. */
	run_ms = j->runtime_ns / 1000000;
	n = snprintf(buf, len,
	    "%" PRIu64 "\t:\t%" PRIu64 ".%03u\t%6" PRIu64 ".%03u\t0\t%" PRIu64
	    "\t%d\t%d\t",
	    j->seq, start_ms / 1000, (unsigned)(start_ms % 1000), run_ms / 1000,
	    (unsigned)(run_ms % 1000), j->out_bytes, job_exitval(j),
	    job_termsig(j));
	return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}

size_t
joblog_format(const struct job *j, char *buf, size_t len)
{
	size_t n, i;

	n = format_prefix(j, buf, len);
	for (i = 0; i < j->cmdlen && n + 2 < len; i++)
		buf[n++] = j->cmd[i] == '\n' ? '\0' : j->cmd[i];
	buf[n++] = '\n';
	buf[n] = '\0';
	return n;
}

int
joblog_write(struct joblog *jl, const struct job *j)
{
	char prefix[256], *cmd = j->cmd, *copy = NULL;
	struct iovec iov[3];
	size_t total, i;
	ssize_t n;
	int r = 0;

	if (jl == NULL)
		return 0;
	/* A newline would split the row: GNU parallel writes NUL instead. */
	if (memchr(j->cmd, '\n', j->cmdlen) != NULL) {
		copy = xmemdup(j->cmd, j->cmdlen);
		for (i = 0; i < j->cmdlen; i++)
			if (copy[i] == '\n')
				copy[i] = '\0';
		cmd = copy;
	}
	iov[0].iov_base = prefix;
	iov[0].iov_len = format_prefix(j, prefix, sizeof(prefix));
	iov[1].iov_base = cmd;
	iov[1].iov_len = j->cmdlen;
	iov[2].iov_base = (void *)(uintptr_t) "\n";
	iov[2].iov_len = 1;
	total = iov[0].iov_len + iov[1].iov_len + 1;
	/* One call: with O_APPEND the row lands whole, or not at all. */
	do
		n = writev(jl->fd, iov, 3);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		r = -1;
	else if ((size_t)n < total) {
		/* A short write (disk full?): finish the row if we can. */
		char *row = xmalloc(total);

		memcpy(row, iov[0].iov_base, iov[0].iov_len);
		memcpy(row + iov[0].iov_len, cmd, j->cmdlen);
		row[total - 1] = '\n';
		r = fd_write_all(jl->fd, row + n, total - (size_t)n);
		free(row);
	}
	free(copy);
	return r;
}

struct seqset *
seqset_new(void)
{
	return xcalloc(1, sizeof(struct seqset));
}

void
seqset_free(struct seqset *s)
{
	if (s == NULL)
		return;
	free(s->r);
	free(s);
}

size_t
seqset_runs(const struct seqset *s)
{
	return s ? s->n : 0;
}

/* Index of the first run with hi >= seq (s->n if none). */
static size_t
seqset_find(const struct seqset *s, uint64_t seq)
{
	size_t lo = 0, hi = s->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->r[mid].hi < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int
seqset_has(const struct seqset *s, uint64_t seq)
{
	size_t i;

	if (s == NULL)
		return 0;
	i = seqset_find(s, seq);
	return i < s->n && s->r[i].lo <= seq;
}

void
seqset_add(struct seqset *s, uint64_t seq)
{
	size_t i;

	/* The common case: rows come in about seq order. */
	if (s->n > 0 && s->r[s->n - 1].hi + 1 == seq) {
		s->r[s->n - 1].hi = seq;
		return;
	}
	i = seqset_find(s, seq);
	if (i < s->n && s->r[i].lo <= seq)
		return;
	if (i < s->n && s->r[i].lo == seq + 1) {
		s->r[i].lo = seq;
		if (i > 0 && s->r[i - 1].hi + 1 == seq) {
			s->r[i - 1].hi = s->r[i].hi;
			memmove(&s->r[i], &s->r[i + 1],
			    (s->n - i - 1) * sizeof(*s->r));
			s->n--;
		}
		return;
	}
	if (i > 0 && s->r[i - 1].hi + 1 == seq) {
		s->r[i - 1].hi = seq;
		return;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->r = xreallocarray(s->r, s->cap, sizeof(*s->r));
	}
	memmove(&s->r[i + 1], &s->r[i], (s->n - i) * sizeof(*s->r));
	s->r[i].lo = s->r[i].hi = seq;
	s->n++;
}

/*
 * Split a row into its first 8 fields (the command may hold tabs).
 * Returns 0 when it has the shape GNU parallel accepts: a seq, a host,
 * then six numbers.
 */
static int
parse_row(char *line, uint64_t *seq, int *ok)
{
	char *f[8], *p = line;
	const char *errstr;
	int i;

	for (i = 0; i < 8; i++) {
		f[i] = p;
		if ((p = strchr(p, '\t')) == NULL)
			return -1;
		*p++ = '\0';
	}
	*seq = (uint64_t)strtonum(f[0], 1, INT64_MAX, &errstr);
	if (errstr != NULL || *f[1] == '\0')
		return -1;
	for (i = 2; i < 8; i++) {
		if (*f[i] == '\0' ||
		    strspn(f[i], " -0123456789.") != strlen(f[i]))
			return -1;
	}
	*ok = strcmp(f[6], "0") == 0 && strcmp(f[7], "0") == 0;
	return 0;
}

struct seqset *
joblog_resume_set(const struct prun_opts *o)
{
	struct seqset *s;
	FILE *fp;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned long lineno = 0;
	uint64_t seq;
	int ok;

	if (!o->resume && !o->resume_failed)
		return NULL;
	if (o->joblog == NULL || strcmp(o->joblog, "-") == 0)
		errx(PRUN_EXIT_ERROR,
		    "--resume and --resume-failed need --joblog FILE");
	if ((fp = fopen(o->joblog, "re")) == NULL) {
		if (errno == ENOENT)
			return NULL; /* nothing ran yet */
		err(PRUN_EXIT_ERROR, "--joblog %s", o->joblog);
	}
	s = seqset_new();
	while ((len = getline(&line, &cap, fp)) != -1) {
		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (lineno == 1 && strncmp(line, "Seq\t", 4) == 0)
			continue; /* the header */
		if (parse_row(line, &seq, &ok) == -1)
			errx(PRUN_EXIT_ERROR,
			    "--joblog %s:%lu: not a joblog row", o->joblog,
			    lineno);
		if (o->resume_failed && !ok)
			continue;
		seqset_add(s, seq);
	}
	if (ferror(fp))
		err(PRUN_EXIT_ERROR, "--joblog %s", o->joblog);
	free(line);
	fclose(fp);
	return s;
}
