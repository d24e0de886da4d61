/*
 * Unit tests for policy.c (the runtime median, --halt, exit statuses, the
 * failure summary) and joblog.c (row format, the resume set).
 */
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "joblog.h"
#include "policy.h"
#include "tap.h"

static struct job *
mkjob(uint64_t seq, int exitval)
{
	struct job *j = job_new(seq, "cmd", 3);

	j->wstatus = exitval << 8;
	return j;
}

/* Feed jobs with these exit values, one by one; returns the first halt. */
static enum halt_when
feed(struct policy *p, const int *vals, int n, int *at)
{
	enum halt_when h;
	int i;

	for (i = 0; i < n; i++) {
		struct job *j = mkjob((uint64_t)i + 1, vals[i]);

		policy_job_started(p);
		h = policy_job_done(p, j);
		job_free(j);
		if (h != HALT_NEVER) {
			*at = i + 1;
			return h;
		}
	}
	*at = 0;
	return HALT_NEVER;
}

static void
test_median(void)
{
	struct prun_opts o;
	struct policy *p;
	uint64_t m;
	int i;

	memset(&o, 0, sizeof(o));
	o.timeout_pct = 2.0;
	p = policy_new(&o);
	tap_ok(policy_timeout_ns(p) == 0, "N%: no timeout before a success");
	for (i = 1; i <= 1001; i++)
		policy_record_runtime(p, (uint64_t)i * 1000000); /* i ms */
	m = policy_median_ns(p);
	tap_ok(m > 501000000ull * 96 / 100 && m < 501000000ull * 104 / 100,
	    "median of 1..1001 ms is 501 ms within 4%");
	tap_ok(policy_timeout_ns(p) > m * 19 / 10 &&
		policy_timeout_ns(p) < m * 21 / 10,
	    "200% is twice the median");
	/* A million more samples: the same fixed memory, a new median. */
	for (i = 0; i < 1000000; i++)
		policy_record_runtime(p, 7000000000ull);
	m = policy_median_ns(p);
	tap_ok(m > 7000000000ull * 96 / 100 && m < 7000000000ull * 104 / 100,
	    "the median follows the bulk of the samples");
	policy_record_runtime(p, 0);
	policy_record_runtime(p, UINT64_MAX);
	tap_ok(1, "extreme runtimes fit the histogram");
	policy_free(p);
}

static void
test_halt(void)
{
	static const int ten[] = { 0, 4, 0, 5, 6, 0, 7, 0, 0, 0 };
	struct prun_opts o;
	struct policy *p;
	int at;

	memset(&o, 0, sizeof(o));
	o.halt.when = HALT_NOW;
	o.halt.why = HALT_FAIL;
	o.halt.count = 1;
	p = policy_new(&o);
	tap_ok(feed(p, ten, 10, &at) == HALT_NOW && at == 2,
	    "now,fail=1 halts on the first failure");
	tap_ok(policy_exit_status(p) == 4, "fail=1: the job's own status");
	policy_free(p);

	o.halt.when = HALT_SOON;
	o.halt.count = 3;
	p = policy_new(&o);
	tap_ok(feed(p, ten, 10, &at) == HALT_SOON && at == 5,
	    "soon,fail=3 halts on the third failure");
	tap_ok(policy_exit_status(p) == 3, "fail=3: the failed count");
	policy_free(p);

	o.halt.is_pct = 1;
	o.halt.pct = 0.3;
	p = policy_new(&o);
	policy_set_total(p, 10);
	tap_ok(policy_needs_total(p), "a percentage needs the total");
	tap_ok(feed(p, ten, 10, &at) == HALT_SOON && at == 5,
	    "fail=30% of 10 halts on the third failure");
	tap_ok(policy_exit_status(p) == 30, "fail=30%: the percentage");
	policy_free(p);

	o.halt.is_pct = 0;
	o.halt.why = HALT_SUCCESS;
	o.halt.count = 3;
	p = policy_new(&o);
	tap_ok(feed(p, ten, 10, &at) == HALT_SOON && at == 6,
	    "success=3 halts on the third success");
	tap_ok(policy_exit_status(p) == 0, "success: status 0");
	policy_free(p);

	o.halt.why = HALT_DONE;
	o.halt.count = 1;
	p = policy_new(&o);
	tap_ok(feed(p, ten, 10, &at) == HALT_SOON && at == 1,
	    "done=1 halts on the first job");
	tap_ok(policy_exit_status(p) == 0, "done=1: that job's status");
	policy_free(p);

	memset(&o, 0, sizeof(o));
	p = policy_new(&o);
	tap_ok(feed(p, ten, 10, &at) == HALT_NEVER, "never never halts");
	tap_ok(policy_exit_status(p) == 4, "never: the failed count");
	policy_deadline(p);
	tap_ok(policy_exit_status(p) == 4, "a deadline keeps a failed count");
	policy_free(p);
	p = policy_new(&o);
	policy_deadline(p);
	tap_ok(policy_exit_status(p) == 1, "a deadline alone is a failure");
	policy_free(p);
}

static void
test_summary(void)
{
	struct prun_opts o;
	struct policy *p;
	char buf[256];
	FILE *fp;
	int i, at, vals[40];

	memset(&o, 0, sizeof(o));
	p = policy_new(&o);
	/* Failures finishing in descending seq order: the smallest ten. */
	for (i = 40; i >= 1; i--) {
		struct job *j = mkjob((uint64_t)i, i % 3 == 0 ? 1 : 0);

		policy_job_done(p, j);
		job_free(j);
	}
	fp = fmemopen(buf, sizeof(buf), "w");
	policy_summary(p, fp);
	fclose(fp);
	tap_ok(strcmp(buf,
		   "prun: 13 of 40 jobs failed: 3 6 9 12 15 18 21 24 "
		   "27 30 ...\n") == 0,
	    "summary: count, total, the ten smallest seqs");
	policy_free(p);

	p = policy_new(&o);
	memset(vals, 0, sizeof(vals));
	feed(p, vals, 5, &at);
	memset(buf, 0, sizeof(buf));
	fp = fmemopen(buf, sizeof(buf), "w");
	policy_summary(p, fp);
	fclose(fp);
	tap_ok(buf[0] == '\0', "no failure, no summary");
	policy_free(p);
}

static void
test_joblog(void)
{
	struct seqset *s;
	struct job *j;
	char buf[256];
	uint64_t i;

	j = job_new(7, "echo a\nb", 8);
	j->start_real_ns = 1700000000123456789ull;
	j->runtime_ns = 2999999999ull;
	j->out_bytes = 12;
	j->wstatus = 3 << 8;
	joblog_format(j, buf, sizeof(buf));
	tap_ok(memcmp(buf,
		   "7\t:\t1700000000.123\t     2.999\t0\t12\t3\t0\techo "
		   "a\0b\n",
		   46) == 0,
	    "row: fields, runtime truncated to ms, newline as NUL");
	j->timed_out = 1;
	j->wstatus = SIGTERM;
	joblog_format(j, buf, sizeof(buf));
	tap_ok(strstr(buf, "\t-1\t15\t") != NULL, "timed out: -1 and 15");
	job_free(j);

	s = seqset_new();
	for (i = 1; i <= 100000; i++)
		if (i % 1000 != 0)
			seqset_add(s, i);
	tap_ok(seqset_runs(s) == 100, "a log with 99 gaps is 100 runs");
	tap_ok(seqset_has(s, 1) && seqset_has(s, 999) && !seqset_has(s, 1000) &&
		seqset_has(s, 1001) && !seqset_has(s, 100000) &&
		!seqset_has(s, 100001),
	    "membership");
	for (i = 1000; i <= 100000; i += 1000)
		seqset_add(s, i);
	tap_ok(seqset_runs(s) == 1, "filling the gaps merges the runs");
	seqset_add(s, 5);
	seqset_add(s, 200000);
	seqset_add(s, 150000);
	seqset_add(s, 150001);
	seqset_add(s, 149999);
	tap_ok(seqset_runs(s) == 3 && seqset_has(s, 150000) &&
		!seqset_has(s, 149998),
	    "out-of-order adds");
	seqset_free(s);
	tap_ok(!seqset_has(NULL, 1), "no set: nothing is done");
}

int
main(void)
{
	test_median();
	test_halt();
	test_summary();
	test_joblog();
	return tap_done();
}
