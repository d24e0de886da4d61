/*
 * Output: prints each job's stdout and stderr.
 *
 * Grouped (the default): whole and contiguous when the job ends, from its
 * spool files, in completion order or (with -k) in dispatch order; a plain
 * spool goes out with sendfile(2), a tagged one is read in chunks and each
 * line gets its prefix.
 *
 * --line-buffer: whole lines as they come out of the jobs' pipes.  Each
 * read takes what a pipe holds; the lines in it go out in one writev(2)
 * and the unfinished last line waits, up to PRUN_LINE_MAX bytes, for the
 * rest of it.  A longer line is passed on in pieces, so memory stays flat
 * whatever a job prints.  With -k only the oldest job prints live; what
 * the others print meanwhile is spooled, and printed when their turn
 * comes, as GNU parallel does.
 *
 * Grouped and untagged output to a pipe on stdout goes out as the pipe
 * takes it: splice(2) with SPLICE_F_NONBLOCK (stdout itself stays as it
 * is, blocking), the rest when epoll says there is room, while the loop
 * runs on and the workers get new jobs.  Jobs wait their turn in a queue
 * of at most OQ_MAX; beyond that, and at the end of the run, a write waits
 * for the reader as it would anywhere else.
 */
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cigroup.h"
#include "fd.h"
#include "output.h"
#include "xmalloc.h"

#define RBUF_SIZE (256u * 1024) /* one read from a pipe or a spool */
#define READS_PER_EVENT 8 /* then other descriptors get a turn */
#define OB_IOV 512 /* iovecs per writev(2) */
#define OB_STAGE (64u * 1024) /* small pieces are copied together */
#define OB_SMALL 512 /* what a small piece is */
#define OQ_MAX 32 /* jobs queued for a slow pipe before writes wait */

struct output;

/*
 * Output gathered for one writev(2).  Big pieces are pointed at; small
 * ones (tags and short lines) are copied into `stage` side by side, so
 * that tagged short lines take a few large iovecs, not two tiny ones each.
 */
struct obuf {
	struct output *out;
	int fd;
	int n;
	size_t slen;
	int staged; /* the last iovec points into stage */
	struct iovec iov[OB_IOV];
	char stage[OB_STAGE];
};

/* One stream of a --line-buffer job: its pipe and its line state. */
struct lstream {
	struct ev_io io; /* the pipe's read end; fd -1 once closed */
	struct lbjob *lj;
	int ofd; /* where it goes: opts->out_fd, or STDERR_FILENO */
	int spool; /* -k: what came while it was not first, or -1 */
	uint64_t spooled;
	int bol; /* the next byte starts a line: it gets the tag */
	char *part; /* the line not ended yet */
	size_t plen;
	size_t pcap;
};

struct lbjob {
	struct output *out;
	struct job *j;
	int done; /* handed to output_job_done() */
	char *tag; /* the line prefix, tab included, or NULL */
	size_t taglen;
	struct lstream s[2];
};

struct output {
	const struct prun_opts *opts;
	struct evloop *loop;
	struct output_hooks hooks;
	int failed; /* a write failed: everything from now on is dropped */
	char what[128]; /* what failed */
	char *rbuf; /* RBUF_SIZE bytes, allocated on first use */
	struct obuf ob;
	/* -k: ring of jobs indexed by ord, from `next` on. */
	struct job **ring;
	size_t cap;
	uint64_t next;
	size_t waiting;
	/* A pipe on stdout: the jobs being printed, the first one partly. */
	int async;
	int draining; /* the run is over: wait for the reader */
	int wfd; /* a dup of stdout, watched for room */
	struct ev_io wio;
	struct jobq oq;
	size_t nq;
	uint64_t qoff; /* bytes of the first one's stdout already out */
};

/* Marks a dispatched job that will never be printed. */
static struct job skipped;

static void wio_cb(struct ev_io *, uint32_t);

struct output *
output_new(const struct prun_opts *opts, struct evloop *loop,
    const struct output_hooks *hooks)
{
	struct output *out;
	struct stat st, est;

	out = xcalloc(1, sizeof(*out));
	out->opts = opts;
	out->loop = loop;
	if (hooks != NULL)
		out->hooks = *hooks;
	TAILQ_INIT(&out->oq);
	out->wfd = -1;
	/*
	 * Only where nothing but job output goes into that pipe: no joblog
	 * rows (--joblog -) and not prun's stderr (2>&1), which would land
	 * in the middle of a job's output.
	 */
	if (opts->outmode == OUT_GROUP && opts->tagstring == NULL &&
	    opts->ci_groups == CI_NONE && opts->out_fd == STDOUT_FILENO &&
	    (opts->joblog == NULL || strcmp(opts->joblog, "-") != 0) &&
	    fstat(STDOUT_FILENO, &st) == 0 && S_ISFIFO(st.st_mode) &&
	    (fstat(STDERR_FILENO, &est) == -1 || est.st_dev != st.st_dev ||
		est.st_ino != st.st_ino) &&
	    (out->wfd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)) != -1) {
		out->async = 1;
		out->wio.cb = wio_cb;
		out->wio.arg = out;
	}
	return out;
}

static void lb_free(struct output *, struct job *);

void
output_free(struct output *out)
{
	struct job *j;
	size_t i;
	int done;

	if (out == NULL)
		return;
	while ((j = TAILQ_FIRST(&out->oq)) != NULL) {
		TAILQ_REMOVE(&out->oq, j, oentry);
		job_free(j);
	}
	if (out->wio.added)
		ev_io_del(out->loop, &out->wio);
	if (out->wfd != -1)
		close(out->wfd);
	for (i = 0; i < out->cap; i++) {
		if ((j = out->ring[i]) == NULL || j == &skipped)
			continue;
		done = j->lb == NULL || j->lb->done;
		lb_free(out, j);
		if (done)
			job_free(j);
	}
	free(out->ring);
	free(out->rbuf);
	free(out);
}

size_t
output_waiting(const struct output *out)
{
	return out->waiting;
}

/* Note the first failure; errno is kept for the caller.  Returns -1. */
static int
fail(struct output *out, const char *what)
{
	int saved = errno;

	if (!out->failed) {
		out->failed = 1;
		strlcpy(out->what, what, sizeof(out->what));
	}
	errno = saved;
	return -1;
}

static char *
rbuf(struct output *out)
{
	if (out->rbuf == NULL)
		out->rbuf = xmalloc(RBUF_SIZE);
	return out->rbuf;
}

static void
prewrite(struct output *out, int fd)
{
	if (out->hooks.prewrite != NULL)
		out->hooks.prewrite(out->hooks.arg, fd);
}

static struct obuf *
ob_start(struct output *out, int fd)
{
	out->ob.out = out;
	out->ob.fd = fd;
	out->ob.n = 0;
	out->ob.slen = 0;
	out->ob.staged = 0;
	return &out->ob;
}

static int
ob_flush(struct obuf *ob)
{
	int n = ob->n;

	ob->n = 0;
	ob->slen = 0;
	ob->staged = 0;
	if (n == 0 || ob->out->failed)
		return 0;
	prewrite(ob->out, ob->fd);
	if (fd_writev_all(ob->fd, ob->iov, n) == -1)
		return fail(ob->out, "writing output");
	return 0;
}

static int
ob_add(struct obuf *ob, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if (n <= OB_SMALL) {
		if (ob->slen + n > OB_STAGE && ob_flush(ob) == -1)
			return -1;
		if (ob->n > 0 && ob->staged) {
			memcpy(ob->stage + ob->slen, p, n);
			ob->slen += n;
			ob->iov[ob->n - 1].iov_len += n;
			return 0;
		}
		if (ob->n == OB_IOV && ob_flush(ob) == -1)
			return -1;
		memcpy(ob->stage + ob->slen, p, n);
		p = ob->stage + ob->slen;
		ob->slen += n;
		ob->staged = 1;
	} else {
		if (ob->n == OB_IOV && ob_flush(ob) == -1)
			return -1;
		ob->staged = 0;
	}
	ob->iov[ob->n].iov_base = (void *)(uintptr_t)p;
	ob->iov[ob->n].iov_len = n;
	ob->n++;
	return 0;
}

/*
 * Add p[0, n) to ob with tag (if any) before each line; *bol says whether
 * p starts a line, and is left saying whether what follows p does.
 */
static int
emit(struct obuf *ob, const char *tag, size_t taglen, const char *p, size_t n,
    int *bol)
{
	const char *nl;
	size_t k;

	if (n == 0)
		return 0;
	if (tag == NULL) {
		*bol = p[n - 1] == '\n';
		return ob_add(ob, p, n);
	}
	while (n > 0) {
		if (*bol && ob_add(ob, tag, taglen) == -1)
			return -1;
		nl = memchr(p, '\n', n);
		k = nl != NULL ? (size_t)(nl - p) + 1 : n;
		if (ob_add(ob, p, k) == -1)
			return -1;
		*bol = nl != NULL;
		p += k;
		n -= k;
	}
	return 0;
}

static void
append(char **buf, size_t *len, size_t *cap, const char *p, size_t n)
{
	if (*len + n > *cap) {
		while (*len + n > *cap)
			*cap = *cap ? *cap * 2 : 64;
		*buf = xreallocarray(*buf, *cap, 1);
	}
	memcpy(*buf + *len, p, n);
	*len += n;
}

/* The prefix of j's lines: --tagstring expanded (job_tag), then a tab. */
static char *
make_tag(const char *ts, const struct job *j, size_t *lenp)
{
	char *buf;

	buf = job_tag(j, ts, lenp);
	buf = xreallocarray(buf, *lenp + 1, 1);
	buf[(*lenp)++] = '\t';
	return buf;
}

/* Copy spool[0, len) to fd, with tag before each line when there is one. */
static int
copy_spool(struct output *out, int spool, uint64_t len, int fd, const char *tag,
    size_t taglen, int *bol)
{
	struct obuf *ob;
	uint64_t off = 0;
	ssize_t n;
	char *buf;

	if (spool == -1 || len == 0 || out->failed)
		return 0;
	if (tag == NULL) {
		prewrite(out, fd);
		if (fd_copy_all(spool, fd, (off_t)len) == -1)
			return fail(out, "writing output");
		return 0;
	}
	buf = rbuf(out);
	ob = ob_start(out, fd);
	while (off < len) {
		n = pread(spool, buf,
		    len - off < RBUF_SIZE ? (size_t)(len - off) : RBUF_SIZE,
		    (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return fail(out, "reading a spool file");
		if (n == 0)
			break;
		if (emit(ob, tag, taglen, buf, (size_t)n, bol) == -1 ||
		    ob_flush(ob) == -1)
			return -1;
		off += (uint64_t)n;
	}
	return 0;
}

static int
print_grouped(struct output *out, struct job *j)
{
	enum prun_ci ci = out->opts->ci_groups;
	int fd = out->opts->out_fd, bol = 1, r;
	char *tag = NULL;
	size_t taglen = 0;

	if (out->failed)
		return 0;
	if (out->opts->tagstring != NULL &&
	    (j->out_bytes > 0 || j->err_bytes > 0))
		tag = make_tag(out->opts->tagstring, j, &taglen);
	if (ci != CI_NONE)
		prewrite(out, fd);
	if ((r = cigroup_begin(out->opts, j, fd)) == -1)
		fail(out, "writing output");
	if (r == 0)
		r = copy_spool(out, j->outfd, j->out_bytes, fd, tag, taglen,
		    &bol);
	bol = 1;
	if (r == 0)
		r = copy_spool(out, j->errfd, j->err_bytes, STDERR_FILENO, tag,
		    taglen, &bol);
	if (r == 0 && (r = cigroup_end(ci, j, fd, STDERR_FILENO)) == -1)
		fail(out, "writing output");
	free(tag);
	return r;
}

/* --line-buffer ------------------------------------------------------ */

/* Is j printed as it comes: always, or with -k when it is the oldest. */
static int
lb_live(const struct lbjob *lj)
{
	return !lj->out->opts->keep_order || lj->j->ord == lj->out->next;
}

static void
part_append(struct lstream *ls, const char *p, size_t n)
{
	append(&ls->part, &ls->plen, &ls->pcap, p, n);
}

/* Pass on the whole lines of p[0, n); keep the rest as the partial line. */
static int
ls_feed(struct lstream *ls, const char *p, size_t n)
{
	struct lbjob *lj = ls->lj;
	struct obuf *ob;
	const char *nl;
	size_t k;
	int r = 0;

	if (n == 0)
		return 0;
	nl = memrchr(p, '\n', n);
	if (nl == NULL) {
		if (ls->plen + n <= PRUN_LINE_MAX) {
			part_append(ls, p, n);
			return 0;
		}
		k = n; /* a line too long to hold: pass on what there is */
	} else {
		k = (size_t)(nl - p) + 1;
		if (n - k > PRUN_LINE_MAX)
			k = n;
	}
	ob = ob_start(lj->out, ls->ofd);
	if (emit(ob, lj->tag, lj->taglen, ls->part, ls->plen, &ls->bol) == -1 ||
	    emit(ob, lj->tag, lj->taglen, p, k, &ls->bol) == -1 ||
	    ob_flush(ob) == -1)
		r = -1;
	ls->plen = 0;
	if (k < n)
		part_append(ls, p + k, n - k);
	return r;
}

/* Pass on the partial line as it is: its job has ended. */
static int
ls_flush_part(struct lstream *ls)
{
	struct lbjob *lj = ls->lj;
	struct obuf *ob;
	int r;

	if (ls->plen == 0)
		return 0;
	ob = ob_start(lj->out, ls->ofd);
	r = emit(ob, lj->tag, lj->taglen, ls->part, ls->plen, &ls->bol);
	if (r == 0)
		r = ob_flush(ob);
	ls->plen = 0;
	return r;
}

/* Bytes from ls's pipe: print them, or spool them until j's turn (-k). */
static int
ls_take(struct lstream *ls, const char *p, size_t n)
{
	struct output *out = ls->lj->out;

	if (out->failed)
		return 0;
	if (lb_live(ls->lj))
		return ls_feed(ls, p, n);
	if (ls->spool == -1 &&
	    (ls->spool = fd_spool_open(out->opts->tmpdir)) == -1) {
		char what[128];

		snprintf(what, sizeof(what), "creating a spool file in %s",
		    out->opts->tmpdir);
		return fail(out, what);
	}
	if (fd_write_all(ls->spool, p, n) == -1)
		return fail(out, "writing a spool file");
	ls->spooled += n;
	return 0;
}

static void
ls_close(struct lstream *ls)
{
	if (ls->io.fd == -1)
		return;
	ev_io_del(ls->lj->out->loop, &ls->io);
	close(ls->io.fd);
	ls->io.fd = -1;
}

/*
 * Read ls's pipe: at most max times, or (max 0) until it is empty.  Closes
 * it at end of file.  -1 with errno set when passing the bytes on failed.
 */
static int
ls_read(struct lstream *ls, int max)
{
	struct job *j = ls->lj->j;
	char *buf = rbuf(ls->lj->out);
	ssize_t n;
	int i;

	for (i = 0; ls->io.fd != -1 && (max == 0 || i < max); i++) {
		n = read(ls->io.fd, buf, RBUF_SIZE);
		if (n > 0) {
			if (ls == &ls->lj->s[0])
				j->out_bytes += (uint64_t)n;
			else
				j->err_bytes += (uint64_t)n;
			if (ls_take(ls, buf, (size_t)n) == -1)
				return -1;
			/* A short read emptied the pipe; epoll says when not. */
			if (max != 0 && (size_t)n < RBUF_SIZE)
				break;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			break;
		ls_close(ls);
	}
	return 0;
}

static void
report(struct output *out)
{
	if (out->hooks.error != NULL)
		out->hooks.error(out->hooks.arg, out->what, errno);
}

static void
lb_read_cb(struct ev_io *io, uint32_t events __unused)
{
	struct lstream *ls = io->arg;

	if (ls_read(ls, READS_PER_EVENT) == -1)
		report(ls->lj->out);
}

/* j, spooled until now, is the oldest job: print what it has, then live. */
static int
lb_catch_up(struct output *out, struct lbjob *lj)
{
	struct lstream *ls;
	uint64_t off;
	ssize_t n;
	char *buf;
	int i;

	for (i = 0; i < 2; i++) {
		ls = &lj->s[i];
		if (ls->spool == -1)
			continue;
		buf = rbuf(out);
		for (off = 0; off < ls->spooled && !out->failed;) {
			n = pread(ls->spool, buf, RBUF_SIZE, (off_t)off);
			if (n == -1 && errno == EINTR)
				continue;
			if (n == -1)
				return fail(out, "reading a spool file");
			if (n == 0)
				break;
			if (ls_feed(ls, buf, (size_t)n) == -1)
				return -1;
			off += (uint64_t)n;
		}
		close(ls->spool);
		ls->spool = -1;
		ls->spooled = 0;
	}
	return 0;
}

/* Print what is left of a --line-buffer job that has ended. */
static int
print_lb(struct output *out, struct lbjob *lj)
{
	struct lstream *ls;
	int i;

	for (i = 0; i < 2; i++) {
		ls = &lj->s[i];
		/* Spooled (-k, never first while it ran): nothing is partial. */
		if (ls->spool != -1 &&
		    copy_spool(out, ls->spool, ls->spooled, ls->ofd, lj->tag,
			lj->taglen, &ls->bol) == -1)
			return -1;
		if (ls_flush_part(ls) == -1)
			return -1;
	}
	return 0;
}

static void
lb_free(struct output *out, struct job *j)
{
	struct lbjob *lj = j->lb;
	int i;

	if (lj == NULL)
		return;
	for (i = 0; i < 2; i++) {
		ls_close(&lj->s[i]);
		if (lj->s[i].spool != -1)
			close(lj->s[i].spool);
		free(lj->s[i].part);
	}
	free(lj->tag);
	j->lb = NULL;
	/* Its ev_io structs may still be in the loop's current batch. */
	ev_defer_free(out->loop, lj);
}

static void ring_fit(struct output *, uint64_t);

void
output_job_started(struct output *out, struct job *j, int ofd, int efd)
{
	struct lbjob *lj;
	int fds[2] = { ofd, efd }, i;

	if (out->opts->outmode != OUT_LINE) {
		if (ofd != -1)
			close(ofd);
		if (efd != -1)
			close(efd);
		return;
	}
	if ((lj = j->lb) == NULL) {
		lj = xcalloc(1, sizeof(*lj));
		lj->out = out;
		lj->j = j;
		for (i = 0; i < 2; i++) {
			lj->s[i].lj = lj;
			lj->s[i].ofd =
			    i == 0 ? out->opts->out_fd : STDERR_FILENO;
			lj->s[i].spool = -1;
			lj->s[i].bol = 1;
			lj->s[i].io.fd = -1;
			lj->s[i].io.cb = lb_read_cb;
			lj->s[i].io.arg = &lj->s[i];
		}
		j->lb = lj;
		if (out->opts->keep_order) {
			/* Running, it holds its place: -k stops there. */
			ring_fit(out, j->ord);
			out->ring[j->ord % out->cap] = j;
		}
	}
	/* A new try: its slot, and so its tag, may have changed. */
	free(lj->tag);
	lj->tag = NULL;
	if (out->opts->tagstring != NULL)
		lj->tag = make_tag(out->opts->tagstring, j, &lj->taglen);
	j->out_bytes = j->err_bytes = 0;
	for (i = 0; i < 2; i++) {
		if (fds[i] == -1)
			continue;
		fd_set_nonblock(fds[i], 1);
		if (ev_io_add(out->loop, &lj->s[i].io, fds[i], EPOLLIN) == -1) {
			close(fds[i]);
			continue;
		}
	}
}

void
output_job_retry(struct output *out, struct job *j)
{
	struct lstream *ls;
	int i;

	if (j->lb == NULL)
		return;
	for (i = 0; i < 2; i++) {
		ls = &j->lb->s[i];
		ls_close(ls);
		if (lb_live(j->lb)) {
			if (ls_flush_part(ls) == -1)
				report(out);
		} else if (ls->spool != -1) {
			close(ls->spool);
			ls->spool = -1;
			ls->spooled = 0;
		}
		ls->bol = 1;
	}
}

void
output_job_exited(struct output *out, struct job *j)
{
	int i;

	if (j->lb == NULL)
		return;
	for (i = 0; i < 2; i++) {
		if (ls_read(&j->lb->s[i], 0) == -1)
			report(out);
		ls_close(&j->lb->s[i]);
	}
}

/*
 * Send the queued jobs' output as far as the pipe on stdout takes it; 0,
 * or -1 with errno set when a write failed.  The first job's stdout goes
 * out piece by piece; its stderr, and stdout past OQ_MAX queued jobs or
 * once the run is over, as anywhere else.
 */
static int
oq_pump(struct output *out)
{
	int fd = out->opts->out_fd, bol, r;
	struct job *j;
	loff_t off;
	ssize_t n;

	while ((j = TAILQ_FIRST(&out->oq)) != NULL) {
		while (!out->failed && j->outfd != -1 &&
		    out->qoff < j->out_bytes) {
			off = (loff_t)out->qoff;
			prewrite(out, fd);
			n = splice(j->outfd, &off, fd, NULL,
			    (size_t)(j->out_bytes - out->qoff),
			    SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
			if (n > 0) {
				out->qoff += (uint64_t)n;
				continue;
			}
			if (n == 0)
				break; /* the file shrank */
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN && !out->draining &&
			    out->nq <= OQ_MAX) {
				if (!out->wio.added &&
				    ev_io_add(out->loop, &out->wio, out->wfd,
					EPOLLOUT) == -1)
					return fail(out, "writing output");
				return 0;
			}
			if (errno != EAGAIN && errno != EINVAL)
				return fail(out, "writing output");
			/* Wait for the reader, or no splice for this pair. */
			if (fd_copy_range(j->outfd, fd, (off_t)out->qoff,
				(off_t)j->out_bytes) == -1)
				return fail(out, "writing output");
			break;
		}
		TAILQ_REMOVE(&out->oq, j, oentry);
		out->nq--;
		out->qoff = 0;
		bol = 1;
		r = copy_spool(out, j->errfd, j->err_bytes, STDERR_FILENO, NULL,
		    0, &bol);
		job_free(j);
		if (r == -1)
			return -1;
	}
	if (out->wio.added)
		ev_io_del(out->loop, &out->wio);
	return 0;
}

/* The pipe on stdout has room (or its reader went away). */
static void
wio_cb(struct ev_io *io, uint32_t events __unused)
{
	struct output *out = io->arg;

	if (oq_pump(out) == -1 && out->hooks.write_failed != NULL)
		out->hooks.write_failed(out->hooks.arg, errno);
}

int
output_flush(struct output *out)
{
	out->draining = 1;
	return oq_pump(out);
}

static int
print_job(struct output *out, struct job *j)
{
	int r;

	if (j->lb == NULL && out->async) {
		TAILQ_INSERT_TAIL(&out->oq, j, oentry);
		out->nq++;
		/* The first waits for room already, unless too many wait. */
		if (out->nq > 1 && out->nq <= OQ_MAX && out->wio.added)
			return 0;
		return oq_pump(out);
	}
	if (j->lb != NULL)
		r = print_lb(out, j->lb);
	else
		r = print_grouped(out, j);
	lb_free(out, j);
	job_free(j);
	return r;
}

/* -k ----------------------------------------------------------------- */

/* Make room in the ring for ord. */
static void
ring_fit(struct output *out, uint64_t ord)
{
	struct job **nring;
	size_t ncap, i;

	if (ord - out->next < out->cap)
		return;
	ncap = out->cap ? out->cap : 64;
	while (ord - out->next >= ncap)
		ncap *= 2;
	nring = xcalloc(ncap, sizeof(*nring));
	for (i = 0; i < out->cap; i++) {
		struct job *j = out->ring[(out->next + i) % out->cap];

		nring[(out->next + i) % ncap] = j;
	}
	free(out->ring);
	out->ring = nring;
	out->cap = ncap;
}

/*
 * Print what is now at the front of the ring.  A --line-buffer job still
 * running there stops it: it prints live from now on.
 */
static int
ring_drain(struct output *out)
{
	struct job *j;
	size_t i;
	int r = 0;

	while (
	    out->cap > 0 && (j = out->ring[i = out->next % out->cap]) != NULL) {
		if (j != &skipped && j->lb != NULL && !j->lb->done) {
			if (lb_catch_up(out, j->lb) == -1 && r == 0)
				r = -1;
			break;
		}
		out->ring[i] = NULL;
		out->next++;
		out->waiting--;
		if (j != &skipped && print_job(out, j) == -1 && r == 0)
			r = -1;
	}
	return r;
}

static int
ring_put(struct output *out, uint64_t ord, struct job *j)
{
	ring_fit(out, ord);
	out->ring[ord % out->cap] = j;
	out->waiting++;
	return ring_drain(out);
}

int
output_job_done(struct output *out, struct job *j)
{
	output_job_exited(out, j);
	if (j->lb != NULL)
		j->lb->done = 1;
	if (!out->opts->keep_order)
		return print_job(out, j);
	return ring_put(out, j->ord, j);
}

int
output_job_skip(struct output *out, uint64_t ord)
{
	if (!out->opts->keep_order)
		return 0;
	return ring_put(out, ord, &skipped);
}
