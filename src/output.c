/*
 * Output: prints each finished job's spooled stdout and stderr, whole and
 * contiguous, in completion order or (with -k) in dispatch order.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "cigroup.h"
#include "fd.h"
#include "output.h"
#include "xmalloc.h"

struct output {
	const struct prun_opts *opts;
	/* -k: ring of finished jobs indexed by ord, from `next` on. */
	struct job **ring;
	size_t cap;
	uint64_t next;
	size_t waiting;
};

/* Marks a dispatched job that will never be printed. */
static struct job skipped;

struct output *
output_new(const struct prun_opts *opts)
{
	struct output *out;

	out = xcalloc(1, sizeof(*out));
	out->opts = opts;
	return out;
}

void
output_free(struct output *out)
{
	size_t i;

	if (out == NULL)
		return;
	for (i = 0; i < out->cap; i++)
		if (out->ring[i] != NULL && out->ring[i] != &skipped)
			job_free(out->ring[i]);
	free(out->ring);
	free(out);
}

size_t
output_waiting(const struct output *out)
{
	return out->waiting;
}

/* Copy one spool to fd; -1 with errno when fd failed. */
static int
print_spool(int spool, uint64_t len, int fd)
{
	if (spool == -1 || len == 0)
		return 0;
	return fd_copy_all(spool, fd, (off_t)len);
}

static int
print_job(struct output *out, struct job *j)
{
	enum prun_ci ci = out->opts->ci_groups;
	int fd = out->opts->out_fd, r;

	r = cigroup_begin(ci, j, fd);
	if (r == 0)
		r = print_spool(j->outfd, j->out_bytes, fd);
	if (r == 0)
		r = print_spool(j->errfd, j->err_bytes, STDERR_FILENO);
	if (r == 0)
		r = cigroup_end(ci, j, fd, STDERR_FILENO);
	job_free(j);
	return r;
}

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

/* Print what is now at the front of the ring. */
static int
ring_drain(struct output *out)
{
	struct job *j;
	size_t i;
	int r = 0;

	while (
	    out->cap > 0 && (j = out->ring[i = out->next % out->cap]) != NULL) {
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
