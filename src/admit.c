/*
 * Admission: --load, --memfree, --noswap and make jobserver tokens.
 *
 * A "no" for the machine's state is re-checked by a timer every
 * ADMIT_POLL_NS; a "no" for want of a token waits for the token pipe to
 * become readable.  Neither ever spins.
 */
#include <sys/epoll.h>

#include <err.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admit.h"
#include "procfs.h"
#include "xmalloc.h"

#define MS 1000000ull
#define ADMIT_POLL_NS (250 * MS) /* re-check a "no" this often */
#define LOAD_FRESH_NS (100 * MS) /* a load sample is good this long */
#define MEM_FRESH_NS (10 * MS) /* a memory sample, this long */
#define SWAP_SAMPLE_NS (1000 * MS) /* swap traffic is measured over this */
#define SWAP_FIRST_NS (100 * MS) /* but first over this, to start soon */
#define SAY_AFTER_NS (1000 * MS) /* say why prun waits after this long */

enum why { WHY_NONE, WHY_LOAD, WHY_MEM, WHY_SWAP };

struct admit {
	const struct prun_opts *o;
	struct evloop *loop;
	struct jobserver *js;
	admit_wake_cb *wake;
	void *arg;
	const char *procdir;
	long ncpu;
	int nrunning;

	struct ev_timer timer;
	struct ev_io js_io;

	/* --load: a sample, and the jobs started since it was taken. */
	uint64_t load_at;
	double load;
	int started_since;
	uint64_t psi_at, psi_total;
	double stall; /* share of time a task waited for a CPU, 0..1 */
	int psi; /* pressure/cpu readable */

	/* --memfree */
	uint64_t mem_at;
	uint64_t memavail;
	int mem_known;

	/* --noswap: counters at swap_at, and what the last interval saw. */
	uint64_t swap_at, swin, swout, dswin, dswout;
	int swapping;
	int swap_known; /* a measure was taken */

	/* Why jobs wait, since when, and what was said about it. */
	uint64_t blocked_since;
	enum why why, said;
	int tell; /* reason is news for admit_notice() */
	char reason[256];
};

/* 1536 -> "1.5K": at most one decimal, in K, M, G, T (powers of 1024). */
static void
fmt_size(uint64_t v, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	double d = (double)v;
	int u = -1;

	while (d >= 1024 && u < 5) {
		d /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%" PRIu64, v);
	else if (d - (double)(uint64_t)d < 0.05 || d >= 100)
		snprintf(buf, len, "%.0f%c", d, units[u]);
	else
		snprintf(buf, len, "%.1f%c", d, units[u]);
}

static void sample_swap(struct admit *, uint64_t);

static void
timer_cb(struct ev_timer *t)
{
	struct admit *a = t->arg;

	a->wake(a->arg);
}

static void
token_cb(struct ev_io *io, uint32_t events __unused)
{
	struct admit *a = io->arg;

	ev_io_del(a->loop, &a->js_io);
	a->wake(a->arg);
}

struct admit *
admit_new(const struct prun_opts *o, struct evloop *loop, struct jobserver *js,
    admit_wake_cb *wake, void *arg)
{
	struct admit *a;

	a = xcalloc(1, sizeof(*a));
	a->o = o;
	a->loop = loop;
	a->js = js;
	a->wake = wake;
	a->arg = arg;
	a->procdir = procfs_dir();
	a->ncpu = o->ncpu;
	a->timer.cb = timer_cb;
	a->timer.arg = a;
	a->js_io.cb = token_cb;
	a->js_io.arg = a;
	if (o->noswap)
		sample_swap(a, ev_now());
	return a;
}

void
admit_free(struct admit *a)
{
	if (a == NULL)
		return;
	ev_timer_del(a->loop, &a->timer);
	if (a->js_io.added)
		ev_io_del(a->loop, &a->js_io);
	jobserver_close(a->js);
	free(a);
}

int
admit_active(const struct admit *a)
{
	return a->o->load_max > 0 || a->o->memfree > 0 || a->o->noswap ||
	    a->js != NULL;
}

/* Take a new load sample: runnable tasks, less prun itself reading. */
static void
sample_load(struct admit *a, uint64_t now)
{
	uint64_t total;
	double avg10;
	long n;

	if (procfs_runnable(a->procdir, &n) == 0)
		a->load = n > 0 ? (double)(n - 1) : 0;
	else
		a->load =
		    0; /* unknown: let jobs run rather than wait forever */
	if (procfs_cpu_pressure(a->procdir, &avg10, &total) == 0) {
		if (a->psi && now - a->psi_at >= 50 * MS &&
		    total >= a->psi_total)
			a->stall = (double)(total - a->psi_total) /
			    ((double)(now - a->psi_at) / 1000.0);
		else if (!a->psi)
			a->stall = avg10 / 100.0;
		if (a->stall > 1)
			a->stall = 1;
		if (!a->psi || now - a->psi_at >= 50 * MS) {
			a->psi_at = now;
			a->psi_total = total;
		}
		a->psi = 1;
	} else
		a->psi = 0;
	a->load_at = now;
	a->started_since = 0;
}

static int
load_ok(struct admit *a, uint64_t now)
{
	double est;

	if (a->load_at == 0 || now - a->load_at >= LOAD_FRESH_NS)
		sample_load(a, now);
	/*
	 * Jobs started since the sample may not show in it yet, those still
	 * running at least.  Tasks wait for a CPU only when every CPU is
	 * busy: most of the time means at least one more task than CPUs.
	 */
	est = a->load +
	    (a->started_since < a->nrunning ? a->started_since : a->nrunning);
	if (a->psi && a->stall >= 0.5 && est < (double)a->ncpu + 1)
		est = (double)a->ncpu + 1;
	if (est < a->o->load_max)
		return 1;
	if (a->psi)
		snprintf(a->reason, sizeof(a->reason),
		    "the load is %.0f (%.0f%% CPU pressure), --load is %g", est,
		    a->stall * 100, a->o->load_max);
	else
		snprintf(a->reason, sizeof(a->reason),
		    "the load is %.0f, --load is %g", est, a->o->load_max);
	return 0;
}

static void
sample_mem(struct admit *a, uint64_t now)
{
	if (a->mem_at != 0 && now - a->mem_at < MEM_FRESH_NS)
		return;
	a->mem_known = procfs_memavail(a->procdir, &a->memavail) == 0;
	a->mem_at = now;
}

static int
mem_ok(struct admit *a, uint64_t now)
{
	char have[32], want[32];

	sample_mem(a, now);
	if (!a->mem_known || a->memavail > a->o->memfree)
		return 1;
	fmt_size(a->memavail, have, sizeof(have));
	fmt_size(a->o->memfree, want, sizeof(want));
	snprintf(a->reason, sizeof(a->reason),
	    "%s of memory available, --memfree asks for more than %s", have,
	    want);
	return 0;
}

/* Take a swap sample; with a previous one, measure the traffic since. */
static void
sample_swap(struct admit *a, uint64_t now)
{
	uint64_t in, out;

	if (procfs_swap(a->procdir, &in, &out) == -1) {
		a->swapping = 0;
		a->swap_known = 1;
		a->swap_at = now;
		return;
	}
	if (a->swap_at != 0) {
		a->dswin = in >= a->swin ? in - a->swin : 0;
		a->dswout = out >= a->swout ? out - a->swout : 0;
		a->swapping = a->dswin > 0 && a->dswout > 0;
		a->swap_known = 1;
	}
	a->swin = in;
	a->swout = out;
	a->swap_at = now;
}

static int
swap_ok(struct admit *a, uint64_t now)
{
	/* The first measure is taken over SWAP_FIRST_NS, then each second. */
	if (a->swap_at == 0 ||
	    now - a->swap_at >=
		(a->swap_known ? SWAP_SAMPLE_NS : SWAP_FIRST_NS))
		sample_swap(a, now);
	if (!a->swap_known) {
		snprintf(a->reason, sizeof(a->reason),
		    "measuring swap traffic for --noswap");
		return 0;
	}
	if (!a->swapping)
		return 1;
	snprintf(a->reason, sizeof(a->reason),
	    "the machine is swapping (%" PRIu64 " pages in, %" PRIu64
	    " out in a second), --noswap",
	    a->dswin, a->dswout);
	return 0;
}

static void
arm(struct admit *a, uint64_t when)
{
	if (!ev_timer_armed(&a->timer) || a->timer.when > when)
		ev_timer_at(a->loop, &a->timer, when);
}

/*
 * Hold jobs back for why; once a while passed with none running, have
 * admit_notice() say so.
 */
static int
hold(struct admit *a, enum why why, uint64_t now)
{
	if (a->blocked_since == 0)
		a->blocked_since = now;
	a->why = why;
	arm(a, now + ADMIT_POLL_NS);
	if (a->nrunning == 0 && a->said != why &&
	    now - a->blocked_since >= SAY_AFTER_NS) {
		a->tell = 1;
		a->said = why;
	}
	return 0;
}

const char *
admit_notice(struct admit *a)
{
	if (!a->tell)
		return NULL;
	a->tell = 0;
	return a->reason;
}

int
admit_try(struct admit *a, int nrunning)
{
	uint64_t now;

	a->nrunning = nrunning;
	if (!admit_active(a))
		return 1;
	now = ev_now();
	if (a->o->load_max > 0 && !load_ok(a, now))
		return hold(a, WHY_LOAD, now);
	if (a->o->memfree > 0 && !mem_ok(a, now))
		return hold(a, WHY_MEM, now);
	if (a->o->noswap && !swap_ok(a, now)) {
		if (!a->swap_known)
			arm(a, a->swap_at + SWAP_FIRST_NS);
		return hold(a, WHY_SWAP, now);
	}
	/* The first job runs on prun's own slot; each other needs a token. */
	if (a->js != NULL && nrunning >= 1 + jobserver_held(a->js) &&
	    !jobserver_take(a->js)) {
		if (!a->js_io.added &&
		    ev_io_add(a->loop, &a->js_io, jobserver_fd(a->js),
			EPOLLIN) == -1)
			err(PRUN_EXIT_ERROR, "epoll_ctl");
		return 0;
	}
	a->blocked_since = 0;
	a->said = WHY_NONE;
	a->started_since++;
	return 1;
}

void
admit_settle(struct admit *a, int nrunning)
{
	int need = nrunning > 0 ? nrunning - 1 : 0;

	a->nrunning = nrunning;
	while (a->js != NULL && jobserver_held(a->js) > need)
		jobserver_give(a->js);
	if (a->o->memfree > 0 && nrunning > 0)
		arm(a, ev_now() + ADMIT_POLL_NS);
}

int
admit_memory_low(struct admit *a, char *buf, size_t len)
{
	char have[32], want[32];

	if (a->o->memfree == 0)
		return 0;
	sample_mem(a, ev_now());
	if (!a->mem_known || a->memavail >= a->o->memfree / 2)
		return 0;
	fmt_size(a->memavail, have, sizeof(have));
	fmt_size(a->o->memfree, want, sizeof(want));
	snprintf(buf, len,
	    "%s of memory available, less than half of "
	    "--memfree %s",
	    have, want);
	return 1;
}
