/*
 * Reports: hands each event of the run to every report that is open, and
 * gives up a report (saying so once) when it can't be written.
 */
#include <err.h>
#include <errno.h>
#include <stdlib.h>

#include "jsonl.h"
#include "junit.h"
#include "report.h"
#include "xmalloc.h"

struct report {
	const struct prun_opts *o;
	struct junit *junit;
	struct jsonl *json;
};

struct report *
report_open(const struct prun_opts *o)
{
	struct report *r;

	r = xcalloc(1, sizeof(*r));
	r->o = o;
	if (o->json != NULL)
		r->json = jsonl_open(o->json, o->tagstring);
	if (o->junit != NULL)
		r->junit = junit_open(o->junit, o);
	return r;
}

void
report_free(struct report *r)
{
	if (r == NULL)
		return;
	junit_free(r->junit);
	jsonl_free(r->json);
	free(r);
}

int
report_active(const struct report *r)
{
	return r->junit != NULL || r->json != NULL;
}

/* A report failed: say so (unless its reader left) and give it up. */
static int
junit_failed(struct report *r)
{
	int saved = errno;

	warnc(saved, "--junit %s", r->o->junit);
	junit_free(r->junit);
	r->junit = NULL;
	errno = saved;
	return -1;
}

static int
json_failed(struct report *r)
{
	int saved = errno;

	if (saved != EPIPE)
		warnc(saved, "--json %s", r->o->json);
	jsonl_free(r->json);
	r->json = NULL;
	errno = saved;
	return -1;
}

int
report_run_start(struct report *r, const struct report_run *run)
{
	if (r->junit != NULL)
		junit_run_start(r->junit, run);
	if (r->json != NULL && jsonl_run_start(r->json, run) == -1)
		return json_failed(r);
	return 0;
}

int
report_job_start(struct report *r, const struct job *j)
{
	if (r->json != NULL && jsonl_job_start(r->json, j) == -1)
		return json_failed(r);
	return 0;
}

int
report_job_end(struct report *r, const struct job *j, int retrying)
{
	int ret = 0;

	if (r->junit != NULL && !retrying && junit_job_end(r->junit, j) == -1)
		ret = junit_failed(r);
	if (r->json != NULL && jsonl_job_end(r->json, j, retrying) == -1)
		ret = json_failed(r);
	return ret;
}

int
report_job_skip(struct report *r, const struct job *j, const char *why)
{
	int ret = 0;

	if (r->junit != NULL && junit_job_skip(r->junit, j, why) == -1)
		ret = junit_failed(r);
	if (r->json != NULL && jsonl_job_skip(r->json, j, why) == -1)
		ret = json_failed(r);
	return ret;
}

int
report_run_end(struct report *r, struct report_end *end)
{
	int ret = 0;

	if (r->junit != NULL) {
		if (junit_finish(r->junit, end) == -1) {
			ret = junit_failed(r);
			end->exit_status = PRUN_EXIT_ERROR;
		} else {
			junit_free(r->junit);
			r->junit = NULL;
		}
	}
	if (r->json != NULL) {
		if (jsonl_run_end(r->json, end) == -1)
			ret = json_failed(r);
		else {
			jsonl_free(r->json);
			r->json = NULL;
		}
	}
	return ret;
}
