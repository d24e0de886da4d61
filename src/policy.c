/*
 * Failure policy bookkeeping: counts, --halt, the median runtime for
 * --timeout N%, the exit status and the failure summary.
 */
#include <sys/wait.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "xmalloc.h"

/*
 * Runtimes go into a log-linear histogram of microseconds: values below
 * 32 exactly, then 32 buckets per power of two, so a bucket is at most
 * 1/32 (3%) wide relative to its value.  1920 counters cover up to 2^64
 * us, 15 KiB whatever the number of jobs.
 */
#define HIST_SUB 32
#define HIST_BUCKETS (HIST_SUB + (64 - 5) * HIST_SUB)

struct policy {
	const struct prun_opts *o;
	uint64_t total; /* jobs in the input, when needed */
	uint64_t started; /* jobs started (first tries) */
	uint64_t done;
	uint64_t failed;
	uint64_t succeeded;
	int halted;
	int halt_status_set;
	int halt_status;
	int deadline;

	uint64_t hist[HIST_BUCKETS];
	uint64_t nhist;
	uint64_t median_us;

	uint64_t seqs[POLICY_SUMMARY_SEQS]; /* smallest failed, ascending */
	int nseqs;
};

struct policy *
policy_new(const struct prun_opts *o)
{
	struct policy *p;

	p = xcalloc(1, sizeof(*p));
	p->o = o;
	return p;
}

void
policy_free(struct policy *p)
{
	free(p);
}

static size_t
hist_index(uint64_t us)
{
	int e;

	if (us < HIST_SUB)
		return (size_t)us;
	e = 63 - __builtin_clzll(us); /* >= 5 */
	return HIST_SUB + (size_t)(e - 5) * HIST_SUB +
	    (size_t)((us >> (e - 5)) & (HIST_SUB - 1));
}

/* The middle of bucket i, in us. */
static uint64_t
hist_value(size_t i)
{
	size_t e, m;
	uint64_t lo, width;

	if (i < HIST_SUB)
		return i;
	e = (i - HIST_SUB) / HIST_SUB + 5;
	m = (i - HIST_SUB) % HIST_SUB;
	width = (uint64_t)1 << (e - 5);
	lo = ((uint64_t)1 << e) + m * width;
	return lo + width / 2;
}

void
policy_record_runtime(struct policy *p, uint64_t ns)
{
	uint64_t rank, seen = 0;
	size_t i;

	p->hist[hist_index(ns / 1000)]++;
	p->nhist++;
	/* The lower median; a walk over fixed buckets. */
	rank = (p->nhist - 1) / 2;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += p->hist[i];
		if (seen > rank)
			break;
	}
	p->median_us = hist_value(i);
}

uint64_t
policy_median_ns(const struct policy *p)
{
	return p->nhist ? p->median_us * 1000 : 0;
}

uint64_t
policy_timeout_ns(const struct policy *p)
{
	if (p->o->timeout_pct > 0)
		return p->nhist ?
		    (uint64_t)(p->o->timeout_pct * (double)p->median_us) *
			1000 :
		    0;
	return p->o->timeout_ns;
}

void
policy_set_total(struct policy *p, uint64_t total)
{
	p->total = total;
}

int
policy_needs_total(const struct policy *p)
{
	return p->o->halt.when != HALT_NEVER && p->o->halt.is_pct;
}

void
policy_job_started(struct policy *p)
{
	p->started++;
}

int
policy_halted(const struct policy *p)
{
	return p->halted;
}

void
policy_deadline(struct policy *p)
{
	p->deadline = 1;
}

uint64_t
policy_failed(const struct policy *p)
{
	return p->failed;
}

uint64_t
policy_done(const struct policy *p)
{
	return p->done;
}

/* Keep the POLICY_SUMMARY_SEQS smallest failed seqs. */
static void
note_failed_seq(struct policy *p, uint64_t seq)
{
	int i;

	if (p->nseqs == POLICY_SUMMARY_SEQS &&
	    seq > p->seqs[POLICY_SUMMARY_SEQS - 1])
		return;
	if (p->nseqs < POLICY_SUMMARY_SEQS)
		p->nseqs++;
	for (i = p->nseqs - 1; i > 0 && p->seqs[i - 1] > seq; i--)
		p->seqs[i] = p->seqs[i - 1];
	p->seqs[i] = seq;
}

/* A job's own status as bash would give it: exit value, or 128 + signal. */
static int
job_status(const struct job *j)
{
	int sig = job_termsig(j);

	if (job_exitval(j) != 0)
		return job_exitval(j) & 0xff;
	return sig ? 128 + sig : 0;
}

/* ceil(100 * n / of), as GNU parallel's percentage exit status. */
static int
pct_ceil(uint64_t n, uint64_t of)
{
	if (of == 0)
		of = 1;
	return (int)((n * 100 + of - 1) / of);
}

enum halt_when
policy_job_done(struct policy *p, const struct job *j)
{
	const struct halt_policy *h = &p->o->halt;
	uint64_t limit;
	double need;
	int failed = job_failed(j);

	p->done++;
	if (failed) {
		p->failed++;
		note_failed_seq(p, j->seq);
	} else {
		p->succeeded++;
		if (p->o->timeout_pct > 0)
			policy_record_runtime(p, j->runtime_ns);
	}
	if (h->when == HALT_NEVER || p->halted)
		return HALT_NEVER;
	/* As GNU parallel: which count this job moves, if any. */
	if (h->why == HALT_DONE)
		limit = p->done;
	else if (h->why == HALT_FAIL && failed)
		limit = p->failed;
	else if (h->why == HALT_SUCCESS && !failed)
		limit = p->succeeded;
	else
		return HALT_NEVER;
	need = h->is_pct ? (double)p->total * h->pct : (double)h->count;
	if ((double)limit < need)
		return HALT_NEVER;
	p->halted = 1;
	p->halt_status_set = 1;
	if (h->why == HALT_SUCCESS)
		p->halt_status = 0;
	else if (need == 1)
		p->halt_status = job_status(j);
	else if (h->is_pct)
		p->halt_status = pct_ceil(p->failed, p->total);
	else
		p->halt_status = p->failed > 100 ? 101 : (int)p->failed;
	return h->when;
}

int
policy_exit_status(const struct policy *p)
{
	const struct halt_policy *h = &p->o->halt;
	int st;

	if (p->halt_status_set)
		st = p->halt_status;
	else if (h->when != HALT_NEVER && h->is_pct)
		st = pct_ceil(p->failed, p->started);
	else
		st = p->failed > 100 ? 101 : (int)p->failed;
	/* A run cut short by --deadline did not succeed. */
	if (p->deadline && st == 0)
		st = 1;
	return st;
}

void
policy_summary(const struct policy *p, FILE *fp)
{
	int i;

	if (p->failed == 0)
		return;
	fprintf(fp, "prun: %" PRIu64 " of %" PRIu64 " job%s failed:", p->failed,
	    p->done, p->done == 1 ? "" : "s");
	for (i = 0; i < p->nseqs; i++)
		fprintf(fp, " %" PRIu64, p->seqs[i]);
	if (p->failed > (uint64_t)p->nseqs)
		fprintf(fp, " ...");
	fputc('\n', fp);
}
