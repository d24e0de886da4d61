/*
 * GNU make jobserver, client and server.  make hands out one token (a
 * byte in a pipe or fifo) per job slot beyond the first; a client reads
 * one before it starts each job beyond its first and writes it back when
 * that job is over.
 */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobserver.h"
#include "xmalloc.h"

struct jobserver {
	int rfd; /* prun's own, non-blocking */
	int wfd; /* where tokens go back */
	int jobfds[2]; /* for the jobs, or -1 */
	int ownfd; /* a descriptor only closed at the end, or -1 */
	unsigned char *held;
	int nheld;
	int cap;
	char desc[PATH_MAX + 64];
};

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/*
 * The next word of MAKEFLAGS from *p on (a backslash escapes the byte after
 * it): where it starts, its length in *len; *p moves past it.  NULL at the
 * end.
 */
static const char *
next_word(const char **p, size_t *len)
{
	const char *w;
	size_t n;

	while (is_space(**p))
		(*p)++;
	if (**p == '\0')
		return NULL;
	w = *p;
	for (n = 0; w[n] != '\0' && !is_space(w[n]); n++)
		if (w[n] == '\\' && w[n + 1] != '\0')
			n++;
	*len = n;
	*p = w + n;
	return w;
}

int
jobserver_parse(const char *mf, struct js_auth *a, const char **errstr)
{
	const char *p, *w, *v;
	size_t len, vlen;
	char num[32], *end;
	long r, wr;

	memset(a, 0, sizeof(*a));
	a->rfd = a->wfd = -1;
	if (mf == NULL)
		return 0;
	p = mf;
	while ((w = next_word(&p, &len)) != NULL) {
		if (len == 2 && strncmp(w, "--", 2) == 0)
			break; /* variable definitions follow */
		if (len > 17 && strncmp(w, "--jobserver-auth=", 17) == 0) {
			v = w + 17;
			vlen = len - 17;
			a->old_name = 0;
		} else if (len > 16 &&
		    strncmp(w, "--jobserver-fds=", 16) == 0) {
			v = w + 16;
			vlen = len - 16;
			a->old_name = 1;
		} else
			continue;
		/* The last one wins, as in make. */
		a->found = 1;
		a->fifo[0] = '\0';
		a->rfd = a->wfd = -1;
		if (vlen > 5 && strncmp(v, "fifo:", 5) == 0) {
			if (vlen - 5 >= sizeof(a->fifo))
				goto bad;
			memcpy(a->fifo, v + 5, vlen - 5);
			a->fifo[vlen - 5] = '\0';
			continue;
		}
		if (vlen >= sizeof(num))
			goto bad;
		memcpy(num, v, vlen);
		num[vlen] = '\0';
		errno = 0;
		r = strtol(num, &end, 10);
		if (end == num || *end != ',' || errno != 0)
			goto bad;
		v = end + 1;
		wr = strtol(v, &end, 10);
		if (end == v || *end != '\0' || errno != 0)
			goto bad;
		if (r < 0 || wr < 0 || r > INT_MAX || wr > INT_MAX)
			goto bad;
		a->rfd = (int)r;
		a->wfd = (int)wr;
	}
	return 0;
bad:
	*errstr = "malformed --jobserver-auth in MAKEFLAGS";
	a->found = 0;
	return -1;
}

/* Append s (len bytes) to the string being built at b, with a space. */
static void
add_word(char *b, size_t *n, const char *s, size_t len)
{
	if (*n > 0)
		b[(*n)++] = ' ';
	memcpy(b + *n, s, len);
	*n += len;
	b[*n] = '\0';
}

char *
jobserver_makeflags(const char *mf, int njobs, int rfd, int wfd, int old_name)
{
	const char *p, *w, *rest = NULL;
	char ours[96], *b;
	size_t len, n = 0, size;

	if (mf == NULL)
		mf = "";
	if (njobs > 0)
		snprintf(ours, sizeof(ours), "-j%d --jobserver-%s=%d,%d", njobs,
		    old_name ? "fds" : "auth", rfd, wfd);
	else
		snprintf(ours, sizeof(ours), "--jobserver-%s=%d,%d",
		    old_name ? "fds" : "auth", rfd, wfd);
	size = strlen(mf) + strlen(ours) + 3;
	b = xmalloc(size);
	b[0] = '\0';
	p = mf;
	while ((w = next_word(&p, &len)) != NULL) {
		if (len == 2 && strncmp(w, "--", 2) == 0) {
			rest = w;
			break;
		}
		if (strncmp(w, "--jobserver-auth=", 17) == 0 ||
		    strncmp(w, "--jobserver-fds=", 16) == 0)
			continue;
		if (njobs > 0 &&
		    (strncmp(w, "-j", 2) == 0 ||
			(len >= 6 && strncmp(w, "--jobs", 6) == 0)))
			continue;
		add_word(b, &n, w, len);
	}
	add_word(b, &n, ours, strlen(ours));
	if (rest != NULL)
		add_word(b, &n, rest, strlen(rest));
	return b;
}

static struct jobserver *
js_new(void)
{
	struct jobserver *js;

	js = xcalloc(1, sizeof(*js));
	js->rfd = js->wfd = js->ownfd = -1;
	js->jobfds[0] = js->jobfds[1] = -1;
	return js;
}

/* A non-blocking read descriptor of our own for the pipe fd is one end of. */
static int
reopen_nonblock(int fd)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
}

/* Are r and w the two ends of one pipe, open for reading and writing? */
static int
valid_pair(int r, int w)
{
	struct stat sr, sw;
	int fr, fw;

	if ((fr = fcntl(r, F_GETFL)) == -1 || (fw = fcntl(w, F_GETFL)) == -1)
		return 0;
	if ((fr & O_ACCMODE) == O_WRONLY || (fw & O_ACCMODE) == O_RDONLY)
		return 0;
	if (fstat(r, &sr) == -1 || fstat(w, &sw) == -1)
		return 0;
	return S_ISFIFO(sr.st_mode) && sr.st_ino == sw.st_ino &&
	    sr.st_dev == sw.st_dev;
}

static void
set_makeflags(const char *mf, int njobs, int old_name)
{
	char *s;

	s = jobserver_makeflags(mf, njobs, JOBSERVER_JOB_RFD, JOBSERVER_JOB_WFD,
	    old_name);
	if (setenv("MAKEFLAGS", s, 1) == -1)
		err(PRUN_EXIT_ERROR, "setenv");
	free(s);
}

/* make's jobserver, as MAKEFLAGS names it; NULL with errbuf set if unusable. */
static struct jobserver *
open_client(const struct js_auth *a, const char *mf, char *errbuf,
    size_t errlen)
{
	struct jobserver *js = js_new();

	if (a->fifo[0] != '\0') {
		if ((js->rfd = open(a->fifo,
			 O_RDWR | O_NONBLOCK | O_CLOEXEC)) == -1) {
			snprintf(errbuf, errlen, "make's jobserver fifo %s: %s",
			    a->fifo, strerror(errno));
			goto fail;
		}
		js->wfd = js->rfd;
		js->ownfd = js->rfd;
		snprintf(js->desc, sizeof(js->desc), "make's jobserver (%s)",
		    a->fifo);
		return js;
	}
	if (!valid_pair(a->rfd, a->wfd)) {
		snprintf(errbuf, errlen,
		    "make's jobserver descriptors %d,%d named in MAKEFLAGS are "
		    "not open (mark the make rule with '+')",
		    a->rfd, a->wfd);
		goto fail;
	}
	if ((js->rfd = reopen_nonblock(a->rfd)) == -1) {
		snprintf(errbuf, errlen,
		    "make's jobserver: /proc/self/fd/%d: "
		    "%s",
		    a->rfd, strerror(errno));
		goto fail;
	}
	if ((js->jobfds[0] = fcntl(a->rfd, F_DUPFD_CLOEXEC, 10)) == -1 ||
	    (js->jobfds[1] = fcntl(a->wfd, F_DUPFD_CLOEXEC, 10)) == -1) {
		snprintf(errbuf, errlen, "make's jobserver: %s",
		    strerror(errno));
		goto fail;
	}
	js->wfd = js->jobfds[1];
	set_makeflags(mf, 0, a->old_name);
	snprintf(js->desc, sizeof(js->desc), "make's jobserver (fds %d,%d)",
	    a->rfd, a->wfd);
	return js;
fail:
	jobserver_close(js);
	return NULL;
}

/* A pool of nslots - 1 tokens that the jobs inherit. */
static struct jobserver *
open_server(const char *mf, int nslots, char *errbuf, size_t errlen)
{
	struct jobserver *js = js_new();
	char plus[256];
	int left = nslots - 1, p[2];
	ssize_t n;

	memset(plus, '+', sizeof(plus));
	if (pipe2(p, O_CLOEXEC) == -1) {
		snprintf(errbuf, errlen, "--jobserver-serve: pipe: %s",
		    strerror(errno));
		goto fail;
	}
	js->jobfds[0] = p[0];
	js->jobfds[1] = p[1];
	js->wfd = p[1];
	if (left >= 4096)
		fcntl(p[1], F_SETPIPE_SZ, left + 1);
	while (left > 0) {
		n = write(p[1], plus, left < 256 ? (size_t)left : 256);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(errbuf, errlen,
			    "--jobserver-serve: filling "
			    "the token pipe: %s",
			    strerror(errno));
			goto fail;
		}
		left -= (int)n;
	}
	if ((js->rfd = reopen_nonblock(p[0])) == -1) {
		snprintf(errbuf, errlen,
		    "--jobserver-serve: /proc/self/fd/%d: "
		    "%s",
		    p[0], strerror(errno));
		goto fail;
	}
	set_makeflags(mf, nslots, 0);
	snprintf(js->desc, sizeof(js->desc), "prun's jobserver (%d slots)",
	    nslots);
	return js;
fail:
	jobserver_close(js);
	return NULL;
}

struct jobserver *
jobserver_open(const struct prun_opts *o, int nslots, char *errbuf,
    size_t errlen, int *fatal)
{
	struct jobserver *js;
	struct js_auth a;
	const char *mf = getenv("MAKEFLAGS"), *errstr = NULL;
	char serr[256];

	*fatal = 0;
	errbuf[0] = '\0';
	if (o->jobserver != JS_OFF) {
		if (jobserver_parse(mf, &a, &errstr) == -1) {
			snprintf(errbuf, errlen, "%s", errstr);
			if (o->jobserver == JS_ON) {
				*fatal = 1;
				return NULL;
			}
		} else if (a.found) {
			if ((js = open_client(&a, mf, errbuf, errlen)) != NULL)
				return js;
			if (o->jobserver == JS_ON) {
				*fatal = 1;
				return NULL;
			}
		} else if (o->jobserver == JS_ON && !o->jobserver_serve) {
			snprintf(errbuf, errlen,
			    "--jobserver: MAKEFLAGS names "
			    "no jobserver (is prun run by make -j, from a rule "
			    "marked '+'?)");
			*fatal = 1;
			return NULL;
		}
	}
	if (!o->jobserver_serve)
		return NULL;
	/* Keep saying why make's is unusable, if it is. */
	if ((js = open_server(mf, nslots, serr, sizeof(serr))) == NULL) {
		snprintf(errbuf, errlen, "%s", serr);
		*fatal = 1;
	}
	return js;
}

void
jobserver_close(struct jobserver *js)
{
	if (js == NULL)
		return;
	while (js->nheld > 0)
		jobserver_give(js);
	if (js->rfd != -1 && js->rfd != js->ownfd)
		close(js->rfd);
	if (js->ownfd != -1)
		close(js->ownfd);
	if (js->jobfds[0] != -1)
		close(js->jobfds[0]);
	if (js->jobfds[1] != -1)
		close(js->jobfds[1]);
	free(js->held);
	free(js);
}

int
jobserver_fd(const struct jobserver *js)
{
	return js->rfd;
}

int
jobserver_take(struct jobserver *js)
{
	unsigned char c;
	ssize_t n;

	for (;;) {
		n = read(js->rfd, &c, 1);
		if (n == 1)
			break;
		if (n == -1 && errno == EINTR)
			continue;
		return 0; /* EAGAIN: none now */
	}
	if (js->nheld == js->cap) {
		js->cap = js->cap ? js->cap * 2 : 16;
		js->held = xreallocarray(js->held, (size_t)js->cap, 1);
	}
	js->held[js->nheld++] = c;
	return 1;
}

void
jobserver_give(struct jobserver *js)
{
	unsigned char c;

	if (js->nheld == 0)
		return;
	c = js->held[--js->nheld];
	while (write(js->wfd, &c, 1) == -1 && errno == EINTR)
		;
}

int
jobserver_held(const struct jobserver *js)
{
	return js->nheld;
}

int
jobserver_job_fds(const struct jobserver *js, int fds[2])
{
	if (js == NULL || js->jobfds[0] == -1)
		return -1;
	fds[0] = js->jobfds[0];
	fds[1] = js->jobfds[1];
	return 0;
}

const char *
jobserver_describe(const struct jobserver *js)
{
	return js->desc;
}
