/*
 * Progress: --bar, --progress and --eta, drawn on stderr.
 *
 * On a terminal one line is redrawn in place ("\r", the line, "\033[K")
 * from a 100 ms timer, and taken off ("\r\033[K") before job output is
 * written, so the two never share a line; the next tick draws it again.
 * Elsewhere a plain line is printed now and then, with nothing but text
 * and a newline.
 */
#include <sys/ioctl.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fd.h"
#include "progress.h"
#include "xmalloc.h"

#define TICK_NS 100000000ull /* terminal redraws: 10 a second */
#define PLAIN_NS 10000000000ull /* plain lines: every 10 s at least */
#define LINE_MAX_COLS 512

#define SGR_GREEN "\033[32m"
#define SGR_RED "\033[31m"
#define SGR_DIM "\033[2m"
#define SGR_RESET "\033[0m"

struct progress {
	const struct prun_opts *o;
	struct evloop *loop;
	struct ev_timer timer;
	int64_t total; /* -1: unknown */
	uint64_t running;
	uint64_t done;
	uint64_t failed;
	uint64_t t0;

	int tty; /* redraw in place on a terminal */
	int color;
	int stdout_tty; /* job output may land on the same screen */
	int cols;
	int drawn; /* our line is on the terminal */
	int finished;

	uint64_t last_plain_ns; /* when the last plain line was printed */
	int64_t last_tenth; /* the tenth of the total last printed */
	int64_t plain_done; /* done count in the last plain line, or -1 */
};

static void tick(struct ev_timer *);

static int
term_cols(void)
{
	struct winsize ws;
	const char *s;
	int n;

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		n = ws.ws_col;
	else if ((s = getenv("COLUMNS")) != NULL && (n = atoi(s)) > 0)
		;
	else
		n = 80;
	return n > LINE_MAX_COLS ? LINE_MAX_COLS : n;
}

struct progress *
progress_new(const struct prun_opts *o, struct evloop *loop, int64_t total)
{
	struct progress *p;
	const char *term, *nc;

	if (o->progress == 0)
		return NULL;
	p = xcalloc(1, sizeof(*p));
	p->o = o;
	p->loop = loop;
	p->total = total;
	p->t0 = ev_now();
	term = getenv("TERM");
	/*
	 * -u jobs write to the terminal behind prun's back: a line redrawn
	 * with \r would overwrite their output, so they get plain lines.
	 */
	p->tty = isatty(STDERR_FILENO) &&
	    (term == NULL || strcmp(term, "dumb") != 0) &&
	    o->outmode != OUT_UNGROUP;
	nc = getenv("NO_COLOR");
	p->color = p->tty && (nc == NULL || *nc == '\0');
	p->stdout_tty = isatty(STDOUT_FILENO);
	p->cols = p->tty ? term_cols() : LINE_MAX_COLS;
	p->last_plain_ns = p->t0;
	p->plain_done = -1;
	p->timer.cb = tick;
	p->timer.arg = p;
	ev_timer_at(loop, &p->timer, p->t0 + (p->tty ? TICK_NS : PLAIN_NS));
	return p;
}

void
progress_free(struct progress *p)
{
	if (p == NULL)
		return;
	ev_timer_del(p->loop, &p->timer);
	free(p);
}

/* Seconds as "0:07", "12:34" or "1:02:03". */
static void
fmt_time(char *buf, size_t len, uint64_t s)
{
	if (s >= 3600)
		snprintf(buf, len, "%" PRIu64 ":%02" PRIu64 ":%02" PRIu64,
		    s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(buf, len, "%" PRIu64 ":%02" PRIu64, s / 60, s % 60);
}

static double
elapsed_s(const struct progress *p)
{
	return (double)(ev_now() - p->t0) / 1e9;
}

/* Seconds left, from the rate so far; -1 when it can't be told yet. */
static int64_t
eta_s(const struct progress *p)
{
	int64_t left;

	if (p->total < 0 || p->done == 0)
		return -1;
	left = p->total - (int64_t)p->done;
	if (left <= 0)
		return 0;
	return (int64_t)(elapsed_s(p) / (double)p->done * (double)left + 0.5);
}

static double
rate(const struct progress *p)
{
	double e = elapsed_s(p);

	return e > 0 ? (double)p->done / e : 0;
}

/* Append to a line buffer, never past its end. */
static void addf(char *buf, size_t len, size_t *pos, const char *fmt, ...)
    __attribute__((__format__(__printf__, 4, 5)));

static void
addf(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*pos >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		*pos += (size_t)n < len - *pos ? (size_t)n : len - *pos - 1;
}

/*
 * The --bar line, at most `width` columns: the bar, then the fields that
 * fit, the most useful first.  Colour codes take no columns.
 */
static size_t
bar_line(const struct progress *p, char *buf, size_t len, int width)
{
	char f[5][64], t[32];
	size_t pos = 0, flen[5], sum;
	int nf = 0, i, keep, barw, fill;
	int64_t eta;
	double r;

	if (p->total >= 0)
		snprintf(f[nf++], 64, "%" PRIu64 "/%" PRId64 " done", p->done,
		    p->total);
	else
		snprintf(f[nf++], 64, "%" PRIu64 "/? done", p->done);
	snprintf(f[nf++], 64, "%" PRIu64 " failed", p->failed);
	fmt_time(t, sizeof(t), (uint64_t)elapsed_s(p));
	snprintf(f[nf++], 64, "%s elapsed", t);
	if ((eta = eta_s(p)) >= 0) {
		fmt_time(t, sizeof(t), (uint64_t)eta);
		snprintf(f[nf++], 64, "ETA %s", t);
	} else
		snprintf(f[nf++], 64, "ETA ?");
	r = rate(p);
	snprintf(f[nf++], 64, r < 10 ? "%.1f jobs/s" : "%.0f jobs/s", r);
	for (i = 0; i < nf; i++)
		flen[i] = strlen(f[i]);

	/* Drop fields from the end until they fit with a bar of 10. */
	for (keep = nf; keep > 1; keep--) {
		for (sum = 0, i = 0; i < keep; i++)
			sum += flen[i] + 2;
		if ((int)sum + (p->total >= 0 ? 12 : 0) <= width)
			break;
	}
	for (sum = 0, i = 0; i < keep; i++)
		sum += flen[i] + 2;
	barw = p->total >= 0 ? width - (int)sum - 2 : 0;
	if (barw > 60)
		barw = 60;
	if (barw >= 10) {
		fill = p->total > 0 ?
		    (int)((double)p->done * barw / (double)p->total) :
		    0;
		if (fill > barw)
			fill = barw;
		addf(buf, len, &pos, "[%s", p->color ? SGR_GREEN : "");
		for (i = 0; i < fill; i++)
			addf(buf, len, &pos, "#");
		addf(buf, len, &pos, "%s", p->color ? SGR_RESET SGR_DIM : "");
		for (; i < barw; i++)
			addf(buf, len, &pos, "-");
		addf(buf, len, &pos, "%s]  ", p->color ? SGR_RESET : "");
	}
	for (i = 0; i < keep; i++) {
		if (i == 1 && p->color && p->failed > 0)
			addf(buf, len, &pos, "%s%s%s", SGR_RED, f[i],
			    SGR_RESET);
		else
			addf(buf, len, &pos, "%s", f[i]);
		if (i + 1 < keep)
			addf(buf, len, &pos, "  ");
	}
	/* Too narrow for even the first field: cut it. */
	if (barw < 10 && (int)flen[0] > width)
		pos = (size_t)(width > 0 ? width : 0);
	return pos;
}

/*
 * GNU parallel's --progress line, with --eta's prefix:
 * "ETA: 18s Left: 58 AVG: 0.29s  local:4/42/100%/0.3s".
 */
static size_t
gnu_line(const struct progress *p, char *buf, size_t len)
{
	size_t pos = 0;
	double avg = p->done ? elapsed_s(p) / (double)p->done : 0;
	int64_t eta;

	if (p->o->progress & PROGRESS_ETA) {
		eta = eta_s(p);
		if (p->total >= 0)
			addf(buf, len, &pos,
			    "ETA: %" PRId64 "s Left: %" PRId64 " AVG: %.2fs  ",
			    eta < 0 ? 0 : eta, p->total - (int64_t)p->done,
			    avg);
		else
			addf(buf, len, &pos, "ETA: ?s Left: ? AVG: %.2fs  ",
			    avg);
	}
	addf(buf, len, &pos, "local:%" PRIu64 "/%" PRIu64 "/100%%/%.1fs ",
	    p->running, p->done, avg);
	return pos;
}

/* The plain line for logs: words, no escapes. */
static size_t
plain_line(const struct progress *p, char *buf, size_t len)
{
	char t[32];
	size_t pos = 0;
	int64_t eta;

	if (p->total > 0)
		addf(buf, len, &pos,
		    "prun: %" PRIu64 "/%" PRId64 " jobs done (%d%%), ", p->done,
		    p->total, (int)(p->done * 100 / (uint64_t)p->total));
	else if (p->total == 0)
		addf(buf, len, &pos, "prun: 0/0 jobs done, ");
	else
		addf(buf, len, &pos, "prun: %" PRIu64 " jobs done, ", p->done);
	fmt_time(t, sizeof(t), (uint64_t)elapsed_s(p));
	addf(buf, len, &pos,
	    "%" PRIu64 " failed, %" PRIu64 " running, %s "
	    "elapsed",
	    p->failed, p->running, t);
	if ((eta = eta_s(p)) >= 0 && p->done < (uint64_t)p->total) {
		fmt_time(t, sizeof(t), (uint64_t)eta);
		addf(buf, len, &pos, ", ETA %s", t);
	}
	addf(buf, len, &pos, ", %.1f jobs/s\n", rate(p));
	return pos;
}

static void
put(const char *buf, size_t len)
{
	int saved = errno;

	/* A progress line that can't be written is not worth failing over. */
	(void)fd_write_all(STDERR_FILENO, buf, len);
	errno = saved;
}

/* Redraw the terminal line. */
static void
draw(struct progress *p)
{
	char line[LINE_MAX_COLS * 2 + 64];
	size_t pos = 0, n;
	int width = p->cols - 1; /* the last column would wrap on some */

	line[pos++] = '\r';
	if (p->o->progress & PROGRESS_BAR)
		n = bar_line(p, line + pos, sizeof(line) - pos - 8, width);
	else {
		n = gnu_line(p, line + pos, sizeof(line) - pos - 8);
		if ((int)n > width)
			n = (size_t)(width > 0 ? width : 0);
	}
	pos += n;
	memcpy(line + pos, "\033[K", 3);
	pos += 3;
	put(line, pos);
	p->drawn = 1;
}

static void
plain(struct progress *p)
{
	char line[512];

	put(line, plain_line(p, line, sizeof(line)));
	p->last_plain_ns = ev_now();
	p->plain_done = (int64_t)p->done;
}

static void
tick(struct ev_timer *t)
{
	struct progress *p = t->arg;
	uint64_t now = ev_now();

	if (p->finished)
		return;
	if (p->tty) {
		draw(p);
		ev_timer_at(p->loop, &p->timer, now + TICK_NS);
		return;
	}
	if (now - p->last_plain_ns >= PLAIN_NS)
		plain(p);
	ev_timer_at(p->loop, &p->timer, p->last_plain_ns + PLAIN_NS);
}

void
progress_job_started(struct progress *p)
{
	if (p != NULL)
		p->running++;
}

void
progress_job_skipped(struct progress *p)
{
	if (p != NULL && p->total > 0)
		p->total--;
}

void
progress_job_requeued(struct progress *p)
{
	if (p != NULL && p->running > 0)
		p->running--;
}

void
progress_job_done(struct progress *p, int failed)
{
	int64_t tenth;

	if (p == NULL)
		return;
	if (p->running > 0)
		p->running--;
	p->done++;
	if (failed)
		p->failed++;
	/* In a log: a line at each tenth of the total. */
	if (!p->tty && p->total > 0) {
		tenth = (int64_t)p->done * 10 / p->total;
		if (tenth > p->last_tenth) {
			p->last_tenth = tenth;
			plain(p);
		}
	}
}

void
progress_prewrite(struct progress *p, int fd)
{
	if (p == NULL || !p->drawn)
		return;
	if (fd == STDERR_FILENO || p->stdout_tty) {
		put("\r\033[K", 4);
		p->drawn = 0;
	}
}

void
progress_resize(struct progress *p)
{
	if (p == NULL || !p->tty)
		return;
	p->cols = term_cols();
	/* The old line may have wrapped: clear it, redraw at the next tick. */
	if (p->drawn) {
		put("\r\033[K", 4);
		p->drawn = 0;
	}
}

void
progress_finish(struct progress *p)
{
	if (p == NULL || p->finished)
		return;
	p->finished = 1;
	ev_timer_del(p->loop, &p->timer);
	if (!p->tty) {
		if (p->plain_done != (int64_t)p->done)
			plain(p);
		return;
	}
	if (p->o->progress & PROGRESS_BAR) {
		if (p->drawn)
			put("\r\033[K", 4);
	} else {
		draw(p);
		put("\n", 1);
	}
	p->drawn = 0;
}
